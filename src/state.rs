//! What the helper remembers about the user's entries between runs: when
//! Bitbucket last rejected each one, and for which secret. Kept in a
//! private TOML file beside the configuration; it holds no secret, only a
//! keyed fingerprint of the rejected one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::fsutil::{self, Durability::Light, FileError};
use crate::secret::Secret;

/// How long a rejected secret is not offered again for the scope that
/// rejected it, unless it changes or `verify` succeeds. git-lfs (up to
/// 3.7) and other clients retry a 401 at once and without end, assuming
/// `erase` removed the credential; a minute covers every retry of one
/// transfer, while a person who tries again a minute later, or a
/// rejection that was the server's passing fault, gets the token offered
/// again.
pub const REJECTION_COOL_DOWN: i64 = 60;

/// One rejection: git ran `erase` with this entry's credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// Unix seconds.
    pub at: i64,
    /// The remote that rejected it, printable.
    pub url: String,
    /// The scope that rejected it: the remote's origin and path segments.
    #[serde(default)]
    pub scope: String,
    /// The keyed fingerprint of the rejected secret (HMAC-SHA256 under
    /// [`State::key`], hex).
    #[serde(default)]
    pub fingerprint: Option<String>,
}

/// The whole state file.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct State {
    /// A random key, made when the first fingerprint is taken (hex).
    #[serde(default)]
    pub key: Option<String>,
    /// Entry name to its last rejection.
    #[serde(default)]
    pub rejected: BTreeMap<String, Rejection>,
    /// Read from state files of earlier versions (expiry notices now live
    /// in `noted`); forgotten with the entry.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub expiry_warned: BTreeMap<String, i64>,
    /// `TOPIC:ENTRY` to the day a note said at most once a day was last
    /// said (the Basic fallback, say).
    #[serde(default)]
    pub noted: BTreeMap<String, i64>,
}

impl State {
    /// The day the note `topic` about `entry` was last said.
    pub fn said_on(&self, topic: &str, entry: &str) -> Option<i64> {
        self.noted.get(&format!("{topic}:{entry}")).copied()
    }
}

/// What the state says about offering an entry's secret again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Nothing recorded against this secret.
    Clear,
    /// Rejected before, but offered again (another scope, or the
    /// cool-down passed, or a record without a fingerprint).
    RejectedBefore(Rejection),
    /// Rejected for this very scope within the cool-down: not offered.
    Withheld(Rejection),
}

