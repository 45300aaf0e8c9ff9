//! What every command reads first: the configuration, once, and the stores
//! beside it.

use crate::config::{Config, ConfigError, Entry, Paths, PathsError};
use crate::secret::Secret;
use crate::state::StateFile;
use crate::store::file::FileStore;
use crate::store::{SecretError, Sources};

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// Where it is.
    #[error(transparent)]
    Paths(#[from] PathsError),
    /// What it says.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// No entry of that name.
#[derive(Debug, thiserror::Error)]
#[error("there is no entry named '{0}'; `git credential-bitbucket list` shows the names")]
pub struct NoEntry(pub String);

/// The process environment, for `env:` secret sources.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The configuration and the stores beside it, as every command needs
/// them: read once per command.
pub struct Context {
    /// Every file the helper keeps.
    pub paths: Paths,
    /// The loaded configuration (with the CI entries).
    pub config: Config,
    /// The file store.
    pub files: FileStore,
    /// The state file.
    pub state: StateFile,
}

impl Context {
    /// Loads the configuration from its default place.
    pub fn load() -> Result<Context, ContextError> {
        let paths = Paths::from_env()?;
        let config = Config::load(paths.config(), &process_env)?;
        Ok(Context {
            files: paths.file_store(),
            state: paths.state_file(),
            paths,
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

    /// The entry called `name`.
    pub fn entry(&self, name: &str) -> Result<&Entry, NoEntry> {
        self.config
            .entries
            .iter()
            .find(|e| e.name == name)
            .ok_or_else(|| NoEntry(name.to_owned()))
    }

    /// Whether an entry of that name exists.
    pub fn has(&self, name: &str) -> bool {
        self.config.entries.iter().any(|e| e.name == name)
    }
}
