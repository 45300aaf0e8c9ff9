//! `doctor`: one line per check, each failure with its fix, and a summary.

use std::os::unix::fs::PermissionsExt;

use crate::support::*;

const TOKEN: &str = "ATATT3xFfGF0-commands-api-token";

fn run(user: &User, args: &[&str], input: &str) -> std::process::Output {
    user.helper(args, input)
}

const NEW: &str = "ATATT3xFfGF0-day-two-new-token";

const EMAIL: &str = "jdoe@example.com";

fn api_token(secret: &str) -> Token {
    Token::ApiToken {
        username: "jdoe".into(),
        email: EMAIL.into(),
        secret: secret.into(),
    }
}

#[test]
fn doctor_fails_on_the_ties_get_meets() {
    let user = User::new();
    user.use_helper_for("https://bitbucket.org");
    // Two Cloud project tokens whose repos overlap but differ: get refuses
    // both for acme/api (the protocol module), and so does doctor.
    user.write_config(
        r#"[[credential]]
name = "p1"
kind = "access-token"
scope = "project"
url = "https://bitbucket.org/acme/"
repos = ["acme/api", "acme/web"]
secret = "file"
[[credential]]
name = "p2"
kind = "access-token"
scope = "project"
url = "https://bitbucket.org/acme/"
repos = ["acme/api", "acme/mobile"]
secret = "file"
"#,
    );
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
fn doctor_warns_of_entries_told_apart_by_username_alone() {
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    for (who, secret) in [("alice", "ATATT3xFfGF0-alice"), ("bob", "ATATT3xFfGF0-bob")] {
        bb.add(Token::ApiToken {
            username: who.into(),
            email: format!("{who}@example.com"),
            secret: secret.into(),
        });
    }
    let user = User::with_helper_for(&bb, "https://bitbucket.org");
    let entry = |who: &str| {
        format!("[[credential]]\nname = \"{who}\"\nkind = \"api-token\"\nusername = \"{who}\"\nurl = \"https://bitbucket.org/acme/\"\nsecret = \"file\"\n")
    };
    user.write_config(&format!("{}{}", entry("alice"), entry("bob")));
    user.write_secrets(&[("alice", "ATATT3xFfGF0-alice"), ("bob", "ATATT3xFfGF0-bob")]);
    let out = run(&user, &["doctor"], "");
    let report = stdout(&out);
    assert!(
        report.contains("warn  for a remote URL without a username: entries 'alice' and 'bob' have the same scope for https://bitbucket.org/acme, so neither is used; put the username in the remote URL (https://USER@HOST/...) to pick one"),
        "{report}"
    );
    assert!(!report.contains("FAIL"), "{report}");
    // What it warns of: a URL without a username gets nothing, one with
    // the username gets that user's token.
    assert!(!user
        .git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "a"])
        .status
        .success());
    assert_ok(&user.git(&[
        "clone",
        "-q",
        "https://bob@bitbucket.org/acme/widget.git",
        "b",
    ]));
    // status says it as a warning of each entry.
    let out = run(&user, &["status", "--json"], "");
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    for e in doc["entries"].as_array().unwrap() {
        assert_eq!(e["warnings"][0]["code"], "tie-without-username", "{e}");
    }
}

#[test]
fn doctor_names_a_plain_text_copy_and_the_command_that_removes_it() {
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    bb.add(api_token(NEW));
    let user = User::reaching(&bb);
    // Lines written by hand without the reset: git runs `store` first,
    // then this helper.
    let ours = helper_exe();
    user.write_gitconfig(&format!(
        "[credential]\n\thelper = store\n[credential \"https://bitbucket.org\"]\n\thelper = {ours}\n\tuseHttpPath = true\n"
    ));
    user.write_config(
        r#"[[credential]]
name = "acme"
kind = "api-token"
username = "jdoe"
url = "https://bitbucket.org/acme/"
secret = "file"
"#,
    );
    user.write_secrets(&[("acme", NEW)]);
    let report = stdout(&run(&user, &["doctor"], ""));
    // git does run the helper: doctor says what else it runs, not that it
    // does not run it.
    assert!(
        report.contains("FAIL  git also runs `git credential-store` for https://bitbucket.org"),
        "{report}"
    );
    assert!(!report.contains("does not run"), "{report}");
    let status = stdout(&run(&user, &["status"], ""));
    assert!(
        !status.contains("NOT set up") && status.contains("git set up"),
        "{status}"
    );
    assert!(report.contains("ok    no plain-text copy"), "{report}");
    // The clone leaves a copy in plain text; doctor names the file and the
    // command that removes it, without the token.
    assert_ok(&user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w"]));
    let file = user.path(".git-credentials");
    assert!(std::fs::read_to_string(&file).unwrap().contains(NEW));
    let out = run(&user, &["doctor"], "");
    assert_eq!(out.status.code(), Some(1));
    let report = stdout(&out);
    assert!(!report.contains(NEW));
    let prefix = format!(
        "FAIL  {} holds a credential for https://bitbucket.org in plain text, left by another helper git ran; remove it with `",
        file.display()
    );
    let line = report
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("{report}"));
    let command = line[prefix.len()..].split('`').next().unwrap();
    // The command, run as the user, removes the copy; doctor no longer
    // finds one.
    let mut sh = user.command("sh");
    sh.args(["-c", command]);
    assert_ok(&user.run_input(&mut sh, ""));
    assert!(!std::fs::read_to_string(&file).unwrap().contains(NEW));
    let report = stdout(&run(&user, &["doctor"], ""));
    assert!(report.contains("ok    no plain-text copy"), "{report}");
}

