//! `status [--verify] [--json]` and `list --json`: each entry's facts in
//! one place — kind, scope, where its secret lives, expiry, the last
//! rejection, whether git runs the helper for it — and its findings,
//! offline unless asked to verify, as text or as one JSON document.

use std::collections::HashMap;

use serde::Serialize;

use crate::calendar::{self, Date, Expiry};
use crate::cli::{verify, CliError, Context};
use crate::config::{DefinedIn, Entry};
use crate::git;
use crate::health::{self, Facts, Finding, GitSetUp, Severity};
use crate::rest::Target;
use crate::state::State;
use crate::url::printable;

/// One entry, as `list --json` and `status --json` give it.
#[derive(Debug, Serialize)]
pub struct EntryFacts {
    /// The entry's name.
    pub name: String,
    /// `api-token`, `access-token`, `http-token` or `app-password`.
    pub kind: &'static str,
    /// `repository`, `project`, `workspace` or `user`; none for account
    /// tokens.
    pub scope: Option<&'static str>,
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
        kind: entry.kind.word(),
        scope: entry.kind.scope_name(),
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
        days_left: entry.expires.map(|d| calendar::days_until(d, now)),
        last_rejected: state.last_rejection(&entry.name).map(|r| RejectedFacts {
            at: calendar::format_utc(r.at),
            url: printable(&r.url),
        }),
    }
}

/// A finding, as `status --json` gives it.
#[derive(Debug, Serialize)]
struct Problem {
    /// A stable name for it.
    code: &'static str,
    /// Its sentence.
    message: String,
}

impl From<&Finding> for Problem {
    fn from(finding: &Finding) -> Problem {
        Problem {
            code: finding.code(),
            message: finding.to_string(),
        }
    }
}

/// One entry in `status`.
#[derive(Debug, Serialize)]
struct StatusLine {
    #[serde(flatten)]
    facts: EntryFacts,
    /// Whether git runs this helper for the entry's server.
    git_set_up: bool,
    /// What stops it from working; empty when nothing does.
    problems: Vec<Problem>,
    /// What is worth knowing, though it works.
    warnings: Vec<Problem>,
    /// What `--verify` printed for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    verified: Option<Vec<String>>,
    /// The expiry date, for the text form.
    #[serde(skip)]
    expires: Option<Date>,
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
    say!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({ "entries": entries }))?
    );
    Ok(true)
}

/// What git does for each server the entries are for, asked once each.
fn git_set_up(ctx: &Context) -> HashMap<String, GitSetUp> {
    let mut servers = HashMap::new();
    for entry in &ctx.config.entries {
        let origin = entry.remote.origin.display();
        servers.entry(origin.clone()).or_insert_with(|| {
            let url = format!("{origin}/");
            GitSetUp {
                helpers: git::helpers_run_for(&url).unwrap_or_default(),
                sends_paths: git::sends_paths(&url),
            }
        });
    }
    servers
}

/// The status of `entry`: its facts and findings, and with `verify_online`
/// what Bitbucket says of it.
fn status_of(ctx: &Context, entry: &Entry, facts: &Facts<'_>, verify_online: bool) -> StatusLine {
    let mut findings = health::of(entry, facts);
    for tie in health::ties(&ctx.config.entries) {
        if let Finding::Tie(t) | Finding::UsernameTie(t) = &tie {
            if t.names.contains(&entry.name) {
                findings.push(tie);
            }
        }
    }
    let verified = verify_online.then(|| {
        let checked = verify::check(ctx, entry, Target::default());
        match &checked {
            // verify cleared the record: it is no longer a problem.
            Ok(v) if v.works() => findings.retain(|f| !matches!(f, Finding::Rejected { .. })),
            _ => findings.push(Finding::NotAccepted {
                entry: entry.name.clone(),
            }),
        }
        verify::lines(entry, &checked)
    });
    let origin = entry.remote.origin.display();
    let (problems, warnings): (Vec<&Finding>, Vec<&Finding>) = findings
        .iter()
        .partition(|f| f.severity() == Severity::Failure);
    StatusLine {
        facts: self::facts(entry, facts.state, facts.now),
        git_set_up: facts
            .git
            .and_then(|g| g.get(&origin))
            .is_some_and(GitSetUp::runs_helper),
        problems: problems.into_iter().map(Problem::from).collect(),
        warnings: warnings.into_iter().map(Problem::from).collect(),
        verified,
        expires: entry.expires,
    }
}

/// Runs `status`.
pub fn run(verify_online: bool, as_json: bool) -> Result<bool, CliError> {
    let ctx = Context::load()?;
    let state = ctx.state.read().unwrap_or_default();
    let servers = git_set_up(&ctx);
    let sources = ctx.sources();
    let facts = Facts {
        now: calendar::now(),
        warning_days: ctx.config.settings.expiry_warning_days,
        state: &state,
        git: Some(&servers),
        secrets: Some(&sources),
    };
    let lines: Vec<StatusLine> = ctx
        .config
        .entries
        .iter()
        .map(|e| status_of(&ctx, e, &facts, verify_online))
        .collect();
    let ok = lines.iter().all(|l| l.problems.is_empty());
    if as_json {
        let doc = Status {
            config: ctx.paths.config().display().to_string(),
            ok,
            entries: lines,
        };
        say!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(ok);
    }
    if lines.is_empty() {
        say!(
            "No credentials are configured in {}; `git credential-bitbucket login` adds one.",
            ctx.paths.config().display()
        );
        return Ok(true);
    }
    for l in &lines {
        print_line(l, facts.now);
    }
    Ok(ok)
}

/// The text form of one entry's status: one line of facts, then its
/// problems, warnings and what verify said, indented.
fn print_line(l: &StatusLine, now: i64) {
    let f = &l.facts;
    let scope = f.scope.map(|s| format!(" ({s})")).unwrap_or_default();
    let expires = match l.expires {
        Some(d) => match Expiry::of(d, now, 0) {
            Expiry::Expired => format!("expired {d}"),
            left => format!("expires {d} ({})", left.in_days()),
        },
        None => "no expiry date".to_owned(),
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
    say!(
        "{verdict}: {} — {}{scope}, {}, secret in {}, {expires}, {rejected}, {git}",
        f.name,
        f.kind,
        f.url,
        f.secret
    );
    for p in l.problems.iter().chain(&l.warnings) {
        say!("    {}", p.message);
    }
    for v in l.verified.iter().flatten() {
        say!("    {v}");
    }
}
