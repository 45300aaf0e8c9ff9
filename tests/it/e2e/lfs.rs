//! git-lfs, the client that retries a rejected token at once and without
//! end, through the helper: it must stop after a rejection, and upload once
//! the token is rotated.

use std::time::{Duration, Instant};

use crate::support::*;

const REVOKED: &str = "ATCTT3xFfGN0-rotated-revoked";

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

/// The requests that carried `secret` and were answered with `status`.
fn answered(bb: &Bitbucket, secret: &str, status: u16) -> Vec<Seen> {
    bb.requests()
        .into_iter()
        .filter(|s| s.auth.carries(secret) && s.status == status)
        .collect()
}

#[test]
fn git_lfs_stops_after_a_rejection_and_uploads_once_the_token_is_rotated() {
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    bb.add(Token::AccessToken {
        secret: GOOD.into(),
        reach: Reach::Repository("acme/widget".into()),
    });
    let user = User::with_helper_for(&bb, "https://bitbucket.org");
    // git-lfs reads the CA from git's configuration.
    user.write_gitconfig(&format!("[http]\n\tsslCAInfo = {}\n", ca_file().display()));
    user.write_config(&repo_token_entry("widget", "file"));
    user.write_secrets(&[("widget", REVOKED)]);
    let repo = user.path("work");
    let repo_dir = repo.to_str().unwrap();
    for args in [
        vec!["init", "-q", repo_dir],
        vec![
            "-C",
            repo_dir,
            "remote",
            "add",
            "origin",
            "https://bitbucket.org/acme/widget.git",
        ],
        vec!["-C", repo_dir, "lfs", "install", "--local"],
        vec!["-C", repo_dir, "lfs", "track", "*.bin"],
    ] {
        assert_ok(&user.git(&args));
    }
    let content = b"large file content for git-lfs\n".repeat(100);
    std::fs::write(repo.join("data.bin"), &content).unwrap();
    assert_ok(&user.git(&["-C", repo_dir, "add", ".gitattributes", "data.bin"]));
    assert_ok(&user.git(&["-C", repo_dir, "commit", "-q", "-m", "lfs"]));

    // git itself: one 401 for the rejected token, a clean failure, and the
    // next call moments later does not offer it again.
    let fetch = user.git(&["-C", repo_dir, "ls-remote", "origin"]);
    assert!(!fetch.status.success());
    assert_eq!(answered(&bb, REVOKED, 401).len(), 1, "{:?}", bb.requests());
    let again = user.git(&["-C", repo_dir, "ls-remote", "origin"]);
    assert!(!again.status.success());
    assert_eq!(answered(&bb, REVOKED, 401).len(), 1);
    assert!(
        stderr(&again)
            .contains("so it is not offered there again for 60 seconds unless it changes")
            && stderr(&again).contains("`git credential-bitbucket rotate widget`"),
        "{}",
        stderr(&again)
    );

    // git-lfs, which retries a 401 for as long as a helper answers: it
    // must end, quickly, with a failure.
    bb.clear_requests();
    std::fs::remove_file(user.config_path().with_file_name("state.toml")).unwrap();
    let started = Instant::now();
    let mut push = user.resolving(&bb, "git");
    push.args(["-C", repo_dir, "lfs", "push", "origin", "main"]);
    let out = run_with_deadline(&mut push, Duration::from_secs(60))
        .expect("git lfs push with a rejected token ran for a minute: it keeps retrying");
    assert!(!out.status.success(), "{}", stderr(&out));
    let rejected = answered(&bb, REVOKED, 401);
    assert!(
        !rejected.is_empty() && rejected.len() <= 2,
        "git-lfs got {} 401s for the rejected token: {rejected:?}",
        rejected.len()
    );
    eprintln!(
        "git lfs push with a rejected token ended in {:?} after {} 401(s)",
        started.elapsed(),
        rejected.len()
    );
    assert!(bb.lfs_objects().is_empty());

    // The user rotates the token; git-lfs uploads.
    let mut rotate = user.resolving(&bb, helper_exe());
    rotate.args(["rotate", "widget"]);
    let rotated = user.run_input(&mut rotate, &format!("{GOOD}\n"));
    assert_ok(&rotated);
    let mut push = user.resolving(&bb, "git");
    push.args(["-C", repo_dir, "lfs", "push", "origin", "main"]);
    let out = run_with_deadline(&mut push, Duration::from_secs(60)).expect("git lfs push hung");
    assert_ok(&out);
    assert_eq!(bb.lfs_objects(), vec![content]);
    assert!(answered(&bb, GOOD, 200)
        .iter()
        .any(|s| s.path.contains("/info/lfs/objects/batch")));
}

