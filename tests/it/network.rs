//! The helper's HTTPS is git's HTTPS: in each network a company puts
//! between a user and Bitbucket (a CA in the system store, a lone
//! self-signed server, a proxy and no direct route, a server that asks for
//! a client certificate), git clones first, then `login --with-token` and
//! `verify` pass the same way; where git refuses a certificate, the helper
//! says why and what to do. Each runs in a private mount namespace whose
//! `/etc/hosts` leads the server's names where the case needs them.

use std::net::{Ipv4Addr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::*;

const CLOUD_TOKEN: &str = "ATCTT3xFfGF0-network-repository-token";
const DC_TOKEN: &str = "BBDC-network-project-token";
const CLOUD_REPO: &str = "https://bitbucket.org/acme/widget.git";

/// One of the stand-in's two servers, with the repository and token the
/// tests use there.
#[derive(Clone, Copy)]
enum Site {
    /// bitbucket.org, a repository access token.
    Cloud,
    /// The Data Center server, a project token.
    Dc,
}

impl Site {
    /// What `login` is given.
    fn url(self) -> String {
        match self {
            Site::Cloud => "https://bitbucket.org/acme/widget".to_owned(),
            Site::Dc => format!("https://{DC_HOST}:{DC_PORT}/bitbucket"),
        }
    }

    /// The repository git clones.
    fn repo(self) -> String {
        match self {
            Site::Cloud => CLOUD_REPO.to_owned(),
            Site::Dc => format!("{}/scm/PROJ/repo.git", self.url()),
        }
    }

    fn token(self) -> &'static str {
        match self {
            Site::Cloud => CLOUD_TOKEN,
            Site::Dc => DC_TOKEN,
        }
    }

    /// `login --with-token` for the site, its token saved in the file
    /// store.
    fn login_args(self) -> Vec<String> {
        let mut args: Vec<String> = ["login", &self.url(), "--with-token", "--store", "file"]
            .map(str::to_owned)
            .into();
        if let Site::Dc = self {
            args.extend(["--scope", "project", "--repo", "PROJ/repo"].map(str::to_owned));
        }
        args
    }
}

/// A stand-in with both repositories and both tokens, on `tls`.
fn stand_in(tls: &dyn Fn(Ipv4Addr) -> std::sync::Arc<rustls::ServerConfig>) -> Bitbucket {
    let bb = Bitbucket::start_with(tls);
    bb.cloud_repo("acme/widget");
    bb.dc_repo("PROJ/repo");
    bb.add(Token::AccessToken {
        secret: CLOUD_TOKEN.into(),
        reach: Reach::Repository("acme/widget".into()),
    });
    bb.add(Token::DcProject {
        project: "PROJ".into(),
        secret: DC_TOKEN.into(),
    });
    bb
}

/// A user whose git finds no CA file in the environment (the suite's
/// other users are given the test CA there) and whose git runs the helper
/// for both servers.
fn plain_user() -> User {
    let mut user = User::new();
    user.unset("GIT_SSL_CAINFO");
    user.use_helper_for("https://bitbucket.org");
    user.use_helper_for(&format!("https://{DC_HOST}:{DC_PORT}"));
    user
}

/// Where the network leads the names, and which files it puts over the
/// system's.
struct Net<'a> {
    ip: Ipv4Addr,
    mounts: Vec<(&'a Path, &'static str)>,
}

