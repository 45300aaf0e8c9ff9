//! `add`: an entry and its secret saved together or not at all, the kind from
//! the token, the scope from a browser's URL, and what can never work refused
//! before anything is written.

use std::os::unix::fs::PermissionsExt;

use crate::support::*;

const TOKEN: &str = "ATATT3xFfGF0-commands-api-token";

const EMAIL: &str = "jdoe@example.com";

fn cloud_user(bb: &Bitbucket) -> User {
    User::with_helper_for(bb, "https://bitbucket.org")
}

fn run(user: &User, args: &[&str], input: &str) -> std::process::Output {
    user.helper(args, input)
}

fn add(user: &User, args: &[&str], token: &str) -> std::process::Output {
    let mut all = vec!["add"];
    all.extend_from_slice(args);
    user.helper(&all, &format!("{token}\n"))
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
        config.contains(r#"secret = "keyring""#) && !config.contains(TOKEN),
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
    user.write_config(
        r#"[[credential]]
name = "acme"
kind = "api-token"
url = "https://bitbucket.org/acme/"
secret = "keyring"
"#,
    );
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
            .contains("entry 'acme' keeps its secret in the OS keyring, which cannot be used (no D-Bus session)")
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
        )) && said.contains("(no usable OS keyring here: no D-Bus session)"),
        "{said}"
    );
    let config = std::fs::read_to_string(user.config_path()).unwrap();
    assert!(
        config.contains(r#"kind = "access-token""#)
            && config.contains("scope = \"repository\"")
            && config.contains(r#"secret = "file""#),
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
fn a_keyring_that_answers_but_holds_nothing_is_said_as_such() {
    let Some(keyring) = KeyringSession::start_without_collection() else {
        return;
    };
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    let mut user = cloud_user(&bb);
    keyring.admit(&mut user);
    user.write_config(
        r#"[[credential]]
name = "acme"
kind = "api-token"
url = "https://bitbucket.org/acme/"
secret = "keyring"
"#,
    );
    // get: the keyring holds no secret for the entry; it is not called
    // unreachable.
    let clone = user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w"]);
    assert!(!clone.status.success());
    assert!(
        stderr(&clone).contains("entry 'acme' keeps its secret in the OS keyring, which holds none for it; store it with `git credential-bitbucket rotate acme`"),
        "{}",
        stderr(&clone)
    );
    // add: nowhere to store in that keyring, so the file store, said in
    // a few words; the platform's own message only with RUST_LOG=debug.
    std::fs::remove_file(user.config_path()).unwrap();
    let out = run(
        &user,
        &["add", "https://bitbucket.org/acme/widget", "--name", "w"],
        "ATCTT-widget\n",
    );
    assert_ok(&out);
    assert!(
        stdout(&out).contains(
            "(no usable OS keyring here: it has no default collection to keep secrets in)"
        ),
        "{}",
        stdout(&out)
    );
    assert!(user.secret_file("w").exists());
    assert!(!stdout(&out).contains("Secret Service:") && !stderr(&out).contains("Secret Service:"));
    user.env("RUST_LOG", "debug");
    std::fs::remove_file(user.config_path()).unwrap();
    let out = run(
        &user,
        &["add", "https://bitbucket.org/acme/widget", "--name", "w"],
        "ATCTT-widget\n",
    );
    assert!(
        stderr(&out).contains("the OS keyring said: "),
        "{}",
        stderr(&out)
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
fn add_turns_browser_urls_into_clone_scopes() {
    let user = User::new();
    let cases = [
        (
            "https://bitbucket.org/acme/gizmo/src/main/",
            "ATCTT-gizmo",
            "https://bitbucket.org/acme/gizmo",
        ),
        (
            "https://www.bitbucket.org/acme/",
            "ATCTT-acme",
            "https://bitbucket.org/acme/",
        ),
        (
            "https://git.example.com/bitbucket/projects/PROJ/repos/repo/browse",
            "BBDC-repo",
            "https://git.example.com/bitbucket/scm/PROJ/repo",
        ),
    ];
    for (given, token, scope) in cases {
        let out = add(&user, &[given, "--store", "file"], token);
        assert_ok(&out);
        assert!(
            stdout(&out).contains(&format!("for {scope};"))
                && stdout(&out)
                    .contains(&format!("The URL given, {given}, names the scope {scope}")),
            "{given}: {}",
            stdout(&out)
        );
        let text = std::fs::read_to_string(user.config_path()).unwrap();
        assert!(text.contains(&format!("url = \"{scope}\"")), "{text}");
    }
    let text = std::fs::read_to_string(user.config_path()).unwrap();
    assert!(
        text.contains("scope = \"repository\"") && text.contains("scope = \"workspace\""),
        "{text}"
    );
}

#[test]
fn add_refuses_what_can_never_work() {
    let user = User::new();
    let cloud = "https://bitbucket.org/acme/";
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (vec![cloud, "--kind", "api-token"], "ATCTT-access", "the token starts like an access-token, not an api-token (--kind api-token)"),
        (vec![cloud, "--kind", "access-token"], "ATATT-api", "the token starts like an api-token, not an access-token (--kind access-token)"),
        (vec!["https://git.example.com/scm/PROJ/"], "ATCTT-access", "an access-token is a Bitbucket Cloud credential, and git.example.com is not bitbucket.org"),
        (vec!["https://git.example.com/"], "ATATT-api", "an api-token is a Bitbucket Cloud credential"),
        (vec![cloud, "--kind", "http-token", "--scope", "user", "--username", "u"], "BBDC-x", "an http-token is a Bitbucket Data Center credential"),
        (vec![cloud, "--expires", "2020-01-01"], "ATATT-api", "--expires 2020-01-01 is not in the future"),
        (vec![cloud], "ATATT-api key", "the token holds a blank inside it"),
        (vec![cloud, "--scope", "project"], "ATCTT-project", "a project access token needs the project's repositories: pass --repos WORKSPACE/REPO,WORKSPACE/REPO"),
        (vec![cloud, "--scope", "project", "--repos", "other/x"], "ATCTT-project", "--repos \"other/x\" lies outside https://bitbucket.org/acme/"),
        (vec![cloud, "--username", "jdoe@example.com"], "ATATT-api", "--username takes the Bitbucket username, which is not the email"),
        (vec![cloud, "--kind", "access-token", "--scope", "workspace", "--username", "me"], "ATCTT-x", "an access-token (workspace) always sends its own fixed username; leave out --username"),
    ];
    for (args, token, want) in cases {
        let out = add(&user, &args, token);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stdout(&out));
        assert!(err.contains(want), "{args:?}:\n got: {err}\nwant: {want}");
        assert!(!err.contains("= ["), "{args:?}: speaks TOML: {err}");
        assert!(
            !err.contains("entry 'acme"),
            "{args:?}: names an entry nobody named: {err}"
        );
        assert!(
            !user.config_path().exists(),
            "{args:?}: something was saved"
        );
    }
    // Blanks around a pasted token are trimmed, with a note.
    let out = add(&user, &[cloud, "--store", "file"], "  ATCTT-padded\t");
    assert_ok(&out);
    assert!(stderr(&out).contains("the blanks around the pasted token were removed"));
    assert_eq!(
        std::fs::read_to_string(user.secret_file("acme")).unwrap(),
        "ATCTT-padded"
    );
}

#[test]
fn two_adds_of_one_name_at_once_never_both_succeed() {
    for round in 0..10 {
        let user = User::new();
        let spawn = |token: &str| {
            let mut cmd = user.command(helper_exe());
            cmd.args([
                "add",
                "https://bitbucket.org/acme/",
                "--name",
                "x",
                "--store",
                "file",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
            let mut child = cmd.spawn().unwrap();
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(format!("{token}\n").as_bytes())
                .unwrap();
            child
        };
        let a = spawn("ATCTT-first");
        let b = spawn("ATCTT-second");
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        let won: Vec<&str> = [(&a, "ATCTT-first"), (&b, "ATCTT-second")]
            .iter()
            .filter(|(o, _)| o.status.success())
            .map(|(_, t)| *t)
            .collect();
        assert_eq!(
            won.len(),
            1,
            "round {round}: {} / {}",
            stderr(&a),
            stderr(&b)
        );
        assert_eq!(
            std::fs::read_to_string(user.secret_file("x")).unwrap(),
            won[0],
            "round {round}: the winner's secret is the one kept"
        );
        let text = std::fs::read_to_string(user.config_path()).unwrap();
        assert_eq!(text.matches("[[credential]]").count(), 1, "round {round}");
    }
}

#[test]
fn add_with_replace_replaces_the_entry_that_covers_the_url() {
    let user = User::new();
    assert_ok(&add(
        &user,
        &[
            "https://bitbucket.org/acme/",
            "--name",
            "acme",
            "--store",
            "file",
        ],
        "ATCTT-one",
    ));
    let out = add(
        &user,
        &["https://bitbucket.org/acme", "--replace", "--store", "file"],
        "ATCTT-two",
    );
    assert_ok(&out);
    assert!(
        stdout(&out).starts_with("Replaced entry 'acme'"),
        "{}",
        stdout(&out)
    );
    let text = std::fs::read_to_string(user.config_path()).unwrap();
    assert_eq!(text.matches("[[credential]]").count(), 1, "{text}");
    assert_eq!(
        std::fs::read_to_string(user.secret_file("acme")).unwrap(),
        "ATCTT-two"
    );
    // An existing name without --replace: refused, naming how.
    let out = add(
        &user,
        &[
            "https://bitbucket.org/other/",
            "--name",
            "acme",
            "--store",
            "file",
        ],
        "ATCTT-three",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("an entry named 'acme' exists already; to put a new token in it run `git credential-bitbucket rotate acme`, or pass --replace to replace it"), "{}", stderr(&out));
}

#[test]
fn add_for_a_host_git_is_not_set_up_for_names_the_setup_command() {
    let user = User::new();
    let out = add(
        &user,
        &["https://git.example.com:8443/scm/PROJ/", "--store", "file"],
        "BBDC-project",
    );
    assert_ok(&out);
    assert!(
        stdout(&out).contains("git does not run this helper for https://git.example.com:8443 yet; run `git credential-bitbucket setup https://git.example.com:8443`"),
        "{}",
        stdout(&out)
    );
    user.use_helper_for("https://bitbucket.org");
    let out = add(
        &user,
        &["https://bitbucket.org/acme/", "--store", "file"],
        "ATCTT-acme",
    );
    assert_ok(&out);
    assert!(!stdout(&out).contains("setup"), "{}", stdout(&out));
}
