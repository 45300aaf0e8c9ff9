//! The management commands people run: one thin file per command over
//! [`entry`] (the one draft behind add, login, rotate and migrate),
//! [`crate::health`] (what is wrong with an entry) and [`crate::git`]. Each
//! returns `Ok(true)` when everything it checked is fine, `Ok(false)` when
//! it ran but found a problem (exit status 1), and a [`CliError`] when it
//! could not do its work.

/// `println!` for the commands: when the reader has gone (`status | head`),
/// the command ends quietly with status 0, as other command-line tools do,
/// instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::cli::say_line(format_args!($($arg)*))
    };
}

pub mod add;
pub mod args;
pub mod context;
pub mod doctor;
pub mod entry;
pub mod header;
pub mod list;
pub mod login;
pub mod migrate;
pub mod remove;
pub mod rotate;
pub mod setup;
pub mod status;
pub mod verify;

use std::fmt;
use std::io::{BufRead, IsTerminal, Write};

use crate::config::{ConfigError, Entry, PathsError};

use crate::fsutil::FileError;
use crate::git::GitError;
use crate::resolve::TieError;
use crate::rest::{RestError, Verification};
use crate::secret::Secret;
use crate::store::{SecretError, StoreError};
pub use context::{process_env, Context, ContextError, NoEntry};

