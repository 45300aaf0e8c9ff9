//! What is wrong with an entry, in one voice: each fact is a [`Finding`]
//! with one sentence, one stable code and one severity, and every place
//! that speaks of it — the notes of `get`, `doctor`, `status`, `list` —
//! prints that finding. Which facts are looked at depends on who asks
//! ([`Facts`]): `get` never asks git, `list` never asks a store.

use std::collections::HashMap;
use std::fmt;

use crate::calendar::{self, Date, Expiry};
use crate::config::{DefinedIn, Entry};
use crate::kind::Kind;
use crate::resolve::TieError;
use crate::state::{Rejection, State, REJECTION_COOL_DOWN};
use crate::store::{SecretError, SecretSource, Sources, StoreError};
use crate::url::printable;

/// What `(program asking)` cannot send Bearer, in one phrase.
const NO_AUTHTYPE: &str =
    "it offered no `capability[]=authtype`: git before 2.46, libgit2, git-lfs before 3.6";

/// One fact about an entry (or about git for the entries of a server)
/// that the user should hear.
#[derive(Debug)]
pub enum Finding {
    /// The token's expiry date has passed.
    Expired {
        /// The entry.
        entry: String,
        /// Its expiry date.
        on: Date,
    },
    /// The token expires within `expiry_warning_days`.
    ExpiresSoon {
        /// The entry.
        entry: String,
        /// Its expiry date.
        on: Date,
        /// How far off it is.
        expiry: Expiry,
    },
    /// Bitbucket rejected the entry's secret; it is offered again.
    Rejected {
        /// The entry.
        entry: String,
        /// The rejection.
        rejection: Rejection,
    },
    /// Bitbucket rejected the entry's secret for this scope moments ago:
    /// it is not offered again until it changes, `verify` succeeds, or the
    /// cool-down passes.
    Withheld {
        /// The entry.
        entry: String,
        /// The rejection.
        rejection: Rejection,
    },
    /// The entry is an app password, which Bitbucket removed.
    AppPassword {
        /// The entry.
        entry: String,
    },
    /// The entry's secret is not where the entry says it lives.
    SecretMissing(SecretError),
    /// git does not run the helper for the entries' server.
    GitNotSetUp {
        /// `scheme://host[:port]`.
        origin: String,
        /// The helpers git runs there instead.
        others: Vec<String>,
    },
    /// git runs another helper for the server too, which would keep or
    /// hand out the tokens git uses.
    OtherHelper {
        /// `scheme://host[:port]`.
        origin: String,
        /// What git runs.
        helper: String,
        /// The configuration file that sets it.
        file: String,
        /// Whether it runs before this helper.
        before: bool,
    },
    /// git sends the helper no repository path for the server; `narrow`
    /// says whether entries there need one.
    NoPaths {
        /// `scheme://host[:port]`.
        origin: String,
        /// Whether an entry there is for less than the whole server.
        narrow: bool,
    },
    /// Entries with the same scope: neither is used.
    Tie(TieError),
    /// Entries that tie for requests without a username only.
    UsernameTie(TieError),
    /// The entry goes as Bearer, and the program asking cannot send it: it
    /// went as Basic `x-token-auth`.
    BasicFallback {
        /// The entry.
        entry: String,
    },
    /// The entry must go as Bearer (`auth = "bearer"`), and the program
    /// asking cannot send it: nothing was sent.
    NoBearer {
        /// The entry.
        entry: String,
    },
    /// Bitbucket did not accept the entry when asked (`status --verify`).
    NotAccepted {
        /// The entry.
        entry: String,
    },
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing; nothing fails because of it yet.
    Warning,
    /// Something does not work.
    Failure,
}

