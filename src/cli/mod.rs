//! The management commands people run: one file per command. Each returns
//! `Ok(true)` when everything it checked is fine, `Ok(false)` when it ran
//! but found a problem (exit status 1), and a [`CliError`] when it could
//! not do its work.

pub mod add;
pub mod args;
pub mod doctor;
pub mod header;
pub mod list;
pub mod login;
pub mod migrate;
pub mod remove;
pub mod rotate;
pub mod setup;
pub mod status;
pub mod verify;

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use crate::config::{self, Config, ConfigError, Entry};
use crate::config_edit::EditError;
use crate::resolve::TieError;
use crate::rest::RestError;
use crate::secret::Secret;
use crate::state::StateFile;
use crate::store::file::FileStore;
use crate::store::{SecretError, Sources, StoreError};

/// Why a command could not do its work; `main` prints it as one sentence.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Changing the configuration file.
    #[error(transparent)]
    Edit(#[from] EditError),
    /// An entry's secret.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The keyring or the file store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Bitbucket's REST API.
    #[error(transparent)]
    Rest(#[from] RestError),
    /// Entries that tie.
    #[error(transparent)]
    Tie(#[from] TieError),
    /// What the command itself has to say (a refusal, an instruction).
    #[error("{0}")]
    Said(String),
}

impl From<String> for CliError {
    fn from(sentence: String) -> Self {
        CliError::Said(sentence)
    }
}

/// The process environment, for `env:` secret sources.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The configuration and the stores beside it, as every command needs them.
pub struct Context {
    /// The configuration file's path.
    pub config_path: PathBuf,
    /// The loaded configuration (with the CI entries).
    pub config: Config,
    /// The file store.
    pub files: FileStore,
    /// The state file.
    pub state: StateFile,
}

impl Context {
    /// Loads the configuration from its default place.
    pub fn load() -> Result<Context, CliError> {
        let config_path = config::default_path()?;
        let config = Config::load(&config_path, &process_env)?;
        Ok(Context {
            files: FileStore::new(config::store_dir(&config_path)),
            state: StateFile::new(config::state_path(&config_path)),
            config_path,
            config,
        })
    }

    /// Where secrets are read from.
    pub fn sources(&self) -> Sources<'_> {
        Sources {
            files: &self.files,
            env: &process_env,
            command_timeout: self.config.settings.command_timeout,
        }
    }

    /// The secret of `entry`, from wherever it lives.
    pub fn secret_of(&self, entry: &Entry) -> Result<Secret, SecretError> {
        self.sources().load(&entry.name, &entry.secret)
    }

    /// The entry called `name`, or a sentence saying there is none.
    pub fn entry(&self, name: &str) -> Result<&Entry, CliError> {
        self.config
            .entries
            .iter()
            .find(|e| e.name == name)
            .ok_or_else(|| format!("there is no entry named '{name}'; `git credential-bitbucket list` shows the names").into())
    }
}

/// Asks Bitbucket whether `secret` works as `entry`'s credential before
/// anything is saved (add --verify, rotate --verify, migrate), as `verify`
/// asks, and reports it with [`accepted_or`].
pub fn check_before_saving(
    entry: &Entry,
    secret: &Secret,
    target: crate::rest::Target<'_>,
    refused: &str,
) -> Result<crate::rest::Verification, CliError> {
    let checked = crate::rest::verify(&crate::rest::agent()?, entry, secret, target)?;
    accepted_or(checked, refused)
}

/// Says on stderr what Bitbucket answered to each check of a credential
/// about to be saved; when one failed, an error that begins with `refused`
/// (what was not done) and says what Bitbucket answered.
pub fn accepted_or(
    checked: crate::rest::Verification,
    refused: &str,
) -> Result<crate::rest::Verification, CliError> {
    if let Some(failed) = checked.checks.iter().find(|c| c.fails) {
        let problem = failed.problem.as_deref().unwrap_or_default();
        return Err(format!(
            "{refused}: Bitbucket answered {} with {problem}",
            failed.url
        )
        .into());
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

/// Reads a secret: a no-echo prompt on a terminal, else the first line of
/// standard input.
pub fn read_secret(prompt: &str) -> Result<Secret, CliError> {
    let text = zeroize::Zeroizing::new(if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt).map_err(|e| format!("could not read the secret: {e}"))?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("could not read the secret from standard input: {e}"))?;
        line
    });
    let line = text.trim_end_matches(['\r', '\n']);
    // A token pasted from a web page often comes with blanks around it.
    let token = line.trim();
    if token.is_empty() {
        return Err(CliError::Said(
            "no secret was given; type it at the prompt or pipe it on standard input".to_owned(),
        ));
    }
    if token.len() != line.len() {
        eprintln!("Note: the blanks around the pasted token were removed.");
    }
    if token.chars().any(char::is_whitespace) {
        return Err(CliError::Said(
            "the token holds a blank inside it; paste the token alone, in one piece".to_owned(),
        ));
    }
    if token.chars().any(char::is_control) {
        return Err(CliError::Said(
            "the secret holds control characters; paste only the token".to_owned(),
        ));
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
