//! End to end: real git clones and pushes through the helper against the
//! local Bitbucket stand-in, configured the way a user would configure it.

mod support;

use support::*;

const API_TOKEN: &str = "ATATT3xFfGF0-test-api-token";
const EMAIL: &str = "jdoe@example.com";

fn cloud_user(bb: &Bitbucket) -> User {
    User::with_helper_for(bb, "https://bitbucket.org")
}

#[test]
fn api_token_with_username_clones_and_pushes() {
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    bb.add(Token::ApiToken {
        username: "jdoe".into(),
        email: EMAIL.into(),
        secret: API_TOKEN.into(),
    });
    let user = cloud_user(&bb);
    user.write_config(&format!(
        "[[credential]]\nname = \"acme\"\nkind = \"api-token\"\nurl = \"https://bitbucket.org/acme/\"\nusername = \"jdoe\"\nemail = \"{EMAIL}\"\nsecret = \"file\"\n"
    ));
    user.write_secrets(&[("acme", API_TOKEN)]);
    let out = user.git(&[
        "clone",
        "-q",
        "https://bitbucket.org/acme/widget.git",
        "widget",
    ]);
    assert_ok(&out);
    assert!(user.path("widget/README.md").exists());
    assert_eq!(stderr(&out), "", "the helper says nothing on success");
    std::fs::write(user.path("widget/new.txt"), "x").unwrap();
    assert_ok(&user.git(&["-C", "widget", "add", "new.txt"]));
    assert_ok(&user.git(&[
        "-C",
        "widget",
        "commit",
        "-q",
        "-m",
        "pushed through the helper",
    ]));
    assert_ok(&user.git(&["-C", "widget", "push", "-q", "origin", "main"]));
    assert!(bb
        .log("cloud/acme/widget.git")
        .contains("pushed through the helper"));
    let authed: Vec<Seen> = bb
        .requests()
        .into_iter()
        .filter(|s| s.auth != Presented::None)
        .collect();
    assert!(!authed.is_empty());
    for s in authed {
        assert_eq!(
            s.auth,
            Presented::Basic("jdoe".into(), API_TOKEN.into()),
            "{s:?}"
        );
        assert_eq!(s.status, 200);
    }
}

fn entry(name: &str, body: &str) -> String {
    format!("[[credential]]\nname = \"{name}\"\n{body}\nsecret = \"file\"\n\n")
}

fn requests_carrying(bb: &Bitbucket, secret: &str) -> Vec<Seen> {
    bb.requests()
        .into_iter()
        .filter(|s| s.auth.carries(secret))
        .collect()
}

