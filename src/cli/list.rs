//! `list`: the entries, where their secrets live, expiry and rejections —
//! never a secret — then what is wrong with them, in the words of
//! [`crate::health`], without asking a store, git or Bitbucket.

use crate::calendar::{self, Expiry};
use crate::cli::{CliError, Context};
use crate::config::{DefinedIn, Entry};
use crate::health::{self, Facts, Finding};
use crate::state::State;
use crate::url::printable;

/// The entry's expiry date and the days left, in words.
fn expiry_words(entry: &Entry, now: i64, warning_days: u32) -> String {
    let Some(date) = entry.expires else {
        return "-".to_owned();
    };
    match Expiry::of(date, now, warning_days) {
        Expiry::Expired => format!("expired {date}"),
        left => format!("{date} ({})", left.in_days()),
    }
}

/// The table's row for `e`.
fn row(e: &Entry, state: &State, now: i64, warning_days: u32) -> [String; 7] {
    let user = match (&e.username, &e.email) {
        (Some(u), Some(m)) => format!("{u} <{m}>"),
        (Some(u), None) => u.clone(),
        (None, Some(m)) => format!("<{m}>"),
        (None, None) => "-".to_owned(),
    };
    // A username is the user's own text, and may hold what a terminal acts
    // on (bidi controls, escapes).
    let user = printable(&user);
    let mut url = printable(&e.url);
    if !e.repos.is_empty() {
        url.push_str(&format!(" [{}]", e.repos.join(", ")));
    }
    let secret = match e.defined_in {
        DefinedIn::File => e.secret.describe(),
        DefinedIn::Environment => format!("{} (CI)", e.secret.describe()),
    };
    let rejected = state.last_rejection(&e.name).map_or("-".to_owned(), |r| {
        format!("{} ({})", calendar::format_utc(r.at), printable(&r.url))
    });
    [
        e.name.clone(),
        e.kind.to_string(),
        url,
        user,
        secret,
        expiry_words(e, now, warning_days),
        rejected,
    ]
}

/// Prints `rows` as columns.
fn print_table(rows: &[[String; 7]]) {
    let widths: Vec<usize> = (0..7)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        say!("{}", line.join("  ").trim_end());
    }
}

/// Runs `list`.
pub fn run() -> Result<bool, CliError> {
    let ctx = Context::load()?;
    let state = ctx.state.read().unwrap_or_default();
    let now = calendar::now();
    let warning_days = ctx.config.settings.expiry_warning_days;
    let entries = &ctx.config.entries;
    if entries.is_empty() {
        say!(
            "No credentials are configured in {}; add one with `git credential-bitbucket add URL`.",
            ctx.paths.config().display()
        );
    } else {
        let mut rows = vec![[
            "NAME",
            "KIND",
            "URL",
            "USERNAME",
            "SECRET",
            "EXPIRES",
            "LAST REJECTED",
        ]
        .map(str::to_owned)];
        rows.extend(entries.iter().map(|e| row(e, &state, now, warning_days)));
        print_table(&rows);
    }
    let facts = Facts {
        now,
        warning_days,
        state: &state,
        git: None,
        secrets: None,
    };
    let mut findings: Vec<Finding> = entries.iter().flat_map(|e| health::of(e, &facts)).collect();
    findings.extend(crate::health::ties(entries));
    if !findings.is_empty() {
        say!("");
        for finding in &findings {
            say!("{finding}");
        }
    }
    if let Ok(learned) = ctx.files.learned() {
        if !learned.is_empty() {
            let mut hosts: Vec<String> = learned
                .iter()
                .map(|l| printable(&format!("{}://{}", l.protocol, l.host)))
                .collect();
            hosts.sort();
            hosts.dedup();
            say!(
                "\n{} credential(s) learned from git, for {}, are kept in {}; `git credential-bitbucket remove --learned URL` removes them.",
                learned.len(),
                hosts.join(", "),
                ctx.files.learned_path().display()
            );
        }
    }
    Ok(true)
}
