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

/// The most rejections kept per entry, one per scope: the oldest goes
/// first.
pub const MAX_REJECTIONS: usize = 32;

/// An entry's rejections, one per scope, oldest first. State files of
/// earlier versions held one rejection per entry; they read as a list of
/// one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Recorded")]
pub struct Rejections(pub Vec<Rejection>);

/// What a state file holds for an entry, in either form.
#[derive(Deserialize)]
#[serde(untagged)]
enum Recorded {
    Many(Vec<Rejection>),
    One(Rejection),
}

impl From<Recorded> for Rejections {
    fn from(r: Recorded) -> Rejections {
        match r {
            Recorded::Many(list) => Rejections(list),
            Recorded::One(one) => Rejections(vec![one]),
        }
    }
}

impl Rejections {
    /// The latest rejection.
    pub fn last(&self) -> Option<&Rejection> {
        self.0.iter().max_by_key(|r| r.at)
    }
}

/// The whole state file.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct State {
    /// A random key, made when the first fingerprint is taken (hex).
    #[serde(default)]
    pub key: Option<String>,
    /// Entry name to its rejections, one per scope.
    #[serde(default)]
    pub rejected: BTreeMap<String, Rejections>,
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

    /// The latest rejection of `entry`.
    pub fn last_rejection(&self, entry: &str) -> Option<&Rejection> {
        self.rejected.get(entry)?.last()
    }

    /// Whether `secret`, the secret of `entry`, may be offered for
    /// `scope` at time `now`: withheld where Bitbucket rejected this very
    /// secret moments ago, and only there.
    pub fn standing(&self, entry: &str, scope: &str, secret: &Secret, now: i64) -> Standing {
        let Some(all) = self.rejected.get(entry) else {
            return Standing::Clear;
        };
        let fingerprint = self.fingerprint(secret);
        // A record without a fingerprint (an earlier version's) cannot say
        // which secret it was of: it is reported, never acted on.
        let of_this = |r: &&Rejection| r.fingerprint.is_none() || r.fingerprint == fingerprint;
        let mine: Vec<&Rejection> = all.0.iter().filter(of_this).collect();
        let here = mine.iter().find(|r| {
            r.fingerprint.is_some()
                && r.scope == scope
                && (0..REJECTION_COOL_DOWN).contains(&(now - r.at))
        });
        if let Some(r) = here {
            return Standing::Withheld((*r).clone());
        }
        match mine.into_iter().max_by_key(|r| r.at) {
            Some(r) => Standing::RejectedBefore(r.clone()),
            // The secret changed since: the rejections were of another one.
            None => Standing::Clear,
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

/// The state file: beside the configuration, or, where that cannot be
/// written (a read-only home, a configuration directory mounted read-only,
/// no home at all, as CI jobs run), in a private place of the user's that
/// can ([`fsutil::private_runtime_dir`]). Whichever was written last is
/// the one read.
#[derive(Debug, Clone)]
pub struct StateFile {
    path: PathBuf,
    fallback: Option<PathBuf>,
}

impl StateFile {
    /// The state kept in `path` alone.
    pub fn new(path: PathBuf) -> StateFile {
        StateFile {
            path,
            fallback: None,
        }
    }

    /// The state kept in `path`, else in `fallback`.
    pub fn with_fallback(path: PathBuf, fallback: Option<PathBuf>) -> StateFile {
        StateFile { path, fallback }
    }

    /// Where the state lives now: the file written last.
    pub fn path(&self) -> &Path {
        let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        match &self.fallback {
            Some(f) if modified(f) > modified(&self.path) => f,
            _ => &self.path,
        }
    }

    /// Reads the state; a missing file is an empty state.
    pub fn read(&self) -> Result<State, FileError> {
        fsutil::read_private_toml(self.path())
    }

    /// Changes the state under its lock, where it can be written: beside
    /// the configuration, else in the fallback place.
    fn update<R>(&self, change: impl Fn(&mut State) -> (bool, R)) -> Result<R, FileError> {
        let first = fsutil::update_private_toml(self.path(), Light, &change);
        match (first, &self.fallback) {
            (Err(FileError::Io { .. }), Some(fallback)) if self.path() != fallback => {
                log::debug!(
                    "the state cannot be written beside the configuration; using {}",
                    fallback.display()
                );
                fsutil::update_private_toml(fallback, Light, change)
            }
            (result, _) => result,
        }
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
        self.update(|s: &mut State| {
            if s.key.is_none() {
                let mut key = [0u8; 32];
                if ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut key)
                    .is_ok()
                {
                    s.key = Some(hex(&key));
                }
            }
            let fingerprint = s.fingerprint(secret);
            let list = &mut s.rejected.entry(entry.to_owned()).or_default().0;
            list.retain(|r| r.scope != scope);
            list.push(Rejection {
                at,
                url: url.clone(),
                scope: scope.clone(),
                fingerprint,
            });
            list.sort_by_key(|r| r.at);
            let extra = list.len().saturating_sub(MAX_REJECTIONS);
            list.drain(..extra);
            (true, ())
        })
    }

    /// Records that the note `topic` about `entry` is said on `day`;
    /// `false` when it already was said that day (by a helper that ran
    /// meanwhile: a caller first looks with [`State::said_on`]).
    pub fn note_said(&self, topic: &str, entry: &str, day: i64) -> Result<bool, FileError> {
        let key = format!("{topic}:{entry}");
        self.update(|s: &mut State| {
            let fresh = s.noted.insert(key.clone(), day) != Some(day);
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
        self.update(|s: &mut State| {
            s.rejected.remove(entry);
            s.expiry_warned.remove(entry);
            s.noted.retain(|k, _| !k.ends_with(&suffix));
            (true, ())
        })
    }

    /// Forgets the rejections of `entry`: for `scope` only (git reported
    /// a success there), or all of them (`verify` found that it works).
    pub fn clear_rejection(&self, entry: &str, scope: Option<&str>) -> Result<(), FileError> {
        let concerned = |s: &State| {
            s.rejected
                .get(entry)
                .is_some_and(|all| all.0.iter().any(|r| scope.is_none_or(|w| r.scope == w)))
        };
        if !concerned(&self.read()?) {
            return Ok(());
        }
        self.update(|s: &mut State| {
            let changed = concerned(s);
            if let Some(all) = s.rejected.get_mut(entry) {
                all.0.retain(|r| scope.is_some_and(|w| r.scope != w));
                if all.0.is_empty() {
                    s.rejected.remove(entry);
                }
            }
            (changed, ())
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
            other.read().unwrap().rejected["acme"].0[0].fingerprint,
            state.rejected["acme"].0[0].fingerprint
        );
    }
}
