//! The helper as git runs it: requests on stdin, answers on stdout, notes on
//! stderr, exit status — every refusal of the protocol rules, the storage
//! semantics of learned credentials, and the secret sources. No server.

use std::os::unix::fs::PermissionsExt;

use crate::support::*;

const TOKEN: &str = "ATATT3xFfGF0-protocol-test-token";

fn user_with(config: &str, secrets: &[(&str, &str)]) -> User {
    let user = User::new();
    user.write_config(config);
    if !secrets.is_empty() {
        user.write_secrets(secrets);
    }
    user
}

fn api_entry() -> String {
    r#"[[credential]]
name = "acme"
kind = "api-token"
url = "https://bitbucket.org/acme/"
username = "jdoe"
email = "jdoe@example.com"
expires = "2099-01-01"
secret = "file"
"#
    .to_owned()
}

/// Two Cloud project tokens on one workspace whose `repos` overlap but
/// differ.
const OVERLAPPING_PROJECTS: &str = r#"[[credential]]
name = "p1"
kind = "access-token"
scope = "project"
url = "https://bitbucket.org/acme/"
repos = ["acme/api", "acme/web"]
secret = "env:P1"
[[credential]]
name = "p2"
kind = "access-token"
scope = "project"
url = "https://bitbucket.org/acme/"
repos = ["acme/api", "acme/mobile"]
secret = "env:P2"
"#;

fn learned(user: &User, op: &str, input: &str) -> String {
    let out = user.helper(&[op], &format!("{input}\n"));
    assert_ok(&out);
    assert_eq!(stderr(&out), "");
    stdout(&out)
}

#[test]
fn refusals_print_one_line_nothing_on_stdout_and_exit_1() {
    let user = user_with(&api_entry(), &[("acme", TOKEN)]);
    let long = format!(
        "protocol=https\nhost=bitbucket.org\npath={}\n\n",
        "a".repeat(64 * 1024)
    );
    let huge = format!(
        "protocol=https\nhost=bitbucket.org\n{}\n",
        "wwwauth[]=x\n".repeat(90_000)
    );
    let cases: Vec<(String, &str)> = vec![
        (
            "protocol=https\nhost=bitbucket.org\npath=acme/w\0.git\n\n".into(),
            "the value of `path` contains a NUL byte",
        ),
        (
            "protocol=https\nhost=bitbucket.org\r\n\n".into(),
            "the value of `host` contains a carriage return",
        ),
        (
            "protocol=https\nhost=bitbucket.org\nusername=a\rb\n\n".into(),
            "the value of `username` contains a carriage return",
        ),
        (long, "line 3 is longer than 64 KiB"),
        (huge, "the input is longer than 1 MiB"),
        ("host=bitbucket.org\n\n".into(), "it names no protocol"),
        (
            "protocol=https\npath=acme/widget.git\n\n".into(),
            "it names no host",
        ),
        ("".into(), "it names no protocol"),
    ];
    for op in ["get", "store", "erase"] {
        for (input, message) in &cases {
            let out = user.helper(&[op], input);
            assert_eq!(out.status.code(), Some(1), "{op} {message}");
            assert_eq!(stdout(&out), "", "{op} {message}");
            let err = stderr(&out);
            assert_eq!(err.lines().count(), 1, "{op}: {err}");
            assert!(
                err.starts_with("git-credential-bitbucket: refusing the request: ")
                    && err.contains(message),
                "{op}: {err}"
            );
            assert!(!err.contains(TOKEN));
        }
    }
}

#[test]
fn get_answers_the_entry_with_expiry_and_ignores_unknown_keys() {
    let user = user_with(&api_entry(), &[("acme", TOKEN)]);
    let out = user.helper(&["get"], "protocol=https\nhost=bitbucket.org\npath=acme/widget.git\nfuture[]=x\nwwwauth[]=Basic realm=\"Bitbucket.org HTTP\"\n\n");
    assert_ok(&out);
    assert_eq!(
        stdout(&out),
        format!("username=jdoe\npassword={TOKEN}\npassword_expiry_utc=4070908800\n")
    );
    assert_eq!(stderr(&out), "");
}

