//! `migrate [NAME]`: replace app-password entries by API tokens for the same
//! scope; the new token is checked with Bitbucket before the old secret goes.

use crate::cli::{ask, check_before_saving, read_secret, CliError, Context};
use crate::config::{self, CredentialTable, DefinedIn, Entry};
use crate::config_edit;
use crate::credential::Kind;
use crate::store::Store;

/// The options of `migrate`.
#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    /// Only this entry (default: every app-password entry).
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
        .ok_or(
            "an API token is checked with the Atlassian account email; pass --email".to_owned(),
        )?;
    eprintln!("Create an API token with the scopes read:repository:bitbucket (and write:repository:bitbucket to push) in your Atlassian account settings.");
    let token = read_secret(&format!("API token to replace '{}': ", old.name))?;
    // The new secret goes where the old one lived; a secret the helper did
    // not keep (env:, command:) is replaced by one in the file store.
    let kept = old.secret.store();
    let store = kept.unwrap_or(Store::File);
    let table = CredentialTable {
        name: old.name.clone(),
        kind: "api-token".to_owned(),
        url: old.url.clone(),
        username: old.username.clone(),
        email: Some(email),
        scope: None,
        repos: None,
        expires: args.expires.clone(),
        secret: Some(store.as_str().to_owned()),
        auth: None,
    };
    let new = config::validate(table.clone(), &ctx.config.settings, DefinedIn::File)
        .map_err(|e| format!("the new entry is not valid: {e}"))?;
    debug_assert_eq!(new.kind, Kind::ApiToken);
    let refused = format!(
        "the new token was not accepted, so '{}' was left as it is",
        old.name
    );
    let checked = check_before_saving(
        &new,
        &token,
        crate::rest::Target {
            repo: None,
            api_base: args.api_base.as_deref(),
        },
        &refused,
    )?;
    let previous = match kept {
        Some(s) => s.get(&ctx.files, &old.name).ok().flatten(),
        None => None,
    };
    store.put(&ctx.files, &old.name, &token)?;
    if let Err(e) = config_edit::replace_entry(&ctx.config_path, &old.name, &table) {
        let restored = match previous {
            Some(p) => store.put(&ctx.files, &old.name, &p).is_ok(),
            None => store.take(&ctx.files, &old.name).is_ok(),
        };
        let tail = if restored {
            ""
        } else {
            "; the secret store could not be put back as it was, run `git credential-bitbucket doctor`"
        };
        return Err(format!("'{}' was not migrated: {e}{tail}", old.name).into());
    }
    let _ = ctx.state.forget(&old.name);
    let asked: Vec<String> = checked
        .checks
        .iter()
        .map(|c| format!("{} answered {}", c.url, c.status))
        .collect();
    println!(
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
                return Err(format!(
                    "'{n}' is {}, not an app password; nothing to migrate",
                    e.kind.with_article()
                )
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
        println!("No app-password entries; nothing to migrate.");
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
