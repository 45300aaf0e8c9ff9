//! The management commands people run: one file per command. Each returns
//! `Ok(true)` when everything it checked is fine, `Ok(false)` when it ran
//! but found a problem (exit status 1), and `Err` with one sentence when it
//! could not do its work.

pub mod add;
pub mod args;
pub mod doctor;
pub mod header;
pub mod list;
pub mod migrate;
pub mod remove;
pub mod setup;
pub mod verify;

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use crate::config::{self, Config};
use crate::secret::file::FileStore;
use crate::secret::{keyring, Secret};
use crate::state::StateFile;

/// The configuration and the stores beside it, as every command needs them.
pub struct Context {
    /// The configuration file's path.
    pub config_path: PathBuf,
    /// The loaded configuration (with the CI entries).
    pub config: Config,
    /// The secrets file.
    pub files: FileStore,
    /// The state file.
    pub state: StateFile,
}

impl Context {
    /// Loads the configuration from its default place.
    pub fn load() -> Result<Context, String> {
        let config_path = config::default_path().map_err(|e| e.to_string())?;
        let config =
            Config::load(&config_path, &|n| std::env::var(n).ok()).map_err(|e| e.to_string())?;
        Ok(Context {
            files: FileStore::new(config::store_dir(&config_path)),
            state: StateFile::new(config::state_path(&config_path)),
            config_path,
            config,
        })
    }

    /// The secret of `entry`, from wherever it lives.
    pub fn secret_of(&self, entry: &config::Entry) -> Result<Secret, String> {
        crate::secret::load(
            &entry.name,
            &entry.secret,
            &self.files,
            self.config.settings.command_timeout,
        )
        .map_err(|e| e.to_string())
    }

    /// The `Authorization` header value Bitbucket's REST API wants from
    /// `entry`.
    pub fn rest_authorization(&self, entry: &config::Entry) -> Result<Secret, String> {
        let secret = self.secret_of(entry)?;
        let form =
            crate::rest::rest_form(entry).map_err(|e| format!("entry '{}': {e}", entry.name))?;
        Ok(crate::rest::authorization(&form, &secret))
    }

    /// The entry called `name`, or a sentence saying there is none.
    pub fn entry(&self, name: &str) -> Result<&config::Entry, String> {
        self.config
            .entries
            .iter()
            .find(|e| e.name == name)
            .ok_or_else(|| format!("there is no entry named '{name}'; `git credential-bitbucket list` shows the names"))
    }
}

/// Where a secret is put by `add` and `migrate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StoreArg {
    /// The OS keyring.
    Keyring,
    /// The 0600 secrets file beside the configuration.
    File,
}

impl StoreArg {
    /// The `secret =` value that names this store.
    pub fn source(self) -> &'static str {
        match self {
            StoreArg::Keyring => "keyring",
            StoreArg::File => "file",
        }
    }
}

/// Picks the store for a new secret: the one asked for, else the
/// configured one, where `auto` means the keyring when it answers. The
/// string says why, for the user.
pub fn choose_store(asked: Option<StoreArg>, settings: &config::Settings) -> (StoreArg, String) {
    if let Some(s) = asked {
        return (s, "as asked".to_owned());
    }
    match settings.store {
        config::StoreChoice::Keyring => (StoreArg::Keyring, "settings.store is keyring".to_owned()),
        config::StoreChoice::File => (StoreArg::File, "settings.store is file".to_owned()),
        config::StoreChoice::Auto => match keyring::probe() {
            Ok(()) => (StoreArg::Keyring, "the OS keyring answered".to_owned()),
            Err(keyring::KeyringError::Unreachable(why)) => (
                StoreArg::File,
                format!("the OS keyring did not answer: {why}"),
            ),
        },
    }
}

/// Writes `secret` for entry `name` into `store`.
pub fn put_secret(
    ctx: &Context,
    store: StoreArg,
    name: &str,
    secret: &Secret,
) -> Result<(), String> {
    match store {
        StoreArg::Keyring => keyring::set(name, secret).map_err(|e| e.to_string()),
        StoreArg::File => ctx
            .files
            .set_secret(name, secret)
            .map_err(|e| e.to_string()),
    }
}

/// Deletes the secret of entry `name` from `store`, if there is one.
pub fn delete_secret(ctx: &Context, store: StoreArg, name: &str) -> Result<(), String> {
    match store {
        StoreArg::Keyring => keyring::delete(name).map(|_| ()).map_err(|e| e.to_string()),
        StoreArg::File => ctx
            .files
            .remove_secret(name)
            .map(|_| ())
            .map_err(|e| e.to_string()),
    }
}

/// Reads a secret: a no-echo prompt on a terminal, else the first line of
/// standard input.
pub fn read_secret(prompt: &str) -> Result<Secret, String> {
    let text = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt).map_err(|e| format!("could not read the secret: {e}"))?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("could not read the secret from standard input: {e}"))?;
        line
    };
    let secret = Secret::from(text.trim_end_matches(['\r', '\n']));
    if secret.is_empty() {
        return Err(
            "no secret was given; type it at the prompt or pipe it on standard input".to_owned(),
        );
    }
    if secret.expose().chars().any(char::is_control) {
        return Err("the secret holds control characters; paste only the token".to_owned());
    }
    Ok(secret)
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