impl Net<'_> {
    fn run(&self, user: &User, program: &str, args: &[&str], input: &str) -> Output {
        let mut cmd = user.in_namespace(self.ip, &self.mounts, program);
        cmd.args(args);
        user.run_input(&mut cmd, input)
    }

    fn helper(&self, user: &User, args: &[&str], input: &str) -> Output {
        let out = self.run(user, helper_exe(), args, input);
        for token in [CLOUD_TOKEN, DC_TOKEN] {
            let said = format!("{}{}", stdout(&out), stderr(&out));
            assert_eq!(token_leak(&said, token, &["x-token-auth"]), None, "{said}");
        }
        out
    }

    /// git clones `site`'s repository into `dir` with its token from a
    /// credential helper of its own (the helper under test has no entry
    /// yet): the network is one where git works.
    fn git_clones(&self, user: &User, site: Site, dir: &str) {
        let script = user.path(&format!(".{dir}-credential"));
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\necho username=x-token-auth\necho password={}\n",
                site.token()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .unwrap();
        let helper = format!("credential.helper={}", script.display());
        let repo = site.repo();
        let args = [
            "-c",
            "credential.helper=",
            "-c",
            &helper,
            "clone",
            "-q",
            &repo,
            dir,
        ];
        assert_ok(&self.run(user, &user.git, &args, ""));
    }

    /// `login --with-token` of `site`'s token.
    fn login(&self, user: &User, site: Site) -> Output {
        let args = site.login_args();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.helper(user, &args, &format!("{}\n", site.token()))
    }

    /// `login` for `site`, `verify` of what it saved, and a clone through
    /// the helper into `dir`.
    fn login_verify_clone(&self, user: &User, site: Site, dir: &str) {
        assert_ok(&self.login(user, site));
        let out = self.helper(user, &["verify"], "");
        assert_ok(&out);
        assert!(
            stdout(&out).contains(": OK — Bitbucket accepts"),
            "{}",
            stdout(&out)
        );
        assert_ok(&self.run(user, &user.git, &["clone", "-q", &site.repo(), dir], ""));
    }

    /// git clones `site` first, then the helper's `login`, `verify` and
    /// clone pass.
    fn both_work(&self, user: &User, site: Site) {
        self.git_clones(user, site, "by-git");
        self.login_verify_clone(user, site, "by-helper");
    }
}

/// The system's CA bundle with the test CA added, as
/// `update-ca-certificates` leaves it after a company CA is installed.
fn bundle_with_test_ca(dir: &Path) -> PathBuf {
    let system = std::fs::read_to_string("/etc/ssl/certs/ca-certificates.crt").unwrap_or_default();
    let bundle = dir.join("ca-certificates.crt");
    std::fs::write(&bundle, format!("{system}{}", ca_pem())).unwrap();
    bundle
}

#[test]
fn a_company_ca_in_the_system_store_is_trusted_as_git_trusts_it() {
    let bb = stand_in(&server_tls);
    let user = plain_user();
    let bundle = bundle_with_test_ca(user.home.path());
    let net = Net {
        ip: bb.ip,
        mounts: vec![(bundle.as_path(), "/etc/ssl/certs/ca-certificates.crt")],
    };
    net.both_work(&user, Site::Dc);
    // Without the CA in the store, both refuse the server.
    let bare = Net {
        ip: bb.ip,
        mounts: vec![],
    };
    let out = bare.run(&user, &user.git, &["ls-remote", &Site::Dc.repo()], "");
    assert!(!out.status.success());
    let out = bare.helper(&user, &["verify"], "");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

/// A self-signed certificate for `host` as `openssl req -x509` makes it
/// (CA:TRUE, the name only in the common name), and a server using it.
fn openssl_self_signed(dir: &Path, host: &str) -> (PathBuf, std::sync::Arc<rustls::ServerConfig>) {
    use rustls::pki_types::pem::PemObject;
    let (cert, key) = (dir.join("self-signed.pem"), dir.join("self-signed.key"));
    let out = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
        ])
        .arg("-subj")
        .arg(format!("/CN={host}"))
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl runs");
    assert_ok(&out);
    let text = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-text", "-in"])
        .arg(&cert)
        .output()
        .unwrap();
    assert!(stdout(&text).contains("CA:TRUE"), "{}", stdout(&text));
    let certs = rustls::pki_types::CertificateDer::pem_file_iter(&cert)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let key = rustls::pki_types::PrivateKeyDer::from_pem_file(&key).unwrap();
    (cert, tls_with(certs, key, false))
}