#[test]
fn api_token_without_username_uses_the_fixed_api_token_username() {
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    bb.add(Token::ApiToken {
        username: "jdoe".into(),
        email: EMAIL.into(),
        secret: API_TOKEN.into(),
    });
    let user = cloud_user(&bb);
    user.write_config(&entry(
        "acme",
        &format!(
            "kind = \"api-token\"\nurl = \"https://bitbucket.org/acme/\"\nemail = \"{EMAIL}\""
        ),
    ));
    user.write_secrets(&[("acme", API_TOKEN)]);
    assert_ok(&user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w"]));
    let used = requests_carrying(&bb, API_TOKEN);
    assert!(!used.is_empty());
    assert!(
        used.iter()
            .all(|s| s.auth
                == Presented::Basic("x-bitbucket-api-token-auth".into(), API_TOKEN.into())),
        "{used:?}"
    );
}

#[test]
fn git_never_gets_the_email_with_an_api_token() {
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    bb.add(Token::ApiToken {
        username: "jdoe".into(),
        email: EMAIL.into(),
        secret: API_TOKEN.into(),
    });
    let user = cloud_user(&bb);
    // Bitbucket itself refuses the email as git username: the stand-in must too.
    let direct = user.git(&[
        "clone",
        "-q",
        &format!("https://jdoe%40example.com:{API_TOKEN}@bitbucket.org/acme/widget.git"),
        "direct",
    ]);
    assert!(!direct.status.success());
    assert!(bb
        .requests()
        .iter()
        .any(|s| s.auth == Presented::Basic(EMAIL.into(), API_TOKEN.into()) && s.status == 401));
    bb.clear_requests();
    // A remote URL that carries the email still gets the git username from the helper.
    user.write_config(&entry("acme", &format!("kind = \"api-token\"\nurl = \"https://bitbucket.org/acme/\"\nusername = \"jdoe\"\nemail = \"{EMAIL}\"")));
    user.write_secrets(&[("acme", API_TOKEN)]);
    assert_ok(&user.git(&[
        "clone",
        "-q",
        "https://jdoe%40example.com@bitbucket.org/acme/widget.git",
        "w",
    ]));
    let used = requests_carrying(&bb, API_TOKEN);
    assert!(!used.is_empty());
    assert!(
        used.iter()
            .all(|s| s.auth == Presented::Basic("jdoe".into(), API_TOKEN.into())),
        "{used:?}"
    );
}

const REPO_TOKEN: &str = "ATCTT3xFfGN0-repository-token";

#[test]
fn cloud_wiki_is_cloned_with_its_repository_token() {
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    bb.cloud_wiki("acme/widget");
    bb.add(Token::AccessToken {
        secret: REPO_TOKEN.into(),
        reach: Reach::Repository("acme/widget".into()),
    });
    let user = cloud_user(&bb);
    user.write_config(&entry("widget", "kind = \"access-token\"\nscope = \"repository\"\nurl = \"https://bitbucket.org/acme/widget\""));
    user.write_secrets(&[("widget", REPO_TOKEN)]);
    assert_ok(&user.git(&[
        "clone",
        "-q",
        "https://bitbucket.org/acme/widget.git/wiki",
        "wiki",
    ]));
    let readme = std::fs::read_to_string(user.path("wiki/README.md")).unwrap();
    assert!(readme.contains("wiki"), "{readme}");
    assert!(requests_carrying(&bb, REPO_TOKEN)
        .iter()
        .all(|s| s.auth == Presented::Basic("x-token-auth".into(), REPO_TOKEN.into())));
}

#[test]
fn repository_token_works_on_its_repository_and_is_never_sent_to_a_sibling() {
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    bb.cloud_repo("acme/widget-evil");
    bb.cloud_repo("acme/sibling");
    bb.add(Token::AccessToken {
        secret: REPO_TOKEN.into(),
        reach: Reach::Repository("acme/widget".into()),
    });
    let user = cloud_user(&bb);
    user.write_config(&entry("widget", "kind = \"access-token\"\nscope = \"repository\"\nurl = \"https://bitbucket.org/acme/widget.git\""));
    user.write_secrets(&[("widget", REPO_TOKEN)]);
    assert_ok(&user.git(&[
        "clone",
        "-q",
        "https://bitbucket.org/acme/widget.git",
        "widget",
    ]));
    for sibling in ["acme/sibling", "acme/widget-evil"] {
        let out = user.git(&[
            "clone",
            "-q",
            &format!("https://bitbucket.org/{sibling}.git"),
            "s",
        ]);
        assert!(!out.status.success(), "{sibling} must not be reachable");
        assert!(
            !stderr(&out).contains("git-credential-bitbucket"),
            "no note for a remote it holds nothing for: {}",
            stderr(&out)
        );
    }
    let leaked: Vec<Seen> = requests_carrying(&bb, REPO_TOKEN)
        .into_iter()
        .filter(|s| !s.path.starts_with("/acme/widget.git/"))
        .collect();
    assert!(
        leaked.is_empty(),
        "token sent outside its repository: {leaked:?}"
    );
    assert!(!requests_carrying(&bb, REPO_TOKEN).is_empty());
}

#[test]
fn workspace_token_serves_every_repository_of_its_workspace_only() {
    let bb = Bitbucket::start();
    const WS_TOKEN: &str = "ATCTT3xFfGN0-workspace-token";
    for r in ["acme/widget", "acme/gadget", "other/thing"] {
        bb.cloud_repo(r);
    }
    bb.add(Token::AccessToken {
        secret: WS_TOKEN.into(),
        reach: Reach::Workspace("acme".into()),
    });
    let user = cloud_user(&bb);
    user.write_config(&entry(
        "acme",
        "kind = \"access-token\"\nscope = \"workspace\"\nurl = \"https://bitbucket.org/acme/\"",
    ));
    user.write_secrets(&[("acme", WS_TOKEN)]);
    assert_ok(&user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "a"]));
    assert_ok(&user.git(&["clone", "-q", "https://bitbucket.org/acme/gadget", "b"]));
    assert!(!user
        .git(&["clone", "-q", "https://bitbucket.org/other/thing.git", "c"])
        .status
        .success());
    assert!(requests_carrying(&bb, WS_TOKEN)
        .iter()
        .all(|s| s.path.starts_with("/acme/")));
}

