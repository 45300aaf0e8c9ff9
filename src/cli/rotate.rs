//! `rotate NAME`: replace an entry's secret where it lives (keyring or file
//! store), keep the entry, and forget its rejection — the routine when a
//! token expires or was revoked. The new token is checked with Bitbucket
//! first unless `--no-verify` is given: a mistyped token replaces nothing.

use crate::cli::entry;
use crate::cli::{check_before_saving, read_secret, CliError, Consequence, Context};
use crate::config::DefinedIn;
use crate::kind::KindName;

/// The options of `rotate`.
#[derive(Debug, clap::Args)]
pub struct RotateArgs {
    /// The entry whose secret is replaced.
    pub name: String,
    /// The new token's expiry date, YYYY-MM-DD.
    #[arg(long)]
    pub expires: Option<String>,
    /// Replace the old token without asking Bitbucket about the new one first (offline).
    #[arg(long)]
    pub no_verify: bool,
    /// Check the new token first: what rotate does unless --no-verify is given.
    #[arg(long, hide = true, conflicts_with = "no_verify")]
    pub verify: bool,
    /// The REST API base URL for the check (default: https://api.bitbucket.org, or the Data Center server).
    #[arg(long, value_name = "URL")]
    pub api_base: Option<String>,
}

/// Runs `rotate`.
pub fn run(args: RotateArgs) -> Result<bool, CliError> {
    let ctx = Context::load()?;
    let name = args.name.as_str();
    let old = ctx.entry(name)?;
    if old.defined_in == DefinedIn::Environment {
        return Err(CliError::FromCi {
            name: name.to_owned(),
            fix: "set the variable to the new token instead",
        });
    }
    let Some(store) = old.secret.store() else {
        return Err(entry::SaveError::NotWritten {
            name: name.to_owned(),
            place: old.secret.describe(),
        }
        .into());
    };
    let expires = match &args.expires {
        Some(text) => Some(entry::future_date(text, crate::calendar::now())?),
        None => None,
    };
    let secret = read_secret(&format!("New token for '{name}': "))?;
    if let Some(prefix) = KindName::of_token(secret.expose()) {
        if prefix != old.kind.name() {
            return Err(CliError::TokenOfOtherKind {
                name: name.to_owned(),
                prefix,
                kind: old.kind.with_article(),
            });
        }
    }
    if !args.no_verify {
        let target = crate::rest::Target {
            repo: None,
            api_base: args.api_base.as_deref(),
        };
        check_before_saving(&ctx, old, &secret, target, Consequence::NothingReplaced)?;
    }
    let mut new = old.clone();
    if expires.is_some() {
        new.expires = expires;
    }
    debug_assert_eq!(new.secret.store(), Some(store));
    entry::save(&ctx, &new, &secret, Some(name))?;
    say!(
        "Replaced the secret of entry '{name}' in {}{}.",
        store.describe(),
        expires.map_or(String::new(), |d| format!("; it expires on {d}"))
    );
    Ok(true)
}
