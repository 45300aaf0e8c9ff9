//! What other people and programs can throw at the helper: a client that
//! retries a rejected token without end (git-lfs), secrets that would
//! inject lines, URLs that git and the helper could read differently,
//! crafted paths and requests, files someone else planted, and secret
//! programs that misbehave. One test per kind of attack, each through the
//! real binary and, where a client is named, through that client.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use support::*;

const REVOKED: &str = "ATCTT3xFfGN0-hardening-revoked";
const GOOD: &str = "ATCTT3xFfGN0-hardening-good";

fn repo_token_entry(name: &str, secret: &str) -> String {
    format!(
        "[[credential]]\nname = \"{name}\"\nkind = \"access-token\"\nscope = \"repository\"\nurl = \"https://bitbucket.org/acme/widget\"\nsecret = \"{secret}\"\n"
    )
}

/// The requests that carried `secret` and were answered with `status`.
fn answered(bb: &Bitbucket, secret: &str, status: u16) -> Vec<Seen> {
    bb.requests()
        .into_iter()
        .filter(|s| s.auth.carries(secret) && s.status == status)
        .collect()
}

#[test]
fn git_lfs_stops_after_a_rejection_and_uploads_once_the_token_is_rotated() {
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    bb.add(Token::AccessToken {
        secret: GOOD.into(),
        reach: Reach::Repository("acme/widget".into()),
    });
    let user = User::with_helper_for(&bb, "https://bitbucket.org");
    // git-lfs reads the CA from git's configuration.
    user.write_gitconfig(&format!("[http]\n\tsslCAInfo = {}\n", ca_file().display()));
    user.write_config(&repo_token_entry("widget", "file"));
    user.write_secrets(&[("widget", REVOKED)]);
    let repo = user.path("work");
    let repo_dir = repo.to_str().unwrap();
    for args in [
        vec!["init", "-q", repo_dir],
        vec![
            "-C",
            repo_dir,
            "remote",
            "add",
            "origin",
            "https://bitbucket.org/acme/widget.git",
        ],
        vec!["-C", repo_dir, "lfs", "install", "--local"],
        vec!["-C", repo_dir, "lfs", "track", "*.bin"],
    ] {
        assert_ok(&user.git(&args));
    }
    let content = b"large file content for git-lfs\n".repeat(100);
    std::fs::write(repo.join("data.bin"), &content).unwrap();
    assert_ok(&user.git(&["-C", repo_dir, "add", ".gitattributes", "data.bin"]));
    assert_ok(&user.git(&["-C", repo_dir, "commit", "-q", "-m", "lfs"]));

    // git itself: one 401 for the rejected token, a clean failure, and the
    // next call moments later does not offer it again.
    let fetch = user.git(&["-C", repo_dir, "ls-remote", "origin"]);
    assert!(!fetch.status.success());
    assert_eq!(answered(&bb, REVOKED, 401).len(), 1, "{:?}", bb.requests());
    let again = user.git(&["-C", repo_dir, "ls-remote", "origin"]);
    assert!(!again.status.success());
    assert_eq!(answered(&bb, REVOKED, 401).len(), 1);
    assert!(
        stderr(&again)
            .contains("so it is not offered there again for 60 seconds unless it changes")
            && stderr(&again).contains("`git credential-bitbucket rotate widget`"),
        "{}",
        stderr(&again)
    );

    // git-lfs, which retries a 401 for as long as a helper answers: it
    // must end, quickly, with a failure.
    bb.clear_requests();
    std::fs::remove_file(user.config_path().with_file_name("state.toml")).unwrap();
    let started = Instant::now();
    let mut push = user.resolving(&bb, "git");
    push.args(["-C", repo_dir, "lfs", "push", "origin", "main"]);
    let out = run_with_deadline(&mut push, Duration::from_secs(60))
        .expect("git lfs push with a rejected token ran for a minute: it keeps retrying");
    assert!(!out.status.success(), "{}", stderr(&out));
    let rejected = answered(&bb, REVOKED, 401);
    assert!(
        !rejected.is_empty() && rejected.len() <= 2,
        "git-lfs got {} 401s for the rejected token: {rejected:?}",
        rejected.len()
    );
    eprintln!(
        "git lfs push with a rejected token ended in {:?} after {} 401(s)",
        started.elapsed(),
        rejected.len()
    );
    assert!(bb.lfs_objects().is_empty());

    // The user rotates the token; git-lfs uploads.
    let rotated = user.helper(&["rotate", "widget"], &format!("{GOOD}\n"));
    assert_ok(&rotated);
    let mut push = user.resolving(&bb, "git");
    push.args(["-C", repo_dir, "lfs", "push", "origin", "main"]);
    let out = run_with_deadline(&mut push, Duration::from_secs(60)).expect("git lfs push hung");
    assert_ok(&out);
    assert_eq!(bb.lfs_objects(), vec![content]);
    assert!(answered(&bb, GOOD, 200)
        .iter()
        .any(|s| s.path.contains("/info/lfs/objects/batch")));
}