/// Why a command could not do its work; `main` prints it as one sentence.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Where the configuration is.
    #[error(transparent)]
    Paths(#[from] PathsError),
    /// Loading the configuration.
    #[error(transparent)]
    Context(#[from] ContextError),
    /// An entry's secret.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The keyring or the file store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file of the helper's.
    #[error(transparent)]
    File(#[from] FileError),
    /// Bitbucket's REST API.
    #[error(transparent)]
    Rest(#[from] RestError),
    /// Entries that tie.
    #[error(transparent)]
    Tie(#[from] TieError),
    /// git.
    #[error(transparent)]
    Git(#[from] GitError),
    /// What the user asked for cannot be an entry.
    #[error(transparent)]
    Draft(#[from] entry::DraftError),
    /// The entry could not be saved.
    #[error(transparent)]
    Save(#[from] entry::SaveError),
    /// What one command refuses, in its own words (its own error type,
    /// which the command's file defines).
    #[error(transparent)]
    Refused(Box<dyn std::error::Error + Send + Sync>),
    /// A token read from the terminal or standard input.
    #[error(transparent)]
    Input(#[from] InputError),
    /// No entry of that name.
    #[error(transparent)]
    NoEntry(#[from] NoEntry),
    /// The entry comes from a CI variable, which the helper does not
    /// change.
    #[error("'{name}' comes from the CI variable {name}; {fix}")]
    FromCi {
        /// The entry (and the variable).
        name: String,
        /// What to do instead.
        fix: &'static str,
    },
    /// A new token whose prefix names another kind than the entry's.
    #[error("the new token looks like an {prefix} (by its prefix), but entry '{name}' is {kind}; nothing was replaced")]
    TokenOfOtherKind {
        /// The entry.
        name: String,
        /// The kind the token's prefix announces.
        prefix: crate::kind::KindName,
        /// The entry's kind, with its article.
        kind: String,
    },
    /// Bitbucket did not accept a credential about to be saved.
    #[error("{consequence}: Bitbucket answered {url} with {problem}")]
    NotAccepted {
        /// What was not done.
        consequence: Consequence,
        /// The URL asked.
        url: String,
        /// What its answer means.
        problem: String,
    },
    /// JSON could not be written.
    #[error("could not write JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// What a refused check before saving left undone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Consequence {
    /// `add`: the entry was not saved.
    NotSaved,
    /// `login`: nothing was saved.
    NothingSaved,
    /// `rotate`: the old secret stays.
    NothingReplaced,
    /// `migrate`: the app-password entry stays.
    LeftAsItIs(String),
}

impl fmt::Display for Consequence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Consequence::NotSaved => f.write_str("not saved"),
            Consequence::NothingSaved => f.write_str("nothing was saved"),
            Consequence::NothingReplaced => f.write_str("nothing was replaced"),
            Consequence::LeftAsItIs(name) => write!(
                f,
                "the new token was not accepted, so '{name}' was left as it is"
            ),
        }
    }
}

/// Why no token could be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Reading failed.
    #[error("could not read the secret: {0}")]
    Read(std::io::Error),
    /// Nothing was given.
    #[error("no secret was given; type it at the prompt or pipe it on standard input")]
    Empty,
    /// More than a token could be.
    #[error("the secret is longer than 64 KiB; give the token alone")]
    TooLong,
    /// A blank inside what was pasted.
    #[error("the token holds a blank inside it; paste the token alone, in one piece")]
    Blank,
    /// A control character inside what was pasted.
    #[error("the secret holds control characters; paste only the token")]
    Control,
}

/// Asks Bitbucket whether `secret` works as `entry`'s credential before
/// anything is saved (add --verify, rotate --verify, migrate), as `verify`
/// asks, and reports it with [`accepted_or`].
pub fn check_before_saving(
    ctx: &Context,
    entry: &Entry,
    secret: &Secret,
    target: crate::rest::Target<'_>,
    consequence: Consequence,
) -> Result<Verification, CliError> {
    let client = crate::https::Client::new();
    let settings = &ctx.config.settings;
    let checked = crate::rest::verify(&client, entry, secret, target, settings)?;
    accepted_or(checked, consequence)
}

/// Says on stderr what Bitbucket answered to each check of a credential
/// about to be saved; when one failed, an error that says what was not done
/// and what Bitbucket answered.
pub fn accepted_or(
    checked: Verification,
    consequence: Consequence,
) -> Result<Verification, CliError> {
    if let Some(failed) = checked.checks.iter().find(|c| c.fails) {
        let mut problem = failed.problem.clone().unwrap_or_default();
        if failed.fix == crate::rest::Fix::Email {
            problem.push_str("; give the account's email with --email");
        }
        return Err(CliError::NotAccepted {
            consequence,
            url: failed.url.clone(),
            problem,
        });
    }
    for c in &checked.checks {
        match &c.problem {
            None => eprintln!(
                "Checked {}: Bitbucket accepts it ({} answered {}).",
                c.what, c.url, c.status
            ),
            Some(p) => eprintln!("Note ({}): {p}", c.what),
        }
    }
    Ok(checked)
}

/// The most a secret read may hold: what `get` accepts on a line.
const MAX_SECRET: u64 = 64 * 1024;

/// Reads a secret: a no-echo prompt on a terminal, else the first line of
/// standard input (at most 64 KiB of it).
pub fn read_secret(prompt: &str) -> Result<Secret, InputError> {
    let text = zeroize::Zeroizing::new(if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt).map_err(InputError::Read)?
    } else {
        let mut line = String::new();
        std::io::Read::take(std::io::stdin().lock(), MAX_SECRET + 1)
            .read_line(&mut line)
            .map_err(InputError::Read)?;
        if line.len() as u64 > MAX_SECRET {
            return Err(InputError::TooLong);
        }
        line
    });
    let line = text.trim_end_matches(['\r', '\n']);
    // A token pasted from a web page often comes with blanks around it.
    let token = line.trim();
    if token.is_empty() {
        return Err(InputError::Empty);
    }
    if token.len() != line.len() {
        eprintln!("Note: the blanks around the pasted token were removed.");
    }
    if token.chars().any(char::is_whitespace) {
        return Err(InputError::Blank);
    }
    if token.chars().any(char::is_control) {
        return Err(InputError::Control);
    }
    Ok(Secret::from(token))
}

/// Asks for a value on a terminal; `None` when standard input is not one
/// or the answer is empty.
pub fn ask(question: &str) -> Option<String> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    eprint!("{question}: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).ok()?;
    let answer = line.trim().to_owned();
    (!answer.is_empty()).then_some(answer)
}

/// Writes one line of a command's output; see `say!`.
pub fn say_line(line: fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{line}") {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("git-credential-bitbucket: could not write to standard output: {e}");
        std::process::exit(1);
    }
}
