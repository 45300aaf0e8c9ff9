//! Signing in and checking credentials the way git will use them: `verify`
//! against git's own smart-HTTP endpoint and the REST API, `status`, and
//! `login` driven through a real pseudo-terminal. The helper reaches the
//! stand-in under Bitbucket's real host names, in a private mount
//! namespace with its own /etc/hosts (root).

mod support;

use std::process::Output;

use support::*;

const TOKEN: &str = "ATATT3xFfGF0-signin-api-token";
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
        "[[credential]]\nname = \"api\"\nkind = \"api-token\"\nurl = \"https://bitbucket.org/acme/\"\nemail = \"{EMAIL}\"\nsecret = \"file\"\n\
[[credential]]\nname = \"repo\"\nkind = \"access-token\"\nscope = \"repository\"\nurl = \"https://bitbucket.org/acme/widget\"\nsecret = \"file\"\n\
[[credential]]\nname = \"elsewhere\"\nkind = \"access-token\"\nscope = \"repository\"\nurl = \"https://bitbucket.org/acme/other\"\nsecret = \"file\"\n\
[[credential]]\nname = \"old\"\nkind = \"app-password\"\nurl = \"https://bitbucket.org/\"\nusername = \"jdoe\"\nsecret = \"file\"\n\
[[credential]]\nname = \"dcproj\"\nkind = \"http-token\"\nscope = \"project\"\nurl = \"https://{DC_HOST}:{DC_PORT}/bitbucket/scm/PROJ/\"\nsecret = \"file\"\n\
[[credential]]\nname = \"dcuser\"\nkind = \"http-token\"\nscope = \"user\"\nusername = \"jdoe\"\nurl = \"https://{DC_HOST}:{DC_PORT}/bitbucket/\"\nsecret = \"file\"\n"
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
    assert!(ok && text.contains("api: REST note — https://api.bitbucket.org/2.0/user answered 403: the token lacks read:user:bitbucket"), "{text}");
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
    assert_eq!(by("old")["problems"][0]["code"], "app-password");
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

/// The helper's configuration file, as text.
fn config_text(user: &User) -> String {
    std::fs::read_to_string(user.config_path()).unwrap_or_default()
}

#[test]
fn login_on_a_terminal_guides_reads_without_echo_and_git_then_clones() {
    let bb = stand_in();
    admit_all(&bb);
    let user = User::reaching(&bb);
    let mut term = Terminal::run(
        user.resolving(&bb, "script"),
        "git credential-bitbucket login",
    );
    term.expect("Enter for https://bitbucket.org");
    term.type_line("");
    term.expect("Token (not shown): ");
    term.type_line(TOKEN);
    term.expect("Your Atlassian account email");
    term.type_line(EMAIL);
    term.expect("A repository to check clone and push on");
    term.type_line("acme/widget");
    let (status, screen) = term.finish();
    assert_eq!(status, Some(0), "{screen}");
    // Typed answers are echoed (the email shows), the token is not.
    assert!(screen.contains(EMAIL), "{screen}");
    assert!(!screen.contains(TOKEN), "the token was echoed:\n{screen}");
    for said in [
        "https://id.atlassian.com/manage-profile/security/api-tokens",
        "read:repository:bitbucket and write:repository:bitbucket",
        "read:user:bitbucket",
        "That is an Atlassian API token.",
        "Checked clone: Bitbucket accepts it",
        "Checked push: Bitbucket accepts it",
        "Your Bitbucket username is jdoe.",
        "git clone https://bitbucket.org/acme/widget.git",
    ] {
        assert!(screen.contains(said), "missing {said:?}:\n{screen}");
    }
    let config = config_text(&user);
    assert!(
        config.contains("kind = \"api-token\"")
            && config.contains("url = \"https://bitbucket.org/\"")
            && config.contains("username = \"jdoe\"")
            && config.contains(&format!("email = \"{EMAIL}\""))
            && !config.contains(TOKEN),
        "{config}"
    );
    // What login stored clones with both gits, as the learned username.
    for (git, dir) in [(GIT_NEW, "new"), (GIT_OLD, "old")] {
        assert_ok(&user.git_with(
            git,
            &["clone", "-q", "https://bitbucket.org/acme/widget.git", dir],
        ));
    }
    assert!(bb
        .requests()
        .iter()
        .any(|s| s.path.ends_with("git-upload-pack")
            && s.auth == Presented::Basic("jdoe".into(), TOKEN.into())));

    // Again, from a script, with a new token: the secret is replaced, no
    // second entry (which would tie) appears, and git uses the new one.
    let newer = "ATATT3xFfGF0-signin-api-token-rotated";
    bb.add(Token::ApiToken {
        username: "jdoe".into(),
        email: EMAIL.into(),
        secret: newer.into(),
    });
    let out = helper(
        &user,
        &bb,
        &[
            "login",
            "https://bitbucket.org",
            "--with-token",
            "--email",
            EMAIL,
        ],
        &format!("{newer}\n"),
    );
    assert_ok(&out);
    let config = config_text(&user);
    assert_eq!(config.matches("[[credential]]").count(), 1, "{config}");
    bb.clear_requests();
    assert_ok(&user.git(&[
        "clone",
        "-q",
        "https://bitbucket.org/acme/widget.git",
        "again",
    ]));
    assert!(bb
        .requests()
        .iter()
        .any(|s| s.auth == Presented::Basic("jdoe".into(), newer.into())));
    assert!(!bb.requests().iter().any(|s| s.auth.carries(TOKEN)));
}

