//! The shipped Linux binary (the one in the release archive) in Debian
//! roots of other glibc versions, set up as desktops and CI images are:
//! the NSS modules desktops use installed, `hosts` and `passwd` going past
//! `files` and `dns`, names answered by a DNS server (not `/etc/hosts`).
//! A static glibc program that loads those modules dies of a signal;
//! nothing here may. The `.deb` installs (and runs) in each root whose git
//! is 2.39 or later, and is refused, naming that git, in the others.
//!
//! `.ci/run` makes the roots with contrib/make-debian-root.sh and names
//! them, separated by `:`, in `GCB_TEST_PORTABLE_ROOTS`.

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::support::*;

/// The lines of nsswitch.conf the issue's desktops and CI images have.
const NSSWITCH: &str = "passwd: files systemd sss\ngroup: files systemd sss\nshadow: files\nhosts: files myhostname mdns4_minimal [NOTFOUND=return] resolve [!UNAVAIL=return] dns\n";

const API_TOKEN: &str = "ATATT3xFfGF0-portable-api-token";

const EMAIL: &str = "jdoe@example.com";

/// The release archive's executable, unpacked into `dir`.
fn shipped_binary(dir: &Path) -> PathBuf {
    let dist = PathBuf::from(
        std::env::var_os("GCB_TEST_RELEASE_DIR")
            .expect("GCB_TEST_RELEASE_DIR is not set: run contrib/release.sh --out dist first"),
    );
    let archive = std::fs::read_dir(&dist)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(".tar.gz"))
        .expect("a release archive");
    let out = Command::new("tar")
        .arg("-xzf")
        .arg(&archive)
        .arg("-C")
        .arg(dir)
        .arg("--strip-components=1")
        .output()
        .unwrap();
    assert_ok(&out);
    dir.join("git-credential-bitbucket")
}

/// A Debian root, with what this test adds in `/opt/gcb` (the binary, the
/// stand-in's CA, a home) and its own nsswitch.conf, resolv.conf and hosts
/// bound over the root's while a command runs.
struct Root {
    dir: PathBuf,
    _etc: tempfile::TempDir,
    /// Each file of ours, and the path in the root it is bound over.
    binds: Vec<(PathBuf, PathBuf)>,
}

/// Where in the root `dir` its `/etc/FILE` really is: the file, or where
/// its link leads as the root sees it (systemd-resolved makes resolv.conf
/// a link into `/run`), made empty when missing, so a file can be bound
/// over it.
fn mount_point(dir: &Path, file: &str) -> PathBuf {
    let path = dir.join("etc").join(file);
    let at = match std::fs::read_link(&path) {
        Ok(target) if target.is_absolute() => dir.join(target.strip_prefix("/").unwrap()),
        Ok(target) => dir.join("etc").join(target),
        Err(_) => path,
    };
    if std::fs::metadata(&at).is_err() {
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::fs::write(&at, "").unwrap();
    }
    at
}

impl Root {
    fn new(dir: &Path, binary: &Path, dns: &DnsStub) -> Root {
        let opt = dir.join("opt/gcb");
        let _ = std::fs::remove_dir_all(&opt);
        std::fs::create_dir_all(opt.join("home")).unwrap();
        std::fs::copy(binary, opt.join("git-credential-bitbucket")).unwrap();
        std::fs::copy(ca_file(), opt.join("ca.pem")).unwrap();
        let etc = tempfile::tempdir().unwrap();
        std::fs::write(etc.path().join("nsswitch.conf"), NSSWITCH).unwrap();
        std::fs::write(
            etc.path().join("resolv.conf"),
            format!("nameserver {}\n", dns.ip),
        )
        .unwrap();
        std::fs::write(etc.path().join("hosts"), "127.0.0.1 localhost\n").unwrap();
        let binds = ["nsswitch.conf", "resolv.conf", "hosts"]
            .iter()
            .map(|f| (etc.path().join(f), mount_point(dir, f)))
            .collect();
        Root {
            dir: dir.to_path_buf(),
            _etc: etc,
            binds,
        }
    }

