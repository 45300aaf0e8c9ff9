//! `remove`: the entry, and its secret where it can be reached.

use crate::support::*;

fn add(user: &User, args: &[&str], token: &str) -> std::process::Output {
    let mut all = vec!["add"];
    all.extend_from_slice(args);
    user.helper(&all, &format!("{token}\n"))
}

#[test]
fn remove_works_when_the_keyring_is_gone_and_says_what_remains() {
    let Some(keyring) = KeyringSession::start() else {
        return;
    };
    let mut user = User::new();
    keyring.admit(&mut user);
    assert_ok(&add(
        &user,
        &["https://bitbucket.org/acme/", "--store", "keyring"],
        "ATCTT-in-keyring",
    ));
    assert!(keyring.holds("acme"));
    assert_ok(&add(
        &user,
        &["https://bitbucket.org/other/", "--store", "keyring"],
        "ATCTT-other",
    ));
    // Removed while it answers: the secret goes, and it says so.
    let out = user.helper(&["remove", "other"], "");
    assert_ok(&out);
    assert_eq!(
        stdout(&out),
        "Removed entry 'other' and its secret in the OS keyring.\n"
    );
    assert!(!keyring.holds("other"));
    // The keyring daemon stops.
    drop(keyring);
    let out = user.helper(&["remove", "acme"], "");
    assert_ok(&out);
    let said = stdout(&out);
    assert!(
        said.starts_with("Removed entry 'acme'. Its secret may remain in the OS keyring, which could not be reached")
            && said.contains("`secret-tool clear service git-credential-bitbucket username acme`"),
        "{said}"
    );
    assert!(!said.contains("doctor"));
    let text = std::fs::read_to_string(user.config_path()).unwrap();
    assert!(!text.contains("acme"), "{text}");
    // Credentials learned from git, removed by URL; list says how.
    assert_ok(&user.helper(
        &["store"],
        "protocol=https\nhost=git.other.example\nusername=u\npassword=p\n\n",
    ));
    let list = user.helper(&["list"], "");
    assert!(
        stdout(&list).contains("`git credential-bitbucket remove --learned URL` removes them"),
        "{}",
        stdout(&list)
    );
    let out = user.helper(&["remove", "--learned", "https://git.other.example"], "");
    assert_ok(&out);
    assert_eq!(
        stdout(&out),
        "Removed 1 credential learned from git for https://git.other.example.\n"
    );
    let out = user.helper(&["get"], "protocol=https\nhost=git.other.example\n\n");
    assert_eq!(stdout(&out), "");
}
