//! `header URL`: the `Authorization:` header Bitbucket's REST API wants for
//! URL, from the entry that covers it, for scripts (`curl -H @-`).

use crate::cli::{CliError, Context};
use crate::health::Finding;
use crate::kind::Kind;
use crate::remote::{Remote, UrlError};
use crate::resolve::{resolve, Resolution, TieError};
use crate::rest;
use crate::url::shown;

/// Why `header` hands out nothing.
#[derive(Debug, thiserror::Error)]
pub enum HeaderError {
    /// Not a URL the helper can read.
    #[error("{url} {source}")]
    Url {
        /// The URL.
        url: String,
        /// Why.
        source: UrlError,
    },
    /// A user name in the URL: the entry is chosen by host and path.
    #[error(
        "{0:?} holds a user name; give the URL without it (the entry is chosen by host and path)"
    )]
    UserInUrl(String),
    /// Plain http to a host not allowed it.
    #[error("refusing to hand out a credential for plain http ({0})")]
    PlainHttp(String),
    /// No entry covers the URL.
    #[error("no entry covers {0}")]
    NoEntry(String),
}

impl From<HeaderError> for CliError {
    fn from(e: HeaderError) -> CliError {
        CliError::Refused(Box::new(e))
    }
}

/// Runs `header`.
pub fn run(url: &str) -> Result<bool, CliError> {
    let ctx = Context::load()?;
    let (remote, username) = Remote::of_request_url(url).map_err(|source| HeaderError::Url {
        url: shown(url),
        source,
    })?;
    // A user name in the URL would pick an entry by a name the remote may
    // not even see; scripts name the URL alone.
    if username.is_some() {
        return Err(HeaderError::UserInUrl(shown(url)).into());
    }
    if ctx.config.settings.refuses_plain_http(&remote.origin) {
        return Err(HeaderError::PlainHttp(shown(url)).into());
    }
    let entry = match resolve(&ctx.config.entries, &remote, None) {
        Resolution::Found(e) => e,
        Resolution::Tie(tied) => return Err(TieError::new(&tied, shown(url)).into()),
        Resolution::NeedsPath | Resolution::NotFound => {
            return Err(HeaderError::NoEntry(shown(url)).into())
        }
    };
    if entry.kind == Kind::AppPassword {
        let finding = Finding::AppPassword {
            entry: entry.name.clone(),
        };
        eprintln!("git-credential-bitbucket: {finding}");
    }
    let secret = ctx.secret_of(entry)?;
    let authorization = rest::entry_authorization(entry, &secret)?;
    say!("Authorization: {}", authorization.expose());
    Ok(true)
}
