//! `migrate`: an app password replaced by an API token only once the token works.

use crate::support::*;

const TOKEN: &str = "ATATT3xFfGF0-commands-api-token";

const EMAIL: &str = "jdoe@example.com";

fn cloud_user(bb: &Bitbucket) -> User {
    User::with_helper_for(bb, "https://bitbucket.org")
}

fn run(user: &User, args: &[&str], input: &str) -> std::process::Output {
    user.helper(args, input)
}

#[test]
fn migrate_replaces_an_app_password_only_after_the_new_token_works() {
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    bb.add(Token::AppPassword {
        username: "jdoe".into(),
        secret: "ATBB-old".into(),
    });
    bb.remove_app_passwords();
    let user = cloud_user(&bb);
    user.write_config(
        r#"# mine
[[credential]]
name = "old"
kind = "app-password"
username = "jdoe"
url = "https://bitbucket.org/acme/"
secret = "file"
"#,
    );
    user.write_secrets(&[("old", "ATBB-old")]);
    let api = format!("https://{}", bb.ip);
    // A token Bitbucket does not know: the old entry stays as it was.
    let out = run(
        &user,
        &["migrate", "--email", EMAIL, "--api-base", &api],
        &format!("{TOKEN}\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("the new token was not accepted, so 'old' was left as it is"),
        "{}",
        stderr(&out)
    );
    assert!(std::fs::read_to_string(user.config_path())
        .unwrap()
        .contains("app-password"));
    assert!(std::fs::read_to_string(user.secret_file("old"))
        .unwrap()
        .contains("ATBB-old"));
    bb.add(Token::ApiToken {
        username: "jdoe".into(),
        email: EMAIL.into(),
        secret: TOKEN.into(),
    });
    let out = run(
        &user,
        &[
            "migrate",
            "--email",
            EMAIL,
            "--api-base",
            &api,
            "--expires",
            "2099-01-01",
        ],
        &format!("{TOKEN}\n"),
    );
    assert_ok(&out);
    assert!(stdout(&out).contains("'old' is now an API token"));
    let config = std::fs::read_to_string(user.config_path()).unwrap();
    assert!(
        config.starts_with("# mine\n")
            && config.contains(r#"kind = "api-token""#)
            && config.contains(EMAIL)
            && config.contains("url = \"https://bitbucket.org/acme/\""),
        "{config}"
    );
    assert_eq!(
        std::fs::read_to_string(user.secret_file("old")).unwrap(),
        TOKEN
    );
    let clone = user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w"]);
    assert_ok(&clone);
    assert_eq!(stderr(&clone), "", "no app-password warning any more");
}
