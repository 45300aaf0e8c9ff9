//! The management commands, run as a person runs them, against the local
//! Bitbucket stand-in, a real Secret Service and real git configuration.

mod support;

use std::os::unix::fs::PermissionsExt;

use support::*;

const TOKEN: &str = "ATATT3xFfGF0-commands-api-token";
const EMAIL: &str = "jdoe@example.com";

fn cloud_user(bb: &Bitbucket) -> User {
    User::with_helper_for(bb, "https://bitbucket.org")
}

fn run(user: &User, args: &[&str], input: &str) -> std::process::Output {
    user.helper(args, input)
}

#[test]
fn add_to_the_keyring_then_clone_then_remove() {
    let Some(keyring) = KeyringSession::start() else {
        return;
    };
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    bb.add(Token::ApiToken {
        username: "jdoe".into(),
        email: EMAIL.into(),
        secret: TOKEN.into(),
    });
    let mut user = cloud_user(&bb);
    keyring.admit(&mut user);
    let out = run(
        &user,
        &[
            "add",
            "https://bitbucket.org/acme/",
            "--username",
            "jdoe",
            "--email",
            EMAIL,
        ],
        &format!("{TOKEN}\n"),
    );
    assert_ok(&out);
    assert!(stdout(&out).contains("Added entry 'acme' (an api-token) for https://bitbucket.org/acme/; its secret is in the OS keyring (the OS keyring answered)"), "{}", stdout(&out));
    assert!(keyring.holds("acme"));
    let config = std::fs::read_to_string(user.config_path()).unwrap();
    assert!(
        config.contains("secret = \"keyring\"") && !config.contains(TOKEN),
        "{config}"
    );
    assert!(!user.secrets_dir().exists(), "nothing in the file store");
    assert_ok(&user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w"]));
    assert!(bb
        .requests()
        .iter()
        .any(|s| s.auth == Presented::Basic("jdoe".into(), TOKEN.into()) && s.status == 200));

    let out = run(&user, &["remove", "acme"], "");
    assert_ok(&out);
    assert!(stdout(&out).contains("Removed entry 'acme' and its secret in the OS keyring"));
    assert!(!keyring.holds("acme"));
    assert!(!std::fs::read_to_string(user.config_path())
        .unwrap()
        .contains("acme"));
    let clone = user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w2"]);
    assert!(!clone.status.success());
    assert!(
        stderr(&clone).contains("could not read Username for 'https://bitbucket.org"),
        "{}",
        stderr(&clone)
    );
}

#[test]
fn an_unreachable_keyring_is_named_on_get_and_auto_falls_back_to_the_file() {
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    let mut user = cloud_user(&bb);
    // No session bus at all: the keyring cannot answer.
    user.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    user.write_config("[[credential]]\nname = \"acme\"\nkind = \"api-token\"\nurl = \"https://bitbucket.org/acme/\"\nsecret = \"keyring\"\n");
    let clone = user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w"]);
    assert!(!clone.status.success());
    let lines: Vec<String> = stderr(&clone)
        .lines()
        .filter(|l| l.contains("git-credential-bitbucket"))
        .map(str::to_owned)
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0]
            .contains("entry 'acme' keeps its secret in the OS keyring, which cannot be reached")
            && lines[0].contains("doctor"),
        "{lines:?}"
    );

    std::fs::remove_file(user.config_path()).unwrap();
    let out = run(
        &user,
        &["add", "https://bitbucket.org/acme/widget", "--name", "w"],
        "ATCTT-widget\n",
    );
    assert_ok(&out);
    let said = stdout(&out);
    assert!(
        said.contains(&format!(
            "its secret is in {}",
            user.secret_file("w").display()
        )) && said.contains("the OS keyring did not answer"),
        "{said}"
    );
    let config = std::fs::read_to_string(user.config_path()).unwrap();
    assert!(
        config.contains("kind = \"access-token\"")
            && config.contains("scope = \"repository\"")
            && config.contains("secret = \"file\""),
        "{config}"
    );
    assert_eq!(
        std::fs::metadata(user.secret_file("w"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
}

#[test]
fn a_failure_between_secret_and_entry_leaves_neither() {
    let Some(keyring) = KeyringSession::start() else {
        return;
    };
    let bb = Bitbucket::start();
    let mut user = cloud_user(&bb);
    keyring.admit(&mut user);
    let add = |user: &User| {
        run(
            user,
            &[
                "add",
                "https://bitbucket.org/acme/",
                "--name",
                "acme",
                "--store",
                "keyring",
            ],
            &format!("{TOKEN}\n"),
        )
    };
    // A configuration directory that cannot be created, even by root:
    // nothing is written at all.
    user.env(
        "GIT_CREDENTIAL_BITBUCKET_CONFIG",
        "/proc/self/no-such-dir/config.toml",
    );
    let out = add(&user);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.starts_with("git-credential-bitbucket: not saved: could not use the directory of /proc/self/no-such-dir/config.toml"), "{err}");
    assert_eq!(err.lines().count(), 1);
    assert!(!keyring.holds("acme"));
    // A directory that can be locked and read but where no file can be
    // made: the secret goes into the keyring, the configuration cannot be
    // written, and the secret is taken back out.
    user.env(
        "GIT_CREDENTIAL_BITBUCKET_CONFIG",
        "/proc/self/fd/config.toml",
    );
    let out = add(&user);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with(
            "git-credential-bitbucket: not saved: could not write /proc/self/fd/config.toml"
        ),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
    assert!(!err.contains(TOKEN));
    assert!(
        !keyring.holds("acme"),
        "the secret written first was taken back"
    );
}

#[test]
fn add_recognises_kinds_refuses_app_passwords_and_checks_before_saving() {
    let bb = Bitbucket::start();
    let mut user = cloud_user(&bb);
    user.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    let out = run(
        &user,
        &["add", "https://bitbucket.org/", "--username", "jdoe"],
        "ATBBold-app-password\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("Bitbucket removed app passwords on 2026-07-28; create an API token instead (or pass --force"));
    let out = run(&user, &["add", "https://bitbucket.org/"], "opaque-token\n");
    assert!(stderr(&out).contains("pass --kind"), "{}", stderr(&out));
    // --verify with a token Bitbucket refuses: nothing is saved.
    let api = format!("https://{}", bb.ip);
    let out = run(
        &user,
        &[
            "add",
            "https://bitbucket.org/acme/",
            "--email",
            EMAIL,
            "--verify",
            "--api-base",
            &api,
        ],
        &format!("{TOKEN}\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not saved: Bitbucket answered") && stderr(&out).contains("401"),
        "{}",
        stderr(&out)
    );
    assert!(!user.config_path().exists() && !user.secrets_dir().exists());
    bb.add(Token::ApiToken {
        username: "jdoe".into(),
        email: EMAIL.into(),
        secret: TOKEN.into(),
    });
    let out = run(
        &user,
        &[
            "add",
            "https://bitbucket.org/acme/",
            "--email",
            EMAIL,
            "--verify",
            "--api-base",
            &api,
            "--expires",
            "2099-01-31",
        ],
        &format!("{TOKEN}\n"),
    );
    assert_ok(&out);
    let list = run(&user, &["list"], "");
    assert_ok(&list);
    let table = stdout(&list);
    assert!(
        table.lines().next().unwrap().starts_with("NAME  KIND"),
        "{table}"
    );
    assert!(
        table.contains("acme  api-token  https://bitbucket.org/acme/  <jdoe@example.com>  file")
            && table.contains("2099-01-31 ("),
        "{table}"
    );
    assert!(!table.contains(TOKEN));
}

#[test]
fn setup_twice_writes_one_set_of_lines_and_git_then_uses_the_helper() {
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    bb.add(Token::ApiToken {
        username: "jdoe".into(),
        email: EMAIL.into(),
        secret: TOKEN.into(),
    });
    let user = User::reaching(&bb);
    let first = run(&user, &["setup"], "");
    assert_ok(&first);
    let helper = helper_exe();
    assert!(
        stdout(&first).contains(&format!("git now runs {helper} for https://bitbucket.org")),
        "{}",
        stdout(&first)
    );
    let after_first = std::fs::read_to_string(user.path(".gitconfig")).unwrap();
    // The same URL written another way changes nothing.
    let second = run(
        &user,
        &["setup", "--global", "https://BITBUCKET.ORG:443/"],
        "",
    );
    assert_ok(&second);
    assert!(
        stdout(&second).contains("nothing changed"),
        "{}",
        stdout(&second)
    );
    assert_eq!(
        std::fs::read_to_string(user.path(".gitconfig")).unwrap(),
        after_first
    );
    let helpers = user.git(&[
        "config",
        "--global",
        "--get-all",
        "credential.https://bitbucket.org.helper",
    ]);
    assert_eq!(stdout(&helpers), format!("\n{helper}\n"));
    let path = user.git(&[
        "config",
        "--global",
        "--get",
        "credential.https://bitbucket.org.usehttppath",
    ]);
    assert_eq!(stdout(&path), "true\n");
    user.write_config("[[credential]]\nname = \"acme\"\nkind = \"api-token\"\nurl = \"https://bitbucket.org/acme/\"\nsecret = \"file\"\n");
    user.write_secrets(&[("acme", TOKEN)]);
    assert_ok(&user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w"]));
    // A Data Center server, written to a system file named by GIT_CONFIG_SYSTEM.
    let mut user = user;
    let system = user.path("etc/gitconfig");
    user.env("GIT_CONFIG_SYSTEM", system.to_str().unwrap());
    assert_ok(&run(
        &user,
        &[
            "setup",
            "--system",
            &format!("https://{DC_HOST}:{DC_PORT}/"),
        ],
        "",
    ));
    let text = std::fs::read_to_string(&system).unwrap();
    assert!(
        text.contains(&format!("[credential \"https://{DC_HOST}:{DC_PORT}\"]"))
            && text.contains("useHttpPath = true"),
        "{text}"
    );
}

#[test]
fn doctor_fails_on_the_ties_get_meets() {
    let user = User::new();
    user.use_helper_for("https://bitbucket.org");
    // Two Cloud project tokens whose repos overlap but differ: get refuses
    // both for acme/api (tests/helper_protocol.rs), and so does doctor.
    user.write_config("[[credential]]\nname = \"p1\"\nkind = \"access-token\"\nscope = \"project\"\nurl = \"https://bitbucket.org/acme/\"\nrepos = [\"acme/api\", \"acme/web\"]\nsecret = \"file\"\n\
[[credential]]\nname = \"p2\"\nkind = \"access-token\"\nscope = \"project\"\nurl = \"https://bitbucket.org/acme/\"\nrepos = [\"acme/api\", \"acme/mobile\"]\nsecret = \"file\"\n");
    user.write_secrets(&[("p1", "ATCTT-p1"), ("p2", "ATCTT-p2")]);
    let out = run(&user, &["doctor"], "");
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let report = stdout(&out);
    let fails: Vec<&str> = report.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert_eq!(
        fails,
        ["FAIL  entries 'p1' and 'p2' have the same scope for https://bitbucket.org/acme/api, so neither is used; give each its own `username` (then the username in the remote URL picks one), give them different urls, or remove the one not needed with `git credential-bitbucket remove NAME`"],
        "{}",
        stdout(&out)
    );
    // Lists that do not overlap are no tie.
    let text = std::fs::read_to_string(user.config_path()).unwrap();
    user.write_config(&text.replace("\"acme/api\", \"acme/mobile\"", "\"acme/mobile\""));
    let out = run(&user, &["doctor"], "");
    assert!(!stdout(&out).contains("same scope"), "{}", stdout(&out));
}

#[test]
fn doctor_names_each_problem_of_a_broken_setup() {
    let bb = Bitbucket::start();
    let mut user = User::reaching(&bb);
    user.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    // The helper for bitbucket.org, but without useHttpPath.
    user.write_gitconfig("[credential \"https://bitbucket.org\"]\n\thelper = bitbucket\n");
    user.write_config(
        "[settings]\nstore = \"file\"\n[[credential]]\nname = \"stale\"\nkind = \"api-token\"\nurl = \"https://bitbucket.org/acme/\"\nexpires = \"2020-01-01\"\nsecret = \"file\"\n\
[[credential]]\nname = \"old\"\nkind = \"app-password\"\nusername = \"jdoe\"\nurl = \"https://bitbucket.org/\"\nsecret = \"file\"\n",
    );
    user.write_secrets(&[("stale", TOKEN), ("old", "ATBB-old")]);
    std::fs::set_permissions(
        user.secret_file("stale"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let out = run(&user, &["doctor"], "");
    assert_eq!(out.status.code(), Some(1));
    let report = stdout(&out);
    let secrets = user.secret_file("stale").display().to_string();
    for expected in [
        "FAIL  git finds the helper for https://bitbucket.org only through your PATH".to_owned(),
        "FAIL  git does not send the repository path for https://bitbucket.org".to_owned(),
        "run `git config --global credential.https://bitbucket.org.useHttpPath true`".to_owned(),
        "FAIL  entry 'stale' expired on 2020-01-01".to_owned(),
        "FAIL  entry 'old' is an app password".to_owned(),
        "run `git credential-bitbucket migrate old`".to_owned(),
        format!("FAIL  {secrets} has mode 644: other users can read it; run `chmod 600 {secrets}`"),
    ] {
        assert!(
            report.contains(&expected),
            "missing {expected:?} in:\n{report}"
        );
    }
    assert!(!report.contains(TOKEN));
    // Mended, the same checks pass.
    std::fs::set_permissions(
        user.secret_file("stale"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    assert_ok(&run(&user, &["setup"], ""));
    user.write_config("[settings]\nstore = \"file\"\n[[credential]]\nname = \"stale\"\nkind = \"api-token\"\nurl = \"https://bitbucket.org/acme/\"\nexpires = \"2099-01-01\"\nsecret = \"file\"\n");
    let out = run(&user, &["doctor"], "");
    assert_ok(&out);
    assert!(
        stdout(&out).contains("Everything checked is in order."),
        "{}",
        stdout(&out)
    );
}

#[test]
fn header_prints_the_rest_authorization_for_a_url() {
    let bb = Bitbucket::start();
    let user = User::reaching(&bb);
    user.write_config(&format!(
        "[[credential]]\nname = \"api\"\nkind = \"api-token\"\nurl = \"https://bitbucket.org/\"\nusername = \"jdoe\"\nemail = \"{EMAIL}\"\nsecret = \"file\"\n\
[[credential]]\nname = \"repo\"\nkind = \"access-token\"\nscope = \"repository\"\nurl = \"https://bitbucket.org/acme/widget\"\nsecret = \"file\"\n"
    ));
    user.write_secrets(&[("api", TOKEN), ("repo", "ATCTT-repo")]);
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{EMAIL}:{TOKEN}"));
    let out = run(&user, &["header", "https://api.bitbucket.org/2.0/user"], "");
    assert_ok(&out);
    assert_eq!(stdout(&out), format!("Authorization: Basic {basic}\n"));
    let out = run(
        &user,
        &[
            "header",
            "https://api.bitbucket.org/2.0/repositories/acme/widget/pullrequests",
        ],
        "",
    );
    assert_eq!(stdout(&out), "Authorization: Bearer ATCTT-repo\n");
    let out = run(&user, &["header", "https://example.com/x"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no entry covers https://example.com/x"));
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
    user.write_config("# mine\n[[credential]]\nname = \"old\"\nkind = \"app-password\"\nusername = \"jdoe\"\nurl = \"https://bitbucket.org/acme/\"\nsecret = \"file\"\n");
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
            && config.contains("kind = \"api-token\"")
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

#[test]
fn coming_expiry_is_announced_on_get_once_a_day() {
    let bb = Bitbucket::start();
    let user = User::reaching(&bb);
    let soon = {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let out = std::process::Command::new("date")
            .args(["-u", "-d", &format!("@{}", now + 5 * 86_400), "+%Y-%m-%d"])
            .output()
            .unwrap();
        stdout(&out).trim().to_owned()
    };
    user.write_config(&format!("[[credential]]\nname = \"acme\"\nkind = \"api-token\"\nurl = \"https://bitbucket.org/\"\nexpires = \"{soon}\"\nsecret = \"file\"\n"));
    user.write_secrets(&[("acme", TOKEN)]);
    let get = || {
        run(
            &user,
            &["get"],
            "protocol=https\nhost=bitbucket.org\npath=acme/w.git\n\n",
        )
    };
    let first = get();
    assert_ok(&first);
    assert!(
        stderr(&first).contains(&format!("entry 'acme' expires on {soon} (in ")),
        "{}",
        stderr(&first)
    );
    let second = get();
    assert_ok(&second);
    assert_eq!(stderr(&second), "");
    assert_eq!(stdout(&first), stdout(&second));
}
