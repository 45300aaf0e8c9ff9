//! `verify`: git's own endpoint asked with the form git gets, and each
//! refusal explained for the kind.

use std::process::Output;

use crate::support::*;

const TOKEN: &str = "ATATT3xFfGF0-login-api-token";

const EMAIL: &str = "jdoe@example.com";

/// Runs the helper with `args` where bitbucket.org leads to `bb`.
fn helper(user: &User, bb: &Bitbucket, args: &[&str], input: &str) -> Output {
    let mut cmd = user.resolving(bb, helper_exe());
    cmd.args(args);
    let out = user.run_input(&mut cmd, input);
    for secret in [TOKEN, "ATCTT-repo", "BBDC-user", "BBDC-proj", "ATBB-old"] {
        assert!(
            !stdout(&out).contains(secret) && !stderr(&out).contains(secret),
            "a secret was printed"
        );
    }
    out
}

/// `verify NAME [ARGS]`: whether it passed, and what it printed.
fn verify(user: &User, bb: &Bitbucket, name: &str, more: &[&str]) -> (bool, String) {
    let mut args = vec!["verify", name];
    args.extend_from_slice(more);
    let out = helper(user, bb, &args, "");
    (out.status.success(), stdout(&out))
}

fn entries(user: &User) {
    user.write_config(&format!(
        r#"[[credential]]
name = "api"
kind = "api-token"
url = "https://bitbucket.org/acme/"
email = "{EMAIL}"
secret = "file"
[[credential]]
name = "repo"
kind = "access-token"
scope = "repository"
url = "https://bitbucket.org/acme/widget"
secret = "file"
[[credential]]
name = "elsewhere"
kind = "access-token"
scope = "repository"
url = "https://bitbucket.org/acme/other"
secret = "file"
[[credential]]
name = "old"
kind = "app-password"
url = "https://bitbucket.org/"
username = "jdoe"
secret = "file"
[[credential]]
name = "dcproj"
kind = "http-token"
scope = "project"
url = "https://{DC_HOST}:{DC_PORT}/bitbucket/scm/PROJ/"
secret = "file"
[[credential]]
name = "dcuser"
kind = "http-token"
scope = "user"
username = "jdoe"
url = "https://{DC_HOST}:{DC_PORT}/bitbucket/"
secret = "file"
"#
    ));
    user.write_secrets(&[
        ("api", TOKEN),
        ("repo", "ATCTT-repo"),
        ("elsewhere", "ATCTT-repo"),
        ("old", "ATBB-old"),
        ("dcproj", "BBDC-proj"),
        ("dcuser", "BBDC-user"),
    ]);
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
        secret: TOKEN.into(),
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

#[test]
fn verify_asks_gits_endpoint_with_the_form_git_gets() {
    let bb = stand_in();
    let user = User::new();
    entries(&user);
    admit_all(&bb);
    let (ok, text) = verify(&user, &bb, "api", &["--repo", "acme/widget"]);
    assert!(ok, "{text}");
    assert!(
        text.contains("api: clone OK — https://bitbucket.org/acme/widget.git/info/refs?service=git-upload-pack answered 200")
            && text.contains("api: push OK — https://bitbucket.org/acme/widget.git/info/refs?service=git-receive-pack answered 200")
            && text.contains("api: REST OK — https://api.bitbucket.org/2.0/user answered 200")
            && text.contains("api: the Bitbucket username is jdoe")
            && text.contains("api: OK — Bitbucket accepts this api-token"),
        "{text}"
    );
    // git's endpoint got exactly git's form (no username in the entry:
    // x-bitbucket-api-token-auth), the REST API the email.
    let seen = bb.requests();
    let git_form = Presented::Basic("x-bitbucket-api-token-auth".into(), TOKEN.into());
    assert!(seen
        .iter()
        .any(|s| s.path.ends_with("service=git-upload-pack")
            && s.auth == git_form
            && s.status == 200));
    assert!(seen
        .iter()
        .any(|s| s.path == "/2.0/user" && s.auth == Presented::Basic(EMAIL.into(), TOKEN.into())));
    assert!(!seen
        .iter()
        .any(|s| s.path.contains("info/refs") && s.auth != git_form));
    // Each entry's own repository, in its own form.
    for (name, want) in [
        ("repo", "repo: clone OK — https://bitbucket.org/acme/widget/info/refs"),
        ("dcproj", "dcproj: clone OK — https://bitbucket.example.com:7990/bitbucket/scm/PROJ/repo.git/info/refs"),
        ("dcuser", "dcuser: clone OK — https://bitbucket.example.com:7990/bitbucket/scm/PROJ/repo.git/info/refs"),
    ] {
        let extra: &[&str] = if name == "repo" { &[] } else { &["--repo", "PROJ/repo"] };
        let (ok, text) = verify(&user, &bb, name, extra);
        assert!(ok && text.contains(want), "{text}");
    }
    let seen = bb.requests();
    assert!(seen.iter().any(|s| s.auth
        == Presented::Basic("x-token-auth".into(), "ATCTT-repo".into())
        && s.path.contains("info/refs")));
    assert!(seen
        .iter()
        .any(|s| s.auth == Presented::Bearer("BBDC-proj".into())
            && s.path.contains("/scm/PROJ/repo.git/info/refs")));
    assert!(seen.iter().any(
        |s| s.auth == Presented::Basic("jdoe".into(), "BBDC-user".into())
            && s.path.contains("/scm/PROJ/repo.git/info/refs")
    ));
    // A repository outside the entry's scope is refused before anything is sent.
    let (ok, text) = verify(&user, &bb, "repo", &["--repo", "acme/other"]);
    assert!(
        !ok && text.contains("https://bitbucket.org/acme/other.git is outside entry 'repo'"),
        "{text}"
    );
    // No repository known: REST only, and it says how to check git.
    let (ok, text) = verify(&user, &bb, "old", &[]);
    assert!(
        ok && text.contains("old: git access not checked")
            && text.contains("--repo WORKSPACE/REPO"),
        "{text}"
    );
}

#[test]
fn verify_explains_each_refusal_for_the_kind() {
    let bb = stand_in();
    let user = User::new();
    entries(&user);
    // 401: nothing known to Bitbucket yet.
    let (ok, text) = verify(&user, &bb, "api", &["--repo", "acme/widget"]);
    assert!(
        !ok && text.contains("api: clone failed — https://bitbucket.org/acme/widget.git/info/refs?service=git-upload-pack answered 401: Bitbucket refused the token")
            && text.contains("rotate api"),
        "{text}"
    );
    admit_all(&bb);
    // 403 on clone: a repository token for another repository.
    let (ok, text) = verify(&user, &bb, "elsewhere", &[]);
    assert!(
        !ok && text.contains("elsewhere: clone failed")
            && text.contains("answered 403: the token is valid but may not read this"),
        "{text}"
    );
    // 403 on push only: a read-only token still clones (a note, not a failure).
    bb.read_only("ATCTT-repo");
    let (ok, text) = verify(&user, &bb, "repo", &[]);
    assert!(
        ok && text.contains("repo: push note — ")
            && text.contains(
                "403: the token may clone but not push; it lacks the repository:write scope"
            ),
        "{text}"
    );
    // An API token without read:user: git works; the username cannot be learned.
    bb.lacks_user_scope(TOKEN);
    let (ok, text) = verify(&user, &bb, "api", &["--repo", "acme/widget"]);
    assert!(ok && text.contains("api: REST note — https://api.bitbucket.org/2.0/user answered 403: the token is valid but lacks read:user:bitbucket, so the helper cannot learn your Bitbucket username"), "{text}");
    // An API token without repository scopes: 403 names them.
    bb.lacks_scopes(TOKEN);
    let (ok, text) = verify(&user, &bb, "api", &["--repo", "acme/widget"]);
    assert!(
        !ok && text.contains(
            "403: the token is valid but lacks a scope — cloning needs read:repository:bitbucket"
        ),
        "{text}"
    );
    // 410: app passwords are gone.
    bb.remove_app_passwords();
    let (ok, text) = verify(&user, &bb, "old", &["--repo", "acme/widget"]);
    assert!(
        !ok && text.contains("410: Bitbucket no longer accepts app passwords")
            && text.contains("migrate"),
        "{text}"
    );
    // A Data Center server that refuses Basic for tokens: detected, with the setting that fixes it.
    bb.refuse_basic_for_tokens();
    let (ok, text) = verify(&user, &bb, "dcuser", &["--repo", "PROJ/repo"]);
    assert!(
        !ok && text.contains("401 for Basic, but the server accepts the token as Bearer")
            && text.contains("auth = \"bearer\""),
        "{text}"
    );
}

#[test]
fn a_successful_verify_clears_the_rejection() {
    let bb = stand_in();
    let user = User::with_helper_for(&bb, "https://bitbucket.org");
    entries(&user);
    // Rejected once (git reports the 401 with erase) ...
    let out = user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w1"]);
    assert!(!out.status.success());
    let list = stdout(&helper(&user, &bb, &["list"], ""));
    assert!(
        list.lines()
            .any(|l| l.starts_with("repo ") && !l.trim_end().ends_with('-')),
        "{list}"
    );
    // ... then accepted: verify clears the record, and the next clone works at once.
    admit_all(&bb);
    let (ok, text) = verify(&user, &bb, "repo", &[]);
    assert!(ok, "{text}");
    let list = stdout(&helper(&user, &bb, &["list"], ""));
    assert!(
        list.lines()
            .any(|l| l.starts_with("repo ") && l.trim_end().ends_with('-')),
        "{list}"
    );
    assert_ok(&user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w2"]));
}

#[test]
fn a_redirect_off_the_entrys_host_or_scheme_is_a_failure_that_names_it() {
    let bb = stand_in();
    let user = User::with_helper_for(&bb, "https://bitbucket.org");
    entries(&user);
    admit_all(&bb);
    // Bitbucket's clone endpoint sends the helper to another host, which
    // answers 200 to anything: that is not Bitbucket accepting the token.
    bb.redirect(
        "bitbucket.org",
        "/acme/widget/info/refs",
        "https://api.bitbucket.org/2.0/repositories/acme/widget",
    );
    let (ok, text) = verify(&user, &bb, "repo", &[]);
    assert!(!ok, "{text}");
    assert!(
        text.contains("redirected to https://api.bitbucket.org/2.0/repositories/acme/widget, another host or scheme than the entry's; the redirect was not followed"),
        "{text}"
    );
    assert!(!text.contains("OK"), "{text}");
    assert!(!bb.requests().iter().any(|s| s.host == "api.bitbucket.org"));
    // To plain http: the same.
    let bb = stand_in();
    let user = User::with_helper_for(&bb, "https://bitbucket.org");
    entries(&user);
    admit_all(&bb);
    bb.redirect(
        "bitbucket.org",
        "/acme/widget/info/refs",
        "http://bitbucket.org/acme/widget.git/info/refs",
    );
    let (ok, text) = verify(&user, &bb, "repo", &[]);
    assert!(
        !ok && text.contains("redirected to http://bitbucket.org/"),
        "{text}"
    );
    // A redirect on the same host and scheme (a renamed repository) is
    // followed.
    let bb = stand_in();
    let user = User::with_helper_for(&bb, "https://bitbucket.org");
    entries(&user);
    admit_all(&bb);
    bb.redirect(
        "bitbucket.org",
        "/acme/old-name.git/info/refs",
        "/acme/widget.git/info/refs?service=git-upload-pack",
    );
    let (ok, text) = verify(&user, &bb, "api", &["--repo", "acme/old-name"]);
    assert!(ok, "{text}");
    let seen = bb.requests();
    assert!(
        seen.iter()
            .any(|s| s.status == 302 && s.path.starts_with("/acme/old-name.git/"))
            && seen
                .iter()
                .any(|s| s.status == 200 && s.path.starts_with("/acme/widget.git/")),
        "{seen:?}"
    );
}

#[test]
fn a_username_that_is_not_one_is_not_used_and_never_printed_raw() {
    let bb = stand_in();
    let user = User::with_helper_for(&bb, "https://bitbucket.org");
    entries(&user);
    admit_all(&bb);
    bb.answer_username("jdoe\u{1b}]0;owned\u{7}\u{1b}[2J");
    let out = helper(&user, &bb, &["verify", "api", "--repo", "acme/widget"], "");
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
    assert!(
        text.contains("the REST API answered a username Bitbucket does not make (jdoe%1B]0;owned%07%1B[2J); it is not used"),
        "{text}"
    );
    assert!(!text.contains("the Bitbucket username is"), "{text}");
    // login does not save it either: git gets the API-token username.
    let user = User::with_helper_for(&bb, "https://bitbucket.org");
    let out = helper(
        &user,
        &bb,
        &[
            "login",
            "https://bitbucket.org/acme/widget",
            "--with-token",
            "--email",
            EMAIL,
            "--store",
            "file",
        ],
        &format!("{TOKEN}\n"),
    );
    assert_ok(&out);
    assert!(!stderr(&out).contains('\u{1b}'), "{}", stderr(&out));
    let config = std::fs::read_to_string(user.config_path()).unwrap();
    assert!(!config.contains("username"), "{config}");
}

#[test]
fn a_plain_http_api_base_gets_nothing() {
    // Something listens on a loopback port for plain http, and would be
    // told `Basic email:token` if asked.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let bb = stand_in();
    let user = User::with_helper_for(&bb, "https://bitbucket.org");
    entries(&user);
    admit_all(&bb);
    let base = format!("http://127.0.0.1:{port}");
    let (ok, text) = verify(&user, &bb, "api", &["--api-base", &base]);
    let err = stderr(&helper(
        &user,
        &bb,
        &["verify", "api", "--api-base", &base],
        "",
    ));
    assert!(!ok, "{text}");
    assert!(
        format!("{text}{err}").contains(&format!(
            "http://127.0.0.1:{port} is plain http, which carries credentials only to hosts listed in settings.insecure_http_hosts; nothing was sent"
        )),
        "{text}{err}"
    );
    assert!(
        listener.accept().is_err(),
        "the plain http server was asked"
    );
}
