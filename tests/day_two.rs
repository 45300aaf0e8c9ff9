//! Life after the first clone, as a user lives it: a token expires and is
//! replaced, a URL is pasted from the browser, a token is pasted into the
//! wrong place, the keyring is gone, another helper sits beside this one,
//! an IDE starts git without the install directory on PATH. Each through
//! the real binary and real git.

mod support;

use support::*;

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
    // would), and Bitbucket no longer takes it.
    let config = std::fs::read_to_string(user.config_path()).unwrap();
    user.write_config(&config.replace("2099-01-01", "2020-01-01"));
    let fetch = user.git(&["-C", "w", "fetch", "-q"]);
    assert!(!fetch.status.success(), "git drops an expired credential");
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
    // The routine: rotate, then git works again.
    bb.add(api_token(NEW));
    let rotated = user.helper(
        &["rotate", "acme", "--expires", "2099-06-01"],
        &format!("{NEW}\n"),
    );
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

#[test]
fn doctor_fails_when_another_helper_would_capture_the_tokens() {
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    bb.add(api_token(NEW));
    let user = User::reaching(&bb);
    let ours = helper_exe();
    // `store` before this helper in the same section, as people write it
    // by hand.
    user.write_gitconfig(&format!(
        "[credential \"https://bitbucket.org\"]\n\thelper = store\n\thelper = {ours}\n\tuseHttpPath = true\n"
    ));
    user.write_config("[settings]\nstore = \"file\"\n[[credential]]\nname = \"acme\"\nkind = \"api-token\"\nusername = \"jdoe\"\nurl = \"https://bitbucket.org/acme/\"\nsecret = \"file\"\n");
    user.write_secrets(&[("acme", NEW)]);
    let doctor = user.helper(&["doctor"], "");
    assert_eq!(doctor.status.code(), Some(1));
    assert!(
        stdout(&doctor).contains("FAIL  git also runs `git credential-store` for https://bitbucket.org, before this helper: it writes every token git uses to ~/.git-credentials, in plain text"),
        "{}",
        stdout(&doctor)
    );
    // What doctor warns of: the clone leaves the token in plain text.
    assert_ok(&user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w"]));
    let stored = user.path(".git-credentials");
    assert!(std::fs::read_to_string(&stored).unwrap().contains(NEW));
    // setup puts the section right; the file receives nothing after it.
    std::fs::remove_file(&stored).unwrap();
    assert_ok(&user.helper(&["setup"], ""));
    let doctor = user.helper(&["doctor"], "");
    assert_ok(&doctor);
    assert!(
        stdout(&doctor).contains(&format!(
            "ok    git runs the helper for https://bitbucket.org, and no other: {ours}"
        )),
        "{}",
        stdout(&doctor)
    );
    assert_ok(&user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w2"]));
    assert!(!stored.exists(), "credential-store received the token");
    // `store` after this helper, for every URL: setup cannot clear it.
    user.write_gitconfig("[credential]\n\thelper = store\n");
    let doctor = user.helper(&["doctor"], "");
    assert_eq!(doctor.status.code(), Some(1));
    assert!(
        stdout(&doctor).contains("FAIL  git also runs `git credential-store` for https://bitbucket.org, after this helper"),
        "{}",
        stdout(&doctor)
    );
    assert!(
        stdout(&doctor).trim_end().ends_with("1 check failed."),
        "{}",
        stdout(&doctor)
    );
}

#[test]
fn doctor_ends_with_what_it_found_and_fails_a_rejected_entry() {
    let user = User::new();
    user.use_helper_for("https://bitbucket.org");
    // No configuration file at all: said as such, not as loaded.
    let doctor = user.helper(&["doctor"], "");
    assert!(
        stdout(&doctor).contains("warn  configuration: there is no file at"),
        "{}",
        stdout(&doctor)
    );
    assert!(!stdout(&doctor).contains("Everything checked is in order."));
    user.write_config("[settings]\nstore = \"file\"\n[[credential]]\nname = \"acme\"\nkind = \"access-token\"\nscope = \"workspace\"\nurl = \"https://bitbucket.org/acme\"\nsecret = \"file\"\n");
    user.write_secrets(&[("acme", "ATCTT-rejected")]);
    assert_ok(&user.helper(&["erase"], "protocol=https\nhost=bitbucket.org\npath=acme/x.git\nusername=x-token-auth\npassword=ATCTT-rejected\n\n"));
    let doctor = user.helper(&["doctor"], "");
    assert_eq!(doctor.status.code(), Some(1));
    let report = stdout(&doctor);
    assert!(
        report.contains(
            "FAIL  Bitbucket rejected entry 'acme' for https://bitbucket.org/acme/x.git at "
        ),
        "{report}"
    );
    assert!(
        report.contains("`git credential-bitbucket rotate acme`"),
        "{report}"
    );
    assert!(report.trim_end().ends_with("1 check failed."), "{report}");
    assert!(
        !report.contains("run `git credential-bitbucket doctor`"),
        "{report}"
    );
}

#[test]
fn setup_writes_a_helper_git_finds_without_the_users_path() {
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    bb.add(api_token(NEW));
    // An IDE's git: PATH without the directory the helper was installed in.
    let mut user = User::reaching(&bb);
    user.helper_dir = "/nonexistent-install-dir".into();
    user.write_config("[[credential]]\nname = \"acme\"\nkind = \"api-token\"\nusername = \"jdoe\"\nurl = \"https://bitbucket.org/acme/\"\nsecret = \"file\"\n");
    user.write_secrets(&[("acme", NEW)]);
    // The old way, by short name: git cannot find it.
    user.write_gitconfig(
        "[credential \"https://bitbucket.org\"]\n\thelper = bitbucket\n\tuseHttpPath = true\n",
    );
    let clone = user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w"]);
    assert!(!clone.status.success());
    assert!(
        stderr(&clone).contains("'credential-bitbucket' is not a git command"),
        "{}",
        stderr(&clone)
    );
    // setup, run once from wherever it was installed, replaces it.
    let out = user.helper(&["setup", "https://BITBUCKET.org:443/"], "");
    assert_ok(&out);
    assert!(
        stdout(&out).contains("Replaced the helper \"bitbucket\"")
            || stdout(&out).contains("git now runs"),
        "{}",
        stdout(&out)
    );
    let text = std::fs::read_to_string(user.path(".gitconfig")).unwrap();
    assert_eq!(
        text.matches("[credential \"https://bitbucket.org\"]")
            .count(),
        1,
        "{text}"
    );
    assert!(
        !text.contains("BITBUCKET") && !text.contains("org:443\"]"),
        "{text}"
    );
    assert_ok(&user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w"]));
    // Another helper set for the URL is named when it is replaced.
    user.write_gitconfig("[credential \"https://git.example.com\"]\n\thelper = manager\n");
    let out = user.helper(&["setup", "https://git.example.com"], "");
    assert_ok(&out);
    assert!(
        stdout(&out).contains("Replaced the helper \"manager\" for https://git.example.com"),
        "{}",
        stdout(&out)
    );
    // Plain http the configuration does not allow is refused.
    let out = user.helper(&["setup", "http://git.example.com"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("plain http"), "{}", stderr(&out));
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

#[test]
fn bearer_only_entries_never_go_as_basic() {
    let bb = Bitbucket::start();
    bb.dc_repo("PROJ/repo");
    bb.add(Token::DcUser {
        username: "jdoe".into(),
        secret: "BBDC-personal".into(),
    });
    let user = User::reaching(&bb);
    user.use_helper_for(&format!("https://{DC_HOST}:{DC_PORT}"));
    user.write_config(&format!(
        "[[credential]]\nname = \"me\"\nkind = \"http-token\"\nscope = \"user\"\nusername = \"jdoe\"\nauth = \"bearer\"\nurl = \"https://{DC_HOST}:{DC_PORT}/bitbucket/\"\nsecret = \"file\"\n"
    ));
    user.write_secrets(&[("me", "BBDC-personal")]);
    let url = format!("https://{DC_HOST}:{DC_PORT}/bitbucket/scm/PROJ/repo.git");
    assert_ok(&user.git_with(GIT_NEW, &["clone", "-q", &url, "r"]));
    let carried: Vec<Seen> = bb
        .requests()
        .into_iter()
        .filter(|s| s.auth.carries("BBDC-personal"))
        .collect();
    assert!(
        !carried.is_empty()
            && carried
                .iter()
                .all(|s| s.auth == Presented::Bearer("BBDC-personal".into())),
        "{carried:?}"
    );
    // git 2.39 cannot send Bearer: nothing is sent, and the note says why.
    bb.clear_requests();
    let out = user.git_with(GIT_OLD, &["clone", "-q", &url, "r2"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains(
            "entry 'me' is set to `auth = \"bearer\"`, and the program asking cannot send Bearer"
        ),
        "{}",
        stderr(&out)
    );
    assert!(bb
        .requests()
        .iter()
        .all(|s| !s.auth.carries("BBDC-personal")));
}

#[test]
fn ci_variables_that_cannot_work_are_said_on_get_and_by_doctor() {
    let mut user = User::new();
    user.use_helper_for("https://bitbucket.org");
    user.env("BITBUCKET_ACCESS_TOKEN", "ATATT-misplaced-api-token");
    user.env("BITBUCKET_HTTP_TOKEN", "BBDC-no-server");
    let get = user.helper(
        &["get"],
        "protocol=https\nhost=bitbucket.org\npath=acme/x.git\n\n",
    );
    assert_ok(&get);
    assert_eq!(stdout(&get), "");
    let err = stderr(&get);
    assert!(err.contains("BITBUCKET_ACCESS_TOKEN holds an API token (ATATT…) (by its prefix), not an access token (ATCTT…), so it is not used; put it in BITBUCKET_API_TOKEN"), "{err}");
    assert!(
        err.contains("BITBUCKET_HTTP_TOKEN is set without BITBUCKET_SERVER_URL, so it is not used"),
        "{err}"
    );
    assert!(!err.contains("misplaced-api-token"), "{err}");
    // Not a word for hosts the helper has nothing to do with.
    let other = user.helper(
        &["get"],
        "protocol=https\nhost=github.com\npath=x/y.git\n\n",
    );
    assert_eq!(stderr(&other), "");
    let doctor = user.helper(&["doctor"], "");
    assert_eq!(doctor.status.code(), Some(1));
    assert!(
        stdout(&doctor).contains("FAIL  BITBUCKET_ACCESS_TOKEN holds an API token"),
        "{}",
        stdout(&doctor)
    );
    assert!(
        stdout(&doctor).contains("FAIL  BITBUCKET_HTTP_TOKEN is set without BITBUCKET_SERVER_URL"),
        "{}",
        stdout(&doctor)
    );
}

#[test]
fn header_warns_of_an_app_password() {
    let mut user = User::new();
    user.write_config("[[credential]]\nname = \"old\"\nkind = \"app-password\"\nusername = \"jdoe\"\nurl = \"https://bitbucket.org/\"\nsecret = \"env:OLD\"\n");
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
