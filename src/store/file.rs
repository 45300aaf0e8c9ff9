//! The file store, in the configuration's directory: `secrets/NAME` holds
//! the secret of each entry with `secret = "file"` (one small file each, so
//! a `get` reads only the one it needs, whatever the number of entries),
//! and `learned.toml` the credentials git asked the helper to keep. Every
//! file is mode 0600 in 0700 directories, written whole under a lock.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::fsutil::{self, Durability, FileError, Lock};
use crate::learned::{Learned, LearnedFile};
use crate::secret::Secret;

/// The most a secret file may hold: a token is one short line.
pub const MAX_SECRET: u64 = 64 * 1024;

/// The file store: a directory of secrets and a file of learned
/// credentials (both named by the configuration's `Paths`).
#[derive(Debug, Clone)]
pub struct FileStore {
    secrets: PathBuf,
    learned: PathBuf,
}

impl FileStore {
    /// The store with its secrets in the directory `secrets` and its
    /// learned credentials in the file `learned`.
    pub fn new(secrets: PathBuf, learned: PathBuf) -> FileStore {
        FileStore { secrets, learned }
    }

    /// The directory of the per-entry secret files.
    pub fn secrets_dir(&self) -> &Path {
        &self.secrets
    }

    /// The file that holds entry `name`'s secret.
    pub fn secret_path(&self, name: &str) -> PathBuf {
        self.secrets.join(name)
    }

    /// The file of learned credentials.
    pub fn learned_path(&self) -> &Path {
        &self.learned
    }

    fn lock(&self) -> Result<Lock, FileError> {
        let dir = self.secrets_dir();
        fsutil::ensure_private_dir(dir).map_err(|source| FileError::Io {
            action: "use",
            path: dir.display().to_string(),
            source,
        })?;
        Lock::directory(dir).map_err(|source| FileError::Io {
            action: "lock",
            path: dir.display().to_string(),
            source,
        })
    }

    /// The secret stored for entry `name`, as the file holds it; `None`
    /// when there is none. Only a regular file of the user's that others
    /// cannot read, not empty and at most [`MAX_SECRET`] bytes, is read
    /// (never through a link, and never blocking on a FIFO).
    pub fn secret(&self, name: &str) -> Result<Option<Secret>, FileError> {
        let path = self.secret_path(name);
        let Some(bytes) = fsutil::read_private(&path, MAX_SECRET)? else {
            return Ok(None);
        };
        if bytes.is_empty() {
            return Err(FileError::Empty {
                path: path.display().to_string(),
            });
        }
        let text = std::str::from_utf8(&bytes).map_err(|_| FileError::Damaged {
            path: path.display().to_string(),
            reason: "it is not UTF-8 text".to_owned(),
        })?;
        Ok(Some(Secret::from(text)))
    }

    /// Stores (or replaces) the secret of entry `name`.
    pub fn set_secret(&self, name: &str, secret: &Secret) -> Result<(), FileError> {
        let lock = self.lock()?;
        let path = self.secret_path(name);
        fsutil::replace(&path, 0o600, &lock, Durability::Durable, &mut |f| {
            f.write_all(secret.expose().as_bytes())
        })
        .map_err(|source| FileError::Io {
            action: "write",
            path: path.display().to_string(),
            source,
        })
    }

    /// Deletes the secret of entry `name`, returning it (to put back if
    /// what follows fails).
    pub fn remove_secret(&self, name: &str) -> Result<Option<Secret>, FileError> {
        if !self.secrets_dir().exists() {
            return Ok(None);
        }
        let _lock = self.lock()?;
        let old = match self.secret(name) {
            // A file that cannot be a secret is removed all the same.
            Err(
                FileError::Empty { .. } | FileError::TooLarge { .. } | FileError::Damaged { .. },
            ) => Some(Secret::default()),
            other => other?,
        };
        if old.is_some() {
            let path = self.secret_path(name);
            std::fs::remove_file(&path).map_err(|source| FileError::Io {
                action: "remove",
                path: path.display().to_string(),
                source,
            })?;
        }
        Ok(old)
    }

    /// The learned credentials; none when the file does not exist.
    pub fn learned(&self) -> Result<Vec<Learned>, FileError> {
        fsutil::read_private_toml::<LearnedFile>(&self.learned).map(|f| f.learned)
    }

    /// Changes the learned credentials under their lock; see
    /// [`fsutil::update_private_toml`].
    pub fn update_learned<R>(
        &self,
        change: impl FnOnce(&mut Vec<Learned>) -> (bool, R),
    ) -> Result<R, FileError> {
        fsutil::update_private_toml(&self.learned, Durability::Durable, |f: &mut LearnedFile| {
            change(&mut f.learned)
        })
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;

    #[test]
    fn secrets_round_trip_privately_and_a_shared_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("cfg");
        let store = FileStore::new(cfg.join("secrets"), cfg.join("learned.toml"));
        assert!(store.secret("acme").unwrap().is_none());
        store.set_secret("acme", &Secret::from("ATATT1")).unwrap();
        assert_eq!(store.secret("acme").unwrap().unwrap().expose(), "ATATT1");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&store.secret_path("acme")), 0o600);
        assert_eq!(mode(store.secrets_dir()), 0o700);
        crate::fsutil::set_mode(&store.secret_path("acme"), 0o640).unwrap();
        let err = store.secret("acme").unwrap_err().to_string();
        assert!(err.contains("chmod 600"), "{err}");
        assert!(!err.contains("ATATT1"));
        crate::fsutil::set_mode(&store.secret_path("acme"), 0o600).unwrap();
        assert_eq!(
            store.remove_secret("acme").unwrap().unwrap().expose(),
            "ATATT1"
        );
        assert!(store.secret("acme").unwrap().is_none());
        assert!(store.remove_secret("acme").unwrap().is_none());
    }

    #[test]
    fn a_damaged_learned_file_is_reported_without_its_content_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("secrets"), dir.path().join("learned.toml"));
        let path = store.learned_path().to_path_buf();
        std::fs::write(
            &path,
            "[[learned]]\nprotocol = 5\npassword = \"ATATT-leak\"\n",
        )
        .unwrap();
        crate::fsutil::set_mode(&path, 0o600).unwrap();
        let err = store
            .update_learned(|_| (true, ()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("damaged") && err.contains("line 2"), "{err}");
        assert!(!err.contains("ATATT-leak"), "{err}");
        assert!(std::fs::read_to_string(&path)
            .unwrap()
            .contains("ATATT-leak"));
    }
}