#[test]
fn doctor_names_each_problem_of_a_broken_setup() {
    let bb = Bitbucket::start();
    let mut user = User::reaching(&bb);
    user.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    // The helper for bitbucket.org, but without useHttpPath.
    user.write_gitconfig("[credential \"https://bitbucket.org\"]\n\thelper = bitbucket\n");
    user.write_config(
        r#"[settings]
store = "file"
[[credential]]
name = "stale"
kind = "api-token"
url = "https://bitbucket.org/acme/"
expires = "2020-01-01"
secret = "file"
[[credential]]
name = "old"
kind = "app-password"
username = "jdoe"
url = "https://bitbucket.org/"
secret = "file"
"#,
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
    user.write_config(
        r#"[settings]
store = "file"
[[credential]]
name = "stale"
kind = "api-token"
url = "https://bitbucket.org/acme/"
expires = "2099-01-01"
secret = "file"
"#,
    );
    let out = run(&user, &["doctor"], "");
    assert_ok(&out);
    assert!(
        stdout(&out).contains("Everything checked is in order."),
        "{}",
        stdout(&out)
    );
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
    user.write_config(
        r#"[settings]
store = "file"
[[credential]]
name = "acme"
kind = "api-token"
username = "jdoe"
url = "https://bitbucket.org/acme/"
secret = "file"
"#,
    );
    user.write_secrets(&[("acme", NEW)]);
    let doctor = user.helper(&["doctor"], "");
    assert_eq!(doctor.status.code(), Some(1));
    let gitconfig = user.path(".gitconfig");
    assert!(
        stdout(&doctor).contains(&format!("FAIL  git also runs `git credential-store` for https://bitbucket.org (set in {}), before this helper: it writes every token git uses to ~/.git-credentials, in plain text", gitconfig.display())),
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
    // `store` added after the section, for every URL (an installer's
    // `git config --global credential.helper store`): doctor names it, and
    // setup moves the section after it, where its empty helper clears it.
    user.write_gitconfig("[credential]\n\thelper = store\n");
    let doctor = user.helper(&["doctor"], "");
    assert_eq!(doctor.status.code(), Some(1));
    assert!(
        stdout(&doctor).contains(
            "FAIL  git also runs `git credential-store` for https://bitbucket.org (set in"
        ),
        "{}",
        stdout(&doctor)
    );
    assert!(
        stdout(&doctor).contains("after this helper"),
        "{}",
        stdout(&doctor)
    );
    assert!(
        stdout(&doctor).trim_end().ends_with("1 check failed."),
        "{}",
        stdout(&doctor)
    );
    assert_ok(&user.helper(&["setup"], ""));
    assert_ok(&user.helper(&["doctor"], ""));
    assert_ok(&user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w3"]));
    assert!(!stored.exists(), "credential-store received the token");
    // The general helper stays for every other server.
    let general = user.git(&["config", "--global", "--get-all", "credential.helper"]);
    assert_eq!(stdout(&general).trim(), "store");
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
    user.write_config(
        r#"[settings]
store = "file"
[[credential]]
name = "acme"
kind = "access-token"
scope = "workspace"
url = "https://bitbucket.org/acme"
secret = "file"
"#,
    );
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
fn doctor_names_other_helpers_without_what_their_lines_carry() {
    let user = User::new();
    let ours = helper_exe();
    user.write_gitconfig(&format!(
        "[credential \"https://bitbucket.org\"]\n\thelper = !f() {{ echo username=me; echo password=inline-hunter2; }}; f\n\thelper = store --file /home/someone/plain-creds\n\thelper = {ours}\n\tuseHttpPath = true\n"
    ));
    let doctor = user.helper(&["doctor"], "");
    let report = stdout(&doctor);
    // A `!` helper is named as a shell command, a helper with arguments by
    // its command alone.
    assert!(
        report.contains("FAIL  git also runs a shell command (`!…`) for https://bitbucket.org")
            && report
                .contains("FAIL  git also runs `git credential-store …` for https://bitbucket.org"),
        "{report}"
    );
    assert!(
        !report.contains("hunter2") && !report.contains("plain-creds"),
        "{report}"
    );
}

#[test]
fn a_bracket_slip_is_named_and_doctor_still_sums_up() {
    let user = User::new();
    user.use_helper_for("https://bitbucket.org");
    // One pair of brackets where two belong, as people write it by hand.
    user.write_config(
        "[settings]\nstore = \"file\"\n\n[credential]\nname = \"acme\"\nkind = \"api-token\"\nurl = \"https://bitbucket.org/acme/\"\nsecret = \"file\"\n",
    );
    let sentence = "line 4: `[credential]` has single brackets; each entry is a `[[credential]]` table, with double brackets";
    let doctor = run(&user, &["doctor"], "");
    assert_eq!(doctor.status.code(), Some(1));
    let report = stdout(&doctor);
    assert!(report.contains(sentence), "{report}");
    assert_eq!(report.lines().last(), Some("1 check failed."), "{report}");
    let list = run(&user, &["list"], "");
    assert_eq!(list.status.code(), Some(1));
    assert!(stderr(&list).contains(sentence), "{}", stderr(&list));
    // get says it too, once, and answers nothing.
    let get = run(
        &user,
        &["get"],
        "protocol=https\nhost=bitbucket.org\npath=acme/w.git\n\n",
    );
    assert!(stderr(&get).contains(sentence), "{}", stderr(&get));
    assert_eq!(stdout(&get), "");
    // And the other slip.
    user.write_config("[[settings]]\nstore = \"file\"\n");
    let list = run(&user, &["list"], "");
    assert!(
        stderr(&list).contains(
            "line 1: `[[settings]]` has double brackets; the settings are one `[settings]` table"
        ),
        "{}",
        stderr(&list)
    );
}