#[test]
fn git_lfs_stops_after_a_rejection_where_nothing_of_the_home_can_be_written() {
    // A CI job as an arbitrary uid with no home: the token comes from a CI
    // variable, and the rejection is recorded in a private place of that
    // uid's, not beside a configuration that cannot exist.
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    let user = User::new();
    let work = tempfile::Builder::new()
        .prefix("gcb-lfs-job")
        .tempdir_in("/tmp")
        .unwrap();
    let system = work.path().join("gitconfig");
    std::fs::write(
        &system,
        format!(
            "[user]\n\tname = CI\n\temail = ci@example.com\n[init]\n\tdefaultBranch = main\n[http]\n\tsslCAInfo = {}\n[credential \"https://bitbucket.org\"]\n\thelper =\n\thelper = {}\n\tuseHttpPath = true\n",
            ca_file().display(),
            helper_exe()
        ),
    )
    .unwrap();
    let repo = work.path().join("repo");
    let repo_dir = repo.to_str().unwrap();
    let git = |args: &[&str]| {
        let out = user
            .command(&user.git)
            .args(args)
            .env("GIT_CONFIG_SYSTEM", &system)
            .env_remove("GIT_CONFIG_NOSYSTEM")
            .output()
            .unwrap();
        assert_ok(&out);
    };
    git(&["init", "-q", repo_dir]);
    git(&[
        "-C",
        repo_dir,
        "remote",
        "add",
        "origin",
        "https://bitbucket.org/acme/widget.git",
    ]);
    git(&["-C", repo_dir, "lfs", "install", "--local"]);
    git(&["-C", repo_dir, "lfs", "track", "*.bin"]);
    std::fs::write(repo.join("data.bin"), b"lfs data\n".repeat(50)).unwrap();
    git(&["-C", repo_dir, "add", ".gitattributes", "data.bin"]);
    git(&["-C", repo_dir, "commit", "-q", "-m", "lfs"]);
    let chown = std::process::Command::new("chown")
        .args(["-R", "4242:4242"])
        .arg(work.path())
        .status()
        .unwrap();
    assert!(chown.success());
    // Nothing of this configuration path exists: its state has no place
    // beside it.
    let nowhere = format!(
        "/nonexistent/{}",
        work.path().file_name().unwrap().to_string_lossy()
    );
    let mut push = user.resolving(&bb, "setpriv");
    push.args([
        "--reuid=4242",
        "--regid=4242",
        "--clear-groups",
        "env",
        "-i",
    ])
    .arg("PATH=/usr/local/bin:/usr/bin:/bin")
    .arg("HOME=/nonexistent")
    .arg(format!("XDG_CONFIG_HOME={nowhere}"))
    .arg(format!("GIT_CONFIG_SYSTEM={}", system.display()))
    .arg("GIT_CONFIG_GLOBAL=/dev/null")
    .arg("GIT_TERMINAL_PROMPT=0")
    .arg(format!("BITBUCKET_ACCESS_TOKEN={REVOKED}"))
    .args(["git", "-C", repo_dir, "lfs", "push", "origin", "main"]);
    let started = Instant::now();
    let out = run_with_deadline(&mut push, Duration::from_secs(60))
        .expect("git lfs push ran for a minute: it keeps retrying the rejected token");
    assert!(!out.status.success(), "{}", stderr(&out));
    let rejected = answered(&bb, REVOKED, 401);
    assert!(
        !rejected.is_empty() && rejected.len() <= 2,
        "git-lfs got {} 401s for the rejected token",
        rejected.len()
    );
    eprintln!(
        "git lfs push as uid 4242 without a home ended in {:?} after {} 401(s)",
        started.elapsed(),
        rejected.len()
    );
    // The first rejection is said at once.
    assert!(
        stderr(&out).contains("Bitbucket rejected entry 'BITBUCKET_ACCESS_TOKEN' for https://bitbucket.org/acme/widget"),
        "{}",
        stderr(&out)
    );
    let private = std::path::Path::new("/tmp/git-credential-bitbucket-4242");
    let meta = std::fs::metadata(private).unwrap();
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    assert_eq!(
        (meta.uid(), meta.permissions().mode() & 0o777),
        (4242, 0o700)
    );
}
