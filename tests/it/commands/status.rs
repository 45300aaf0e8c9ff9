//! `status` and `list`, as text and as JSON a parser reads.

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
fn status_and_list_speak_json_a_parser_reads() {
    let bb = stand_in();
    let user = User::with_helper_for(&bb, "https://bitbucket.org");
    entries(&user);
    admit_all(&bb);
    let out = helper(&user, &bb, &["status", "--json"], "");
    // Problems (an app password, servers git is not set up for): status 1.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc: serde_json::Value =
        serde_json::from_str(&stdout(&out)).expect("status --json is JSON");
    assert_eq!(doc["ok"], false);
    let entries = doc["entries"].as_array().unwrap();
    let names: Vec<&str> = entries
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["api", "repo", "elsewhere", "old", "dcproj", "dcuser"]
    );
    let by = |name: &str| entries.iter().find(|e| e["name"] == name).unwrap().clone();
    let repo = by("repo");
    assert_eq!(repo["kind"], "access-token");
    assert_eq!(repo["scope"], "repository");
    assert_eq!(repo["secret"], "file");
    assert_eq!(repo["git_set_up"], true);
    assert_eq!(repo["problems"].as_array().unwrap().len(), 0, "{repo}");
    assert!(repo["last_rejected"].is_null() && repo["expires"].is_null());
    assert_eq!(by("old")["problems"][0]["code"], "app-password-removed");
    assert!(by("old")["problems"][0]["message"]
        .as_str()
        .unwrap()
        .contains("migrate"));
    let dc = by("dcuser");
    assert_eq!(dc["git_set_up"], false);
    assert_eq!(dc["problems"][0]["code"], "git-not-set-up");
    assert!(
        dc["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("git credential-bitbucket setup https://bitbucket.example.com:7990"),
        "{dc}"
    );
    // The text form says the same, one line per entry.
    let out = helper(&user, &bb, &["status"], "");
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("ok: repo — access-token (repository), https://bitbucket.org/acme/widget, secret in file, no expiry date, never rejected, git set up"), "{text}");
    assert!(
        text.contains("PROBLEM: dcuser — http-token (user)"),
        "{text}"
    );
    // --verify asks Bitbucket for each entry.
    let out = helper(&user, &bb, &["status", "--verify", "--json"], "");
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let named = |name: &str| -> serde_json::Value {
        let entries = doc["entries"].as_array().unwrap();
        entries.iter().find(|e| e["name"] == name).unwrap().clone()
    };
    let said = |value: &serde_json::Value, what: &str, start: &str| {
        value[what].as_array().unwrap().iter().any(|l| {
            l.as_str()
                .or(l["message"].as_str())
                .unwrap()
                .contains(start)
        })
    };
    let repo = named("repo");
    assert!(said(&repo, "verified", "repo: clone OK"), "{repo}");
    let elsewhere = named("elsewhere");
    assert!(
        said(&elsewhere, "problems", "does not accept entry 'elsewhere'"),
        "{elsewhere}"
    );
    // list --json: the same facts, without asking git or Bitbucket.
    let out = helper(&user, &bb, &["list", "--json"], "");
    assert_ok(&out);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let list = doc["entries"].as_array().unwrap();
    assert_eq!(list.len(), 6);
    assert_eq!(list[0]["email"], EMAIL);
    assert_eq!(list[5]["username"], "jdoe");
    assert!(list[0].get("git_set_up").is_none());
}

#[test]
fn status_says_what_git_does_around_the_helper() {
    let bb = stand_in();
    admit_all(&bb);
    let user = User::new();
    // Set up by hand without `useHttpPath`: git sends no repository path,
    // so the repository entry can never match.
    user.write_gitconfig(&format!(
        "[credential \"https://bitbucket.org\"]\n\thelper =\n\thelper = {}\n",
        helper_exe()
    ));
    entries(&user);
    let out = helper(&user, &bb, &["status", "--json"], "");
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let by = |doc: &serde_json::Value, name: &str| {
        let list = doc["entries"].as_array().unwrap();
        list.iter().find(|e| e["name"] == name).unwrap().clone()
    };
    let codes = |entry: &serde_json::Value| -> Vec<String> {
        entry["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["code"].as_str().unwrap().to_owned())
            .collect()
    };
    let repo = by(&doc, "repo");
    assert_eq!(codes(&repo), ["no-paths"], "{repo}");
    assert!(repo["problems"][0]["message"]
        .as_str()
        .unwrap()
        .contains("git config --global credential.https://bitbucket.org.useHttpPath true"));
    // setup puts it right; then a general `store` added after the section
    // is reported for every entry of the server, with the file it is in.
    assert_ok(&helper(&user, &bb, &["setup"], ""));
    let doc: serde_json::Value =
        serde_json::from_str(&stdout(&helper(&user, &bb, &["status", "--json"], ""))).unwrap();
    assert!(codes(&by(&doc, "repo")).is_empty(), "{doc}");
    user.write_gitconfig("[credential]\n\thelper = store\n");
    let out = helper(&user, &bb, &["status", "--json"], "");
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let repo = by(&doc, "repo");
    assert_eq!(codes(&repo), ["other-helper"], "{repo}");
    let said = repo["problems"][0]["message"].as_str().unwrap();
    assert!(
        said.contains("git also runs `git credential-store` for https://bitbucket.org (set in")
            && said.contains(".gitconfig), after this helper"),
        "{said}"
    );
    let text = stdout(&helper(&user, &bb, &["status"], ""));
    assert!(text.contains("PROBLEM: repo"), "{text}");
}

#[test]
fn a_reader_that_goes_away_ends_the_output_quietly() {
    let bb = stand_in();
    let user = User::with_helper_for(&bb, "https://bitbucket.org");
    entries(&user);
    for args in [
        &["status"][..],
        &["status", "--json"],
        &["list"],
        &["list", "--json"],
        &["doctor"],
    ] {
        // A pipe whose reader has already gone, as `| head -c 600` leaves
        // it once it has its bytes.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut cmd = user.command(helper_exe());
        cmd.args(args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped());
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{args:?}");
    }
}
