//! git-credential-bitbucket: a git credential helper that gives each
//! Bitbucket remote (Cloud or Data Center, git or REST) the one credential
//! the user stored for it, in the form Bitbucket accepts for that kind of
//! credential and that endpoint.
//!
//! One `get` flows through the modules in order:
//! [`protocol`] reads the request, [`remote`] says what the remote is,
//! [`resolve`] picks the entry from [`config`], [`credential`] says what the
//! entry's kind sends, [`store`] fetches the [`secret`], and [`protocol`]
//! writes the answer. [`helper`] joins them for `get`, `store` and `erase`;
//! [`learned`] holds what git asked to keep that no entry supplied.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod calendar;
pub mod cli;
pub mod config;
pub mod config_edit;
pub mod config_reader;
pub mod credential;
pub mod fsutil;
pub mod helper;
pub mod index;
pub mod learned;
pub mod protocol;
pub mod remote;
pub mod resolve;
pub mod rest;
pub mod secret;
pub mod state;
pub mod store;
pub mod url;
