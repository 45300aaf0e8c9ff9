//! `login`: the guided sign-in through a real terminal, and from a script
//! with flags; a Data Center server that wants Bearer is found.

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
        config.contains(r#"kind = "api-token""#)
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
    let newer = "ATATT3xFfGF0-login-api-token-rotated";
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
fn login_from_a_script_takes_flags_and_names_every_missing_one() {
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
    // An API token without --email: the question names its flag, and the
    // sentence says why nothing can be asked (even on a terminal).
    let out = helper(
        &user,
        &bb,
        &["login", "https://bitbucket.org", "--with-token"],
        &format!("{TOKEN}\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).lines().last().unwrap(),
        "git-credential-bitbucket: standard input holds the token, so login asks nothing; give what it would ask: your atlassian account email (the rest api's username) (--email)"
    );
    assert!(!stderr(&out).contains("no terminal"), "{}", stderr(&out));
    assert!(!user.config_path().exists());
    // Every missing answer at once: a Data Center token given no URL
    // needs the server's URL, its scope's answers too.
    let out = helper(
        &user,
        &bb,
        &["login", "--with-token", "--scope", "user"],
        "BBDC-user\n",
    );
    assert_eq!(out.status.code(), Some(1));
    let said = stderr(&out);
    assert!(
        said.contains("standard input holds the token")
            && said.contains("the server's url")
            && !said.contains("log in with the server's URL"),
        "{said}"
    );
    let out = helper(
        &user,
        &bb,
        &[
            "login",
            &format!("https://{DC_HOST}:{DC_PORT}/bitbucket"),
            "--with-token",
            "--scope",
            "project",
        ],
        "BBDC-proj\n",
    );
    assert!(
        stderr(&out).contains("which project (its key) (--repo PROJECT/REPO)"),
        "{}",
        stderr(&out)
    );
    // An access token for a workspace URL: which scope is a question.
    let out = helper(
        &user,
        &bb,
        &["login", "https://bitbucket.org/acme/", "--with-token"],
        "ATCTT-repo\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("(--scope)"), "{}", stderr(&out));
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
fn login_saves_an_api_token_that_may_not_read_the_account() {
    // The two scopes login asks for, without read:user:bitbucket: the
    // token is good, and git needs no username for it.
    let bb = stand_in();
    admit_all(&bb);
    bb.lacks_user_scope(TOKEN);
    let user = User::reaching(&bb);
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
    assert!(
        stderr(&out).contains("lacks read:user:bitbucket, so the helper cannot learn your Bitbucket username; git is sent x-bitbucket-api-token-auth"),
        "{}",
        stderr(&out)
    );
    let config = config_text(&user);
    assert!(!config.contains("username"), "{config}");
    assert_ok(&user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w"]));
    assert!(bb.requests().iter().any(|r| r.auth
        == Presented::Basic("x-bitbucket-api-token-auth".into(), TOKEN.into())
        && r.status == 200));
}

#[test]
fn login_failures_name_what_was_typed_and_only_commands_that_exist() {
    let bb = stand_in();
    admit_all(&bb);
    let user = User::reaching(&bb);
    let login = |args: &[&str], token: &str| {
        let mut all = vec!["login", "--with-token", "--store", "file"];
        all.extend_from_slice(args);
        helper(&user, &bb, &all, &format!("{token}\n"))
    };
    // A wrong email, with a repository git accepts the token for: the
    // email is named, the token is not blamed.
    let out = login(
        &[
            "https://bitbucket.org/acme/widget",
            "--email",
            "jdoe@exmaple.com",
        ],
        TOKEN,
    );
    assert_eq!(out.status.code(), Some(1));
    let said = stderr(&out);
    assert!(
        said.contains("nothing was saved")
            && said.contains("git accepted the token, but the REST API refused it with the email jdoe@exmaple.com, so that is not the Atlassian account's email; give the account's email with --email"),
        "{said}"
    );
    // A wrong token, no username given: no username is blamed, and no
    // command names an entry that does not exist.
    let out = login(
        &["https://bitbucket.org/acme/widget", "--email", EMAIL],
        "ATATT3xFfGF0-mistyped",
    );
    assert_eq!(out.status.code(), Some(1));
    let said = stderr(&out);
    assert!(
        said.contains("401: Bitbucket refused the token — it is wrong, expired or revoked"),
        "{said}"
    );
    let refusal = said.lines().last().unwrap();
    assert!(refusal.contains("nothing was saved"), "{said}");
    assert!(
        !refusal.contains("username") && !said.contains("rotate"),
        "{said}"
    );
    // A username given: it is named as what may be wrong.
    let out = login(
        &[
            "https://bitbucket.org/acme/widget",
            "--email",
            EMAIL,
            "--username",
            "jdoe2",
        ],
        "ATATT3xFfGF0-mistyped",
    );
    assert!(
        stderr(&out).contains("or jdoe2 is not the account's Bitbucket username"),
        "{}",
        stderr(&out)
    );
    assert!(!user.config_path().exists());
    // verify of a saved entry names rotate with the entry's name.
    let out = login(
        &["https://bitbucket.org/acme/widget", "--email", EMAIL],
        TOKEN,
    );
    assert_ok(&out);
    bb.revoke(TOKEN);
    let out = helper(&user, &bb, &["verify"], "");
    assert!(
        stdout(&out).contains("store a new one with `git credential-bitbucket rotate bitbucket`"),
        "{}",
        stdout(&out)
    );
}
