//! `status [--verify] [--json]` and `list --json`: each entry's facts in
//! one place — kind, scope, where its secret lives, expiry, the last
//! rejection, whether git runs the helper for it — offline unless asked to
//! verify, as text or as one JSON document.

use std::collections::HashMap;

use serde::Serialize;

use crate::calendar::{self, Expiry};
use crate::cli::{setup, verify, CliError, Context};
use crate::config::{DefinedIn, Entry};
use crate::credential::Kind;
use crate::rest::Target;
use crate::state::State;
use crate::url::printable;

/// One entry, as `list --json` and `status --json` give it.
#[derive(Debug, Serialize)]
pub struct EntryFacts {
    /// The entry's name.
    pub name: String,
    /// `api-token`, `access-token`, `http-token` or `app-password`.
    pub kind: String,
    /// `repository`, `project`, `workspace` or `user`; none for account
    /// tokens.
    pub scope: Option<String>,
    /// The url it serves.
    pub url: String,
    /// A project token's repositories.
    pub repos: Vec<String>,
    /// The username git gets, when the entry has one.
    pub username: Option<String>,
    /// The REST API's username (API tokens).
    pub email: Option<String>,
    /// Where the secret lives: `keyring`, `file`, `env:VAR`, `command:PROGRAM`.
    pub secret: String,
    /// `file` (the configuration) or `environment` (CI variables).
    pub defined_in: &'static str,
    /// The expiry date, `YYYY-MM-DD`.
    pub expires: Option<String>,
    /// Days until the expiry date (negative: past).
    pub days_left: Option<i64>,
    /// The last time Bitbucket rejected it, and where.
    pub last_rejected: Option<RejectedFacts>,
}

/// A rejection record.
#[derive(Debug, Serialize)]
pub struct RejectedFacts {
    /// `YYYY-MM-DD HH:MM UTC`.
    pub at: String,
    /// The remote that rejected it.
    pub url: String,
}

/// The facts of `entry`, from the configuration and the state file.
pub fn facts(entry: &Entry, state: &State, now: i64) -> EntryFacts {
    EntryFacts {
        name: entry.name.clone(),
        kind: entry.kind.name().to_owned(),
        scope: entry.kind.scope_name().map(str::to_owned),
        url: printable(&entry.url),
        repos: entry.repos.clone(),
        username: entry.username.clone(),
        email: entry.email.clone(),
        secret: entry.secret.describe(),
        defined_in: match entry.defined_in {
            DefinedIn::File => "file",
            DefinedIn::Environment => "environment",
        },
        expires: entry.expires.map(|d| d.to_string()),
        days_left: entry
            .expires
            .map(|d| d.unix_start().div_euclid(86_400) - now.div_euclid(86_400)),
        last_rejected: state.rejected.get(&entry.name).map(|r| RejectedFacts {
            at: calendar::format_utc(r.at),
            url: printable(&r.url),
        }),
    }
}

/// One entry in `status`.
#[derive(Debug, Serialize)]
struct StatusLine {
    #[serde(flatten)]
    facts: EntryFacts,
    /// Whether git runs this helper for the entry's server.
    git_set_up: bool,
    /// What is wrong, one sentence each; empty when nothing is.
    problems: Vec<String>,
    /// What `--verify` printed for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    verified: Option<Vec<String>>,
}

/// The whole `status --json` document.
#[derive(Debug, Serialize)]
struct Status {
    /// The configuration file.
    config: String,
    /// Whether no entry has a problem.
    ok: bool,
    entries: Vec<StatusLine>,
}

/// Runs `list --json`.
pub fn list_json() -> Result<bool, CliError> {
    let ctx = Context::load()?;
    let state = ctx.state.read().unwrap_or_default();
    let now = calendar::now();
    let entries: Vec<EntryFacts> = ctx
        .config
        .entries
        .iter()
        .map(|e| facts(e, &state, now))
        .collect();
    println!("{}", json(&serde_json::json!({ "entries": entries }))?);
    Ok(true)
}

fn json<T: Serialize>(value: &T) -> Result<String, CliError> {
    serde_json::to_string_pretty(value)
        .map_err(|e| CliError::Said(format!("could not write JSON: {e}")))
}