impl State {
    /// The keyed fingerprint of `secret`, when there is a key.
    pub fn fingerprint(&self, secret: &Secret) -> Option<String> {
        let key = hex_decode(self.key.as_deref()?)?;
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key);
        let tag = ring::hmac::sign(&key, secret.expose().as_bytes());
        Some(hex(tag.as_ref()))
    }

    /// Whether `secret`, the secret of `entry`, may be offered for
    /// `scope` at time `now`.
    pub fn standing(&self, entry: &str, scope: &str, secret: &Secret, now: i64) -> Standing {
        let Some(r) = self.rejected.get(entry) else {
            return Standing::Clear;
        };
        let Some(recorded) = &r.fingerprint else {
            return Standing::RejectedBefore(r.clone());
        };
        if self.fingerprint(secret).as_ref() != Some(recorded) {
            // The secret changed since: the rejection was of another one.
            return Standing::Clear;
        }
        if r.scope == scope && (0..REJECTION_COOL_DOWN).contains(&(now - r.at)) {
            Standing::Withheld(r.clone())
        } else {
            Standing::RejectedBefore(r.clone())
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
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

    /// Records that `secret`, the secret of `entry`, was rejected by `url`
    /// (in `scope`) at `at`.
    pub fn record_rejection(
        &self,
        entry: &str,
        url: String,
        scope: String,
        secret: &Secret,
        at: i64,
    ) -> Result<(), FileError> {
        fsutil::update_private_toml(&self.path, Light, |s: &mut State| {
            if s.key.is_none() {
                let mut key = [0u8; 32];
                if ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut key)
                    .is_ok()
                {
                    s.key = Some(hex(&key));
                }
            }
            let fingerprint = s.fingerprint(secret);
            s.rejected.insert(
                entry.to_owned(),
                Rejection {
                    at,
                    url,
                    scope,
                    fingerprint,
                },
            );
            (true, ())
        })
    }

    /// Records that the note `topic` about `entry` is said on `day`;
    /// `false` when it already was said that day (by a helper that ran
    /// meanwhile: a caller first looks with [`State::said_on`]).
    pub fn note_said(&self, topic: &str, entry: &str, day: i64) -> Result<bool, FileError> {
        let key = format!("{topic}:{entry}");
        fsutil::update_private_toml(&self.path, Light, |s: &mut State| {
            let fresh = s.noted.insert(key, day) != Some(day);
            (fresh, fresh)
        })
    }

    /// Forgets everything recorded about `entry` (it was removed or
    /// replaced).
    pub fn forget(&self, entry: &str) -> Result<(), FileError> {
        let suffix = format!(":{entry}");
        let about = |s: &State| {
            s.rejected.contains_key(entry)
                || s.expiry_warned.contains_key(entry)
                || s.noted.keys().any(|k| k.ends_with(&suffix))
        };
        if !about(&self.read()?) {
            return Ok(());
        }
        fsutil::update_private_toml(&self.path, Light, |s: &mut State| {
            s.rejected.remove(entry);
            s.expiry_warned.remove(entry);
            s.noted.retain(|k, _| !k.ends_with(&suffix));
            (true, ())
        })
    }

    /// Forgets the rejection of `entry`, if one is recorded (after git
    /// reported a success with it, or the user replaced it).
    pub fn clear_rejection(&self, entry: &str) -> Result<(), FileError> {
        if !self.read()?.rejected.contains_key(entry) {
            return Ok(());
        }
        fsutil::update_private_toml(&self.path, Light, |s: &mut State| {
            (s.rejected.remove(entry).is_some(), ())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rejected_secret_is_withheld_for_its_scope_until_the_cool_down_passes() {
        let dir = tempfile::tempdir().unwrap();
        let file = StateFile::new(dir.path().join("state.toml"));
        let old = Secret::from("ATATT-old");
        file.record_rejection(
            "acme",
            "https://h/a/b.git".into(),
            "https://h/a/b".into(),
            &old,
            1000,
        )
        .unwrap();
        let state = file.read().unwrap();
        let text = std::fs::read_to_string(file.path()).unwrap();
        assert!(!text.contains("ATATT-old"), "{text}");
        let standing = |scope: &str, secret: &str, now: i64| match state.standing(
            "acme",
            scope,
            &Secret::from(secret),
            now,
        ) {
            Standing::Clear => "clear",
            Standing::RejectedBefore(_) => "rejected before",
            Standing::Withheld(_) => "withheld",
        };
        assert_eq!(standing("https://h/a/b", "ATATT-old", 1000), "withheld");
        assert_eq!(
            standing("https://h/a/b", "ATATT-old", 1000 + REJECTION_COOL_DOWN - 1),
            "withheld"
        );
        assert_eq!(
            standing("https://h/a/b", "ATATT-old", 1000 + REJECTION_COOL_DOWN),
            "rejected before"
        );
        assert_eq!(
            standing("https://h/a/c", "ATATT-old", 1000),
            "rejected before"
        );
        assert_eq!(standing("https://h/a/b", "ATATT-new", 1000), "clear");
        assert_eq!(
            state.standing("other", "https://h/a/b", &old, 1000),
            Standing::Clear
        );
        // A second state file has another key: fingerprints differ.
        let other = StateFile::new(dir.path().join("other.toml"));
        other
            .record_rejection("acme", "u".into(), "s".into(), &old, 1)
            .unwrap();
        assert_ne!(
            other.read().unwrap().rejected["acme"].fingerprint,
            state.rejected["acme"].fingerprint
        );
    }
}
