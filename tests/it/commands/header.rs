//! `header`: the REST API's `Authorization` header for a URL, for scripts.

use std::process::Output;

use crate::support::*;

const TOKEN: &str = "ATATT3xFfGF0-commands-api-token";

const EMAIL: &str = "jdoe@example.com";

fn run(user: &User, args: &[&str], input: &str) -> std::process::Output {
    user.helper(args, input)
}

const README_TOKEN: &str = "ATATT3xFfGF0-login-api-token";

/// Runs the helper with `args` where bitbucket.org leads to `bb`.
fn helper(user: &User, bb: &Bitbucket, args: &[&str], input: &str) -> Output {
    let mut cmd = user.resolving(bb, helper_exe());
    cmd.args(args);
    let out = user.run_input(&mut cmd, input);
    for secret in [
        README_TOKEN,
        "ATCTT-repo",
        "BBDC-user",
        "BBDC-proj",
        "ATBB-old",
    ] {
        assert!(
            !stdout(&out).contains(secret) && !stderr(&out).contains(secret),
            "a secret was printed"
        );
    }
    out
}

fn stand_in() -> Bitbucket {
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    bb.cloud_repo("acme/other");
    bb.dc_repo("PROJ/repo");
    bb
}

fn admit_all(bb: &Bitbucket) {
    bb.add(Token::ApiToken {
        username: "jdoe".into(),
        email: EMAIL.into(),
        secret: README_TOKEN.into(),
    });
    bb.add(Token::AccessToken {
        secret: "ATCTT-repo".into(),
        reach: Reach::Repository("acme/widget".into()),
    });
    bb.add(Token::AppPassword {
        username: "jdoe".into(),
        secret: "ATBB-old".into(),
    });
    bb.add(Token::DcProject {
        project: "PROJ".into(),
        secret: "BBDC-proj".into(),
    });
    bb.add(Token::DcUser {
        username: "jdoe".into(),
        secret: "BBDC-user".into(),
    });
}

/// The README's `header` example, as a shell pipeline.
fn readme_header_example() -> String {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let start = readme
        .find("`git credential-bitbucket header https://")
        .expect("the README has a header example");
    let rest = &readme[start + 1..];
    rest[..rest.find('`').unwrap()].replace("\\|", "|")
}

