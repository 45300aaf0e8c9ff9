//! `verify [NAME]`: ask Bitbucket's REST API whether each credential works,
//! presented the way its kind must be there.

use crate::cli::{CliError, Context};
use crate::config::Entry;
use crate::rest;

/// Runs `verify`.
pub fn run(name: Option<&str>, api_base: Option<&str>) -> Result<bool, CliError> {
    let ctx = Context::load()?;
    let entries: Vec<&Entry> = match name {
        Some(n) => vec![ctx.entry(n)?],
        None => ctx.config.entries.iter().collect(),
    };
    if entries.is_empty() {
        println!("No credentials are configured; add one with `git credential-bitbucket add URL`.");
        return Ok(true);
    }
    let agent = rest::agent()?;
    let mut all_ok = true;
    for entry in entries {
        let checked = ctx
            .secret_of(entry)
            .map_err(CliError::from)
            .and_then(|secret| Ok(rest::verify(&agent, entry, &secret, api_base)?));
        match checked {
            Ok(rest::Verification { problem: None, .. }) => {
                // Bitbucket accepts it now: an earlier rejection no longer
                // holds it back.
                let _ = ctx.state.clear_rejection(&entry.name);
                println!("{}: OK — Bitbucket accepts this {}", entry.name, entry.kind)
            }
            Ok(rest::Verification {
                problem: Some(problem),
                url,
                ..
            }) => {
                all_ok = false;
                println!("{}: {url} answered {problem}", entry.name);
            }
            Err(e) => {
                all_ok = false;
                println!("{}: not checked: {e}", entry.name);
            }
        }
    }
    Ok(all_ok)
}
