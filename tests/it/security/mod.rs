//! What an attacker, a careless file mode or a hostile secret source can
//! do, and what the helper refuses: injected lines, dot segments, escape
//! sequences, files and indexes others could write, links, oversized and
//! irregular secret files, runaway secret programs, and secrets in trace
//! logs.

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use crate::support::*;

mod other_user;

const GOOD: &str = "ATCTT3xFfGN0-rotated-good";

fn repo_token_entry(name: &str, secret: &str) -> String {
    format!(
        r#"[[credential]]
name = "{name}"
kind = "access-token"
scope = "repository"
url = "https://bitbucket.org/acme/widget"
secret = "{secret}"
"#
    )
}

/// The index lives in the cache directory, which can be shared (a CI
/// runner's cache, `XDG_CACHE_HOME` on a shared disk).
fn index_files(user: &User) -> Vec<std::path::PathBuf> {
    let dir = user.path(".cache/git-credential-bitbucket");
    std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

const TOKEN: &str = "ATATT3xFfGF0-robustness-token";

#[test]
fn no_secret_source_can_inject_a_line_into_what_git_reads() {
    let mut user = User::new();
    let program = user.path("print-secret");
    std::fs::write(&program, "#!/bin/sh\nprintf 'tok\\000quit=1\\n'\n").unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    user.write_config(&format!(
        r#"[[credential]]
name = "env"
kind = "access-token"
scope = "workspace"
url = "https://bitbucket.org/env"
secret = "env:INJECT"
[[credential]]
name = "file"
kind = "access-token"
scope = "workspace"
url = "https://bitbucket.org/file"
secret = "file"
[[credential]]
name = "cmd"
kind = "access-token"
scope = "workspace"
url = "https://bitbucket.org/cmd"
secret = "command:{}"
"#,
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
fn paths_with_dot_segments_get_nothing() {
    let mut user = User::new();
    user.write_config(
        r#"[[credential]]
name = "team-a"
kind = "http-token"
scope = "user"
username = "a"
url = "https://git.example.com/teamA/"
secret = "env:A"
[[credential]]
name = "widget"
kind = "access-token"
scope = "repository"
url = "https://bitbucket.org/acme/widget"
secret = "env:W"
"#,
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
    let out = user.helper(&["rotate", "widget", "--no-verify"], &format!("{GOOD}2\n"));
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
        r#"[settings]
command_timeout_seconds = 2
[[credential]]
name = "prog"
kind = "access-token"
scope = "workspace"
url = "https://bitbucket.org/acme"
secret = "command:{} quick"
[[credential]]
name = "linger"
kind = "access-token"
scope = "workspace"
url = "https://bitbucket.org/slow"
secret = "command:{} linger"
"#,
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

#[test]
fn trace_logging_never_shows_a_secret_and_only_the_store_holds_it() {
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    bb.add(Token::ApiToken {
        username: "jdoe".into(),
        email: "jdoe@example.com".into(),
        secret: TOKEN.into(),
    });
    let mut user = User::reaching(&bb);
    user.use_helper_for("https://bitbucket.org");
    user.env("RUST_LOG", "trace");
    user.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    let api = format!("https://{}", bb.ip);
    let get = "protocol=https\nhost=bitbucket.org\npath=acme/widget.git\n\n";
    let with_token = format!("protocol=https\nhost=bitbucket.org\npath=acme/widget.git\nusername=jdoe\npassword={TOKEN}\n\n");
    // (arguments, input, whether stdout may carry the token)
    let steps: Vec<(Vec<&str>, String, bool)> = vec![
        (vec!["add", "https://bitbucket.org/acme/", "--name", "acme", "--username", "jdoe", "--email", "jdoe@example.com", "--verify", "--api-base", &api], format!("{TOKEN}\n"), false),
        (vec!["list"], String::new(), false),
        (vec!["get"], get.to_owned(), true),
        (vec!["store"], with_token.clone(), false),
        (vec!["erase"], with_token.clone(), false),
        (vec!["get"], get.to_owned(), true),
        (vec!["verify", "--api-base", &api], String::new(), false),
        (vec!["doctor"], String::new(), false),
        (vec!["header", "https://api.bitbucket.org/2.0/user"], String::new(), true),
        (vec!["get"], "protocol=https\nhost=api.bitbucket.org\npath=2.0/user\n\n".to_owned(), true),
        (vec!["get"], "protocol=http\nhost=bitbucket.org\npath=acme/widget.git\n\n".to_owned(), false),
        (vec!["get"], format!("protocol=https\nhost=bitbucket.org\npath=acme/widget.git\nusername=a\rb{TOKEN}\n\n"), false),
    ];
    // The token in every form a log could show it: as it is, in base64
    // (alone and as the user:token of a Basic header), and in hex.
    let users = ["jdoe", "jdoe@example.com", "x-bitbucket-api-token-auth"];
    let mut outputs = 0;
    for (args, input, stdout_may) in &steps {
        let out = user.helper(args, input);
        if let Some(form) = token_leak(&stderr(&out), TOKEN, &users) {
            panic!(
                "{args:?}: the token on stderr, as {form:?}:\n{}",
                stderr(&out)
            );
        }
        if !stdout_may {
            assert!(
                !stdout(&out).contains(TOKEN),
                "{args:?}: the token on stdout"
            );
        }
        outputs += 1;
    }
    // git itself, with the helper tracing.
    let clone = user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w"]);
    assert_ok(&clone);
    assert!(
        stderr(&clone).contains("TRACE") || stderr(&clone).contains("DEBUG"),
        "the helper traced under git"
    );
    assert_eq!(token_leak(&stderr(&clone), TOKEN, &users), None);
    // A wrong token, rejected by Bitbucket, traced through git's erase.
    std::fs::write(user.secret_file("acme"), "ATATT-wrong-token").unwrap();
    let failed = user.git(&["-C", "w", "fetch"]);
    assert!(!failed.status.success());
    assert!(!stderr(&failed).contains("ATATT-wrong-token"));
    std::fs::write(user.secret_file("acme"), TOKEN).unwrap();
    assert_eq!(
        user.files_holding(TOKEN),
        vec![".config/git-credential-bitbucket/secrets/acme".to_owned()],
        "only the secret store holds the token"
    );
    let out = user.helper(&["remove", "acme"], "");
    assert_ok(&out);
    assert!(!stderr(&out).contains(TOKEN) && !stdout(&out).contains(TOKEN));
    assert_eq!(
        user.files_holding(TOKEN),
        Vec::<String>::new(),
        "after remove, no file holds the token"
    );
    assert!(outputs >= 12);
}

#[test]
fn a_path_built_to_be_long_costs_little() {
    let mut user = User::new();
    user.write_config(&repo_token_entry("widget", "env:W"));
    user.env("W", "ATCTT-widget");
    // The index is built first, as any get builds it.
    let own = "protocol=https\nhost=bitbucket.org\npath=acme/widget.git\n\n";
    assert!(stdout(&user.helper(&["get"], own)).contains("ATCTT-widget"));
    // 32,000 segments in a 64 KB path, on a host the helper holds an
    // entry for: every prefix of it could be a key.
    let path = "acme/".to_owned() + &"a/".repeat(31_990);
    let request = format!("protocol=https\nhost=bitbucket.org\npath={path}\n\n");
    let mut timed = user.command("/usr/bin/time");
    timed.args(["-f", "%M", helper_exe(), "get"]);
    let out = user.run_input(&mut timed, &request);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "a path under no entry's url gets nothing");
    let peak_kib: u64 = stderr(&out).lines().last().unwrap().trim().parse().unwrap();
    assert!(
        peak_kib < 64 * 1024,
        "one get of a long path took {peak_kib} KiB"
    );
}