#[test]
fn credentials_learned_without_a_path_answer_requests_without_one() {
    let user = User::new();
    // git runs the helper for bitbucket.org, but sends no path.
    user.write_gitconfig("[credential \"https://bitbucket.org\"]\n\thelper = bitbucket\n");
    // The only entry is narrower than the host.
    user.write_config(&repo_token_entry("widget", "env:WIDGET"));
    let fill = "protocol=https\nhost=bitbucket.org\npath=acme/other.git\n\n";
    let first = user.git_input(&["credential", "fill"], fill);
    assert!(!first.status.success(), "nothing to answer yet");
    assert!(
        stderr(&first).contains("credential.https://bitbucket.org.useHttpPath true"),
        "{}",
        stderr(&first)
    );
    // The user types a credential once; git stores it without a path.
    assert_ok(&user.git_input(
        &["credential", "approve"],
        "protocol=https\nhost=bitbucket.org\nusername=jdoe\npassword=typed-once\n\n",
    ));
    let learned = std::fs::read_to_string(user.learned_path()).unwrap();
    assert!(!learned.contains("path"), "{learned}");
    let again = user.git_input(&["credential", "fill"], fill);
    assert_ok(&again);
    assert_eq!(
        stdout(&again),
        "protocol=https\nhost=bitbucket.org\nusername=jdoe\npassword=typed-once\n"
    );
    assert_eq!(stderr(&again), "", "no hint once a credential answers");
    // A credential learned for one path still answers only that path.
    user.write_gitconfig(
        "[credential \"https://git.example.com\"]\n\thelper = bitbucket\n\tuseHttpPath = true\n",
    );
    assert_ok(&user.git_input(
        &["credential", "approve"],
        "protocol=https\nhost=git.example.com\npath=team/repo.git\nusername=u\npassword=p\n\n",
    ));
    let other = user.git_input(
        &["credential", "fill"],
        "protocol=https\nhost=git.example.com\npath=team/other.git\n\n",
    );
    assert!(!other.status.success());
}

