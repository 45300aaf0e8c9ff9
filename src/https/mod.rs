//! The helper's own HTTPS (`verify`, `login`, `status --verify`): git's
//! HTTPS for the same URL. For each URL it reads git's settings as git
//! reads them and trusts, routes and identifies itself as git would; every
//! failure on the way is one sentence that says what to do.
//!
//! [`settings`] reads git's settings for a URL, [`cert`] the few facts of
//! a certificate the TLS library does not check for the helper, [`trust`]
//! decides whom to trust and which client certificate to show, [`tls`]
//! carries that into ureq, and [`client`] makes the requests and says why
//! one failed ([`error`]).

pub mod cert;
pub mod client;
pub mod error;
pub mod settings;
pub mod tls;
pub mod trust;

pub use client::{Client, Response};
pub use error::{HttpsError, Refusal};
