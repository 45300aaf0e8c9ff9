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
    let rotated = user.helper(&["rotate", "widget"], &format!("{GOOD}\n"));
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
