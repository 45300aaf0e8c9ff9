//! `migrate [NAME]`: replace the entries of app passwords by API tokens for the same
//! scope; the new token is checked with Bitbucket before the old secret goes.

use crate::cli::entry::{self, Draft};
use crate::cli::{ask, check_before_saving, read_secret, CliError, Consequence, Context};
use crate::config::{DefinedIn, Entry};
use crate::kind::{Kind, KindName};
use crate::store::Store;

/// Why an entry was not migrated.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// No email, and no terminal to ask for it.
    #[error("an API token is checked with the Atlassian account email; pass --email")]
    NoEmail,
    /// The entry named is not an app password.
    #[error("'{name}' is {kind}, not an app password; nothing to migrate")]
    NotAppPassword {
        /// The entry.
        name: String,
        /// Its kind, with its article.
        kind: String,
    },
}

impl From<MigrateError> for CliError {
    fn from(e: MigrateError) -> CliError {
        CliError::Refused(Box::new(e))
    }
}

/// The options of `migrate`.
#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    /// Only this entry (default: every entry of an app password).
    pub name: Option<String>,
    /// The Atlassian account email the new token belongs to (asked for on a terminal when left out).
    #[arg(long)]
    pub email: Option<String>,
    /// The new token's expiry date, YYYY-MM-DD.
    #[arg(long)]
    pub expires: Option<String>,
    /// The REST API base URL used to check the new token (default: https://api.bitbucket.org).
    #[arg(long, value_name = "URL")]
    pub api_base: Option<String>,
}

fn migrate_one(ctx: &Context, old: &Entry, args: &MigrateArgs) -> Result<(), CliError> {
    let email = args
        .email
        .clone()
        .or_else(|| ask(&format!("Atlassian account email for '{}'", old.name)))
        .ok_or(MigrateError::NoEmail)?;
    eprintln!("Create an API token with the scopes read:repository:bitbucket (and write:repository:bitbucket to push) in your Atlassian account settings.");
    let token = read_secret(&format!("API token to replace '{}': ", old.name))?;
    // The new secret goes where the old one lived; a secret the helper did
    // not keep (env:, command:) is replaced by one in the file store.
    let store = old.secret.store().unwrap_or(Store::File);
    let draft = Draft {
        url: old.url.clone(),
        username: old.username.clone(),
        email: Some(email),
        expires: args.expires.clone(),
        ..Draft::default()
    };
    let new = draft.entry(&old.url, KindName::ApiToken, &old.name, store, &ctx.config)?;
    let target = crate::rest::Target {
        repo: None,
        api_base: args.api_base.as_deref(),
    };
    let consequence = Consequence::LeftAsItIs(old.name.clone());
    let checked = check_before_saving(ctx, &new, &token, target, consequence)?;
    entry::save(ctx, &new, &token, Some(&old.name))?;
    let asked: Vec<String> = checked
        .checks
        .iter()
        .map(|c| format!("{} answered {}", c.url, c.status))
        .collect();
    say!(
        "'{}' is now an API token (checked: {}).",
        old.name,
        asked.join(", ")
    );
    Ok(())
}

/// Runs `migrate`.
pub fn run(args: MigrateArgs) -> Result<bool, CliError> {
    let ctx = Context::load()?;
    let targets: Vec<&Entry> = match &args.name {
        Some(n) => {
            let e = ctx.entry(n)?;
            if e.kind != Kind::AppPassword {
                return Err(MigrateError::NotAppPassword {
                    name: n.clone(),
                    kind: e.kind.with_article(),
                }
                .into());
            }
            vec![e]
        }
        None => ctx
            .config
            .entries
            .iter()
            .filter(|e| e.kind == Kind::AppPassword && e.defined_in == DefinedIn::File)
            .collect(),
    };
    if targets.is_empty() {
        say!("No entry is an app password; nothing to migrate.");
        return Ok(true);
    }
    let mut ok = true;
    for old in targets {
        if let Err(e) = migrate_one(&ctx, old, &args) {
            ok = false;
            eprintln!("git-credential-bitbucket: {e}");
        }
    }
    Ok(ok)
}