const DC_USER_TOKEN: &str = "BBDC-MzE0NjQ5OTA0ODk2-user-token";
const DC_PROJECT_TOKEN: &str = "BBDC-NTE0MjkyOTg2Njc3-project/token+x";
const DC_URL: &str = "https://bitbucket.example.com:7990/bitbucket/scm/PROJ/repo.git";

fn dc_user(bb: &Bitbucket) -> User {
    User::with_helper_for(bb, "https://bitbucket.example.com:7990")
}

#[test]
fn data_center_user_token_is_sent_as_basic_with_the_username() {
    let bb = Bitbucket::start();
    bb.dc_repo("PROJ/repo");
    bb.add(Token::DcUser {
        username: "jdoe".into(),
        secret: DC_USER_TOKEN.into(),
    });
    let user = dc_user(&bb);
    user.write_config(&entry("dc", "kind = \"http-token\"\nscope = \"user\"\nusername = \"jdoe\"\nurl = \"https://bitbucket.example.com:7990/bitbucket/\""));
    user.write_secrets(&[("dc", DC_USER_TOKEN)]);
    let clone = user.git(&["clone", "-q", DC_URL, "repo"]);
    assert_ok(&clone);
    std::fs::write(user.path("repo/f"), "x").unwrap();
    assert_ok(&user.git(&["-C", "repo", "add", "f"]));
    assert_ok(&user.git(&["-C", "repo", "commit", "-q", "-m", "dc push"]));
    assert_ok(&user.git(&["-C", "repo", "push", "-q", "origin", "main"]));
    assert!(bb.log("dc/proj/repo.git").contains("dc push"));
    let used = requests_carrying(&bb, DC_USER_TOKEN);
    assert!(
        !used.is_empty()
            && used
                .iter()
                .all(|s| s.auth == Presented::Basic("jdoe".into(), DC_USER_TOKEN.into()))
    );
}

fn dc_project_setup(bb: &Bitbucket) -> User {
    bb.dc_repo("PROJ/repo");
    bb.dc_repo("OTHER/repo");
    bb.add(Token::DcProject {
        project: "PROJ".into(),
        secret: DC_PROJECT_TOKEN.into(),
    });
    dc_project_user(bb)
}

/// A user with the project token for `PROJ`, on a stand-in that has it.
fn dc_project_user(bb: &Bitbucket) -> User {
    let user = dc_user(bb);
    user.write_config(&entry("proj", "kind = \"http-token\"\nscope = \"project\"\nurl = \"https://bitbucket.example.com:7990/bitbucket/scm/proj/\""));
    user.write_secrets(&[("proj", DC_PROJECT_TOKEN)]);
    user
}

#[test]
fn data_center_project_token_goes_as_bearer_with_git_2_47() {
    let bb = Bitbucket::start();
    let user = dc_project_setup(&bb);
    let out = user.git_with(GIT_NEW, &["clone", "-q", DC_URL, "repo"]);
    assert_ok(&out);
    assert_eq!(stderr(&out), "");
    let used = requests_carrying(&bb, DC_PROJECT_TOKEN);
    assert!(
        !used.is_empty()
            && used
                .iter()
                .all(|s| s.auth == Presented::Bearer(DC_PROJECT_TOKEN.into())),
        "{used:?}"
    );
    let other = user.git_with(
        GIT_NEW,
        &[
            "clone",
            "-q",
            "https://bitbucket.example.com:7990/bitbucket/scm/OTHER/repo.git",
            "other",
        ],
    );
    assert!(!other.status.success());
    assert!(requests_carrying(&bb, DC_PROJECT_TOKEN)
        .iter()
        .all(|s| s.path.starts_with("/bitbucket/scm/PROJ/")));
}

