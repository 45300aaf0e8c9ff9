//! `verify [NAME]`: ask Bitbucket's REST API whether each credential works,
//! presented the way its kind must be there.

use crate::cli::Context;
use crate::config::Entry;
use crate::rest;

/// Checks one entry; `Ok(None)` when Bitbucket accepts it, else what is
/// wrong.
pub fn check(
    ctx: &Context,
    entry: &Entry,
    api_base: Option<&str>,
    agent: &ureq::Agent,
) -> Result<Option<String>, String> {
    let authorization = ctx.rest_authorization(entry)?;
    let base = api_base.map_or_else(|| rest::api_base(entry), str::to_owned);
    let url = format!("{}{}", base.trim_end_matches('/'), rest::verify_path(entry));
    let status = rest::get_status(agent, &url, &authorization)?;
    Ok(rest::explain(entry.kind, status).map(|p| format!("{url} answered {p}")))
}

/// Runs `verify`.
pub fn run(name: Option<&str>, api_base: Option<&str>) -> Result<bool, String> {
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
        match check(&ctx, entry, api_base, &agent) {
            Ok(None) => println!("{}: OK — Bitbucket accepts this {}", entry.name, entry.kind),
            Ok(Some(problem)) => {
                all_ok = false;
                println!("{}: {problem}", entry.name);
            }
            Err(e) => {
                all_ok = false;
                println!("{}: not checked: {e}", entry.name);
            }
        }
    }
    Ok(all_ok)
}