#[test]
fn no_match_prints_nothing_at_all() {
    let user = user_with(&api_entry(), &[("acme", TOKEN)]);
    for input in [
        "protocol=https\nhost=github.com\npath=acme/widget.git\n",
        "protocol=https\nhost=bitbucket.org\npath=other/widget.git\n",
        "protocol=https\nhost=bitbucket.org:8443\npath=acme/widget.git\n",
        "url=https://bitbucket.org.evil.example/acme/widget.git\n",
        "protocol=cert\nhost=x\npath=/etc/cert.p12\n",
    ] {
        let out = user.helper(&["get"], input);
        assert_ok(&out);
        assert_eq!(
            (stdout(&out), stderr(&out)),
            (String::new(), String::new()),
            "{input}"
        );
    }
}

#[test]
fn bearer_only_when_git_offers_authtype_and_capabilities_come_first() {
    let config = r#"[[credential]]
name = "proj"
kind = "http-token"
scope = "project"
url = "https://git.example.com/scm/PROJ"
secret = "env:PROJ_TOKEN"
"#;
    let mut user = user_with(config, &[]);
    user.env("PROJ_TOKEN", "BBDC-proj");
    let out = user.helper(&["get"], "capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=git.example.com\npath=scm/proj/repo.git\n\n");
    assert_ok(&out);
    assert_eq!(
        stdout(&out),
        "capability[]=authtype\ncapability[]=state\nauthtype=Bearer\ncredential=BBDC-proj\nephemeral=1\nstate[]=bitbucket:entry=proj\n"
    );
    let out = user.helper(
        &["get"],
        "protocol=https\nhost=git.example.com\npath=scm/proj/repo.git\n\n",
    );
    assert_eq!(stdout(&out), "username=x-token-auth\npassword=BBDC-proj\n");
    assert!(stderr(&out)
        .contains("the program asking cannot send it (it offered no `capability[]=authtype`"));
}

#[test]
fn rest_endpoints_get_the_rest_form_of_each_kind() {
    let config = format!(
        r#"{}
[[credential]]
name = "widget"
kind = "access-token"
scope = "repository"
url = "https://bitbucket.org/acme/widget"
secret = "env:WIDGET"
"#,
        api_entry()
    );
    let mut user = user_with(&config, &[("acme", TOKEN)]);
    user.env("WIDGET", "ATCTT-widget");
    user.use_helper_for("https://api.bitbucket.org");
    // Through real git, as a script would ask: the API wants the email.
    let out = user.git_input(
        &["credential", "fill"],
        "url=https://api.bitbucket.org/2.0/repositories/acme/other\n\n",
    );
    assert_ok(&out);
    assert!(
        stdout(&out).contains("username=jdoe@example.com\n")
            && stdout(&out).contains(&format!("password={TOKEN}\n")),
        "{}",
        stdout(&out)
    );
    // The repository token answers its own repository's API paths, with Bearer.
    let out = user.helper(&["get"], "capability[]=authtype\nprotocol=https\nhost=api.bitbucket.org\npath=2.0/repositories/acme/widget/pullrequests\n\n");
    assert_eq!(
        stdout(&out),
        "capability[]=authtype\nauthtype=Bearer\ncredential=ATCTT-widget\nephemeral=1\n"
    );
    // /2.0/user belongs to no repository: only host-wide entries answer it, and there is none.
    let out = user.helper(
        &["get"],
        "protocol=https\nhost=api.bitbucket.org\npath=2.0/user\n\n",
    );
    assert_eq!(stdout(&out), "");
}

#[test]
fn api_token_without_email_cannot_answer_the_rest_api() {
    let config = r#"[[credential]]
name = "acme"
kind = "api-token"
url = "https://bitbucket.org/"
secret = "file"
"#;
    let user = user_with(config, &[("acme", TOKEN)]);
    let out = user.helper(
        &["get"],
        "protocol=https\nhost=api.bitbucket.org\npath=2.0/user\n\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("entry 'acme' cannot answer https://api.bitbucket.org/2.0/user: Bitbucket's REST API takes API tokens only with the Atlassian account email"), "{}", stderr(&out));
}

#[test]
fn without_a_path_only_host_wide_entries_answer_and_a_hint_names_the_setting() {
    let user = user_with(&api_entry(), &[("acme", TOKEN)]);
    let out = user.helper(&["get"], "protocol=https\nhost=bitbucket.org\n\n");
    assert_ok(&out);
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1);
    assert!(
        err.contains("git config --global credential.https://bitbucket.org.useHttpPath true"),
        "{err}"
    );
}