#[test]
fn data_center_project_token_falls_back_to_basic_with_git_2_39() {
    let bb = Bitbucket::start();
    let user = dc_project_setup(&bb);
    let note = "git-credential-bitbucket: entry 'proj' is meant to go as Bearer, and the program asking cannot send it (it offered no `capability[]=authtype`: git before 2.46, libgit2, gix, git-lfs before 3.6); sending it as Basic x-token-auth, which Data Center also accepts\n";
    let out = user.git_with(GIT_OLD, &["clone", "-q", DC_URL, "repo"]);
    assert_ok(&out);
    assert_eq!(stderr(&out).matches(note).count(), 1, "{}", stderr(&out));
    let used = requests_carrying(&bb, DC_PROJECT_TOKEN);
    assert!(!used.is_empty() && used.iter().all(|s| s.auth == Presented::Basic("x-token-auth".into(), DC_PROJECT_TOKEN.into())), "{used:?}");
    // Said once a day: the next fetch is quiet.
    let again = user.git_with(GIT_OLD, &["-C", "repo", "fetch", "-q"]);
    assert_ok(&again);
    assert_eq!(stderr(&again), "");
    // git 2.47 sends Bearer and hears nothing; a script's `git credential
    // fill` through it offers no authtype, and hears the note once too.
    let user = dc_project_user(&bb);
    let out = user.git_with(GIT_NEW, &["clone", "-q", DC_URL, "repo"]);
    assert_ok(&out);
    assert_eq!(stderr(&out), "");
    let fill = |user: &User| {
        let mut cmd = user.command(GIT_NEW);
        cmd.args(["credential", "fill"]);
        user.run_input(&mut cmd, &format!("url={DC_URL}\n\n"))
    };
    let out = fill(&user);
    assert_ok(&out);
    assert!(stdout(&out).contains("username=x-token-auth\n"));
    assert_eq!(stderr(&out).matches(note).count(), 1, "{}", stderr(&out));
    assert_eq!(stderr(&fill(&user)), "");
}

const APP_PASSWORD: &str = "ATBBa1b2c3d4e5f6-app-password";

#[test]
fn app_password_is_served_with_a_warning_and_fails_once_removed() {
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    bb.add(Token::AppPassword {
        username: "jdoe".into(),
        secret: APP_PASSWORD.into(),
    });
    let user = cloud_user(&bb);
    user.write_config(&entry(
        "old",
        "kind = \"app-password\"\nusername = \"jdoe\"\nurl = \"https://bitbucket.org/\"",
    ));
    user.write_secrets(&[("old", APP_PASSWORD)]);
    let out = user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w"]);
    assert_ok(&out);
    let err = stderr(&out);
    assert!(err.contains("entry 'old' is an app password, which Bitbucket removed on 2026-07-28; replace it with an API token: run `git credential-bitbucket migrate old`"), "{err}");
    bb.remove_app_passwords();
    let out = user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w2"]);
    assert!(!out.status.success());
    assert!(bb
        .requests()
        .iter()
        .any(|s| s.status == 410 && s.auth.carries(APP_PASSWORD)));
}