    /// Runs `args` in the root (as uid `uid`), with only `env` and PATH,
    /// `input` on standard input.
    fn run(&self, uid: u32, env: &[(&str, &str)], args: &[&str], input: &str) -> Output {
        let mut cmd = Command::new("unshare");
        cmd.args(["--mount", "--propagation", "private", "sh", "-c"])
            .arg(concat!(
                r#"root=$1; shift; "#,
                r#"mount --rbind /dev "$root/dev" && mount -t proc proc "$root/proc" || exit 1; "#,
                r#"while [ "$1" != -- ]; do mount --bind "$1" "$2" || exit 1; shift 2; done; shift; "#,
                r#"exec chroot "$root" "$@""#
            ))
            .arg("sh")
            .arg(&self.dir);
        for (ours, at) in &self.binds {
            cmd.arg(ours).arg(at);
        }
        cmd.arg("--").args([
            "setpriv",
            &format!("--reuid={uid}"),
            &format!("--regid={uid}"),
            "--clear-groups",
            "env",
            "-i",
            "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG=C",
        ]);
        for (k, v) in env {
            cmd.arg(format!("{k}={v}"));
        }
        let mut child = cmd
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.signal(),
            None,
            "{args:?} died of a signal in {}: {}",
            self.dir.display(),
            stderr(&out)
        );
        out
    }
}

/// Every check of the shipped binary in one root.
fn checks_in(root_dir: &Path, binary: &Path) {
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    bb.add(Token::ApiToken {
        username: "jdoe".into(),
        email: EMAIL.into(),
        secret: API_TOKEN.into(),
    });
    bb.add(Token::AccessToken {
        secret: "ATCTT-portable".into(),
        reach: Reach::Repository("acme/widget".into()),
    });
    let dns = DnsStub::start(&[("bitbucket.org", bb.ip), ("api.bitbucket.org", bb.ip)]);
    let root = Root::new(root_dir, binary, &dns);
    let exe = "/opt/gcb/git-credential-bitbucket";
    let home = [
        ("HOME", "/opt/gcb/home"),
        ("GIT_SSL_CAINFO", "/opt/gcb/ca.pem"),
        ("GIT_TERMINAL_PROMPT", "0"),
    ];
    let shown = root_dir.display();

    // login, then verify: the helper's own HTTPS finds bitbucket.org and
    // api.bitbucket.org through DNS.
    let out = root.run(
        0,
        &home,
        &[
            exe,
            "login",
            "https://bitbucket.org/acme/widget",
            "--with-token",
            "--email",
            EMAIL,
            "--store",
            "file",
            "--name",
            "acme",
        ],
        &format!("{API_TOKEN}\n"),
    );
    assert_ok(&out);
    let out = root.run(0, &home, &[exe, "verify", "acme"], "");
    assert_ok(&out);
    assert!(
        stdout(&out).contains("acme: OK"),
        "{shown}: {}",
        stdout(&out)
    );

    // git (that root's own) clones through the helper.
    let _ = std::fs::remove_dir_all(root_dir.join("opt/gcb/w"));
    let out = root.run(
        0,
        &home,
        &[
            "git",
            "-c",
            "credential.helper=",
            "-c",
            &format!("credential.helper={exe}"),
            "-c",
            "credential.useHttpPath=true",
            "clone",
            "-q",
            "https://bitbucket.org/acme/widget.git",
            "/opt/gcb/w",
        ],
        "",
    );
    assert_ok(&out);
    assert!(root_dir.join("opt/gcb/w/README.md").exists(), "{shown}");

    // get from the configuration file, HOME set.
    let request = "protocol=https\nhost=bitbucket.org\npath=acme/widget.git\n\n";
    let out = root.run(0, &home, &[exe, "get"], request);
    assert_ok(&out);
    assert!(
        stdout(&out).contains(&format!("password={API_TOKEN}")),
        "{shown}: {}",
        stderr(&out)
    );

    // get from the CI variable as a uid with no passwd entry and no HOME.
    let out = root.run(
        4242,
        &[("BITBUCKET_ACCESS_TOKEN", "ATCTT-portable")],
        &[exe, "get"],
        request,
    );
    assert_ok(&out);
    assert_eq!(
        stdout(&out),
        "username=x-token-auth\npassword=ATCTT-portable\n",
        "{shown}: {}",
        stderr(&out)
    );
    // And git's store and erase for it.
    let stored = format!(
        "{}username=x-token-auth\npassword=ATCTT-portable\n\n",
        request.trim_end()
    );
    for op in ["store", "erase"] {
        let out = root.run(
            4242,
            &[("BITBUCKET_ACCESS_TOKEN", "ATCTT-portable")],
            &[exe, op],
            &stored,
        );
        assert_ok(&out);
    }
}

