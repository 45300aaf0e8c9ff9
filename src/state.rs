//! What the helper remembers about the user's entries between runs: when
//! Bitbucket last rejected each one. Kept in a private TOML file beside the
//! configuration; it holds no secret.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::fsutil::{self, FileError};

/// One rejection: git ran `erase` with this entry's credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// Unix seconds.
    pub at: i64,
    /// The remote that rejected it.
    pub url: String,
}

/// The whole state file.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct State {
    /// Entry name to its last rejection.
    #[serde(default)]
    pub rejected: BTreeMap<String, Rejection>,
    /// Entry name to the day (days since 1970-01-01, UTC) its coming expiry
    /// was last announced on `get`.
    #[serde(default)]
    pub expiry_warned: BTreeMap<String, i64>,
}

/// The state file at one path.
#[derive(Debug, Clone)]
pub struct StateFile {
    path: PathBuf,
}

impl StateFile {
    /// The state kept in `path`.
    pub fn new(path: PathBuf) -> StateFile {
        StateFile { path }
    }

    /// Where the state lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the state; a missing file is an empty state.
    pub fn read(&self) -> Result<State, FileError> {
        fsutil::read_private_toml(&self.path)
    }

    /// Records that `entry` was rejected by `url` at `at`.
    pub fn record_rejection(&self, entry: &str, url: String, at: i64) -> Result<(), FileError> {
        fsutil::update_private_toml(&self.path, |s: &mut State| {
            s.rejected.insert(entry.to_owned(), Rejection { at, url });
            (true, ())
        })
    }

    /// Records that the coming expiry of `entry` is being announced on day
    /// `day`; `false` when it already was that day.
    pub fn announce_expiry(&self, entry: &str, day: i64) -> Result<bool, FileError> {
        if self.read()?.expiry_warned.get(entry) == Some(&day) {
            return Ok(false);
        }
        fsutil::update_private_toml(&self.path, |s: &mut State| {
            let fresh = s.expiry_warned.insert(entry.to_owned(), day) != Some(day);
            (fresh, fresh)
        })
    }

    /// Forgets everything recorded about `entry` (it was removed or
    /// replaced).
    pub fn forget(&self, entry: &str) -> Result<(), FileError> {
        let state = self.read()?;
        if !state.rejected.contains_key(entry) && !state.expiry_warned.contains_key(entry) {
            return Ok(());
        }
        fsutil::update_private_toml(&self.path, |s: &mut State| {
            s.rejected.remove(entry);
            s.expiry_warned.remove(entry);
            (true, ())
        })
    }

    /// Forgets the rejection of `entry`, if one is recorded (after git
    /// reported a success with it, or the user replaced it).
    pub fn clear_rejection(&self, entry: &str) -> Result<(), FileError> {
        if !self.read()?.rejected.contains_key(entry) {
            return Ok(());
        }
        fsutil::update_private_toml(&self.path, |s: &mut State| {
            (s.rejected.remove(entry).is_some(), ())
        })
    }
}