#[test]
fn a_lone_self_signed_server_trusted_through_git_is_trusted_by_the_helper() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, tls) = openssl_self_signed(dir.path(), DC_HOST);
    let bb = stand_in(&move |_| tls.clone());
    // Trusted through GIT_SSL_CAINFO.
    let mut user = plain_user();
    user.env("GIT_SSL_CAINFO", cert.to_str().unwrap());
    let net = Net {
        ip: bb.ip,
        mounts: vec![],
    };
    net.both_work(&user, Site::Dc);
    // Trusted only through `git config --global http.sslCAInfo`.
    let user = plain_user();
    assert_ok(&user.git(&[
        "config",
        "--global",
        "http.sslCAInfo",
        cert.to_str().unwrap(),
    ]));
    net.both_work(&user, Site::Dc);
    // The same certificate trusted for another server only: refused, by
    // git and by the helper, with the reason.
    let user = plain_user();
    assert_ok(&user.git(&[
        "config",
        "--global",
        "http.https://elsewhere.example.sslCAInfo",
        cert.to_str().unwrap(),
    ]));
    assert!(!net
        .run(&user, &user.git, &["ls-remote", &Site::Dc.repo()], "")
        .status
        .success());
    let out = net.login(&user, Site::Dc);
    assert_eq!(out.status.code(), Some(1));
    let said = stderr(&out);
    assert!(
        said.contains(&format!("the certificate of {DC_HOST}:{DC_PORT} was not accepted: it is a CA certificate (CA:TRUE) serving as the server's own")),
        "{said}"
    );
}