/// git's own test of helpers that keep `authtype` (t/lib-credential.sh,
/// `helper_test_authtype`, as t0301 runs it for git-credential-cache), run
/// through git 2.47 with this helper.
#[test]
fn learned_credentials_keep_authtype_as_gits_cache_helper_does() {
    let user = User::new();
    let askpass = user.path("askpass");
    std::fs::write(
        &askpass,
        "#!/bin/sh\necho >&2 askpass: $*\nwhat=$(echo $1 | cut -d\" \" -f1 | tr A-Z a-z | tr -cd a-z)\necho \"askpass-$what\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&askpass, std::fs::Permissions::from_mode(0o755)).unwrap();
    let check = |op: &str, input: &str, want_out: &str, want_err: &str| {
        let mut cmd = user.command(GIT_NEW);
        cmd.args(["-c", "credential.helper=bitbucket", "credential", op])
            .env("GIT_ASKPASS", &askpass)
            .env_remove("GIT_TERMINAL_PROMPT");
        let out = user.run_input(&mut cmd, input);
        assert_ok(&out);
        assert_eq!(stdout(&out), want_out, "{op}:\n{input}");
        assert_eq!(stderr(&out), want_err, "{op}:\n{input}");
    };
    let host = "protocol=https\nhost=git.example.com\n";
    check(
        "approve",
        &format!("capability[]=authtype\nauthtype=Bearer\ncredential=random-token\n{host}"),
        "",
        "",
    );
    check(
        "fill",
        &format!("capability[]=authtype\n{host}"),
        &format!("capability[]=authtype\nauthtype=Bearer\ncredential=random-token\n{host}"),
        "",
    );
    check(
        "fill",
        host,
        &format!("{host}username=askpass-username\npassword=askpass-password\n"),
        "askpass: Username for 'https://git.example.com':\naskpass: Password for 'https://askpass-username@git.example.com':\n",
    );
    check(
        "approve",
        &format!("capability[]=authtype\nauthtype=Bearer\ncredential=other-token\n{host}username=foobar\n"),
        "",
        "",
    );
    check(
        "fill",
        &format!("capability[]=authtype\n{host}username=foobar\n"),
        &format!("capability[]=authtype\nauthtype=Bearer\ncredential=other-token\n{host}username=foobar\n"),
        "",
    );
    check(
        "fill",
        &format!("capability[]=authtype\n{host}username=barbaz\n"),
        &format!("{host}username=barbaz\npassword=askpass-password\n"),
        "askpass: Password for 'https://barbaz@git.example.com':\n",
    );
    let host2 = "protocol=https\nhost=git2.example.com\n";
    check(
        "approve",
        &format!(
            "capability[]=authtype\nauthtype=Bearer\ncredential=git2-token\n{host2}ephemeral=1\n"
        ),
        "",
        "",
    );
    check(
        "approve",
        &format!("capability[]=authtype\n{host2}user=barbaz\npassword=secret\nephemeral=1\n"),
        "",
        "",
    );
    check(
        "fill",
        &format!("capability[]=authtype\n{host2}"),
        &format!("{host2}username=askpass-username\npassword=askpass-password\n"),
        "askpass: Username for 'https://git2.example.com':\naskpass: Password for 'https://askpass-username@git2.example.com':\n",
    );
}

#[test]
fn no_secret_source_can_inject_a_line_into_what_git_reads() {
    let mut user = User::new();
    let program = user.path("print-secret");
    std::fs::write(&program, "#!/bin/sh\nprintf 'tok\\000quit=1\\n'\n").unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    user.write_config(&format!(
        "[[credential]]\nname = \"env\"\nkind = \"access-token\"\nscope = \"workspace\"\nurl = \"https://bitbucket.org/env\"\nsecret = \"env:INJECT\"\n\
[[credential]]\nname = \"file\"\nkind = \"access-token\"\nscope = \"workspace\"\nurl = \"https://bitbucket.org/file\"\nsecret = \"file\"\n\
[[credential]]\nname = \"cmd\"\nkind = \"access-token\"\nscope = \"workspace\"\nurl = \"https://bitbucket.org/cmd\"\nsecret = \"command:{}\"\n",
        program.display()
    ));
    user.write_secrets(&[("file", "tok\n\nusername=attacker\n")]);
    user.env("INJECT", "tok\nusername=attacker");
    let get = |ws: &str| {
        user.helper(
            &["get"],
            &format!("protocol=https\nhost=bitbucket.org\npath={ws}/repo.git\n\n"),
        )
    };
    for (ws, place) in [
        ("env", "$INJECT"),
        ("file", "secrets/file"),
        ("cmd", "the output of `"),
    ] {
        let out = get(ws);
        assert_eq!(out.status.code(), Some(1), "{ws}");
        assert_eq!(stdout(&out), "", "{ws}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{ws}: {err}");
        assert!(
            err.contains(&format!("entry '{ws}': the secret in "))
                && err.contains(place)
                && err.contains("holds a line break or another control character"),
            "{ws}: {err}"
        );
        assert!(!err.contains("attacker") && !err.contains("quit"), "{err}");
    }
    // A CI variable too, and the username beside it.
    let mut ci = User::new();
    ci.use_helper_for("https://bitbucket.org");
    ci.env("BITBUCKET_API_TOKEN", "ATATT-ci\nusername=attacker");
    let out = ci.helper(
        &["get"],
        "protocol=https\nhost=bitbucket.org\npath=acme/repo.git\n\n",
    );
    assert_eq!((out.status.code(), stdout(&out)), (Some(1), String::new()));
    assert!(
        stderr(&out).contains("the secret in $BITBUCKET_API_TOKEN holds a line break"),
        "{}",
        stderr(&out)
    );
    ci.env("BITBUCKET_API_TOKEN", "ATATT-ci");
    ci.env("BITBUCKET_USERNAME", "ci\nquit=1");
    let out = ci.helper(
        &["get"],
        "protocol=https\nhost=bitbucket.org\npath=acme/repo.git\n\n",
    );
    assert_eq!((out.status.code(), stdout(&out)), (Some(1), String::new()));
    assert!(
        stderr(&out).contains("BITBUCKET_USERNAME: field `username`: must be a non-empty name")
            || stderr(&out).contains("BITBUCKET_USERNAME: must be a non-empty name"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_ci_token_with_a_trailing_newline_works_and_nothing_is_written() {
    let mut user = User::new();
    user.use_helper_for("https://bitbucket.org");
    // `echo tok | base64` in a Kubernetes secret: one newline at the end.
    user.env("BITBUCKET_ACCESS_TOKEN", "ATCTT-ci-token\n");
    let out = user.git_input(
        &["credential", "fill"],
        "protocol=https\nhost=bitbucket.org\npath=acme/repo.git\n\n",
    );
    assert_ok(&out);
    assert_eq!(
        stdout(&out),
        "protocol=https\nhost=bitbucket.org\npath=acme/repo.git\nusername=x-token-auth\npassword=ATCTT-ci-token\n"
    );
    // What git does after a success: the helper keeps nothing.
    let helper = user.helper(
        &["get"],
        "capability[]=state\nprotocol=https\nhost=bitbucket.org\npath=acme/repo.git\n\n",
    );
    assert!(
        stdout(&helper).ends_with("state[]=bitbucket:entry=BITBUCKET_ACCESS_TOKEN\n"),
        "{}",
        stdout(&helper)
    );
    assert_ok(&user.git_input(
        &["credential", "approve"],
        &format!(
            "{}protocol=https\nhost=bitbucket.org\npath=acme/repo.git\n\n",
            stdout(&out).replace(
                "protocol=https\nhost=bitbucket.org\npath=acme/repo.git\n",
                ""
            )
        ),
    ));
    assert!(
        !user.config_path().parent().unwrap().exists(),
        "the helper wrote files in CI"
    );
    assert!(user.files_holding("ATCTT-ci-token").is_empty());
}

#[test]
fn header_reads_the_host_as_curl_does() {
    let user = User::new();
    user.write_config(
        "[[credential]]\nname = \"api\"\nkind = \"access-token\"\nscope = \"workspace\"\nurl = \"https://bitbucket.org/acme\"\nsecret = \"env:API\"\n",
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
fn paths_with_dot_segments_get_nothing() {
    let mut user = User::new();
    user.write_config(
        "[[credential]]\nname = \"team-a\"\nkind = \"http-token\"\nscope = \"user\"\nusername = \"a\"\nurl = \"https://git.example.com/teamA/\"\nsecret = \"env:A\"\n\
[[credential]]\nname = \"widget\"\nkind = \"access-token\"\nscope = \"repository\"\nurl = \"https://bitbucket.org/acme/widget\"\nsecret = \"env:W\"\n",
    );
    user.env("A", "BBDC-team-a");
    user.env("W", "ATCTT-widget");
    user.use_helper_for("https://git.example.com");
    user.use_helper_for("https://bitbucket.org");
    for url in [
        // git decodes %2e%2e before it asks; curl sends it as written.
        "https://git.example.com/teamB/%2e%2e/teamA/repo.git",
        "https://bitbucket.org/mallory/x/%2E%2E/%2E%2E/acme/widget.git",
        "https://bitbucket.org/acme/widget/./.git",
    ] {
        let out = user.git_input(&["credential", "fill"], &format!("url={url}\n\n"));
        assert!(!out.status.success(), "{url}: {}", stdout(&out));
        assert!(!stdout(&out).contains("password="), "{url}");
    }
    // The same repositories by their plain paths are answered.
    let out = user.git_input(
        &["credential", "fill"],
        "url=https://bitbucket.org/acme/widget.git\n\n",
    );
    assert!(stdout(&out).contains("password=ATCTT-widget"));
}

#[test]
fn text_from_requests_reaches_the_terminal_escaped() {
    let mut user = User::new();
    user.write_config(&repo_token_entry("widget", "env:W"));
    user.env("W", "ATCTT-widget");
    // A crafted repository path that sets the terminal's title and rings.
    let path = "acme/widget/\u{1b}]0;pwned\u{7}";
    let erase = user.helper(
        &["erase"],
        &format!("protocol=https\nhost=bitbucket.org\npath={path}\nusername=x-token-auth\npassword=ATCTT-widget\n\n"),
    );
    assert_ok(&erase);
    for out in [
        user.helper(
            &["get"],
            &format!("protocol=https\nhost=bitbucket.org\npath={path}\n\n"),
        ),
        user.helper(&["list"], ""),
        user.helper(&["doctor"], ""),
    ] {
        let text = format!("{}{}", stdout(&out), stderr(&out));
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "a control character reached the terminal: {text:?}"
        );
        assert!(text.contains("%1B]0;pwned%07"), "{text}");
    }
}

#[test]
fn state_names_only_an_entry_that_covers_the_request() {
    let user = User::new();
    user.write_config(&repo_token_entry("widget", "file"));
    user.write_secrets(&[("widget", GOOD)]);
    // Once with the index rebuilt on the way, once read from it.
    for round in 0..2 {
        let out = user.helper(
            &["erase"],
            "protocol=https\nhost=evil.example\npath=acme/widget.git\nusername=x-token-auth\npassword=whatever\nstate[]=bitbucket:entry=widget\n\n",
        );
        assert_ok(&out);
        let state = user.config_path().with_file_name("state.toml");
        assert!(
            !std::fs::read_to_string(&state).is_ok_and(|s| s.contains("widget")),
            "round {round}: a request for another host changed entry 'widget'"
        );
    }
    // Named by the helper's own state[] for a request it covers: recorded.
    let out = user.helper(
        &["erase"],
        "protocol=https\nhost=bitbucket.org\npath=acme/widget.git\nusername=x-token-auth\npassword=whatever\nstate[]=bitbucket:entry=widget\n\n",
    );
    assert_ok(&out);
    let state = std::fs::read_to_string(user.config_path().with_file_name("state.toml")).unwrap();
    assert!(state.contains("[rejected.widget]"), "{state}");
}

/// The index lives in the cache directory, which can be shared (a CI
/// runner's cache, `XDG_CACHE_HOME` on a shared disk).
fn index_files(user: &User) -> Vec<std::path::PathBuf> {
    let dir = user.path(".cache/git-credential-bitbucket");
    std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

#[test]
fn files_others_can_write_are_not_trusted() {
    use std::os::unix::fs::chown;
    let nobody = Some(65534);
    // 1. An index planted by another user: the helper reads the TOML and
    //    leaves the index alone.
    let mut user = User::new();
    user.write_config(&repo_token_entry("widget", "env:W"));
    user.env("W", "ATCTT-widget");
    let get = "protocol=https\nhost=bitbucket.org\npath=acme/widget.git\n\n";
    assert_ok(&user.helper(&["get"], get));
    let index = index_files(&user).pop().expect("an index was built");
    let planted = std::fs::read_to_string(&index)
        .unwrap()
        .replace("env:W", "command:/bin/false");
    std::fs::write(&index, &planted).unwrap();
    chown(&index, nobody, nobody).unwrap();
    let out = user.helper(&["get"], get);
    assert_ok(&out);
    assert_eq!(
        stdout(&out),
        "username=x-token-auth\npassword=ATCTT-widget\n"
    );
    assert_eq!(
        std::fs::read_to_string(&index).unwrap(),
        planted,
        "left alone"
    );
    // The same for a cache directory that belongs to someone else.
    std::fs::remove_file(&index).unwrap();
    let cache = index.parent().unwrap();
    chown(cache, nobody, nobody).unwrap();
    let out = user.helper(&["get"], get);
    assert_eq!(
        stdout(&out),
        "username=x-token-auth\npassword=ATCTT-widget\n"
    );
    assert!(index_files(&user).is_empty(), "nothing written into it");

    // 2. A configuration others can write, or in a directory they can.
    let config = user.config_path();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o666)).unwrap();
    let out = user.helper(&["get"], get);
    assert_eq!((out.status.code(), stdout(&out)), (Some(1), String::new()));
    let want = format!(
        "{} can be changed by other users (mode 666), so it is not used; run `chmod go-w {}`",
        config.display(),
        config.display()
    );
    assert!(stderr(&out).contains(&want), "{}", stderr(&out));
    let doctor = user.helper(&["doctor"], "");
    assert_eq!(doctor.status.code(), Some(1));
    assert!(stdout(&doctor).contains(&want), "{}", stdout(&doctor));
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let dir = config.parent().unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = user.helper(&["get"], get);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!(
            "{} can be changed by other users (mode 777)",
            dir.display()
        )),
        "{}",
        stderr(&out)
    );
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_ok(&user.helper(&["get"], get));

    // 3. A relative configuration path: git runs helpers in each
    //    repository, so it would name a file the repository holds.
    user.env("GIT_CREDENTIAL_BITBUCKET_CONFIG", "config.toml");
    let out = user.helper(&["get"], get);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("is the relative path \"config.toml\""),
        "{}",
        stderr(&out)
    );
}

#[test]
fn locks_follow_no_link_and_leave_no_file() {
    let user = User::new();
    user.write_config(&repo_token_entry("widget", "file"));
    user.write_secrets(&[("widget", GOOD)]);
    let store = "protocol=https\nhost=git.other.example\nusername=u\npassword=p\n\n";
    assert_ok(&user.helper(&["store"], store));
    assert_ok(&user.helper(
        &["erase"],
        "protocol=https\nhost=git.other.example\nusername=u\npassword=p\n\n",
    ));
    let dir = user.config_path().parent().unwrap().to_path_buf();
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains("lock")), "{names:?}");
    // The secrets directory replaced by a link to somewhere else: nothing
    // is written through it.
    let elsewhere = user.path("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::remove_dir_all(user.secrets_dir()).unwrap();
    std::os::unix::fs::symlink(&elsewhere, user.secrets_dir()).unwrap();
    let out = user.helper(&["rotate", "widget"], &format!("{GOOD}2\n"));
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
}

