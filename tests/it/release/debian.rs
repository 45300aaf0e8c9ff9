//! The Debian package, installed the way a user gets it: `dpkg -i` in a
//! fresh Debian root made by debootstrap (with that root's own git), then
//! `setup --system`, then a clone and a push through the Bitbucket stand-in.
//!
//! `.ci/run` makes the root and the package and names them in
//! `GCB_TEST_DEBIAN_ROOT` and `GCB_TEST_RELEASE_DIR`, and runs this test
//! with `--ignored`; a plain `cargo test` lists it as ignored.
//! Needs root (chroot, mounts, port 443).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::*;

/// Runs `args` inside `root` (chroot), with /dev and /proc mounted in a
/// private mount namespace that ends with the command.
fn inside(root: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = Command::new("unshare");
    cmd.args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(r#"root=$1; shift; mount --rbind /dev "$root/dev" && mount -t proc proc "$root/proc" && exec chroot "$root" "$@""#)
        .arg("sh")
        .arg(root)
        .arg("env")
        .arg("-i")
        .arg("PATH=/usr/sbin:/usr/bin:/sbin:/bin")
        .arg("HOME=/root")
        .arg("LANG=C");
    for (k, v) in env {
        cmd.arg(format!("{k}={v}"));
    }
    cmd.args(args).output().unwrap()
}

fn given(var: &str) -> PathBuf {
    std::env::var_os(var)
        .unwrap_or_else(|| {
            panic!(
                "{var} is not set: this test {}",
                super::archive::NEEDS_RELEASE
            )
        })
        .into()
}

#[test]
#[ignore = "installs the .deb in a Debian root (GCB_TEST_DEBIAN_ROOT, from contrib/make-debian-root.sh); .ci/run runs it with --ignored"]
fn the_deb_installs_in_a_fresh_debian_and_git_clones_and_pushes_with_it() {
    let (root, dist) = (given("GCB_TEST_DEBIAN_ROOT"), given("GCB_TEST_RELEASE_DIR"));
    let deb = std::fs::read_dir(&dist)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "deb"))
        .expect("a .deb in the release directory");
    std::fs::copy(&deb, root.join("tmp/package.deb")).unwrap();
    std::fs::copy(ca_file(), root.join("tmp/ca.pem")).unwrap();

    // Installed with dpkg; git is already there (Depends: git).
    let out = inside(&root, &[], &["dpkg", "-i", "/tmp/package.deb"]);
    assert_ok(&out);
    let listed = stdout(&inside(
        &root,
        &[],
        &["dpkg", "-L", "git-credential-bitbucket"],
    ));
    for path in [
        "/usr/bin/git-credential-bitbucket",
        "/usr/share/man/man1/git-credential-bitbucket.1.gz",
        "/usr/share/bash-completion/completions/git-credential-bitbucket",
        "/usr/share/zsh/vendor-completions/_git-credential-bitbucket",
        "/usr/share/fish/vendor_completions.d/git-credential-bitbucket.fish",
        "/usr/share/doc/git-credential-bitbucket/copyright",
    ] {
        assert!(
            listed.lines().any(|l| l == path),
            "{path} not in the package:\n{listed}"
        );
    }
    let status = stdout(&inside(
        &root,
        &[],
        &[
            "dpkg-query",
            "-W",
            "-f",
            "${Depends}",
            "git-credential-bitbucket",
        ],
    ));
    assert_eq!(status, "git (>= 1:2.39)");
    // What lintian wants of a package: md5sums and a changelog.
    let md5sums =
        std::fs::read_to_string(root.join("var/lib/dpkg/info/git-credential-bitbucket.md5sums"))
            .unwrap();
    assert!(
        md5sums.contains("  usr/bin/git-credential-bitbucket\n"),
        "{md5sums}"
    );
    assert!(root
        .join("usr/share/doc/git-credential-bitbucket/changelog.gz")
        .exists());
    let copyright =
        std::fs::read_to_string(root.join("usr/share/doc/git-credential-bitbucket/copyright"))
            .unwrap();
    for licence in [
        "License: MIT",
        "License: LGPL-2.1+",
        "GNU C Library",
        "libdbus",
        "ring v",
    ] {
        assert!(
            copyright.contains(licence),
            "{licence} missing:\n{copyright}"
        );
    }
    // Installing changed no git configuration.
    let out = inside(
        &root,
        &[],
        &["git", "config", "--system", "--get-regexp", "^credential"],
    );
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));

    // The image (or the admin) runs setup --system.
    let out = inside(
        &root,
        &[],
        &["git-credential-bitbucket", "setup", "--system"],
    );
    assert_ok(&out);
    let config = std::fs::read_to_string(root.join("etc/gitconfig")).unwrap();
    assert!(
        config.contains("helper = /usr/bin/git-credential-bitbucket"),
        "{config}"
    );

    // That root's own git clones and pushes with only a CI variable.
    let bb = Bitbucket::start();
    bb.cloud_repo("acme/widget");
    bb.add(Token::AccessToken {
        secret: "ATCTT-deb-token".into(),
        reach: Reach::Repository("acme/widget".into()),
    });
    let resolve = format!("http.curloptResolve=bitbucket.org:443:{}", bb.ip);
    let env = [
        ("BITBUCKET_ACCESS_TOKEN", "ATCTT-deb-token"),
        ("GIT_SSL_CAINFO", "/tmp/ca.pem"),
        ("GIT_TERMINAL_PROMPT", "0"),
    ];
    let _ = std::fs::remove_dir_all(root.join("tmp/w"));
    let git = |args: &[&str]| {
        let mut all = vec![
            "git",
            "-c",
            &resolve,
            "-c",
            "user.name=CI",
            "-c",
            "user.email=ci@example.com",
        ];
        all.extend_from_slice(args);
        inside(&root, &env, &all)
    };
    assert_ok(&git(&[
        "clone",
        "-q",
        "https://bitbucket.org/acme/widget.git",
        "/tmp/w",
    ]));
    let version = stdout(&inside(&root, &[], &["git", "--version"]));
    assert_ok(&git(&[
        "-C",
        "/tmp/w",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "pushed from the packaged helper",
    ]));
    assert_ok(&git(&["-C", "/tmp/w", "push", "-q", "origin", "main"]));
    assert!(bb
        .log("cloud/acme/widget.git")
        .contains("pushed from the packaged helper"));
    assert!(bb.requests().iter().any(|s| s.method == "POST"
        && s.status == 200
        && s.auth == Presented::Basic("x-token-auth".into(), "ATCTT-deb-token".into())));
    eprintln!(
        "cloned and pushed with the package in a debootstrap root ({})",
        version.trim()
    );

    // And it goes away cleanly, saying how to take out the lines setup
    // --system wrote, which would otherwise run a missing program.
    let removed = inside(&root, &[], &["dpkg", "-r", "git-credential-bitbucket"]);
    assert_ok(&removed);
    assert!(!root.join("usr/bin/git-credential-bitbucket").exists());
    let said = stderr(&removed);
    let command = "git config --system --remove-section 'credential.https://bitbucket.org'";
    assert!(said.contains(command), "{said}");
    assert_ok(&inside(&root, &[], &["sh", "-c", command]));
    let config = std::fs::read_to_string(root.join("etc/gitconfig")).unwrap_or_default();
    assert!(!config.contains("git-credential-bitbucket"), "{config}");
}
