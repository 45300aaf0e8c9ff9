//! `verify [NAME] [--repo WS/REPO]`: ask Bitbucket whether each credential
//! works the way git and the REST API will use it.

use crate::cli::{CliError, Context};
use crate::config::Entry;
use crate::rest::{self, Fix, Target, Verification};

/// The lines `verify` prints for one entry: one per question asked.
pub fn lines(entry: &Entry, checked: &Result<Verification, CliError>) -> Vec<String> {
    let name = &entry.name;
    let mut out = Vec::new();
    match checked {
        Ok(v) => {
            for c in &v.checks {
                out.push(match &c.problem {
                    None => format!("{name}: {} OK — {} answered {}", c.what, c.url, c.status),
                    Some(p) if c.fails => {
                        let fix = match c.fix {
                            Fix::NewToken => format!("; store a new one with `git credential-bitbucket rotate {name}`"),
                            Fix::Email => format!("; write the account's email as `email` of entry '{name}' in the configuration"),
                            Fix::Other => String::new(),
                        };
                        format!("{name}: {} failed — {} answered {p}{fix}", c.what, c.url)
                    }
                    Some(p) => format!("{name}: {} note — {} answered {p}", c.what, c.url),
                });
            }
            if let Some(user) = &v.username {
                out.push(format!("{name}: the Bitbucket username is {user}"));
            }
            if let Some(odd) = &v.odd_username {
                out.push(format!("{name}: the REST API answered a username Bitbucket does not make ({odd}); it is not used"));
            }
            if v.no_repository {
                out.push(format!("{name}: git access not checked — the entry names no repository; add --repo WORKSPACE/REPO (PROJECT/REPO on Data Center)"));
            }
            if v.works() {
                out.push(format!(
                    "{name}: OK — Bitbucket accepts this {}",
                    entry.kind
                ));
            }
        }
        Err(e) => out.push(format!("{name}: not checked: {e}")),
    }
    out
}

/// Checks `entry` online; clears its rejection record when it works.
pub fn check(ctx: &Context, entry: &Entry, target: Target<'_>) -> Result<Verification, CliError> {
    let secret = ctx.secret_of(entry)?;
    let checked = rest::verify(
        &crate::https::Client::new(),
        entry,
        &secret,
        target,
        &ctx.config.settings,
    )?;
    if checked.works() {
        // Bitbucket accepts it now: an earlier rejection no longer holds
        // it back.
        let _ = ctx.state.clear_rejection(&entry.name, None);
    }
    Ok(checked)
}

/// Runs `verify`.
pub fn run(name: Option<&str>, target: Target<'_>) -> Result<bool, CliError> {
    let ctx = Context::load()?;
    let entries: Vec<&Entry> = match name {
        Some(n) => vec![ctx.entry(n)?],
        None => ctx.config.entries.iter().collect(),
    };
    if entries.is_empty() {
        say!("No credentials are configured; add one with `git credential-bitbucket login`.");
        return Ok(true);
    }
    let mut all_ok = true;
    for entry in entries {
        // --repo names a repository of one entry's scope; for the others
        // their own.
        let target = Target {
            repo: target.repo.filter(|_| name.is_some()),
            ..target
        };
        let checked = check(&ctx, entry, target);
        all_ok &= checked.as_ref().is_ok_and(Verification::works);
        for line in lines(entry, &checked) {
            say!("{line}");
        }
    }
    Ok(all_ok)
}