#[test]
fn the_index_sees_every_edit_and_survives_damage() {
    let mut user = User::new();
    user.env("W", "ATCTT-widget");
    user.env("X", "ATCTT-other");
    let get = "protocol=https\nhost=bitbucket.org\npath=acme/widget.git\n\n";
    let before = repo_token_entry("widget", "env:W");
    let after = repo_token_entry("widget", "env:X");
    assert_eq!(before.len(), after.len());
    user.write_config(&before);
    assert_eq!(
        stdout(&user.helper(&["get"], get)),
        "username=x-token-auth\npassword=ATCTT-widget\n"
    );
    // An edit in place that keeps size and modification time, as `cp -p`
    // or `rsync -t` make.
    let config = user.config_path();
    let mtime = std::fs::metadata(&config).unwrap().modified().unwrap();
    std::fs::write(&config, &after).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&config)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    assert_eq!(
        std::fs::metadata(&config).unwrap().modified().unwrap(),
        mtime
    );
    assert_eq!(
        stdout(&user.helper(&["get"], get)),
        "username=x-token-auth\npassword=ATCTT-other\n"
    );
    // A damaged length in the first line, with the fingerprint still valid:
    // each of the numbers at its end.
    let index = index_files(&user).pop().unwrap();
    let text = std::fs::read_to_string(&index).unwrap();
    let first = text.lines().next().unwrap();
    let fields: Vec<&str> = first.split('\t').collect();
    let lengths: Vec<usize> = (0..fields.len())
        .filter(|&i| fields[i].len() == 12 && fields[i].bytes().all(|b| b.is_ascii_digit()))
        .collect();
    assert!(!lengths.is_empty(), "{first}");
    for &field in &lengths {
        for damaged in ["999999999999", "000000000001", "000000000000"] {
            let mut changed = fields.clone();
            changed[field] = damaged;
            std::fs::write(&index, text.replacen(first, &changed.join("\t"), 1)).unwrap();
            let out = user.helper(&["get"], get);
            assert_ok(&out);
            assert_eq!(
                stdout(&out),
                "username=x-token-auth\npassword=ATCTT-other\n",
                "field {field} = {damaged}"
            );
        }
    }
}