/// The `.deb` in `root_dir`: it installs where git is 2.39 or later and
/// runs there, and dpkg refuses it, naming the git it needs, where git is
/// older (Debian 11's 2.30).
fn deb_in(root_dir: &Path, binary: &Path) {
    let dist = PathBuf::from(std::env::var_os("GCB_TEST_RELEASE_DIR").unwrap());
    let deb = std::fs::read_dir(&dist)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "deb"))
        .expect("a .deb in the release directory");
    let dns = DnsStub::start(&[]);
    let root = Root::new(root_dir, binary, &dns);
    std::fs::copy(&deb, root_dir.join("opt/gcb/package.deb")).unwrap();
    let version = stdout(&root.run(0, &[], &["git", "--version"], ""));
    let numbers: Vec<u32> = version
        .trim()
        .trim_start_matches("git version ")
        .split('.')
        .take(2)
        .map(|n| n.parse().unwrap_or(0))
        .collect();
    let out = root.run(0, &[], &["dpkg", "-i", "/opt/gcb/package.deb"], "");
    if numbers < vec![2, 39] {
        assert!(!out.status.success(), "installed beside {version}");
        assert!(stderr(&out).contains("git (>= 1:2.39)"), "{}", stderr(&out));
        assert_ok(&root.run(0, &[], &["dpkg", "--purge", "git-credential-bitbucket"], ""));
        return;
    }
    assert_ok(&out);
    let out = root.run(0, &[], &["git", "credential-bitbucket", "--version"], "");
    assert_ok(&out);
    assert_ok(&root.run(0, &[], &["dpkg", "-r", "git-credential-bitbucket"], ""));
}

#[test]
#[ignore = "needs Debian roots of other releases (GCB_TEST_PORTABLE_ROOTS, from contrib/make-debian-root.sh) and the release files (GCB_TEST_RELEASE_DIR); .ci/run runs it with --ignored"]
fn the_shipped_binary_works_in_other_debian_releases_with_desktop_nss_modules() {
    let roots = std::env::var("GCB_TEST_PORTABLE_ROOTS")
        .expect("GCB_TEST_PORTABLE_ROOTS is not set: roots made by contrib/make-debian-root.sh DIR SUITE libnss-…, separated by ':'");
    let unpacked = tempfile::tempdir().unwrap();
    let binary = shipped_binary(unpacked.path());
    for root in roots.split(':').filter(|r| !r.is_empty()) {
        let root = Path::new(root);
        for module in [
            "libnss_systemd.so.2",
            "libnss_sss.so.2",
            "libnss_mdns4_minimal.so.2",
        ] {
            assert!(
                root.join("lib/x86_64-linux-gnu").join(module).exists()
                    || root.join("usr/lib/x86_64-linux-gnu").join(module).exists(),
                "{} has no {module}: make it with the NSS modules",
                root.display()
            );
        }
        checks_in(root, &binary);
        // The Debian root of the package test installs the .deb itself.
        if std::env::var_os("GCB_TEST_DEBIAN_ROOT").is_none_or(|d| Path::new(&d) != root) {
            deb_in(root, &binary);
        }
        eprintln!("{}: every check passed", root.display());
    }
}
