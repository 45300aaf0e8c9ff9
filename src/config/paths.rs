//! Every file the helper keeps, named from one place: the configuration
//! file's path decides the directory of the file store, the learned
//! credentials and the state, and (through the cache directory) the index.

use std::path::{Path, PathBuf};

/// Why there is no configuration path.
#[derive(Debug, thiserror::Error)]
pub enum PathsError {
    /// No configuration directory could be found.
    #[error("no configuration directory was found; set {CONFIG_ENV} or HOME")]
    NoConfigDir,
    /// `GIT_CREDENTIAL_BITBUCKET_CONFIG` names a relative path.
    #[error("{CONFIG_ENV} is the relative path {0:?}; git runs helpers in each repository's directory, so give an absolute path")]
    Relative(String),
}
use crate::store::file::FileStore;

/// The variable that overrides the configuration file's path.
pub const CONFIG_ENV: &str = "GIT_CREDENTIAL_BITBUCKET_CONFIG";

/// The files that belong to one configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    config: PathBuf,
    dir: PathBuf,
}

impl Paths {
    /// The paths of the configuration at `$GIT_CREDENTIAL_BITBUCKET_CONFIG`,
    /// else `<config dir>/git-credential-bitbucket/config.toml`.
    pub fn from_env() -> Result<Paths, PathsError> {
        match std::env::var_os(CONFIG_ENV) {
            Some(p) if !p.is_empty() => {
                let path = PathBuf::from(p);
                if path.is_relative() {
                    return Err(PathsError::Relative(path.display().to_string()));
                }
                Ok(Paths::of(path))
            }
            _ => dirs::config_dir()
                .map(|d| Paths::of(d.join(crate::NAME).join("config.toml")))
                .ok_or(PathsError::NoConfigDir),
        }
    }

    /// [`Paths::from_env`] for git's `get`, `store` and `erase`: without
    /// any configuration directory (a CI job's arbitrary uid, with no
    /// `HOME` and no passwd entry) there is no configuration file, the CI
    /// variables give the entries, and what the helper keeps goes to its
    /// private per-user place ([`crate::fsutil::private_runtime_dir`]).
    pub fn for_git() -> Result<Paths, PathsError> {
        match Paths::from_env() {
            Err(PathsError::NoConfigDir) => {
                let dir = crate::fsutil::private_runtime_dir().ok_or(PathsError::NoConfigDir)?;
                log::debug!("no configuration directory; using {}", dir.display());
                Ok(Paths::of(dir.join("config.toml")))
            }
            found => found,
        }
    }

    /// The paths of the configuration file at `config`.
    pub fn of(config: PathBuf) -> Paths {
        let dir = crate::fsutil::parent_or_dot(&config).to_path_buf();
        Paths { config, dir }
    }

    /// The configuration file.
    pub fn config(&self) -> &Path {
        &self.config
    }

    /// The configuration's directory, which holds the helper's other files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file store's directory of secrets, one file per entry.
    pub fn secrets_dir(&self) -> PathBuf {
        self.dir.join("secrets")
    }

    /// The credentials learned from git.
    pub fn learned(&self) -> PathBuf {
        self.dir.join("learned.toml")
    }

    /// What the helper remembers between runs (rejections, notes said).
    pub fn state(&self) -> PathBuf {
        self.dir.join("state.toml")
    }

    /// Where the state goes when it cannot be written beside the
    /// configuration: a private place of the user's that can be written
    /// (see [`crate::fsutil::private_runtime_dir`]), the file named after
    /// the configuration's path.
    pub fn state_fallback(&self) -> Option<PathBuf> {
        let absolute = std::path::absolute(&self.config).ok()?;
        let hash = crate::fsutil::fnv1a(absolute.as_os_str().as_encoded_bytes());
        Some(crate::fsutil::private_runtime_dir()?.join(format!("{hash:016x}.state.toml")))
    }

    /// The state of this configuration: beside it, else in the fallback.
    pub fn state_file(&self) -> crate::state::StateFile {
        crate::state::StateFile::with_fallback(self.state(), self.state_fallback())
    }

    /// The index of the configuration, in the cache directory, named after
    /// the configuration's absolute path; `None` without a cache
    /// directory.
    pub fn index(&self) -> Option<PathBuf> {
        let absolute = std::path::absolute(&self.config).ok()?;
        let hash = crate::fsutil::fnv1a(absolute.as_os_str().as_encoded_bytes());
        Some(
            dirs::cache_dir()?
                .join(crate::NAME)
                .join(format!("{hash:016x}.index")),
        )
    }

    /// The file store of this configuration.
    pub fn file_store(&self) -> FileStore {
        FileStore::new(self.secrets_dir(), self.learned())
    }
}
