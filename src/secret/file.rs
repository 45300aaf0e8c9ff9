//! The file store: one TOML file, mode 0600, holding the secrets of entries
//! with `secret = "file"` and the credentials git asked the helper to learn.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Secret;
use crate::fsutil::{self, FileError};

/// A credential that git asked the helper to keep (`store`), keyed like
/// git's own storage helpers key theirs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Learned {
    /// `protocol`.
    pub protocol: String,
    /// `host`, with `:port` when git sent one.
    pub host: String,
    /// `path`, when git sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `username` (may be empty).
    pub username: String,
    /// `password` (may be empty).
    pub password: Secret,
    /// `password_expiry_utc`, as git sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_expiry_utc: Option<String>,
    /// `oauth_refresh_token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth_refresh_token: Option<Secret>,
}

/// The whole content of the secrets file.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contents {
    /// Entry name to secret.
    #[serde(default)]
    pub secrets: BTreeMap<String, Secret>,
    /// Learned credentials, oldest first.
    #[serde(default)]
    pub learned: Vec<Learned>,
}

/// The secrets file at one path.
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    /// The store kept in `path`.
    pub fn new(path: PathBuf) -> FileStore {
        FileStore { path }
    }

    /// Where the store lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the store; a missing file is an empty store, a file other
    /// users can read is refused.
    pub fn read(&self) -> Result<Contents, FileError> {
        fsutil::read_private_toml(&self.path)
    }

    /// The secret stored for entry `name`.
    pub fn secret(&self, name: &str) -> Result<Option<Secret>, FileError> {
        Ok(self.read()?.secrets.remove(name))
    }

    /// Changes the store under its lock; see [`fsutil::update_private_toml`].
    pub fn update<R>(
        &self,
        change: impl FnOnce(&mut Contents) -> (bool, R),
    ) -> Result<R, FileError> {
        fsutil::update_private_toml(&self.path, change)
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_a_shared_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("sub/secrets.toml"));
        assert!(store.secret("acme").unwrap().is_none());
        store
            .update(|c| {
                c.secrets.insert("acme".into(), Secret::from("ATATT1"));
                (true, ())
            })
            .unwrap();
        assert_eq!(store.secret("acme").unwrap().unwrap().expose(), "ATATT1");
        crate::fsutil::set_mode(store.path(), 0o640).unwrap();
        let err = store.read().unwrap_err().to_string();
        assert!(err.contains("chmod 600"), "{err}");
        assert!(!err.contains("ATATT1"));
    }

    #[test]
    fn a_damaged_file_is_reported_without_its_content_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.toml");
        std::fs::write(&path, "[secrets]\nacme = 5\nother = \"ATATT-leak\"\n").unwrap();
        crate::fsutil::set_mode(&path, 0o600).unwrap();
        let store = FileStore::new(path.clone());
        let err = store.update(|_| (true, ())).unwrap_err().to_string();
        assert!(err.contains("damaged") && err.contains("line 2"), "{err}");
        assert!(!err.contains("ATATT-leak"), "{err}");
        assert!(std::fs::read_to_string(&path)
            .unwrap()
            .contains("ATATT-leak"));
    }
}