impl Finding {
    /// A stable name for the finding, for programs (`status --json`).
    pub fn code(&self) -> &'static str {
        match self {
            Finding::Expired { .. } => "expired",
            Finding::ExpiresSoon { .. } => "expires-soon",
            Finding::Rejected { .. } => "rejected",
            Finding::Withheld { .. } => "withheld",
            Finding::AppPassword { .. } => "app-password-removed",
            Finding::SecretMissing(_) => "secret-missing",
            Finding::GitNotSetUp { .. } => "git-not-set-up",
            Finding::OtherHelper { .. } => "other-helper",
            Finding::NoPaths { .. } => "no-paths",
            Finding::Tie(_) => "tie",
            Finding::UsernameTie(_) => "tie-without-username",
            Finding::BasicFallback { .. } => "basic-fallback",
            Finding::NoBearer { .. } => "no-bearer",
            Finding::NotAccepted { .. } => "not-accepted",
        }
    }

    /// How much it matters.
    pub fn severity(&self) -> Severity {
        match self {
            Finding::ExpiresSoon { .. }
            | Finding::BasicFallback { .. }
            | Finding::UsernameTie(_) => Severity::Warning,
            Finding::NoPaths { narrow, .. } if !narrow => Severity::Warning,
            _ => Severity::Failure,
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fixes = |f: &mut fmt::Formatter<'_>, entry: &str| {
            write!(f, "check it with `git credential-bitbucket verify {entry}`, or store a new token with `git credential-bitbucket rotate {entry}`")
        };
        match self {
            Finding::Expired { entry, on } => write!(f, "entry '{entry}' expired on {on}; create a new token in Bitbucket and store it with `git credential-bitbucket rotate {entry}`"),
            Finding::ExpiresSoon { entry, on, expiry } => write!(f, "entry '{entry}' expires on {on} ({}); create a new token in Bitbucket before then", expiry.in_days()),
            Finding::Rejected { entry, rejection } => {
                write!(f, "Bitbucket rejected entry '{entry}' for {} at {}; ", printable(&rejection.url), calendar::format_utc(rejection.at))?;
                fixes(f, entry)
            }
            Finding::Withheld { entry, rejection } => {
                write!(f, "Bitbucket rejected entry '{entry}' for {} at {}, so it is not offered there again for {REJECTION_COOL_DOWN} seconds unless it changes; ", printable(&rejection.url), calendar::format_utc(rejection.at))?;
                fixes(f, entry)
            }
            Finding::AppPassword { entry } => write!(f, "entry '{entry}' is an app password, which Bitbucket removed on 2026-07-28; replace it with an API token: run `git credential-bitbucket migrate {entry}`"),
            Finding::SecretMissing(e) => write!(f, "{e}"),
            Finding::GitNotSetUp { origin, others } => {
                write!(f, "git does not run the helper for {origin}")?;
                if !others.is_empty() {
                    let shown: Vec<String> = others.iter().map(|h| crate::git::shown_helper(h)).collect();
                    write!(f, " (it runs {})", shown.join(", "))?;
                }
                write!(f, "; run `git credential-bitbucket setup {origin}`")
            }
            Finding::OtherHelper { origin, helper, file, before } => {
                let why = if helper.contains("credential-store") {
                    "it writes every token git uses to ~/.git-credentials, in plain text"
                } else if helper.contains("credential-cache") {
                    "it keeps every token git uses in memory and hands it out again"
                } else {
                    "it is asked for Bitbucket credentials too, and is told every token git uses"
                };
                let place = if *before { "before" } else { "after" };
                write!(f, "git also runs {} for {origin} (set in {file}), {place} this helper: {why}; run `git credential-bitbucket setup {origin}`, which leaves this helper alone for the server", crate::git::shown_helper(helper))
            }
            Finding::NoPaths { origin, narrow: true } => write!(f, "git does not send the repository path for {}, so entries for single repositories, projects or workspaces there cannot be used; run `git config --global credential.{}.useHttpPath true`", printable(origin), printable(origin)),
            Finding::NoPaths { origin, narrow: false } => write!(f, "git does not send the repository path for {origin}; run `git config --global credential.{origin}.useHttpPath true` before adding narrower entries"),
            Finding::Tie(tie) => write!(f, "{tie}"),
            Finding::UsernameTie(tie) => write!(f, "for a remote URL without a username: {tie}"),
            Finding::BasicFallback { entry } => write!(f, "entry '{entry}' is meant to go as Bearer, and the program asking cannot send it ({NO_AUTHTYPE}); sending it as Basic x-token-auth, which Data Center also accepts"),
            Finding::NoBearer { entry } => write!(f, "entry '{entry}' is set to `auth = \"bearer\"`, and the program asking cannot send Bearer ({NO_AUTHTYPE}); nothing was sent"),
            Finding::NotAccepted { entry } => write!(f, "Bitbucket does not accept entry '{entry}' as configured; `git credential-bitbucket verify {entry}` says why"),
        }
    }
}

/// The ties among `entries`: those `get` meets whatever it is asked, and
/// those it meets for remote URLs without a username.
pub fn ties(entries: &[Entry]) -> Vec<Finding> {
    let full = crate::resolve::ties(entries).into_iter().map(Finding::Tie);
    let named = crate::resolve::username_ties(entries)
        .into_iter()
        .map(Finding::UsernameTie);
    full.chain(named).collect()
}