#[test]
fn tied_entries_are_refused_and_named() {
    let two = r#"[[credential]]
name = "a"
kind = "api-token"
url = "https://bitbucket.org/acme"
secret = "file"
[[credential]]
name = "b"
kind = "api-token"
url = "https://bitbucket.org/acme/"
secret = "file"
"#;
    let user = user_with(two, &[("a", TOKEN), ("b", TOKEN)]);
    let out = user.helper(
        &["get"],
        "protocol=https\nhost=bitbucket.org\npath=acme/w.git\n\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("entries 'a' and 'b' have the same scope for https://bitbucket.org/acme/w.git, so neither is used"), "{}", stderr(&out));
}

#[test]
fn project_tokens_whose_repos_overlap_tie_for_the_shared_repository() {
    let mut user = user_with(OVERLAPPING_PROJECTS, &[]);
    user.env("P1", "ATCTT-p1");
    user.env("P2", "ATCTT-p2");
    let get = |repo: &str| {
        user.helper(
            &["get"],
            &format!("protocol=https\nhost=bitbucket.org\npath={repo}\n\n"),
        )
    };
    let out = get("acme/api.git");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains("entries 'p1' and 'p2' have the same scope for https://bitbucket.org/acme/api.git, so neither is used"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        stdout(&get("acme/web.git")),
        "username=x-token-auth\npassword=ATCTT-p1\n"
    );
    assert_eq!(
        stdout(&get("acme/mobile.git")),
        "username=x-token-auth\npassword=ATCTT-p2\n"
    );
}

#[test]
fn secret_sources_env_command_keyring_and_a_shared_file() {
    let config = r#"[[credential]]
name = "e"
kind = "api-token"
url = "https://bitbucket.org/env"
secret = "env:MY_TOKEN"
[[credential]]
name = "c"
kind = "api-token"
url = "https://bitbucket.org/cmd"
secret = "command:printf 'from-command\nsecond line\n'"
[[credential]]
name = "k"
kind = "api-token"
url = "https://bitbucket.org/keyring"
secret = "keyring"
[[credential]]
name = "f"
kind = "api-token"
url = "https://bitbucket.org/file"
secret = "file"
"#;
    let mut user = user_with(config, &[("f", TOKEN)]);
    let get = |user: &User, ws: &str| {
        user.helper(
            &["get"],
            &format!("protocol=https\nhost=bitbucket.org\npath={ws}/r.git\n\n"),
        )
    };
    let out = get(&user, "env");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("entry 'e' takes its secret from $MY_TOKEN, which is not set"));
    user.env("MY_TOKEN", "from-env");
    assert!(stdout(&get(&user, "env")).contains("password=from-env\n"));
    assert!(stdout(&get(&user, "cmd")).contains("password=from-command\n"));
    let out = get(&user, "keyring");
    assert_eq!((out.status.code(), stdout(&out)), (Some(1), String::new()));
    assert!(
        stderr(&out).contains("entry 'k' keeps its secret in the OS keyring")
            && stderr(&out).contains("doctor")
    );
    std::fs::set_permissions(
        user.secret_file("f"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let out = get(&user, "file");
    assert_eq!((out.status.code(), stdout(&out)), (Some(1), String::new()));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "run `chmod 600 {}`",
            user.secret_file("f").display()
        )),
        "{err}"
    );
    assert!(!err.contains(TOKEN));
}

#[test]
fn a_broken_config_is_one_sentence_naming_file_entry_and_field() {
    let user = user_with(
        r#"[[credential]]
name = "x"
kind = "api-token"
url = "https://bitbucket.org/"
secret = "file"
username = "a@b.c"
"#,
        &[],
    );
    let out = user.helper(&["get"], "protocol=https\nhost=bitbucket.org\n\n");
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!(
            "{}: credential 'x': field `username`",
            user.config_path().display()
        )),
        "{err}"
    );
}

