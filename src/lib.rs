//! git-credential-bitbucket: a git credential helper that gives each
//! Bitbucket remote (Cloud or Data Center, git or REST) the one credential
//! the user stored for it, in the form Bitbucket accepts for that kind of
//! credential and that endpoint.
//!
//! One `get` flows through the modules in order:
//! [`protocol`] reads the request, [`remote`] says what the remote is,
//! [`config::index`] reads the entries that may serve it, [`resolve`] picks
//! one, [`kind`] says what the entry's kind sends, [`store`] fetches the
//! [`secret`], and [`protocol`] writes the answer. [`helper`] joins them
//! for `get`, `store` and `erase`; [`learned`] holds what git asked to keep
//! that no entry supplied, and [`state`] what the helper remembers.
//!
//! Around that core: [`config`] (paths, the raw tables, their rules, the CI
//! variables, the quick reader, the index and the locked edits), [`rest`]
//! (the REST and git endpoint checks) over [`https`] (the helper's
//! own HTTPS, which reaches a URL as git does), and [`cli`] (one file per command).
//! [`plain`] finds what other helpers left in plain text, for `doctor`.
//! [`fsutil`], [`url`] and [`calendar`] are the small tools they share.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod calendar;
pub mod cli;
pub mod config;
pub mod fsutil;
pub mod git;
pub mod health;
pub mod helper;
pub mod https;
pub mod kind;
pub mod learned;
pub mod plain;
pub mod process;
pub mod protocol;
pub mod remote;
pub mod resolve;
pub mod rest;
pub mod secret;
pub mod state;
pub mod store;
pub mod url;

/// The program's name: its executable, its directories (configuration and
/// cache) and its service in the OS keyring.
pub const NAME: &str = "git-credential-bitbucket";
