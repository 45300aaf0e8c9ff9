//! contrib/ci/install.sh in a scratch root: it installs the helper and the
//! man page, configures git system-wide, and then a CI job clones from the
//! Bitbucket stand-in with nothing but environment variables.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use crate::support::*;

/// Why a test that installs the release files does not run by default.
pub const NEEDS_RELEASE: &str = "installs the release files: contrib/release.sh --out dist, then GCB_TEST_RELEASE_DIR=dist cargo test --test it -- --ignored release:: (.ci/run does)";

/// The release directory `contrib/release.sh` made (archive, .deb,
/// SHA256SUMS), named by `GCB_TEST_RELEASE_DIR`.
fn release_dir() -> std::path::PathBuf {
    std::env::var_os("GCB_TEST_RELEASE_DIR")
        .unwrap_or_else(|| panic!("GCB_TEST_RELEASE_DIR is not set: this test {NEEDS_RELEASE}"))
        .into()
}

/// The file in `dir` whose name starts with `start` and ends with `end`.
fn file_in(dir: &std::path::Path, start: &str, end: &str) -> std::path::PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with(start) && n.ends_with(end)
        })
        .unwrap_or_else(|| panic!("no {start}…{end} in {}", dir.display()))
}

fn install_sh(root: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new("sh")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/contrib/ci/install.sh"
        ))
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", root.join("home"))
        .env("GIT_CONFIG_SYSTEM", root.join("etc/gitconfig"))
        .output()
        .unwrap()
}

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

#[test]
#[ignore = "needs the release files: contrib/release.sh --out dist, then GCB_TEST_RELEASE_DIR=dist cargo test --test it -- --ignored release::"]
fn install_script_installs_the_release_archive_after_checking_it() {
    let dist = release_dir();
    let archive = file_in(&dist, "git-credential-bitbucket-", ".tar.gz");
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    bb.add(Token::AccessToken {
        secret: "ATCTT-archive-token".into(),
        reach: Reach::Repository("acme/widget".into()),
    });

    // A copy whose bytes differ from SHA256SUMS is refused, and nothing is
    // installed.
    let tampered = tempfile::tempdir().unwrap();
    let bad = tampered.path().join(archive.file_name().unwrap());
    let mut bytes = std::fs::read(&archive).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&bad, bytes).unwrap();
    std::fs::copy(dist.join("SHA256SUMS"), tampered.path().join("SHA256SUMS")).unwrap();
    let root = tempfile::tempdir().unwrap();
    let prefix = root.path().join("usr/local");
    let out = install_sh(
        root.path(),
        &[
            "--archive",
            bad.to_str().unwrap(),
            "--prefix",
            prefix.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("does not match its checksum"),
        "{}",
        stderr(&out)
    );
    assert!(!prefix.exists());

    // The archive itself, checked against the SHA256SUMS beside it.
    let out = install_sh(
        root.path(),
        &[
            "--archive",
            archive.to_str().unwrap(),
            "--prefix",
            prefix.to_str().unwrap(),
        ],
    );
    assert_ok(&out);
    for installed in [
        "bin/git-credential-bitbucket",
        "share/man/man1/git-credential-bitbucket.1",
        "share/bash-completion/completions/git-credential-bitbucket",
    ] {
        assert!(prefix.join(installed).exists(), "{installed} missing");
    }
    // A CI job with only a BITBUCKET_* variable clones through it.
    let mut job = User::reaching(&bb);
    job.system_config = Some(root.path().join("etc/gitconfig"));
    job.helper_dir = prefix.join("bin");
    job.env("BITBUCKET_ACCESS_TOKEN", "ATCTT-archive-token");
    assert_ok(&job.git_with(
        GIT_OLD,
        &["clone", "-q", "https://bitbucket.org/acme/widget.git", "w"],
    ));
    assert!(bb.requests().iter().any(|s| s.status == 200
        && s.auth == Presented::Basic("x-token-auth".into(), "ATCTT-archive-token".into())));
    let text = std::fs::read_to_string(root.path().join("etc/gitconfig")).unwrap();
    assert!(
        text.contains(&format!(
            "helper = {}",
            prefix.join("bin/git-credential-bitbucket").display()
        )),
        "{text}"
    );
}

/// A release archive `git-credential-bitbucket-0.1.0-x86_64-unknown-linux-gnu.tar.gz`
/// in `dir`, whose executable member is made by `member` (given the path
/// it is to be made at), and its SHA256SUMS beside it.
fn archive_with(
    dir: &std::path::Path,
    member: impl FnOnce(&std::path::Path),
) -> std::path::PathBuf {
    let top = "git-credential-bitbucket-0.1.0-x86_64-unknown-linux-gnu";
    let tree = dir.join("tree");
    std::fs::create_dir_all(tree.join(top)).unwrap();
    member(&tree.join(top).join("git-credential-bitbucket"));
    let name = format!("{top}.tar.gz");
    let archive = dir.join(&name);
    let tar = Command::new("tar")
        .arg("-czf")
        .arg(&archive)
        .arg("-C")
        .arg(&tree)
        .arg(top)
        .status()
        .unwrap();
    assert!(tar.success());
    let sums = Command::new("sha256sum")
        .arg(&name)
        .current_dir(dir)
        .output()
        .unwrap();
    std::fs::write(dir.join("SHA256SUMS"), &sums.stdout).unwrap();
    archive
}