#[test]
fn learned_credentials_behave_like_gits_own_storage_helpers() {
    let user = user_with("", &[]);
    let host = "protocol=https\nhost=git.example.com:8443\n";
    learned(&user, "store", &format!("{host}username=alice\npassword=pw-a\npassword_expiry_utc=4000000000\noauth_refresh_token=rt-a\n"));
    learned(
        &user,
        "store",
        &format!("{host}username=bob\npassword=pw-b\n"),
    );
    let mode = std::fs::metadata(user.learned_path())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(
        learned(&user, "get", &format!("{host}username=bob\n")),
        "username=bob\npassword=pw-b\n"
    );
    assert_eq!(
        learned(&user, "get", &format!("{host}username=alice\n")),
        "username=alice\npassword=pw-a\npassword_expiry_utc=4000000000\noauth_refresh_token=rt-a\n"
    );
    assert_eq!(
        learned(&user, "get", host),
        "username=alice\npassword=pw-a\npassword_expiry_utc=4000000000\noauth_refresh_token=rt-a\n"
    );
    assert_eq!(
        learned(&user, "get", "protocol=https\nhost=git.example.com\n"),
        "",
        "the port is part of the key"
    );
    // A second store for the same key overwrites.
    learned(
        &user,
        "store",
        &format!("{host}username=bob\npassword=pw-b2\n"),
    );
    assert_eq!(
        learned(&user, "get", &format!("{host}username=bob\n")),
        "username=bob\npassword=pw-b2\n"
    );
    // Erase with a password that is not the stored one removes nothing.
    learned(
        &user,
        "erase",
        &format!("{host}username=bob\npassword=pw-b\n"),
    );
    assert_eq!(
        learned(&user, "get", &format!("{host}username=bob\n")),
        "username=bob\npassword=pw-b2\n"
    );
    learned(
        &user,
        "erase",
        &format!("{host}username=bob\npassword=pw-b2\n"),
    );
    assert_eq!(learned(&user, "get", &format!("{host}username=bob\n")), "");
    // Erase without a password removes every user of the host.
    learned(
        &user,
        "store",
        &format!("{host}username=carol\npassword=pw-c\n"),
    );
    learned(&user, "erase", host);
    assert_eq!(learned(&user, "get", host), "");
    // Empty usernames and passwords are kept as given.
    learned(
        &user,
        "store",
        "protocol=https\nhost=empty.example.com\nusername=\npassword=\n",
    );
    assert_eq!(
        learned(&user, "get", "protocol=https\nhost=empty.example.com\n"),
        "username=\npassword=\n"
    );
    // A credential learned for one path is not given to another path or to a request without one.
    learned(
        &user,
        "store",
        "protocol=https\nhost=p.example.com\npath=team/a.git\nusername=u\npassword=pa\n",
    );
    assert_eq!(
        learned(
            &user,
            "get",
            "protocol=https\nhost=p.example.com\npath=team/a.git\n"
        ),
        "username=u\npassword=pa\n"
    );
    assert_eq!(
        learned(
            &user,
            "get",
            "protocol=https\nhost=p.example.com\npath=team/b.git\n"
        ),
        ""
    );
    assert_eq!(
        learned(&user, "get", "protocol=https\nhost=p.example.com\n"),
        ""
    );
    // Nothing is learned for plain http, or when the credential is ephemeral.
    learned(
        &user,
        "store",
        "protocol=http\nhost=h.example.com\nusername=u\npassword=p\n",
    );
    learned(
        &user,
        "store",
        "protocol=https\nhost=eph.example.com\nusername=u\npassword=p\nephemeral=1\n",
    );
    let text = std::fs::read_to_string(user.learned_path()).unwrap();
    assert!(
        !text.contains("h.example.com") && !text.contains("eph.example.com"),
        "{text}"
    );
}

#[test]
fn the_users_own_credentials_are_not_learned_again() {
    let user = user_with(&api_entry(), &[("acme", TOKEN)]);
    // git 2.46+: recognised by the state[] the helper attached.
    learned(&user, "store", &format!("capability[]=state\nprotocol=https\nhost=bitbucket.org\npath=acme/w.git\nusername=jdoe\npassword={TOKEN}\nstate[]=bitbucket:entry=acme\n"));
    // Older git: recognised by the equal secret.
    learned(&user, "store", &format!("protocol=https\nhost=bitbucket.org\npath=acme/w.git\nusername=jdoe\npassword={TOKEN}\n"));
    assert!(!user.learned_path().exists(), "nothing was learned");
    // A different password for the same remote is learned.
    learned(&user, "store", "protocol=https\nhost=bitbucket.org\npath=acme/w.git\nusername=jdoe\npassword=typed-by-hand\n");
    assert!(std::fs::read_to_string(user.learned_path())
        .unwrap()
        .contains("typed-by-hand"));
}

