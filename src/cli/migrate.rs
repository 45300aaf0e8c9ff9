//! `migrate [NAME]`: replace app-password entries by API tokens for the same
//! scope; the new token is checked with Bitbucket before the old secret goes.

use crate::cli::{ask, put_secret, read_secret, Context, StoreArg};
use crate::config::{self, Entry, Origin, RawEntry};
use crate::config_edit;
use crate::credential::Kind;
use crate::rest;
use crate::secret::SecretSource;

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

fn migrate_one(ctx: &Context, old: &Entry, args: &MigrateArgs) -> Result<(), String> {
    let email = args
        .email
        .clone()
        .or_else(|| ask(&format!("Atlassian account email for '{}'", old.name)))
        .ok_or("an API token is checked with the Atlassian account email; pass --email")?;
    eprintln!("Create an API token with the scopes read:repository:bitbucket (and write:repository:bitbucket to push) in your Atlassian account settings.");
    let token = read_secret(&format!("API token to replace '{}': ", old.name))?;
    let store = match old.secret {
        SecretSource::Keyring => StoreArg::Keyring,
        _ => StoreArg::File,
    };
    let raw = RawEntry {
        name: old.name.clone(),
        kind: "api-token".to_owned(),
        url: old.url.clone(),
        username: old.username.clone(),
        email: Some(email),
        scope: None,
        repos: None,
        expires: args.expires.clone(),
        secret: Some(store.source().to_owned()),
    };
    let new = config::validate(raw.clone(), &ctx.config.settings, Origin::File)
        .map_err(|m| format!("the new entry is not valid: {m}"))?;
    debug_assert_eq!(new.kind, Kind::ApiToken);
    let base = args
        .api_base
        .clone()
        .unwrap_or_else(|| rest::api_base(&new));
    let url = format!("{}{}", base.trim_end_matches('/'), rest::verify_path(&new));
    let form = rest::rest_form(&new).map_err(|e| e.to_string())?;
    let status = rest::get_status(&rest::agent()?, &url, &rest::authorization(&form, &token))?;
    if let Some(problem) = rest::explain(new.kind, status) {
        return Err(format!(
            "the new token was not accepted, so '{}' was left as it is: {url} answered {problem}",
            old.name
        ));
    }
    let previous = match old.secret {
        SecretSource::Keyring | SecretSource::File => ctx.secret_of(old).ok(),
        _ => None,
    };
    put_secret(ctx, store, &old.name, &token)?;
    if let Err(e) = config_edit::replace_entry(&ctx.config_path, &old.name, &raw) {
        let restored = match (&old.secret, previous) {
            (SecretSource::Keyring | SecretSource::File, Some(p)) => {
                put_secret(ctx, store, &old.name, &p).is_ok()
            }
            _ => crate::cli::delete_secret(ctx, store, &old.name).is_ok(),
        };
        let tail = if restored {
            ""
        } else {
            "; the secret store could not be put back as it was, run `git credential-bitbucket doctor`"
        };
        return Err(format!("'{}' was not migrated: {e}{tail}", old.name));
    }
    let _ = ctx.state.forget(&old.name);
    println!(
        "'{}' is now an API token (checked: {url} answered {status}).",
        old.name
    );
    Ok(())
}

/// Runs `migrate`.
pub fn run(args: MigrateArgs) -> Result<bool, String> {
    let ctx = Context::load()?;
    let targets: Vec<&Entry> = match &args.name {
        Some(n) => {
            let e = ctx.entry(n)?;
            if e.kind != Kind::AppPassword {
                return Err(format!(
                    "'{n}' is a {}, not an app password; nothing to migrate",
                    e.kind
                ));
            }
            vec![e]
        }
        None => ctx
            .config
            .entries
            .iter()
            .filter(|e| e.kind == Kind::AppPassword && e.origin == Origin::File)
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
