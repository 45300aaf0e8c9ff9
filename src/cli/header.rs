//! `header URL`: the `Authorization:` header Bitbucket's REST API wants for
//! URL, from the entry that covers it, for scripts (`curl -H @-`).

use crate::cli::{CliError, Context};
use crate::remote::Remote;
use crate::resolve::{resolve, Resolution, TieError};
use crate::rest;
use crate::url::printable;

/// Runs `header`.
pub fn run(url: &str) -> Result<bool, CliError> {
    let ctx = Context::load()?;
    let (remote, username) = Remote::from_url(url).map_err(|e| format!("{url:?} {e}"))?;
    // A user name in the URL would pick an entry by a name the remote may
    // not even see; scripts name the URL alone.
    if username.is_some() {
        return Err(format!(
            "{url:?} holds a user name; give the URL without it (the entry is chosen by host and path)"
        )
        .into());
    }
    if ctx.config.settings.refuses_plain_http(&remote.origin) {
        return Err(format!("refusing to hand out a credential for plain http ({url})").into());
    }
    let entry = match resolve(&ctx.config.entries, &remote, None) {
        Resolution::Found(e) => e,
        Resolution::Tie(tied) => return Err(TieError::new(&tied, printable(url)).into()),
        Resolution::NeedsPath | Resolution::NotFound => {
            return Err(format!("no entry covers {url}").into())
        }
    };
    if entry.kind == crate::credential::Kind::AppPassword {
        let note = crate::helper::Note::Caveat {
            entry: entry.name.clone(),
            caveat: crate::credential::Caveat::AppPasswordRemoved,
        };
        eprintln!("git-credential-bitbucket: {note}");
    }
    let secret = ctx.secret_of(entry)?;
    let authorization = rest::entry_authorization(entry, &secret)?;
    println!("Authorization: {}", authorization.expose());
    Ok(true)
}