#[test]
fn gits_proxy_carries_the_helpers_requests_where_there_is_no_direct_route() {
    let bb = stand_in(&server_tls);
    // The names lead to an address where nothing listens.
    let nowhere = Ipv4Addr::new(127, 0, 0, 254);
    assert!(TcpStream::connect((nowhere, 443)).is_err());
    let proxy = Proxy::connect(bb.ip, "proxy user", "pr@xy:secret", None);
    let proxy_url = format!("http://proxy%20user:pr%40xy%3Asecret@{}", proxy.addr);
    let mut user = plain_user();
    user.env("GIT_SSL_CAINFO", ca_file().to_str().unwrap());
    let net = Net {
        ip: nowhere,
        mounts: vec![],
    };
    // Without the proxy, git does not get through.
    assert!(!net
        .run(&user, &user.git, &["ls-remote", CLOUD_REPO], "")
        .status
        .success());
    // git's http.proxy, with the proxy's credentials in its URL.
    assert_ok(&user.git(&["config", "--global", "http.proxy", &proxy_url]));
    net.git_clones(&user, Site::Cloud, "by-git");
    proxy.clear();
    net.login_verify_clone(&user, Site::Cloud, "by-helper");
    let helper_connects: Vec<_> = proxy
        .seen()
        .into_iter()
        .filter(|c| c.agent.starts_with("git-credential-bitbucket/"))
        .collect();
    assert!(
        !helper_connects.is_empty()
            && helper_connects
                .iter()
                .all(|c| c.admitted && c.target == "bitbucket.org:443"),
        "{helper_connects:?}"
    );
    // A trace of the helper's requests through the proxy shows neither
    // the token nor the proxy's password.
    user.env("RUST_LOG", "trace");
    let out = net.helper(&user, &["verify"], "");
    assert_ok(&out);
    let said = stdout(&out) + &stderr(&out);
    assert_eq!(
        token_leak(&said, "pr@xy:secret", &["proxy user"]),
        None,
        "{said}"
    );
    assert!(!said.contains("pr%40xy%3Asecret"), "{said}");
    user.unset("RUST_LOG");
    // A wrong password: the proxy's refusal, named, its password not shown.
    let wrong = format!("http://proxy%20user:wrong@{}", proxy.addr);
    assert_ok(&user.git(&["config", "--global", "http.proxy", &wrong]));
    let out = net.helper(&user, &["verify"], "");
    assert_eq!(out.status.code(), Some(1));
    let said = stdout(&out) + &stderr(&out);
    assert!(
        said.contains(&format!("the proxy http://proxy%20user:***@{} (http.proxy) would not connect to bitbucket.org: it answered 407 Proxy Authentication Required", proxy.addr)),
        "{said}"
    );
    assert!(!said.contains("wrong"), "{said}");
    // HTTPS_PROXY alone, as CI images set it; `http.proxy` for one URL
    // (here: another server) leaves it in charge.
    assert_ok(&user.git(&["config", "--global", "--unset", "http.proxy"]));
    assert_ok(&user.git(&[
        "config",
        "--global",
        "http.https://elsewhere.example.proxy",
        &wrong,
    ]));
    user.env("HTTPS_PROXY", &proxy_url);
    proxy.clear();
    let out = net.helper(&user, &["verify"], "");
    assert_ok(&out);
    assert!(proxy
        .seen()
        .iter()
        .any(|c| c.agent.starts_with("git-credential-bitbucket/") && c.admitted));
    // NO_PROXY naming the server: the helper goes direct, as git does,
    // and finds nothing there.
    user.env("NO_PROXY", ".bitbucket.org");
    let out = net.helper(&user, &["verify"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("the connection was refused")
            || stderr(&out).contains("the connection was refused"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}

#[test]
fn an_https_proxy_is_checked_against_its_own_ca_as_git_checks_it() {
    let bb = stand_in(&server_tls);
    let nowhere = Ipv4Addr::new(127, 0, 0, 254);
    // The proxy's certificate comes from a CA of its own, which only
    // `http.proxySSLCAInfo` names; the server's, from the test CA.
    let (proxy_tls, proxy_ca) = another_ca_tls(Ipv4Addr::LOCALHOST);
    let proxy = Proxy::connect(bb.ip, "proxy user", "secret", Some(proxy_tls));
    let mut user = plain_user();
    user.env("GIT_SSL_CAINFO", ca_file().to_str().unwrap());
    let proxy_ca_file = user.path("proxy-ca.pem");
    std::fs::write(&proxy_ca_file, proxy_ca).unwrap();
    let url = format!("https://proxy%20user:secret@{}", proxy.addr);
    assert_ok(&user.git(&["config", "--global", "http.proxy", &url]));
    let net = Net {
        ip: nowhere,
        mounts: vec![],
    };
    // The proxy's CA unknown: git and the helper refuse the proxy, the
    // helper naming it and the setting that would trust it.
    assert!(!net
        .run(&user, &user.git, &["ls-remote", CLOUD_REPO], "")
        .status
        .success());
    let out = net.login(&user, Site::Cloud);
    assert_eq!(out.status.code(), Some(1));
    let said = stderr(&out);
    assert!(
        said.contains(&format!("the certificate of the proxy {} was not accepted: it is signed by a certificate authority that is not trusted here (trusted: the system store); to trust the proxy as git does, give its CA certificate with `git config --global http.proxySSLCAInfo FILE`", proxy.addr)),
        "{said}"
    );
    // With it, both go through the proxy in TLS.
    assert_ok(&user.git(&[
        "config",
        "--global",
        "http.proxySSLCAInfo",
        proxy_ca_file.to_str().unwrap(),
    ]));
    net.git_clones(&user, Site::Cloud, "by-git");
    proxy.clear();
    net.login_verify_clone(&user, Site::Cloud, "by-helper");
    assert!(
        proxy
            .seen()
            .iter()
            .any(|c| c.agent.starts_with("git-credential-bitbucket/") && c.admitted),
        "{:?}",
        proxy.seen()
    );
}

#[test]
fn a_socks_proxy_that_resolves_names_carries_both_as_git_names_it() {
    let bb = stand_in(&server_tls);
    let nowhere = Ipv4Addr::new(127, 0, 0, 254);
    let socks = Proxy::socks5(bb.ip, "jdoe", "socks-secret");
    let mut user = plain_user();
    user.env("GIT_SSL_CAINFO", ca_file().to_str().unwrap());
    let url = format!("socks5h://jdoe:socks-secret@{}", socks.addr);
    assert_ok(&user.git(&["config", "--global", "http.proxy", &url]));
    let net = Net {
        ip: nowhere,
        mounts: vec![],
    };
    net.both_work(&user, Site::Cloud);
    // Every CONNECT named the host for the proxy to resolve, with its
    // username and password.
    let seen = socks.seen();
    assert!(
        seen.len() >= 4
            && seen
                .iter()
                .all(|c| c.admitted && c.target == "bitbucket.org:443"),
        "{seen:?}"
    );
    // A wrong password: the proxy named, the password not shown.
    let wrong = format!("socks5h://jdoe:not-it@{}", socks.addr);
    assert_ok(&user.git(&["config", "--global", "http.proxy", &wrong]));
    let out = net.helper(&user, &["verify"], "");
    assert_eq!(out.status.code(), Some(1));
    let said = stdout(&out) + &stderr(&out);
    assert!(
        said.contains(&format!(
            "the proxy socks5h://jdoe:***@{} (http.proxy) would not connect to bitbucket.org: it answered: password authentication failed",
            socks.addr
        )),
        "{said}"
    );
    assert!(!said.contains("not-it"), "{said}");
}

#[test]
fn the_client_certificate_git_presents_is_the_helpers() {
    let bb = stand_in(&client_cert_tls);
    let user = plain_user();
    let (cert, key) = client_identity(user.home.path());
    let mut user = user;
    user.env("GIT_SSL_CAINFO", ca_file().to_str().unwrap());
    let net = Net {
        ip: bb.ip,
        mounts: vec![],
    };
    // Without a certificate, git and the helper are turned away.
    assert!(!net
        .run(&user, &user.git, &["ls-remote", &Site::Dc.repo()], "")
        .status
        .success());
    let out = net.login(&user, Site::Dc);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("{DC_HOST}:{DC_PORT} asks for a client certificate; give it as git takes it, with `git config --global http.sslCert FILE` and `http.sslKey FILE`")),
        "{}",
        stderr(&out)
    );
    // With git's http.sslCert and http.sslKey, both get in.
    assert_ok(&user.git(&["config", "--global", "http.sslCert", cert.to_str().unwrap()]));
    assert_ok(&user.git(&["config", "--global", "http.sslKey", key.to_str().unwrap()]));
    net.git_clones(&user, Site::Dc, "by-git");
    user.env("RUST_LOG", "trace");
    net.login_verify_clone(&user, Site::Dc, "by-helper");
    // An encrypted key: the setting that names it, and what to do.
    let encrypted = user.path("client-encrypted.key");
    let out = std::process::Command::new("openssl")
        .args([
            "pkcs8",
            "-topk8",
            "-v2",
            "aes-256-cbc",
            "-passout",
            "pass:passphrase",
            "-in",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&encrypted)
        .output()
        .unwrap();
    assert_ok(&out);
    assert_ok(&user.git(&[
        "config",
        "--global",
        "http.sslKey",
        encrypted.to_str().unwrap(),
    ]));
    let out = net.helper(&user, &["verify"], "");
    assert_eq!(out.status.code(), Some(1));
    let said = stdout(&out) + &stderr(&out);
    assert!(
        said.contains(&format!(
            "http.sslKey {}: is an encrypted key",
            encrypted.display()
        )),
        "{said}"
    );
}

#[test]
fn a_certificate_nobody_trusts_is_refused_with_what_to_do() {
    let bb = stand_in(&untrusted_tls);
    let user = plain_user();
    let net = Net {
        ip: bb.ip,
        mounts: vec![],
    };
    let out = net.run(&user, &user.git, &["ls-remote", CLOUD_REPO], "");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("certificate"), "{}", stderr(&out));
    let out = net.login(&user, Site::Cloud);
    assert_eq!(out.status.code(), Some(1));
    let said = stderr(&out);
    let sentence = said.lines().last().unwrap_or_default();
    assert_eq!(
        sentence,
        "git-credential-bitbucket: the certificate of bitbucket.org was not accepted: it is signed by a certificate authority that is not trusted here (trusted: the system store); to trust the server as git does, give its CA certificate (or a self-signed server's own certificate) with `git config --global http.sslCAInfo FILE`, or add it to the system store",
        "{said}"
    );
    // No library's debug text on the way.
    for debug in [
        "UnknownIssuer",
        "InvalidCertificate",
        "Error(",
        "Other(",
        "{ ",
    ] {
        assert!(!said.contains(debug), "{said}");
    }
    assert!(!user.config_path().exists());
    // git told to verify nothing: the helper follows, and says so once.
    let mut user = user;
    user.env("GIT_SSL_NO_VERIFY", "1");
    net.git_clones(&user, Site::Cloud, "unverified");
    let out = net.login(&user, Site::Cloud);
    assert_ok(&out);
    let said = stderr(&out);
    let warnings: Vec<&str> = said
        .lines()
        .filter(|l| l.contains("not verified"))
        .collect();
    assert_eq!(
        warnings,
        ["warning: GIT_SSL_NO_VERIFY: the server's certificate is not verified, so the credential goes to whichever server answers as bitbucket.org"]
    );
    // Two entries on two servers checked in one run: still one line.
    assert_ok(&net.login(&user, Site::Dc));
    let out = net.helper(&user, &["verify"], "");
    assert_ok(&out);
    assert_eq!(
        stdout(&out).matches(": OK — Bitbucket accepts").count(),
        2,
        "{}",
        stdout(&out)
    );
    assert_eq!(
        stderr(&out).matches("is not verified").count(),
        1,
        "{}",
        stderr(&out)
    );
}
