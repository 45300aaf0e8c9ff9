//! contrib/ci/install.sh in a scratch root: it installs the helper and the
//! man page, configures git system-wide, and then a CI job clones from the
//! Bitbucket stand-in with nothing but environment variables.

mod support;

use std::process::Command;

use support::*;

#[test]
fn install_script_sets_up_a_ci_image_that_clones_with_environment_variables_only() {
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    bb.dc_repo("PROJ/repo");
    bb.add(Token::AccessToken {
        secret: "ATCTT-ci-token".into(),
        reach: Reach::Workspace("acme".into()),
    });
    bb.add(Token::DcProject {
        project: "PROJ".into(),
        secret: "BBDC-ci-project".into(),
    });

    let root = tempfile::tempdir().unwrap();
    let prefix = root.path().join("usr/local");
    let system = root.path().join("etc/gitconfig");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/contrib/ci/install.sh");
    let out = Command::new("sh")
        .arg(script)
        .args([
            "--binary",
            helper_exe(),
            "--prefix",
            prefix.to_str().unwrap(),
        ])
        .arg(format!("https://{DC_HOST}:{DC_PORT}/bitbucket"))
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", root.path().join("home"))
        .env("XDG_CONFIG_HOME", root.path().join("home/.config"))
        .env("GIT_CONFIG_SYSTEM", &system)
        .output()
        .unwrap();
    assert_ok(&out);
    assert!(prefix.join("bin/git-credential-bitbucket").exists());
    let text = std::fs::read_to_string(&system).unwrap();
    for section in [
        "https://bitbucket.org",
        "https://api.bitbucket.org",
        &format!("https://{DC_HOST}:{DC_PORT}/bitbucket"),
    ] {
        assert!(
            text.contains(&format!("[credential \"{section}\"]")),
            "{section} missing from:\n{text}"
        );
    }
    assert!(
        !root.path().join("home").exists(),
        "nothing written to the home directory"
    );

    // A CI job: the image's git configuration, the installed helper, and
    // the tokens in variables.
    let mut job = User::reaching(&bb);
    job.helper_dir = prefix.join("bin");
    job.system_config = Some(system);
    job.env("CI", "true");
    job.env("BITBUCKET_ACCESS_TOKEN", "ATCTT-ci-token");
    job.env("BITBUCKET_HTTP_TOKEN", "BBDC-ci-project");
    job.env(
        "BITBUCKET_SERVER_URL",
        &format!("https://{DC_HOST}:{DC_PORT}/bitbucket"),
    );
    assert_ok(&job.git(&["clone", "-q", "https://bitbucket.org/acme/widget.git", "w"]));
    assert_ok(&job.git(&[
        "clone",
        "-q",
        &format!("https://{DC_HOST}:{DC_PORT}/bitbucket/scm/PROJ/repo.git"),
        "r",
    ]));
    assert!(bb.requests().iter().any(|s| s.auth
        == Presented::Basic("x-token-auth".into(), "ATCTT-ci-token".into())
        && s.status == 200));
    assert!(bb
        .requests()
        .iter()
        .any(|s| s.auth.carries("BBDC-ci-project") && s.status == 200));
    assert!(!job.config_path().exists());

    // `git help credential-bitbucket` (what `git credential-bitbucket
    // --help` runs) finds the installed man page.
    let man = Command::new("git")
        .args(["help", "-m", "credential-bitbucket"])
        .env(
            "PATH",
            format!(
                "{}:/usr/local/bin:/usr/bin:/bin",
                prefix.join("bin").display()
            ),
        )
        .env("MANPATH", prefix.join("share/man"))
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MANWIDTH", "80")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", root.path())
        .output()
        .unwrap();
    assert_ok(&man);
    let page = stdout(&man);
    assert!(
        page.contains("git-credential-bitbucket")
            && page.contains("CONFIGURATION")
            && page.contains("gitcredentials(7)"),
        "{page}"
    );
}