#[test]
fn login_from_a_script_takes_flags_and_names_the_one_missing() {
    let bb = stand_in();
    admit_all(&bb);
    let user = User::reaching(&bb);
    // No terminal and no --with-token: nothing to read the token from.
    let out = helper(&user, &bb, &["login", "https://bitbucket.org"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("pass it on standard input with --with-token"),
        "{}",
        stderr(&out)
    );
    // An API token without --email: the question names its flag.
    let out = helper(
        &user,
        &bb,
        &["login", "https://bitbucket.org", "--with-token"],
        &format!("{TOKEN}\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("pass --email"), "{}", stderr(&out));
    assert!(!user.config_path().exists());
    // An access token for a workspace URL: which scope is a question.
    let out = helper(
        &user,
        &bb,
        &["login", "https://bitbucket.org/acme/", "--with-token"],
        "ATCTT-repo\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("pass --scope"), "{}", stderr(&out));
    // A refused token: nothing saved.
    let out = helper(
        &user,
        &bb,
        &["login", "https://bitbucket.org/acme/other", "--with-token"],
        "ATCTT-repo\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("nothing was saved") && stderr(&out).contains("403"),
        "{}",
        stderr(&out)
    );
    assert!(!user.config_path().exists());
    // The repository's own URL says it all.
    let out = helper(
        &user,
        &bb,
        &[
            "login",
            "https://bitbucket.org/acme/widget",
            "--with-token",
            "--store",
            "file",
        ],
        "ATCTT-repo\n",
    );
    assert_ok(&out);
    assert!(
        stdout(&out).contains("git clone https://bitbucket.org/acme/widget.git"),
        "{}",
        stdout(&out)
    );
    let config = config_text(&user);
    assert!(
        config.contains("scope = \"repository\"")
            && config.contains("url = \"https://bitbucket.org/acme/widget\""),
        "{config}"
    );
    assert_ok(&user.git_with(
        GIT_OLD,
        &["clone", "-q", "https://bitbucket.org/acme/widget.git", "w"],
    ));
}

#[test]
fn login_finds_a_data_center_server_that_wants_bearer() {
    let bb = stand_in();
    admit_all(&bb);
    bb.refuse_basic_for_tokens();
    let user = User::reaching(&bb);
    let server = format!("https://{DC_HOST}:{DC_PORT}/bitbucket");
    let out = helper(
        &user,
        &bb,
        &[
            "login",
            &server,
            "--with-token",
            "--username",
            "jdoe",
            "--repo",
            "PROJ/repo",
            "--store",
            "file",
        ],
        "BBDC-user\n",
    );
    assert_ok(&out);
    assert!(
        stderr(&out).contains("refuses Basic authentication for tokens"),
        "{}",
        stderr(&out)
    );
    let config = config_text(&user);
    assert!(
        config.contains("auth = \"bearer\"") && config.contains("scope = \"user\""),
        "{config}"
    );
    let clone = format!("{server}/scm/PROJ/repo.git");
    assert!(
        stdout(&out).contains(&format!("git clone {clone}")),
        "{}",
        stdout(&out)
    );
    // git 2.46+ sends it as Bearer, which the server takes.
    assert_ok(&user.git_with(GIT_NEW, &["clone", "-q", &clone, "dc"]));
    assert!(bb
        .requests()
        .iter()
        .any(|s| s.auth == Presented::Bearer("BBDC-user".into())
            && s.status == 200
            && s.path.contains("git-upload-pack")));
}

#[test]
fn the_manual_is_found_after_a_cargo_style_install() {
    // An install the way `cargo install` makes one: the executable in
    // ~/.cargo/bin, that directory on PATH, nothing else.
    let mut user = User::new();
    let bin = user.home.path().join(".cargo/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy(helper_exe(), bin.join("git-credential-bitbucket")).unwrap();
    user.helper_dir = bin.clone();
    user.env("MANPAGER", "cat");
    user.env("GIT_PAGER", "cat");
    user.env("MANWIDTH", "80");
    let help = |user: &User| {
        user.command(GIT_NEW)
            .args(["credential-bitbucket", "--help"])
            .output()
            .unwrap()
    };
    assert!(
        !help(&user).status.success(),
        "the page is not there before setup"
    );
    let out = user
        .command("git-credential-bitbucket")
        .arg("setup")
        .output()
        .unwrap();
    assert_ok(&out);
    let page = user
        .home
        .path()
        .join(".cargo/share/man/man1/git-credential-bitbucket.1");
    assert!(
        stdout(&out).contains(&format!("Installed the manual page as {}", page.display())),
        "{}",
        stdout(&out)
    );
    let out = help(&user);
    assert_ok(&out);
    assert!(
        stdout(&out).contains("GIT-CREDENTIAL-BITBUCKET(1)") && stdout(&out).contains("login"),
        "{}",
        stdout(&out)
    );
    // Again: nothing to do.
    let out = user
        .command("git-credential-bitbucket")
        .arg("setup")
        .output()
        .unwrap();
    assert!(
        !stdout(&out).contains("Installed the manual page"),
        "{}",
        stdout(&out)
    );
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
        &format!("{TOKEN}\n"),
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
        && s.auth == Presented::Basic(EMAIL.into(), TOKEN.into())));
}