#[test]
fn trace_logging_explains_the_match_and_never_shows_the_secret() {
    let mut user = user_with(&api_entry(), &[("acme", TOKEN)]);
    user.env("RUST_LOG", "trace");
    let out = user.helper(
        &["get"],
        "protocol=https\nhost=bitbucket.org\npath=acme/widget.git\n\n",
    );
    assert_ok(&out);
    let err = stderr(&out);
    assert!(err.contains("entry 'acme' (api-token, url https://bitbucket.org/acme/) serves https://bitbucket.org/acme/widget.git"), "{err}");
    assert!(err.contains("Basic, username jdoe"), "{err}");
    assert!(!err.contains(TOKEN), "{err}");
    for op in ["store", "erase"] {
        let out = user.helper(&[op], &format!("protocol=https\nhost=bitbucket.org\npath=acme/widget.git\nusername=jdoe\npassword={TOKEN}\n\n"));
        assert!(!stderr(&out).contains(TOKEN));
    }
}

#[test]
fn unknown_operations_are_ignored_as_git_asks() {
    let user = user_with(&api_entry(), &[("acme", TOKEN)]);
    let out = user.helper(&["frobnicate"], "protocol=https\nhost=bitbucket.org\n\n");
    assert_ok(&out);
    assert_eq!((stdout(&out), stderr(&out)), (String::new(), String::new()));
}

#[test]
fn settings_out_of_their_range_are_errors_with_their_line() {
    for (setting, value, range) in [
        (
            "command_timeout_seconds",
            "9223372036854775807",
            "between 1 and 3600",
        ),
        ("command_timeout_seconds", "0", "between 1 and 3600"),
        ("expiry_warning_days", "100000", "between 0 and 366"),
    ] {
        let user = user_with(
            &format!(
                r#"[settings]
store = "file"
{setting} = {value}

[[credential]]
name = "acme"
kind = "access-token"
scope = "workspace"
url = "https://bitbucket.org/acme/"
secret = "command:printf ATCTT-x"
"#
            ),
            &[],
        );
        let out = user.helper(
            &["get"],
            "protocol=https\nhost=bitbucket.org\npath=acme/x.git\n\n",
        );
        assert_eq!(out.status.code(), Some(1), "{setting} = {value}");
        assert_eq!(stdout(&out), "");
        let err = stderr(&out);
        assert!(
            err.contains(&format!(
                "config.toml, line 3: [settings]: field `{setting}` must be {range}, not {value}"
            )),
            "{err}"
        );
    }
}

#[test]
fn a_rejection_withholds_the_token_where_it_was_refused_and_nowhere_else() {
    let mut user = user_with(
        r#"[[credential]]
name = "acme"
kind = "access-token"
scope = "workspace"
url = "https://bitbucket.org/acme/"
secret = "env:WS"
"#,
        &[],
    );
    user.env("WS", "ATCTT-workspace");
    let get = |path: &str| {
        stdout(&user.helper(
            &["get"],
            &format!("protocol=https\nhost=bitbucket.org\npath={path}\n\n"),
        ))
    };
    let erase = |path: &str| {
        assert_ok(&user.helper(
            &["erase"],
            &format!("protocol=https\nhost=bitbucket.org\npath={path}\nusername=x-token-auth\npassword=ATCTT-workspace\n\n"),
        ));
    };
    // Two repositories refuse it (the token lost access to both), one
    // after the other; a client alternates between them.
    erase("acme/one.git");
    erase("acme/two.git");
    for _ in 0..3 {
        assert_eq!(get("acme/one.git"), "", "withheld where refused");
        assert_eq!(get("acme/two.git"), "", "withheld where refused");
    }
    assert!(
        get("acme/three.git").contains("ATCTT-workspace"),
        "not elsewhere"
    );
    // A refusal without a path is for requests without one.
    erase("");
    let pathless = stdout(&user.helper(&["get"], "protocol=https\nhost=bitbucket.org\n\n"));
    assert_eq!(pathless, "");
    assert!(get("acme/three.git").contains("ATCTT-workspace"));
    // A success in one place clears that place only.
    assert_ok(&user.helper(
        &["store"],
        "protocol=https\nhost=bitbucket.org\npath=acme/one.git\nusername=x-token-auth\npassword=ATCTT-workspace\n\n",
    ));
    assert!(get("acme/one.git").contains("ATCTT-workspace"));
    assert_eq!(get("acme/two.git"), "");
}
