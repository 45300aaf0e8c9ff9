//! `rotate`: a new token in place of an expired one, where the old one lived.

use crate::support::*;

const OLD: &str = "ATATT3xFfGF0-day-two-old-token";

const NEW: &str = "ATATT3xFfGF0-day-two-new-token";

const EMAIL: &str = "jdoe@example.com";

fn api_token(secret: &str) -> Token {
    Token::ApiToken {
        username: "jdoe".into(),
        email: EMAIL.into(),
        secret: secret.into(),
    }
}

fn add(user: &User, args: &[&str], token: &str) -> std::process::Output {
    let mut all = vec!["add"];
    all.extend_from_slice(args);
    user.helper(&all, &format!("{token}\n"))
}

#[test]
fn an_expired_token_is_rotated_in_place_and_cloning_works_again() {
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    bb.add(api_token(OLD));
    let mut user = User::with_helper_for(&bb, "https://bitbucket.org");
    user.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    let out = add(
        &user,
        &[
            "https://bitbucket.org/acme/",
            "--username",
            "jdoe",
            "--email",
            EMAIL,
            "--expires",
            "2099-01-01",
        ],
        OLD,
    );
    assert_ok(&out);
    assert_ok(&user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w"]));
    // A year later: the token expired (the date is edited here, as time
    // would), and Bitbucket no longer takes it. git 2.41 and later drop
    // the credential themselves (its password_expiry_utc has passed);
    // older gits send it and get the 401.
    let config = std::fs::read_to_string(user.config_path()).unwrap();
    user.write_config(&config.replace("2099-01-01", "2020-01-01"));
    bb.revoke(OLD);
    let fetch = user.git(&["-C", "w", "fetch", "-q"]);
    assert!(!fetch.status.success(), "an expired token fetches nothing");
    let err = stderr(&fetch);
    assert!(
        err.contains("git-credential-bitbucket: entry 'acme' expired on 2020-01-01; create a new token in Bitbucket and store it with `git credential-bitbucket rotate acme`"),
        "{err}"
    );
    // Following the old advice, `add` again: refused, naming rotate, and
    // no second entry is made.
    let again = add(
        &user,
        &[
            "https://bitbucket.org/acme/",
            "--username",
            "jdoe",
            "--email",
            EMAIL,
        ],
        NEW,
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again)
            .contains("entry 'acme' already covers https://bitbucket.org/acme for this username")
            && stderr(&again).contains("run `git credential-bitbucket rotate acme`"),
        "{}",
        stderr(&again)
    );
    assert_eq!(
        std::fs::read_to_string(user.config_path()).unwrap(),
        config.replace("2099-01-01", "2020-01-01")
    );
    // The routine: rotate, then git works again. rotate asks Bitbucket
    // first: a mistyped token replaces nothing.
    bb.add(api_token(NEW));
    let rotate = |args: &[&str], token: &str| {
        let mut cmd = user.resolving(&bb, helper_exe());
        cmd.args(args);
        user.run_input(&mut cmd, &format!("{token}\n"))
    };
    let secret_before = std::fs::read(user.secret_file("acme")).unwrap();
    let typo = format!("{NEW}x");
    let refused = rotate(&["rotate", "acme"], &typo);
    assert_eq!(refused.status.code(), Some(1), "{}", stdout(&refused));
    assert!(
        stderr(&refused).contains("nothing was replaced"),
        "{}",
        stderr(&refused)
    );
    assert!(!stderr(&refused).contains(&typo));
    assert_eq!(
        std::fs::read(user.secret_file("acme")).unwrap(),
        secret_before
    );
    // Offline, --no-verify takes the token as typed.
    let offline = user.helper(&["rotate", "acme", "--no-verify"], &format!("{typo}\n"));
    assert_ok(&offline);
    assert_ne!(
        std::fs::read(user.secret_file("acme")).unwrap(),
        secret_before
    );
    let rotated = rotate(&["rotate", "acme", "--expires", "2099-06-01"], NEW);
    assert_ok(&rotated);
    assert_eq!(
        stdout(&rotated),
        format!(
            "Replaced the secret of entry 'acme' in {}; it expires on 2099-06-01.\n",
            "the file store"
        )
    );
    let text = std::fs::read_to_string(user.config_path()).unwrap();
    assert!(
        text.contains("expires = \"2099-06-01\"") && text.matches("[[credential]]").count() == 1,
        "{text}"
    );
    let fetch = user.git(&["-C", "w", "fetch", "-q"]);
    assert_ok(&fetch);
    assert_eq!(stderr(&fetch), "");
    assert!(bb
        .requests()
        .iter()
        .any(|s| s.auth == Presented::Basic("jdoe".into(), NEW.into()) && s.status == 200));
}