/// What git does for one server, as `doctor` and `status` ask it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitSetUp {
    /// The helpers git runs for it, in order.
    pub helpers: Vec<crate::git::Configured>,
    /// Whether git sends the repository path.
    pub sends_paths: bool,
}

impl GitSetUp {
    /// Whether git runs this helper for the server.
    pub fn runs_helper(&self) -> bool {
        self.helpers
            .iter()
            .any(|h| crate::git::is_this_helper(&h.command))
    }
}

/// What the findings of an entry are judged from. What is left out is not
/// looked at.
pub struct Facts<'a> {
    /// Now, in unix seconds.
    pub now: i64,
    /// `expiry_warning_days`.
    pub warning_days: u32,
    /// The recorded rejections.
    pub state: &'a State,
    /// What git does per server (`scheme://host[:port]`).
    pub git: Option<&'a HashMap<String, GitSetUp>>,
    /// Where secrets are looked for, to tell whether each is there.
    pub secrets: Option<&'a Sources<'a>>,
}

/// The finding about `entry`'s expiry date, if it has one to report.
pub fn expiry(entry: &Entry, now: i64, warning_days: u32) -> Option<Finding> {
    let on = entry.expires?;
    let name = entry.name.clone();
    match Expiry::of(on, now, warning_days) {
        Expiry::Expired => Some(Finding::Expired { entry: name, on }),
        expiry @ Expiry::Soon(_) => Some(Finding::ExpiresSoon {
            entry: name,
            on,
            expiry,
        }),
        Expiry::Later(_) => None,
    }
}

/// Whether `entry`'s secret is where the entry says it lives, without
/// running a program for it (a `command:` source may prompt).
fn secret_present(entry: &Entry, sources: &Sources<'_>) -> Result<(), SecretError> {
    let name = &entry.name;
    match &entry.secret {
        SecretSource::Stored(store) => match store.get(sources.files, name) {
            Ok(Some(_)) => Ok(()),
            // A file others can read is a finding of the permission check.
            Err(StoreError::File(crate::fsutil::FileError::Shared { .. })) => Ok(()),
            Ok(None) | Err(_) => sources.load(name, &entry.secret).map(|_| ()),
        },
        SecretSource::Env(_) if entry.defined_in == DefinedIn::Environment => Ok(()),
        SecretSource::Env(_) => sources.load(name, &entry.secret).map(|_| ()),
        SecretSource::Command(_) => Ok(()),
    }
}

/// Every finding about `entry`, most important first, from what `facts`
/// holds. A tie is not among them: it is a finding about several entries
/// ([`crate::resolve::ties`]).
pub fn of(entry: &Entry, facts: &Facts<'_>) -> Vec<Finding> {
    let mut found = Vec::new();
    let name = || entry.name.clone();
    if let Some(sources) = facts.secrets {
        if let Err(e) = secret_present(entry, sources) {
            found.push(Finding::SecretMissing(e));
        }
    }
    if entry.kind == Kind::AppPassword {
        found.push(Finding::AppPassword { entry: name() });
    }
    found.extend(expiry(entry, facts.now, facts.warning_days));
    if let Some(rejection) = facts.state.last_rejection(&entry.name) {
        found.push(Finding::Rejected {
            entry: name(),
            rejection: rejection.clone(),
        });
    }
    if let Some(git) = facts.git {
        let origin = entry.remote.origin.display();
        if let Some(set_up) = git.get(&origin) {
            let narrow = !entry.prefix().is_empty() || !entry.repos.is_empty();
            let ours = set_up
                .helpers
                .iter()
                .position(|h| crate::git::is_this_helper(&h.command));
            match ours {
                None => found.push(Finding::GitNotSetUp {
                    origin: origin.clone(),
                    others: set_up.helpers.iter().map(|h| h.command.clone()).collect(),
                }),
                Some(at) => {
                    for (i, other) in set_up.helpers.iter().enumerate().filter(|(i, _)| *i != at) {
                        found.push(Finding::OtherHelper {
                            origin: origin.clone(),
                            helper: other.command.clone(),
                            file: other.file.clone(),
                            before: i < at,
                        });
                    }
                    if !set_up.sends_paths && narrow {
                        found.push(Finding::NoPaths { origin, narrow });
                    }
                }
            }
        }
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.severity()));
    found
}
