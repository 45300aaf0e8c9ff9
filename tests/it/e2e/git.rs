//! git cloning and pushing through the helper against the local Bitbucket
//! stand-in, for every kind of credential, with git 2.47 (and 2.39 where
//! Bearer matters): what each kind sends, where it is never sent, what get
//! says, CI mode, rejections, and what git asks the helper to keep.

use std::os::unix::fs::PermissionsExt;

use crate::support::*;

const API_TOKEN: &str = "ATATT3xFfGF0-test-api-token";

const EMAIL: &str = "jdoe@example.com";

fn cloud_user(bb: &Bitbucket) -> User {
    User::with_helper_for(bb, "https://bitbucket.org")
}

fn entry(name: &str, body: &str) -> String {
    format!(
        r#"[[credential]]
name = "{name}"
{body}
secret = "file"

"#
    )
}

fn requests_carrying(bb: &Bitbucket, secret: &str) -> Vec<Seen> {
    bb.requests()
        .into_iter()
        .filter(|s| s.auth.carries(secret))
        .collect()
}

const REPO_TOKEN: &str = "ATCTT3xFfGN0-repository-token";

const DC_USER_TOKEN: &str = "BBDC-MzE0NjQ5OTA0ODk2-user-token";

const DC_PROJECT_TOKEN: &str = "BBDC-NTE0MjkyOTg2Njc3-project/token+x";

const DC_URL: &str = "https://bitbucket.example.com:7990/bitbucket/scm/PROJ/repo.git";

fn dc_user(bb: &Bitbucket) -> User {
    User::with_helper_for(bb, "https://bitbucket.example.com:7990")
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
    user.write_config(&entry(
        "proj",
        r#"kind = "http-token"
scope = "project"
url = "https://bitbucket.example.com:7990/bitbucket/scm/proj/""#,
    ));
    user.write_secrets(&[("proj", DC_PROJECT_TOKEN)]);
    user
}

const APP_PASSWORD: &str = "ATBBa1b2c3d4e5f6-app-password";

const TOKEN: &str = "ATATT3xFfGF0-commands-api-token";

fn run(user: &User, args: &[&str], input: &str) -> std::process::Output {
    user.helper(args, input)
}

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
        r#"[[credential]]
name = "acme"
kind = "api-token"
url = "https://bitbucket.org/acme/"
username = "jdoe"
email = "{EMAIL}"
secret = "file"
"#
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
            r#"kind = "api-token"
url = "https://bitbucket.org/acme/"
email = "{EMAIL}""#
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
    user.write_config(&entry(
        "acme",
        &format!(
            r#"kind = "api-token"
url = "https://bitbucket.org/acme/"
username = "jdoe"
email = "{EMAIL}""#
        ),
    ));
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
    user.write_config(&entry(
        "widget",
        r#"kind = "access-token"
scope = "repository"
url = "https://bitbucket.org/acme/widget""#,
    ));
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
    user.write_config(&entry(
        "widget",
        r#"kind = "access-token"
scope = "repository"
url = "https://bitbucket.org/acme/widget.git""#,
    ));
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
        r#"kind = "access-token"
scope = "workspace"
url = "https://bitbucket.org/acme/""#,
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