/// The problems found without asking Bitbucket.
fn offline_problems(
    entry: &Entry,
    facts: &EntryFacts,
    git_set_up: bool,
    now: i64,
    warning_days: u32,
) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(date) = entry.expires {
        if Expiry::of(date, now, warning_days) == Expiry::Expired {
            problems.push(format!(
                "expired on {date}; `git credential-bitbucket rotate {}` stores a new token",
                entry.name
            ));
        }
    }
    if let Some(r) = &facts.last_rejected {
        problems.push(format!("Bitbucket rejected it at {} ({}); `git credential-bitbucket verify {}` checks it again", r.at, r.url, entry.name));
    }
    if entry.kind == Kind::AppPassword {
        problems.push("an app password, which Bitbucket no longer accepts; `git credential-bitbucket migrate` replaces it".to_owned());
    }
    if !git_set_up {
        problems.push(format!("git does not run this helper for {}; `git credential-bitbucket setup {}` configures it", entry.remote.origin.display(), entry.remote.origin.display()));
    }
    problems
}

/// Runs `status`.
pub fn run(verify_online: bool, as_json: bool) -> Result<bool, CliError> {
    let ctx = Context::load()?;
    let state = ctx.state.read().unwrap_or_default();
    let now = calendar::now();
    let warning_days = ctx.config.settings.expiry_warning_days;
    // git's answer per server, asked once each.
    let mut set_up: HashMap<String, bool> = HashMap::new();
    let mut lines = Vec::new();
    for entry in &ctx.config.entries {
        let origin = entry.remote.origin.display();
        let git_set_up = *set_up
            .entry(origin.clone())
            .or_insert_with(|| setup::git_runs_helper(&format!("{origin}/")));
        let facts = facts(entry, &state, now);
        let mut problems = offline_problems(entry, &facts, git_set_up, now, warning_days);
        let verified = verify_online.then(|| {
            let checked = verify::check(&ctx, entry, Target::default());
            if let Ok(v) = &checked {
                if v.works() {
                    // verify cleared the record: it is no longer a problem.
                    problems.retain(|p| !p.starts_with("Bitbucket rejected it"));
                }
            }
            match &checked {
                Ok(v) if v.works() => {}
                _ => problems
                    .push("Bitbucket does not accept it as configured (see verified)".to_owned()),
            }
            verify::lines(entry, &checked)
        });
        lines.push(StatusLine {
            facts,
            git_set_up,
            problems,
            verified,
        });
    }
    let ok = lines.iter().all(|l| l.problems.is_empty());
    if as_json {
        let doc = Status {
            config: ctx.config_path.display().to_string(),
            ok,
            entries: lines,
        };
        println!("{}", json(&doc)?);
        return Ok(ok);
    }
    if lines.is_empty() {
        println!(
            "No credentials are configured in {}; `git credential-bitbucket login` adds one.",
            ctx.config_path.display()
        );
        return Ok(true);
    }
    for l in &lines {
        let f = &l.facts;
        let scope = f
            .scope
            .as_deref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default();
        let expires = match (&f.expires, f.days_left) {
            (Some(d), Some(left)) if left <= 0 => format!("expired {d}"),
            (Some(d), Some(left)) => format!("expires {d} (in {left} days)"),
            _ => "no expiry date".to_owned(),
        };
        let rejected = f
            .last_rejected
            .as_ref()
            .map_or("never rejected".to_owned(), |r| {
                format!("rejected {}", r.at)
            });
        let git = if l.git_set_up {
            "git set up"
        } else {
            "git NOT set up"
        };
        let verdict = if l.problems.is_empty() {
            "ok"
        } else {
            "PROBLEM"
        };
        println!(
            "{verdict}: {} — {}{scope}, {}, secret in {}, {expires}, {rejected}, {git}",
            f.name, f.kind, f.url, f.secret
        );
        for p in &l.problems {
            println!("    {p}");
        }
        for v in l.verified.iter().flatten() {
            println!("    {v}");
        }
    }
    Ok(ok)
}
