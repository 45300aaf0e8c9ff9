//! A libgit2 program (as cargo and many IDEs are) cloning through the
//! helper: `RemoteCallbacks::credentials` with `Cred::credential_helper`
//! and the helper configured in git's configuration. libgit2 reads only a
//! username and a password, so a Data Center project token goes as Basic
//! x-token-auth.
//!
//! libgit2 reads the process environment (HOME, the CA file) and resolves
//! names itself, so the clone runs in a process of its own: this test
//! binary again, running only the ignored test below, in a private mount
//! namespace whose hosts file leads the Data Center host to the stand-in.

use crate::support::*;

/// The libgit2 clone, in the process `libgit2_clones_through_the_helper`
/// starts; `GCB_LIBGIT2_URL` and `GCB_LIBGIT2_DEST` say what to clone
/// where.
#[test]
#[ignore = "the libgit2 side of libgit2_clones_through_the_helper, which runs it in a process of its own"]
fn libgit2_clone_in_a_process_of_its_own() {
    let url = std::env::var("GCB_LIBGIT2_URL").expect("GCB_LIBGIT2_URL");
    let dest = std::path::PathBuf::from(std::env::var_os("GCB_LIBGIT2_DEST").unwrap());
    let home = std::path::PathBuf::from(std::env::var_os("HOME").unwrap());
    let config = git2::Config::open(&home.join(".gitconfig")).unwrap();
    let mut callbacks = git2::RemoteCallbacks::new();
    let mut asked = 0;
    callbacks.credentials(|url, username, _allowed| {
        asked += 1;
        assert!(
            asked < 5,
            "libgit2 keeps asking: the credential was refused"
        );
        git2::Cred::credential_helper(&config, url, username)
    });
    let mut fetch = git2::FetchOptions::new();
    fetch.remote_callbacks(callbacks);
    let repo = git2::build::RepoBuilder::new()
        .fetch_options(fetch)
        .clone(&url, &dest)
        .unwrap_or_else(|e| panic!("libgit2 could not clone: {e}"));
    assert!(repo.head().is_ok());
}

#[test]
fn libgit2_clones_through_the_helper() {
    let bb = Bitbucket::start();
    bb.dc_repo("PROJ/repo");
    bb.add(Token::DcProject {
        project: "PROJ".into(),
        secret: "BBDC-libgit2-token".into(),
    });
    let user = User::reaching(&bb);
    // On the default port: libgit2 matches `credential.<url>` without one.
    let base = format!("https://{DC_HOST}");
    user.use_helper_for(&base);
    user.write_config(&format!(
        r#"[[credential]]
name = "proj"
kind = "http-token"
scope = "project"
url = "{base}/bitbucket/scm/PROJ/"
secret = "file"
"#
    ));
    user.write_secrets(&[("proj", "BBDC-libgit2-token")]);
    let dest = user.path("cloned");
    let me = std::env::current_exe().unwrap();
    let mut clone = user.resolving(&bb, me.to_str().unwrap());
    clone
        .args([
            "--ignored",
            "--exact",
            "e2e::libgit2::libgit2_clone_in_a_process_of_its_own",
        ])
        .env(
            "GCB_LIBGIT2_URL",
            format!("{base}/bitbucket/scm/PROJ/repo.git"),
        )
        .env("GCB_LIBGIT2_DEST", &dest)
        .env("SSL_CERT_FILE", ca_file());
    let out = clone.output().unwrap();
    assert!(
        out.status.success() && stdout(&out).contains("1 passed"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(dest.join("README.md").exists());
    let used: Vec<Seen> = bb
        .requests()
        .into_iter()
        .filter(|s| s.auth.carries("BBDC-libgit2-token"))
        .collect();
    assert!(!used.is_empty());
    assert!(
        used.iter().all(|s| s.auth
            == Presented::Basic("x-token-auth".into(), "BBDC-libgit2-token".into())),
        "{used:?}"
    );
}