#[test]
fn install_script_unpacks_only_regular_files() {
    // An archive whose checksum is right but whose executable is a link
    // to a file the installing root can read and no one else should.
    let root = tempfile::tempdir().unwrap();
    let private = root.path().join("private");
    std::fs::write(&private, "root's own secret\n").unwrap();
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600)).unwrap();
    let dist = root.path().join("dist");
    std::fs::create_dir(&dist).unwrap();
    let archive = archive_with(&dist, |at| {
        std::os::unix::fs::symlink(&private, at).unwrap()
    });
    let prefix = root.path().join("usr/local");
    let out = install_sh(
        root.path(),
        &[
            "--archive",
            archive.to_str().unwrap(),
            "--prefix",
            prefix.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("which is not a regular file or directory; nothing was installed"),
        "{}",
        stderr(&out)
    );
    assert!(!prefix.join("bin/git-credential-bitbucket").exists());
    // A bare file name (run from the archive's directory) is checked
    // against the SHA256SUMS beside it, and the script says where the
    // sums came from.
    let good = root.path().join("good");
    std::fs::create_dir(&good).unwrap();
    let archive = archive_with(&good, |at| {
        std::fs::copy(helper_exe(), at).unwrap();
    });
    let out = Command::new("sh")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/contrib/ci/install.sh"
        ))
        .args(["--archive", archive.file_name().unwrap().to_str().unwrap()])
        .args(["--prefix", prefix.to_str().unwrap()])
        .current_dir(&good)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", root.path().join("home"))
        .env("GIT_CONFIG_SYSTEM", root.path().join("etc/gitconfig"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("against the SHA256SUMS beside it, which comes from the same place"),
        "{}",
        stderr(&out)
    );
    let installed = std::fs::symlink_metadata(prefix.join("bin/git-credential-bitbucket")).unwrap();
    assert!(installed.is_file());
}

#[test]
fn install_script_follows_no_redirect_off_https() {
    let bb = Bitbucket::start();
    let root = tempfile::tempdir().unwrap();
    let dist = root.path().join("dist");
    std::fs::create_dir(&dist).unwrap();
    let archive = archive_with(&dist, |at| {
        std::fs::copy(helper_exe(), at).unwrap();
    });
    let name = archive.file_name().unwrap().to_str().unwrap().to_owned();
    // Plain http on the stand-in's address, port 80: it would serve the
    // archive and its sums to whoever asked.
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let listener = std::net::TcpListener::bind((bb.ip, 80)).unwrap();
    {
        let asked = asked.clone();
        let dist = dist.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                use std::io::{BufRead, Write};
                asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let mut stream = stream;
                let mut line = String::new();
                let _ = std::io::BufReader::new(&stream).read_line(&mut line);
                let file = line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("/")
                    .rsplit('/')
                    .next()
                    .unwrap_or("")
                    .to_owned();
                let body = std::fs::read(dist.join(file)).unwrap_or_default();
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(&body);
            }
        });
    }
    bb.redirect(
        "bitbucket.org",
        "/releases/",
        "http://bitbucket.org/releases/",
    );
    let url = format!("https://bitbucket.org/releases/{name}");
    // With curl, and with wget alone (a PATH without curl).
    let no_curl = root.path().join("no-curl");
    std::fs::create_dir(&no_curl).unwrap();
    for dir in ["/usr/bin", "/bin"] {
        for tool in std::fs::read_dir(dir).unwrap().flatten() {
            let link = no_curl.join(tool.file_name());
            if tool.file_name() != "curl" && !link.exists() {
                std::os::unix::fs::symlink(tool.path(), link).unwrap();
            }
        }
    }
    let wgetrc = root.path().join("wgetrc");
    std::fs::write(
        &wgetrc,
        format!("ca_certificate = {}\n", ca_file().display()),
    )
    .unwrap();
    let user = User::new();
    for path in ["/usr/bin:/bin", no_curl.to_str().unwrap()] {
        let prefix = root.path().join(format!("prefix{}", path.len()));
        let mut cmd = user.resolving(&bb, "sh");
        cmd.arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/contrib/ci/install.sh"
        ))
        .args(["--archive", &url, "--prefix", prefix.to_str().unwrap()])
        .env("PATH", path)
        .env("CURL_CA_BUNDLE", ca_file())
        .env("WGETRC", &wgetrc)
        .env("GIT_CONFIG_SYSTEM", root.path().join("etc/gitconfig"));
        let out = cmd.output().unwrap();
        assert!(!out.status.success(), "{path}: {}", stdout(&out));
        assert!(
            !prefix.join("bin/git-credential-bitbucket").exists(),
            "{path}"
        );
        assert_eq!(
            asked.load(std::sync::atomic::Ordering::SeqCst),
            0,
            "{path}: plain http was asked: {}",
            stderr(&out)
        );
    }
}
