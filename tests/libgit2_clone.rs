//! A libgit2 program (as cargo and many IDEs are) cloning through the
//! helper: `RemoteCallbacks::credentials` with `Cred::credential_helper`
//! and the helper configured in git's configuration. libgit2 reads only a
//! username and a password, so a Data Center project token goes as Basic
//! x-token-auth.
//!
//! This file holds one test: it sets the process environment that libgit2
//! and the helper it starts read.

mod support;

use support::*;

#[test]
fn libgit2_clones_through_the_helper() {
    // libgit2 resolves names itself (no curloptResolve), and git2 gives
    // helpers no host for a remote named by address: the server is
    // `localhost`, as a self-hosted server named in /etc/hosts would be.
    let bb = Bitbucket::start_at(std::net::Ipv4Addr::LOCALHOST)
        .expect("127.0.0.1:443 is free for this test");
    bb.dc_repo("PROJ/repo");
    bb.add(Token::DcProject {
        project: "PROJ".into(),
        secret: "BBDC-libgit2-token".into(),
    });
    let user = User::reaching(&bb);
    let base = "https://localhost";
    user.use_helper_for(base);
    user.write_config(&format!(
        "[[credential]]\nname = \"proj\"\nkind = \"http-token\"\nscope = \"project\"\nurl = \"{base}/bitbucket/scm/PROJ/\"\nsecret = \"file\"\n"
    ));
    user.write_secrets(&[("proj", "BBDC-libgit2-token")]);
    let home = user.home.path();
    let bin = std::path::Path::new(helper_exe()).parent().unwrap();
    // This binary runs this one test, so nothing reads the
    // environment concurrently.
    for (k, v) in [
        ("HOME", home.to_path_buf()),
        ("XDG_CONFIG_HOME", home.join(".config")),
        ("XDG_CACHE_HOME", home.join(".cache")),
        ("SSL_CERT_FILE", ca_file().to_path_buf()),
        (
            "PATH",
            format!("{}:/usr/local/bin:/usr/bin:/bin", bin.display()).into(),
        ),
    ] {
        std::env::set_var(k, v);
    }
    std::env::set_var("GIT_CONFIG_NOSYSTEM", "1");

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
    let dest = home.join("cloned");
    let repo = git2::build::RepoBuilder::new()
        .fetch_options(fetch)
        .clone(&format!("{base}/bitbucket/scm/PROJ/repo.git"), &dest)
        .unwrap_or_else(|e| panic!("libgit2 could not clone: {e}"));
    assert!(dest.join("README.md").exists());
    assert!(repo.head().is_ok());
    let used: Vec<Seen> = bb
        .requests()
        .into_iter()
        .filter(|s| s.auth.carries("BBDC-libgit2-token"))
        .collect();
    assert!(!used.is_empty());
    assert!(used.iter().all(|s| s.auth == Presented::Basic("x-token-auth".into(), "BBDC-libgit2-token".into())), "{used:?}");
}