#[test]
fn ci_mode_needs_only_environment_variables() {
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    bb.dc_repo("PROJ/repo");
    bb.add(Token::ApiToken {
        username: "ci-bot".into(),
        email: "ci@example.com".into(),
        secret: API_TOKEN.into(),
    });
    bb.add(Token::DcProject {
        project: "PROJ".into(),
        secret: DC_PROJECT_TOKEN.into(),
    });
    let mut user = User::reaching(&bb);
    // The system-wide setup of a CI image: helper for both hosts, no config file.
    user.use_helper_for("https://bitbucket.org");
    user.use_helper_for("https://bitbucket.example.com:7990");
    user.env("CI", "true");
    user.env("BITBUCKET_API_TOKEN", API_TOKEN);
    user.env("BITBUCKET_HTTP_TOKEN", DC_PROJECT_TOKEN);
    user.env(
        "BITBUCKET_SERVER_URL",
        "https://bitbucket.example.com:7990/bitbucket",
    );
    assert!(!user.config_path().exists());
    assert_ok(&user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w"]));
    assert_ok(&user.git(&["clone", "-q", DC_URL, "r"]));
    assert!(
        requests_carrying(&bb, API_TOKEN)
            .iter()
            .all(|s| s.auth
                == Presented::Basic("x-bitbucket-api-token-auth".into(), API_TOKEN.into()))
    );
    let dc_form = if offers_authtype(&user.git) {
        Presented::Bearer(DC_PROJECT_TOKEN.into())
    } else {
        Presented::Basic("x-token-auth".into(), DC_PROJECT_TOKEN.into())
    };
    let used = requests_carrying(&bb, DC_PROJECT_TOKEN);
    assert!(
        !used.is_empty() && used.iter().all(|s| s.auth == dc_form),
        "{used:?}"
    );
    // Nothing written: no configuration directory, and no file in HOME
    // holds either token.
    assert!(
        !user.config_path().parent().unwrap().exists(),
        "the helper wrote into its configuration directory in CI"
    );
    for token in [API_TOKEN, DC_PROJECT_TOKEN] {
        let holding = user.files_holding(token);
        assert!(holding.is_empty(), "{holding:?} hold a CI token");
    }
}

#[test]
fn a_rejected_token_is_recorded_and_reported_but_not_deleted() {
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    const REVOKED: &str = "ATATT3xFfGF0-revoked-token";
    let user = cloud_user(&bb);
    let config = entry(
        "acme",
        "kind = \"api-token\"\nusername = \"jdoe\"\nurl = \"https://bitbucket.org/acme/\"",
    );
    user.write_config(&config);
    user.write_secrets(&[("acme", REVOKED)]);
    let first = user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w"]);
    assert!(!first.status.success());
    assert!(
        !stderr(&first).contains("rejected entry"),
        "nothing recorded before the first rejection"
    );
    let second = user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w"]);
    assert!(!second.status.success());
    let err = stderr(&second);
    assert!(
        err.contains("git-credential-bitbucket: Bitbucket rejected entry 'acme' for https://bitbucket.org/acme/widget.git at ")
            && err.contains("check it with `git credential-bitbucket verify acme`"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(user.config_path()).unwrap(),
        config,
        "the entry stays"
    );
    assert!(
        std::fs::read_to_string(user.secret_file("acme"))
            .unwrap()
            .contains(REVOKED),
        "the secret stays"
    );
    // The user puts the right token in; the next success clears the record.
    bb.add(Token::ApiToken {
        username: "jdoe".into(),
        email: EMAIL.into(),
        secret: API_TOKEN.into(),
    });
    user.write_secrets(&[("acme", API_TOKEN)]);
    let fixed = user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w3"]);
    assert_ok(&fixed);
    let after = user.git(&["-C", "w3", "fetch", "-q"]);
    assert_ok(&after);
    assert_eq!(
        stderr(&after),
        "",
        "the rejection is forgotten after a success"
    );
}

#[test]
fn plain_http_is_refused_for_a_host_the_helper_holds_a_credential_for() {
    let bb = Bitbucket::start();
    let user = cloud_user(&bb);
    user.use_helper_for("http://bitbucket.org");
    user.write_config(&entry(
        "acme",
        "kind = \"api-token\"\nusername = \"jdoe\"\nurl = \"https://bitbucket.org/acme/\"",
    ));
    user.write_secrets(&[("acme", API_TOKEN)]);
    let out = user.git_input(
        &["credential", "fill"],
        "url=http://bitbucket.org/acme/widget.git\n\n",
    );
    assert!(!out.status.success(), "git finds no credential");
    assert!(!stdout(&out).contains(API_TOKEN));
    assert!(stderr(&out).contains("git-credential-bitbucket: refusing to send a credential for bitbucket.org over plain http"), "{}", stderr(&out));
}