#[test]
fn secret_files_must_be_small_regular_and_not_empty() {
    let user = User::new();
    user.write_config(&repo_token_entry("widget", "file"));
    user.write_secrets(&[("widget", GOOD)]);
    let file = user.secret_file("widget");
    let get = "protocol=https\nhost=bitbucket.org\npath=acme/widget.git\n\n";
    type Make<'a> = Box<dyn Fn() + 'a>;
    let cases: Vec<(&str, Make, &str)> = vec![
        (
            "a FIFO",
            Box::new(|| {
                std::fs::remove_file(&file).unwrap();
                let made = std::process::Command::new("mkfifo")
                    .arg(&file)
                    .status()
                    .unwrap();
                assert!(made.success());
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
            }),
            "is not a regular file",
        ),
        (
            "a link",
            Box::new(|| {
                std::fs::remove_file(&file).unwrap();
                let target = user.path("target");
                std::fs::write(&target, GOOD).unwrap();
                std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
                std::os::unix::fs::symlink(&target, &file).unwrap();
            }),
            "is not a regular file",
        ),
        (
            "an empty file",
            Box::new(|| {
                std::fs::remove_file(&file).unwrap();
                user.write_secrets(&[("widget", "")]);
            }),
            "is empty",
        ),
        (
            "a file over 64 KiB",
            Box::new(|| {
                user.write_secrets(&[("widget", &"A".repeat(64 * 1024 + 1))]);
            }),
            "is larger than 65536 bytes",
        ),
    ];
    for (what, make, want) in cases {
        make();
        let started = Instant::now();
        let out = user.helper(&["get"], get);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{what}: get hung"
        );
        assert_eq!(
            (out.status.code(), stdout(&out)),
            (Some(1), String::new()),
            "{what}"
        );
        assert!(
            stderr(&out).contains(&format!("{} {want}", file.display())),
            "{what}: {}",
            stderr(&out)
        );
    }
    // learned.toml, even when the directory was made by hand with the
    // usual umask, ends up in a directory only the user can enter.
    let dir = user.config_path().parent().unwrap().to_path_buf();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_ok(&user.helper(
        &["store"],
        "protocol=https\nhost=git.other.example\nusername=u\npassword=p\n\n",
    ));
    let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
}

