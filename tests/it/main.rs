//! The integration tests: one binary, one module per subject. The tests
//! run the built helper as git, git-lfs, libgit2 and people run it, against
//! real git and, where a server is needed, a local stand-in for Bitbucket
//! (`support/`).
//!
//! Without a server, as any user: `protocol` (git's protocol, learned
//! credentials, secret sources), `hostile` (requests built to mislead),
//! `robustness` (concurrency, SIGKILL, umask, runaway programs),
//! `fuzz_inputs` (what fuzzing found), `docs` (every configuration block of
//! the README and the man page), `completions` (bash, zsh and fish),
//! `layout` (the house rules of `src/`).
//!
//! With the stand-in on port 443 (root): `e2e` (git, libgit2 and git-lfs
//! cloning and pushing), `commands` (one module per command), `security`
//! (what attackers and careless modes can do), `network` (the helper's
//! HTTPS behind company CAs, self-signed servers, proxies and client
//! certificates, as git's) and `release` (the archive and the Debian
//! package, installed as users install them).

mod support;

mod commands;
mod completions;
mod docs;
mod e2e;
mod fuzz_inputs;
mod hostile;
mod layout;
mod network;
mod protocol;
mod release;
mod robustness;
mod security;