#[test]
fn header_prints_the_rest_authorization_for_a_url() {
    let bb = Bitbucket::start();
    let user = User::reaching(&bb);
    user.write_config(&format!(
        r#"[[credential]]
name = "api"
kind = "api-token"
url = "https://bitbucket.org/"
username = "jdoe"
email = "{EMAIL}"
secret = "file"
[[credential]]
name = "repo"
kind = "access-token"
scope = "repository"
url = "https://bitbucket.org/acme/widget"
secret = "file"
"#
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
fn header_warns_of_an_app_password() {
    let mut user = User::new();
    user.write_config(
        r#"[[credential]]
name = "old"
kind = "app-password"
username = "jdoe"
url = "https://bitbucket.org/"
secret = "env:OLD"
"#,
    );
    user.env("OLD", "ATBB-old");
    let out = user.helper(&["header", "https://api.bitbucket.org/2.0/user"], "");
    assert_ok(&out);
    assert!(stdout(&out).starts_with("Authorization: Basic "));
    assert!(
        stderr(&out)
            .contains("entry 'old' is an app password, which Bitbucket removed on 2026-07-28"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn header_reads_the_host_as_curl_does() {
    let user = User::new();
    user.write_config(
        r#"[[credential]]
name = "api"
kind = "access-token"
scope = "workspace"
url = "https://bitbucket.org/acme"
secret = "env:API"
"#,
    );
    let mut user = user;
    user.env("API", "ATCTT-header");
    // curl sends this to evil.example: the helper must not hand out
    // bitbucket.org's token for it.
    for url in [
        "https://evil.example?@api.bitbucket.org/2.0/repositories/acme/x",
        "https://evil.example#@api.bitbucket.org/2.0/repositories/acme/x",
    ] {
        let out = user.helper(&["header", url], "");
        assert_eq!(out.status.code(), Some(1), "{url}");
        assert_eq!(stdout(&out), "", "{url}");
        assert!(
            stderr(&out).contains("no entry covers"),
            "{url}: {}",
            stderr(&out)
        );
    }
    let out = user.helper(
        &[
            "header",
            "https://jdoe@api.bitbucket.org/2.0/repositories/acme/x",
        ],
        "",
    );
    assert_eq!((out.status.code(), stdout(&out)), (Some(1), String::new()));
    assert!(
        stderr(&out).contains("holds a user name"),
        "{}",
        stderr(&out)
    );
    // A query and a fragment are dropped before the path is read.
    let out = user.helper(
        &[
            "header",
            "https://api.bitbucket.org/2.0/repositories/acme/x?pagelen=100#top",
        ],
        "",
    );
    assert_ok(&out);
    assert_eq!(stdout(&out), "Authorization: Bearer ATCTT-header\n");
}

#[test]
fn the_readme_header_example_works_after_the_readme_first_run() {
    let bb = stand_in();
    admit_all(&bb);
    let mut user = User::reaching(&bb);
    // The README's first run, as a script does it.
    let out = helper(
        &user,
        &bb,
        &[
            "login",
            "https://bitbucket.org",
            "--with-token",
            "--email",
            EMAIL,
            "--store",
            "file",
        ],
        &format!("{README_TOKEN}\n"),
    );
    assert_ok(&out);
    user.env("CURL_CA_BUNDLE", ca_file().to_str().unwrap());
    let pipeline = readme_header_example();
    assert!(pipeline.contains("| curl"), "{pipeline}");
    let mut cmd = user.resolving(&bb, "bash");
    cmd.args([
        "-c",
        &format!("set -o pipefail; {pipeline} --fail --silent --show-error"),
    ]);
    let out = user.run_input(&mut cmd, "");
    assert_ok(&out);
    assert!(
        stdout(&out).contains("\"username\": \"jdoe\""),
        "{}",
        stdout(&out)
    );
    assert!(bb.requests().iter().any(|s| s.path == "/2.0/user"
        && s.status == 200
        && s.auth == Presented::Basic(EMAIL.into(), README_TOKEN.into())));
}

#[test]
fn header_gives_nothing_for_a_path_with_dot_segments_as_get_does() {
    let mut user = User::new();
    user.write_config(
        r#"[[credential]]
name = "widget"
kind = "access-token"
scope = "repository"
url = "https://bitbucket.org/acme/widget"
secret = "env:W"
"#,
    );
    user.env("W", "ATCTT-widget-header");
    // Once resolved, each names acme/widget; as written, another
    // repository.
    for url in [
        "https://api.bitbucket.org/2.0/repositories/other/x/%2e%2e/%2e%2e/acme/widget",
        "https://api.bitbucket.org/2.0/repositories/other/x/../../acme/widget",
        "https://api.bitbucket.org/2.0/repositories/other/x/%2E./%2e%2E/acme/widget/",
    ] {
        let out = user.helper(&["header", url], "");
        assert_eq!(
            (out.status.code(), stdout(&out)),
            (Some(1), String::new()),
            "{url}"
        );
        assert!(
            stderr(&out).contains("has a `.` or `..` path segment"),
            "{url}: {}",
            stderr(&out)
        );
        // get refuses the same path.
        let path = url.trim_start_matches("https://api.bitbucket.org/");
        let decoded = path.replace("%2e", ".").replace("%2E", ".");
        let get = user.helper(
            &["get"],
            &format!("protocol=https\nhost=api.bitbucket.org\npath={decoded}\n\n"),
        );
        assert_eq!(stdout(&get), "", "{url}");
    }
    // The plain path still gets its header.
    let out = user.helper(
        &[
            "header",
            "https://api.bitbucket.org/2.0/repositories/acme/widget",
        ],
        "",
    );
    assert_eq!(stdout(&out), "Authorization: Bearer ATCTT-widget-header\n");
}