#[test]
fn project_token_serves_the_repositories_it_lists_and_no_other() {
    let bb = Bitbucket::start();
    const PROJECT_TOKEN: &str = "ATCTT3xFfGN0-project-token";
    for r in ["acme/api", "acme/web", "acme/secret"] {
        bb.cloud_repo(r);
    }
    bb.add(Token::AccessToken {
        secret: PROJECT_TOKEN.into(),
        reach: Reach::Project(vec!["acme/api".into(), "acme/web".into()]),
    });
    let user = cloud_user(&bb);
    user.write_config(&entry(
        "acme-project",
        r#"kind = "access-token"
scope = "project"
url = "https://bitbucket.org/acme/"
repos = ["acme/api", "acme/web"]"#,
    ));
    user.write_secrets(&[("acme-project", PROJECT_TOKEN)]);
    assert_ok(&user.git(&["clone", "-q", "https://bitbucket.org/acme/api.git", "a"]));
    std::fs::write(user.path("a/f"), "x").unwrap();
    assert_ok(&user.git(&["-C", "a", "add", "f"]));
    assert_ok(&user.git(&["-C", "a", "commit", "-q", "-m", "project push"]));
    assert_ok(&user.git(&["-C", "a", "push", "-q", "origin", "main"]));
    assert!(bb.log("cloud/acme/api.git").contains("project push"));
    assert_ok(&user.git(&["clone", "-q", "https://bitbucket.org/acme/web", "w"]));
    // A repository of the same workspace that the project does not hold
    // never sees the token.
    let other = user.git(&["clone", "-q", "https://bitbucket.org/acme/secret.git", "s"]);
    assert!(!other.status.success());
    let used = requests_carrying(&bb, PROJECT_TOKEN);
    assert!(
        used.iter().all(|s| {
            let repo = s.path.split('/').nth(2).unwrap_or_default();
            s.host == "bitbucket.org"
                && s.path.starts_with("/acme/")
                && ["api", "web"].contains(&repo.trim_end_matches(".git"))
                && s.auth == Presented::Basic("x-token-auth".into(), PROJECT_TOKEN.into())
        }),
        "{used:?}"
    );
}

