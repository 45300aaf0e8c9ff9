//! What the end-to-end tests need, one file each: a test user with a home
//! and a git configuration of their own (user.rs), a local stand-in for
//! Bitbucket — its certificates (pki.rs), its rules (model.rs) and its
//! HTTPS server (server.rs) — a CONNECT proxy (proxy.rs), a real Secret
//! Service (keyring.rs), and
//! helpers for command output (output.rs).
//!
//! The server speaks HTTPS on a loopback address of its own, port 443 for
//! Cloud (`bitbucket.org`, `api.bitbucket.org`) and 7990 for Data Center
//! (`bitbucket.example.com` under the context path `/bitbucket`); git
//! reaches it under the real host names through `http.curloptResolve`.
//! Binding port 443 needs root: only tests that start a [`Bitbucket`] do.

mod dns;
mod keyring;
mod model;
mod output;
mod pki;
mod proxy;
mod server;
mod terminal;
mod user;

pub use dns::DnsStub;
pub use keyring::KeyringSession;
pub use model::{Presented, Reach, Seen, Token};
pub use output::{assert_ok, run_with_deadline, stderr, stdout, token_leak};
pub use pki::{
    another_ca_tls, ca_file, ca_pem, client_cert_tls, client_identity, server_tls, tls_with,
    untrusted_tls,
};
pub use proxy::Proxy;
pub use server::Bitbucket;
pub use terminal::Terminal;
pub use user::{helper_exe, User};

use std::process::Command;

/// git 2.39, Debian's.
pub const GIT_OLD: &str = "/usr/bin/git";
/// git 2.47, with `capability[]=authtype`.
pub const GIT_NEW: &str = "/usr/local/bin/git";
/// The Data Center host name and port.
pub const DC_HOST: &str = "bitbucket.example.com";
/// The Data Center port.
pub const DC_PORT: u16 = 7990;

/// The git the suite runs by default: `$GCB_TEST_GIT`, else git 2.47.
pub fn default_git() -> String {
    std::env::var("GCB_TEST_GIT").unwrap_or_else(|_| GIT_NEW.to_owned())
}

/// Whether `git` offers `capability[]=authtype` (2.46 and later).
pub fn offers_authtype(git: &str) -> bool {
    let out = Command::new(git).arg("version").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let version: Vec<u32> = text
        .trim()
        .trim_start_matches("git version ")
        .split('.')
        .take(2)
        .map(|n| n.parse().unwrap_or(0))
        .collect();
    version >= vec![2, 46]
}