#[test]
fn a_secret_program_is_stopped_with_its_children_and_sees_no_ci_token() {
    let mut user = User::new();
    let seen = user.path("seen-env");
    let program = user.path("secret-program");
    std::fs::write(
        &program,
        format!(
            "#!/bin/sh\necho \"${{BITBUCKET_API_TOKEN:-none}} ${{BITBUCKET_ACCESS_TOKEN:-none}} ${{BITBUCKET_HTTP_TOKEN:-none}}\" > {}\nif [ \"$1\" = linger ]; then sleep 30 & fi\necho ATCTT-from-program\n",
            seen.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    user.write_config(&format!(
        "[settings]\ncommand_timeout_seconds = 2\n\
[[credential]]\nname = \"prog\"\nkind = \"access-token\"\nscope = \"workspace\"\nurl = \"https://bitbucket.org/acme\"\nsecret = \"command:{} quick\"\n\
[[credential]]\nname = \"linger\"\nkind = \"access-token\"\nscope = \"workspace\"\nurl = \"https://bitbucket.org/slow\"\nsecret = \"command:{} linger\"\n",
        program.display(),
        program.display()
    ));
    user.env("BITBUCKET_API_TOKEN", "ATATT-ci-secret");
    user.env("BITBUCKET_ACCESS_TOKEN", "ATCTT-ci-secret");
    let out = user.helper(
        &["get"],
        "protocol=https\nhost=bitbucket.org\npath=acme/repo.git\n\n",
    );
    assert_ok(&out);
    assert_eq!(
        stdout(&out),
        "username=x-token-auth\npassword=ATCTT-from-program\n"
    );
    assert_eq!(std::fs::read_to_string(&seen).unwrap(), "none none none\n");
    // A child left behind holding the output open: the deadline holds.
    let started = Instant::now();
    let out = user.helper(
        &["get"],
        "protocol=https\nhost=bitbucket.org\npath=slow/repo.git\n\n",
    );
    let took = started.elapsed();
    assert_eq!((out.status.code(), stdout(&out)), (Some(1), String::new()));
    assert!(
        stderr(&out).contains("did not finish within 2 s and was stopped"),
        "{}",
        stderr(&out)
    );
    assert!(
        took < Duration::from_secs(6),
        "took {took:?} against a 2 s limit"
    );
}
