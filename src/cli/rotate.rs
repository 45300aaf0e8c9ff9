//! `rotate NAME`: replace an entry's secret where it lives (keyring or file
//! store), keep the entry, and forget its rejection — the routine when a
//! token expires or was revoked.

use crate::calendar::{self, Date, Expiry};
use crate::cli::{check_before_saving, read_secret, CliError, Context};
use crate::config::{self, DefinedIn};
use crate::config_edit;
use crate::credential::kind_of_prefix;

/// The options of `rotate`.
#[derive(Debug, clap::Args)]
pub struct RotateArgs {
    /// The entry whose secret is replaced.
    pub name: String,
    /// The new token's expiry date, YYYY-MM-DD.
    #[arg(long)]
    pub expires: Option<String>,
    /// Check the new token with Bitbucket before replacing the old one.
    #[arg(long)]
    pub verify: bool,
    /// The REST API base URL for --verify (default: https://api.bitbucket.org, or the Data Center server).
    #[arg(long, value_name = "URL")]
    pub api_base: Option<String>,
}

/// Runs `rotate`.
pub fn run(args: RotateArgs) -> Result<bool, CliError> {
    let ctx = Context::load()?;
    let name = args.name.as_str();
    let entry = ctx.entry(name)?;
    if entry.defined_in == DefinedIn::Environment {
        return Err(format!(
            "'{name}' comes from the CI variable {name}; set the variable to the new token instead"
        )
        .into());
    }
    let Some(store) = entry.secret.store() else {
        return Err(format!(
            "entry '{name}' takes its secret from {}, which the helper does not write; put the new token there",
            entry.secret.describe()
        )
        .into());
    };
    let expires = match &args.expires {
        None => None,
        Some(text) => {
            let date = Date::parse(text).ok_or_else(|| {
                format!("--expires {text:?} is not a date of the form YYYY-MM-DD")
            })?;
            if Expiry::of(date, calendar::now(), 0) == Expiry::Expired {
                return Err(format!("--expires {text} is not in the future").into());
            }
            Some(date)
        }
    };
    let secret = read_secret(&format!("New token for '{name}': "))?;
    if let Some(prefix_kind) = kind_of_prefix(secret.expose()) {
        if prefix_kind != entry.kind.name() {
            return Err(format!(
                "the new token looks like an {prefix_kind} (by its prefix), but entry '{name}' is {}; nothing was replaced",
                entry.kind.with_article()
            )
            .into());
        }
    }
    if args.verify {
        check_before_saving(
            entry,
            &secret,
            crate::rest::Target {
                repo: None,
                api_base: args.api_base.as_deref(),
            },
            "nothing was replaced",
        )?;
    }
    let previous = store.get(&ctx.files, name).ok().flatten();
    store.put(&ctx.files, name, &secret)?;
    if let Some(date) = expires {
        let mut table = entry.to_table();
        table.expires = Some(date.to_string());
        let edited = config::validate(table.clone(), &ctx.config.settings, DefinedIn::File)
            .map_err(|e| e.to_string())
            .and_then(|_| {
                config_edit::replace_entry(&ctx.config_path, name, &table)
                    .map_err(|e| e.to_string())
            });
        if let Err(e) = edited {
            let restored = match previous {
                Some(old) => store.put(&ctx.files, name, &old).is_ok(),
                None => store.take(&ctx.files, name).is_ok(),
            };
            let tail = if restored {
                "the old secret is back in place"
            } else {
                "and the old secret could not be put back"
            };
            return Err(format!("nothing was replaced ({e}); {tail}").into());
        }
    }
    let _ = ctx.state.forget(name);
    println!(
        "Replaced the secret of entry '{name}' in {}{}.",
        store.describe(),
        expires.map_or(String::new(), |d| format!("; it expires on {d}"))
    );
    Ok(true)
}
