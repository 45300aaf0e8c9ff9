//! `setup`: git told to run the helper by its full path, with repository
//! paths, idempotently; and the manual page put where `man` finds it.

use crate::support::*;

const TOKEN: &str = "ATATT3xFfGF0-commands-api-token";

const EMAIL: &str = "jdoe@example.com";

fn run(user: &User, args: &[&str], input: &str) -> std::process::Output {
    user.helper(args, input)
}

const NEW: &str = "ATATT3xFfGF0-day-two-new-token";

fn api_token(secret: &str) -> Token {
    Token::ApiToken {
        username: "jdoe".into(),
        email: EMAIL.into(),
        secret: secret.into(),
    }
}

#[test]
fn setup_twice_writes_one_set_of_lines_and_git_then_uses_the_helper() {
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    bb.add(Token::ApiToken {
        username: "jdoe".into(),
        email: EMAIL.into(),
        secret: TOKEN.into(),
    });
    let user = User::reaching(&bb);
    let first = run(&user, &["setup"], "");
    assert_ok(&first);
    let helper = helper_exe();
    assert!(
        stdout(&first).contains(&format!("git now runs {helper} for https://bitbucket.org")),
        "{}",
        stdout(&first)
    );
    let after_first = std::fs::read_to_string(user.path(".gitconfig")).unwrap();
    // The same URL written another way changes nothing.
    let second = run(
        &user,
        &["setup", "--global", "https://BITBUCKET.ORG:443/"],
        "",
    );
    assert_ok(&second);
    assert!(
        stdout(&second).contains("nothing changed"),
        "{}",
        stdout(&second)
    );
    assert_eq!(
        std::fs::read_to_string(user.path(".gitconfig")).unwrap(),
        after_first
    );
    let helpers = user.git(&[
        "config",
        "--global",
        "--get-all",
        "credential.https://bitbucket.org.helper",
    ]);
    assert_eq!(stdout(&helpers), format!("\n{helper}\n"));
    let path = user.git(&[
        "config",
        "--global",
        "--get",
        "credential.https://bitbucket.org.usehttppath",
    ]);
    assert_eq!(stdout(&path), "true\n");
    user.write_config(
        r#"[[credential]]
name = "acme"
kind = "api-token"
url = "https://bitbucket.org/acme/"
secret = "file"
"#,
    );
    user.write_secrets(&[("acme", TOKEN)]);
    assert_ok(&user.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w"]));
    // A Data Center server, written to a system file named by GIT_CONFIG_SYSTEM.
    let mut user = user;
    let system = user.path("etc/gitconfig");
    user.env("GIT_CONFIG_SYSTEM", system.to_str().unwrap());
    assert_ok(&run(
        &user,
        &[
            "setup",
            "--system",
            &format!("https://{DC_HOST}:{DC_PORT}/"),
        ],
        "",
    ));
    let text = std::fs::read_to_string(&system).unwrap();
    assert!(
        text.contains(&format!("[credential \"https://{DC_HOST}:{DC_PORT}\"]"))
            && text.contains("useHttpPath = true"),
        "{text}"
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
        stdout(&out).contains("Replaced the helper `manager` for https://git.example.com"),
        "{}",
        stdout(&out)
    );
    // Plain http the configuration does not allow is refused.
    let out = user.helper(&["setup", "http://git.example.com"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("plain http"), "{}", stderr(&out));
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
        "the page is not there before the first command"
    );
    // The README's first command after the install: --version.
    let version = |user: &User| {
        user.command("git")
            .args(["credential-bitbucket", "--version"])
            .output()
            .unwrap()
    };
    let out = version(&user);
    assert_ok(&out);
    let page = user
        .home
        .path()
        .join(".cargo/share/man/man1/git-credential-bitbucket.1");
    assert!(
        stderr(&out).contains(&format!("Installed the manual page as {}", page.display())),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).starts_with("git-credential-bitbucket "),
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
    let out = version(&user);
    assert_eq!(stderr(&out), "");
    // An older page (an upgrade) is replaced by the first command after it.
    std::fs::write(&page, ".TH OLD 1\n").unwrap();
    let out = user
        .command("git-credential-bitbucket")
        .arg("list")
        .output()
        .unwrap();
    assert!(
        stderr(&out).contains("Installed the manual page"),
        "{}",
        stderr(&out)
    );
    assert!(std::fs::read_to_string(&page)
        .unwrap()
        .contains("GIT-CREDENTIAL-BITBUCKET"));
}

#[test]
fn setup_says_which_later_file_still_runs_another_helper() {
    let user = User::new();
    // A repository whose own configuration runs `store` for every URL:
    // git reads it after the global file, so the global lines cannot
    // clear it.
    assert_ok(&user.git(&["init", "-q", "work"]));
    assert_ok(&user.git(&["-C", "work", "config", "credential.helper", "store"]));
    let mut cmd = user.command(helper_exe());
    cmd.arg("setup").current_dir(user.path("work"));
    let out = user.run_input(&mut cmd, "");
    assert_ok(&out);
    let said = stdout(&out);
    let local = user.path("work/.git/config");
    assert!(
        said.contains(&format!(
            "git still runs `git credential-store` for https://bitbucket.org, set in {}, which git reads after",
            local.display()
        )),
        "{said}"
    );
    // Again: the global file is not rewritten for a helper it cannot
    // reach, and the later file is named again.
    let global = std::fs::read_to_string(user.path(".gitconfig")).unwrap();
    let mut cmd = user.command(helper_exe());
    cmd.arg("setup").current_dir(user.path("work"));
    let again = user.run_input(&mut cmd, "");
    assert!(
        stdout(&again).contains("nothing changed"),
        "{}",
        stdout(&again)
    );
    assert!(
        stdout(&again).contains("git still runs `git credential-store`"),
        "{}",
        stdout(&again)
    );
    assert_eq!(
        std::fs::read_to_string(user.path(".gitconfig")).unwrap(),
        global
    );
    // At that level, setup clears it for the server and keeps it for the
    // others.
    let mut cmd = user.command(helper_exe());
    cmd.args(["setup", "--local"])
        .current_dir(user.path("work"));
    let out = user.run_input(&mut cmd, "");
    assert_ok(&out);
    assert!(!stdout(&out).contains("still runs"), "{}", stdout(&out));
    let mut doctor = user.command(helper_exe());
    doctor.arg("doctor").current_dir(user.path("work"));
    let report = stdout(&user.run_input(&mut doctor, ""));
    assert!(!report.contains("git also runs"), "{report}");
    let general = user.git(&[
        "-C",
        "work",
        "config",
        "--local",
        "--get-all",
        "credential.helper",
    ]);
    assert_eq!(stdout(&general).trim(), "store");
}

#[test]
fn setup_remove_takes_out_what_setup_wrote_and_nothing_else() {
    let user = User::new();
    user.write_gitconfig("[credential]\n\thelper = cache\n");
    let before = std::fs::read_to_string(user.path(".gitconfig")).unwrap();
    assert_ok(&run(&user, &["setup"], ""));
    // Something the user added to the section by hand stays.
    assert_ok(&user.git(&[
        "config",
        "--global",
        "credential.https://bitbucket.org.username",
        "jdoe",
    ]));
    let out = run(&user, &["setup", "--remove"], "");
    assert_ok(&out);
    let file = user.path(".gitconfig");
    assert_eq!(
        stdout(&out),
        format!(
            "Removed this helper's lines for https://bitbucket.org from {}.\n",
            file.display()
        )
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        !text.contains(helper_exe()) && !text.contains("useHttpPath"),
        "{text}"
    );
    assert!(
        text.contains("username = jdoe") && text.contains("helper = cache"),
        "{text}"
    );
    let helpers = user.git(&[
        "config",
        "--global",
        "--get-all",
        "credential.https://bitbucket.org.helper",
    ]);
    assert_eq!(stdout(&helpers), "");
    // Without the username, nothing of the section is left: it goes.
    assert_ok(&user.git(&[
        "config",
        "--global",
        "--unset",
        "credential.https://bitbucket.org.username",
    ]));
    assert_ok(&run(&user, &["setup"], ""));
    assert_ok(&run(&user, &["setup", "--remove"], ""));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap().trim_end(),
        before.trim_end()
    );
    // Again: nothing to take out.
    let out = run(&user, &["setup", "--remove"], "");
    assert_ok(&out);
    assert!(stdout(&out).contains("nothing changed"), "{}", stdout(&out));
}