#[test]
fn data_center_repository_token_serves_its_repository_only() {
    let bb = Bitbucket::start();
    const DC_REPO_TOKEN: &str = "BBDC-OTk4NzY1NDMyMTAw-repository-token";
    bb.dc_repo("PROJ/repo");
    bb.dc_repo("PROJ/sibling");
    bb.add(Token::DcRepository {
        project: "PROJ".into(),
        repo: "repo".into(),
        secret: DC_REPO_TOKEN.into(),
    });
    let user = dc_user(&bb);
    user.write_config(&entry(
        "repo",
        r#"kind = "http-token"
scope = "repository"
url = "https://bitbucket.example.com:7990/bitbucket/scm/PROJ/repo.git""#,
    ));
    user.write_secrets(&[("repo", DC_REPO_TOKEN)]);
    assert_ok(&user.git_with(GIT_NEW, &["clone", "-q", DC_URL, "repo"]));
    let sibling = "https://bitbucket.example.com:7990/bitbucket/scm/PROJ/sibling.git";
    assert!(!user
        .git_with(GIT_NEW, &["clone", "-q", sibling, "sibling"])
        .status
        .success());
    let used = requests_carrying(&bb, DC_REPO_TOKEN);
    assert!(
        !used.is_empty()
            && used
                .iter()
                .all(|s| s.host.starts_with("bitbucket.example.com")
                    && s.path.starts_with("/bitbucket/scm/PROJ/repo.git/")
                    && s.auth == Presented::Bearer(DC_REPO_TOKEN.into())),
        "{used:?}"
    );
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
    user.write_config(&entry(
        "dc",
        r#"kind = "http-token"
scope = "user"
username = "jdoe"
url = "https://bitbucket.example.com:7990/bitbucket/""#,
    ));
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
    let note = "git-credential-bitbucket: entry 'proj' is meant to go as Bearer, and the program asking cannot send it (it offered no `capability[]=authtype`: git before 2.46, libgit2, git-lfs before 3.6); sending it as Basic x-token-auth, which Data Center also accepts\n";
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
        r#"kind = "app-password"
username = "jdoe"
url = "https://bitbucket.org/""#,
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
        r#"kind = "api-token"
username = "jdoe"
url = "https://bitbucket.org/acme/""#,
    );
    user.write_config(&config);
    user.write_secrets(&[("acme", REVOKED)]);
    // The first 401 is said at once, by the erase that records it.
    let first = user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w"]);
    assert!(!first.status.success());
    let err = stderr(&first);
    assert_eq!(err.matches("rejected entry").count(), 1, "{err}");
    assert!(
        err.contains("git-credential-bitbucket: Bitbucket rejected entry 'acme' for https://bitbucket.org/acme/widget.git at ")
            && err.contains("so it is not offered there again for 60 seconds unless it changes; check it with `git credential-bitbucket verify acme`, or store a new token with `git credential-bitbucket rotate acme`"),
        "{err}"
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
        r#"kind = "api-token"
username = "jdoe"
url = "https://bitbucket.org/acme/""#,
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

#[test]
fn coming_expiry_is_announced_on_get_once_a_day() {
    let bb = Bitbucket::start();
    let user = User::reaching(&bb);
    let soon = {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let out = std::process::Command::new("date")
            .args(["-u", "-d", &format!("@{}", now + 5 * 86_400), "+%Y-%m-%d"])
            .output()
            .unwrap();
        stdout(&out).trim().to_owned()
    };
    user.write_config(&format!(
        r#"[[credential]]
name = "acme"
kind = "api-token"
url = "https://bitbucket.org/"
expires = "{soon}"
secret = "file"
"#
    ));
    user.write_secrets(&[("acme", TOKEN)]);
    let get = || {
        run(
            &user,
            &["get"],
            "protocol=https\nhost=bitbucket.org\npath=acme/w.git\n\n",
        )
    };
    let first = get();
    assert_ok(&first);
    assert!(
        stderr(&first).contains(&format!("entry 'acme' expires on {soon} (in ")),
        "{}",
        stderr(&first)
    );
    let second = get();
    assert_ok(&second);
    assert_eq!(stderr(&second), "");
    assert_eq!(stdout(&first), stdout(&second));
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
        r#"[[credential]]
name = "me"
kind = "http-token"
scope = "user"
username = "jdoe"
auth = "bearer"
url = "https://{DC_HOST}:{DC_PORT}/bitbucket/"
secret = "file"
"#
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
fn a_token_typed_at_gits_prompt_after_a_rejection_becomes_the_entrys() {
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    const OLD: &str = "ATCTT3xFfGN0-rejected-old";
    const NEW: &str = "ATCTT3xFfGN0-typed-new";
    bb.add(Token::AccessToken {
        secret: NEW.into(),
        reach: Reach::Repository("acme/widget".into()),
    });
    let mut user = cloud_user(&bb);
    user.write_config(&entry(
        "widget",
        r#"kind = "access-token"
scope = "repository"
url = "https://bitbucket.org/acme/widget""#,
    ));
    user.write_secrets(&[("widget", OLD)]);
    // The person at git's prompt: the access token's username, and the
    // new token.
    let askpass = user.path("askpass.sh");
    std::fs::write(
        &askpass,
        format!("#!/bin/sh\ncase \"$1\" in\n  Username*) echo x-token-auth ;;\n  *) echo {NEW} ;;\nesac\n"),
    )
    .unwrap();
    std::fs::set_permissions(&askpass, std::fs::Permissions::from_mode(0o755)).unwrap();
    user.env("GIT_ASKPASS", askpass.to_str().unwrap());
    // The entry's token is refused (git gives up on it); moments later git
    // finds the entry withheld, asks the person, and the typed token works.
    let refused = user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w"]);
    assert!(!refused.status.success());
    let clone = user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w"]);
    assert_ok(&clone);
    assert!(
        stderr(&clone).contains("entry 'widget' now holds the token just accepted for https://bitbucket.org/acme/widget.git, in place of the one Bitbucket rejected"),
        "{}",
        stderr(&clone)
    );
    assert_eq!(
        std::fs::read_to_string(user.secret_file("widget")).unwrap(),
        NEW
    );
    assert!(
        !user.learned_path().exists(),
        "nothing learned beside the entry"
    );
    // From now on, the token that worked is the one used: no prompt, no
    // rejection.
    let mut user = user;
    user.env("GIT_ASKPASS", "/bin/false");
    assert_ok(&user.git(&["-C", "w", "fetch", "-q"]));
    let list = stdout(&user.helper(&["list"], ""));
    assert!(!list.contains("rejected"), "{list}");
}

#[test]
fn a_server_already_on_localhost_443_does_not_stop_the_stand_in() {
    // A web server of the machine's own on 127.0.0.1:443 (held here for
    // the test's length when nothing holds it yet): the stand-in picks a
    // loopback address of its own, and git reaches it there.
    let _held = std::net::TcpListener::bind("127.0.0.1:443");
    let bb = Bitbucket::start();
    assert_ne!(bb.ip, std::net::Ipv4Addr::LOCALHOST);
    bb.cloud_repo("acme/widget");
    bb.add(Token::AccessToken {
        secret: "ATCTT-held".into(),
        reach: Reach::Repository("acme/widget".into()),
    });
    let user = cloud_user(&bb);
    user.write_config(&entry(
        "w",
        "kind = \"access-token\"\nscope = \"repository\"\nurl = \"https://bitbucket.org/acme/widget\"",
    ));
    user.write_secrets(&[("w", "ATCTT-held")]);
    assert_ok(&user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w"]));
}

#[test]
fn a_ci_job_with_no_home_and_no_passwd_entry_clones_with_the_ci_variable() {
    // OpenShift and Tekton run jobs as an arbitrary uid: no passwd entry,
    // no HOME. The token comes from the CI variable; nothing needs a home.
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    // The uid's private place outlives the test: a token of this run's own
    // meets no record an earlier run left there.
    let token = format!(
        "ATCTT-job-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    bb.add(Token::AccessToken {
        secret: token.clone(),
        reach: Reach::Repository("acme/widget".into()),
    });
    let work = tempfile::Builder::new()
        .prefix("gcb-homeless")
        .tempdir_in("/tmp")
        .unwrap();
    let system = work.path().join("gitconfig");
    std::fs::write(
        &system,
        format!(
            "[http]\n\tsslCAInfo = {}\n[credential \"https://bitbucket.org\"]\n\thelper =\n\thelper = {}\n\tuseHttpPath = true\n",
            ca_file().display(),
            helper_exe()
        ),
    )
    .unwrap();
    let chown = std::process::Command::new("chown")
        .args(["-R", "4242:4242"])
        .arg(work.path())
        .status()
        .unwrap();
    assert!(chown.success());
    let user = User::new();
    let job = |token: &str, args: &[&str]| {
        let mut cmd = user.resolving(&bb, "setpriv");
        cmd.args([
            "--reuid=4242",
            "--regid=4242",
            "--clear-groups",
            "env",
            "-i",
        ])
        .arg("PATH=/usr/local/bin:/usr/bin:/bin")
        .arg(format!("GIT_CONFIG_SYSTEM={}", system.display()))
        .arg("GIT_TERMINAL_PROMPT=0")
        .arg(format!("BITBUCKET_ACCESS_TOKEN={token}"))
        .arg("git")
        .arg("-C")
        .arg(work.path())
        .args(args);
        cmd.output().unwrap()
    };
    let out = job(
        &token,
        &["clone", "-q", "https://bitbucket.org/acme/widget.git", "w"],
    );
    assert_ok(&out);
    assert!(work.path().join("w/README.md").exists());
    assert!(
        !stderr(&out).contains("git-credential-bitbucket"),
        "{}",
        stderr(&out)
    );
    // A revoked token: the rejection is recorded (in the uid's private
    // place) and said, and the next fetch is not sent the same token.
    bb.revoke(&token);
    let out = job(&token, &["-C", "w", "fetch", "-q"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("git-credential-bitbucket: Bitbucket rejected"),
        "{}",
        stderr(&out)
    );
    let sent = bb
        .requests()
        .iter()
        .filter(|r| r.auth == Presented::Basic("x-token-auth".into(), token.clone()))
        .count();
    let out = job(&token, &["-C", "w", "fetch", "-q"]);
    assert!(!out.status.success());
    let again = bb
        .requests()
        .iter()
        .filter(|r| r.auth == Presented::Basic("x-token-auth".into(), token.clone()))
        .count();
    assert_eq!(sent, again, "the rejected token was sent again");
}
