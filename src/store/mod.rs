//! Where secrets live: the two stores the helper writes ([`Store`]: the OS
//! keyring and the file store) and the two it only reads (an environment
//! variable, a program's output), joined in [`SecretSource`].

pub mod command;
pub mod file;
pub mod keyring;

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::secret::Secret;
use file::FileStore;

/// A store the helper can write a secret into, under the entry's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Store {
    /// The OS keyring.
    Keyring,
    /// The file store beside the configuration (one 0600 file per entry).
    File,
}

/// Why a store could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The OS keyring.
    #[error(transparent)]
    Keyring(#[from] keyring::KeyringError),
    /// The file store.
    #[error(transparent)]
    File(#[from] crate::fsutil::FileError),
}

impl Store {
    /// The word for the store in the configuration (`secret =`,
    /// `settings.store`) and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Store::Keyring => "keyring",
            Store::File => "file",
        }
    }

    /// The store in words, for people.
    pub fn describe(self) -> &'static str {
        match self {
            Store::Keyring => "the OS keyring",
            Store::File => "the file store",
        }
    }

    /// The secret kept for entry `name`; `None` when there is none.
    pub fn get(self, files: &FileStore, name: &str) -> Result<Option<Secret>, StoreError> {
        Ok(match self {
            Store::Keyring => keyring::get(name)?,
            Store::File => files.secret(name)?,
        })
    }

    /// Keeps `secret` for entry `name`, replacing what was there.
    pub fn put(self, files: &FileStore, name: &str, secret: &Secret) -> Result<(), StoreError> {
        match self {
            Store::Keyring => keyring::set(name, secret)?,
            Store::File => files.set_secret(name, secret)?,
        }
        Ok(())
    }

    /// Removes the secret of entry `name` and returns it (to put back if
    /// what follows fails); `None` when there was none.
    pub fn take(self, files: &FileStore, name: &str) -> Result<Option<Secret>, StoreError> {
        Ok(match self {
            Store::Keyring => {
                let old = keyring::get(name)?;
                if old.is_some() {
                    keyring::delete(name)?;
                }
                old
            }
            Store::File => files.remove_secret(name)?,
        })
    }

    /// The store for a new secret: the one `asked` for, else the
    /// `configured` one, where `None` (auto) means the keyring when it
    /// answers; and why.
    pub fn choose(asked: Option<Store>, configured: Option<Store>) -> (Store, Chosen) {
        if let Some(s) = asked {
            return (s, Chosen::Asked);
        }
        if let Some(s) = configured {
            return (s, Chosen::Configured(s));
        }
        match keyring::probe() {
            Ok(()) => (Store::Keyring, Chosen::KeyringAnswered),
            Err(e) => (Store::File, Chosen::KeyringSilent(e)),
        }
    }
}

/// Why [`Store::choose`] chose the store it did.
#[derive(Debug)]
pub enum Chosen {
    /// The command line asked for it.
    Asked,
    /// `settings.store` names it.
    Configured(Store),
    /// Auto: the OS keyring answered.
    KeyringAnswered,
    /// Auto: the OS keyring did not answer, so the file store.
    KeyringSilent(keyring::KeyringError),
}

impl fmt::Display for Chosen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Chosen::Asked => f.write_str("as asked"),
            Chosen::Configured(s) => write!(f, "settings.store is {s}"),
            Chosen::KeyringAnswered => f.write_str("the OS keyring answered"),
            Chosen::KeyringSilent(keyring::KeyringError::Unreachable(why)) => {
                write!(f, "no usable OS keyring here: {why}")
            }
        }
    }
}

impl fmt::Display for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Store {
    type Err = ();

    fn from_str(s: &str) -> Result<Store, ()> {
        match s {
            "keyring" => Ok(Store::Keyring),
            "file" => Ok(Store::File),
            _ => Err(()),
        }
    }
}

/// Where an entry's secret lives (`secret =` in the configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// A store the helper writes, under the entry's name.
    Stored(Store),
    /// An environment variable.
    Env(String),
    /// The first line printed by a program run without a shell.
    Command(Vec<String>),
}

/// Why a `secret =` value could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    /// `env:` without a usable variable name.
    #[error("`env:` needs a variable name, not {0:?}")]
    BadVariable(String),
    /// `command:` that cannot be split into words.
    #[error("the command cannot be split into words: {0}")]
    Unsplittable(String),
    /// `command:` with nothing to run.
    #[error("`command:` needs a program to run")]
    NoProgram,
    /// Anything else.
    #[error("{0:?} is not a secret source; use \"keyring\", \"file\", \"env:VAR\" or \"command:PROGRAM ARGS\"")]
    Unknown(String),
}

impl SecretSource {
    /// Parses `keyring`, `file`, `env:VAR` or `command:PROGRAM ARGS...`.
    pub fn parse(text: &str) -> Result<SecretSource, SourceError> {
        if let Ok(store) = text.parse::<Store>() {
            Ok(SecretSource::Stored(store))
        } else if let Some(var) = text.strip_prefix("env:") {
            if var.is_empty() || var.contains('=') || var.contains('\0') {
                Err(SourceError::BadVariable(var.to_owned()))
            } else {
                Ok(SecretSource::Env(var.to_owned()))
            }
        } else if let Some(cmd) = text.strip_prefix("command:") {
            let words =
                shell_words::split(cmd).map_err(|e| SourceError::Unsplittable(e.to_string()))?;
            if words.is_empty() {
                Err(SourceError::NoProgram)
            } else {
                Ok(SecretSource::Command(words))
            }
        } else {
            Err(SourceError::Unknown(text.to_owned()))
        }
    }

    /// The store the helper keeps this secret in, if it keeps it.
    pub fn store(&self) -> Option<Store> {
        match self {
            SecretSource::Stored(s) => Some(*s),
            _ => None,
        }
    }

    /// A short description for `list` and logs (the program's name only,
    /// never its arguments, which may be sensitive).
    pub fn describe(&self) -> String {
        match self {
            SecretSource::Command(w) => format!("command:{}", w[0]),
            other => other.to_string(),
        }
    }
}

impl fmt::Display for SecretSource {
    /// The `secret =` value, as [`SecretSource::parse`] reads it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretSource::Stored(s) => f.write_str(s.as_str()),
            SecretSource::Env(v) => write!(f, "env:{v}"),
            SecretSource::Command(words) => write!(f, "command:{}", shell_words::join(words)),
        }
    }
}

/// Why a secret could not be had. The messages name the entry and the
/// place, never the secret.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The variable is unset or empty.
    #[error("entry '{entry}' takes its secret from ${var}, which is not set")]
    EnvMissing {
        /// The entry's name.
        entry: String,
        /// The variable.
        var: String,
    },
    /// The file store has no secret for the entry.
    #[error("entry '{entry}' keeps its secret in the file store, but {path} does not exist; store it with `git credential-bitbucket rotate {entry}`")]
    FileMissing {
        /// The entry's name.
        entry: String,
        /// The entry's file in the file store.
        path: String,
    },
    /// The keyring did not answer.
    #[error("entry '{entry}' keeps its secret in the OS keyring, which cannot be used ({reason}); run `git credential-bitbucket doctor`")]
    KeyringUnavailable {
        /// The entry's name.
        entry: String,
        /// What the keyring said.
        reason: String,
    },
    /// The keyring has no secret for the entry.
    #[error("entry '{entry}' keeps its secret in the OS keyring, which holds none for it; store it with `git credential-bitbucket rotate {entry}`")]
    KeyringMissing {
        /// The entry's name.
        entry: String,
    },
    /// The secret is empty, or holds a line break or another control
    /// character (one trailing newline is not counted).
    #[error("entry '{entry}': the secret in {place} {problem}, so it is not used")]
    Unusable {
        /// The entry's name.
        entry: String,
        /// Where it came from (never the value).
        place: String,
        /// What is wrong.
        problem: &'static str,
    },
    /// A `command:` source failed.
    #[error("entry '{entry}': {source}")]
    Command {
        /// The entry's name.
        entry: String,
        /// What went wrong.
        source: command::CommandError,
    },
    /// The file store failed.
    #[error(transparent)]
    File(#[from] crate::fsutil::FileError),
}

/// What loading a secret needs besides the entry: the file store, the
/// environment, and how long a `command:` source may run.
pub struct Sources<'a> {
    /// The file store.
    pub files: &'a FileStore,
    /// The environment (`env:` sources).
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// How long a `command:` source may run.
    pub command_timeout: Duration,
}

impl Sources<'_> {
    /// Fetches the secret of the entry called `entry` from `source`: one
    /// trailing newline (LF or CRLF) is dropped, whatever the source; an
    /// empty secret, or one that still holds a control character (which
    /// would let it inject lines into what git reads), is refused.
    pub fn load(&self, entry: &str, source: &SecretSource) -> Result<Secret, SecretError> {
        let (raw, place) = match source {
            SecretSource::Env(var) => match (self.env)(var) {
                Some(v) if !v.is_empty() => (Secret::from(v), format!("${var}")),
                _ => {
                    return Err(SecretError::EnvMissing {
                        entry: entry.to_owned(),
                        var: var.clone(),
                    })
                }
            },
            SecretSource::Stored(Store::File) => {
                let path = self.files.secret_path(entry).display().to_string();
                match self.files.secret(entry)? {
                    Some(secret) => (secret, path),
                    None => {
                        return Err(SecretError::FileMissing {
                            entry: entry.to_owned(),
                            path,
                        })
                    }
                }
            }
            SecretSource::Command(words) => {
                let secret = command::run(words, self.command_timeout).map_err(|source| {
                    SecretError::Command {
                        entry: entry.to_owned(),
                        source,
                    }
                })?;
                (secret, format!("the output of `{}`", words[0]))
            }
            SecretSource::Stored(Store::Keyring) => match keyring::get(entry) {
                Ok(Some(secret)) => (secret, Store::Keyring.describe().to_owned()),
                Ok(None) => {
                    return Err(SecretError::KeyringMissing {
                        entry: entry.to_owned(),
                    })
                }
                Err(keyring::KeyringError::Unreachable(reason)) => {
                    return Err(SecretError::KeyringUnavailable {
                        entry: entry.to_owned(),
                        reason,
                    })
                }
            },
        };
        usable(raw).map_err(|problem| SecretError::Unusable {
            entry: entry.to_owned(),
            place,
            problem,
        })
    }
}

/// `raw` without one trailing newline, if it is a usable secret.
fn usable(raw: Secret) -> Result<Secret, &'static str> {
    let text = raw.expose();
    let text = text
        .strip_suffix('\n')
        .map_or(text, |t| t.strip_suffix('\r').unwrap_or(t));
    if text.is_empty() {
        return Err("is empty");
    }
    if text.chars().any(char::is_control) {
        return Err("holds a line break or another control character");
    }
    Ok(Secret::from(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse_and_print_back() {
        let cases: &[(&str, Result<SecretSource, SourceError>)] = &[
            ("keyring", Ok(SecretSource::Stored(Store::Keyring))),
            ("file", Ok(SecretSource::Stored(Store::File))),
            ("env:BB_TOKEN", Ok(SecretSource::Env("BB_TOKEN".into()))),
            (
                "command:pass show 'bitbucket/acme token'",
                Ok(SecretSource::Command(vec![
                    "pass".into(),
                    "show".into(),
                    "bitbucket/acme token".into(),
                ])),
            ),
            ("env:", Err(SourceError::BadVariable(String::new()))),
            ("command:", Err(SourceError::NoProgram)),
            ("vault", Err(SourceError::Unknown("vault".into()))),
        ];
        for (text, want) in cases {
            let got = SecretSource::parse(text);
            assert_eq!(&got, want, "{text}");
            if let Ok(source) = got {
                assert_eq!(source.to_string(), *text);
            }
        }
        assert!(matches!(
            SecretSource::parse("command:'unclosed"),
            Err(SourceError::Unsplittable(_))
        ));
    }

    #[test]
    fn env_sources_read_the_given_environment() {
        let dir = tempfile::tempdir().unwrap();
        let files = FileStore::new(dir.path().join("secrets"), dir.path().join("learned.toml"));
        let env = |name: &str| (name == "TOKEN").then(|| "ATCTT-env".to_owned());
        let sources = Sources {
            files: &files,
            env: &env,
            command_timeout: Duration::from_secs(5),
        };
        let got = sources.load("e", &SecretSource::Env("TOKEN".into()));
        assert_eq!(got.unwrap().expose(), "ATCTT-env");
        let err = sources
            .load("e", &SecretSource::Env("OTHER".into()))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "entry 'e' takes its secret from $OTHER, which is not set"
        );
        let err = sources
            .load("e", &SecretSource::Stored(Store::File))
            .unwrap_err();
        assert!(matches!(err, SecretError::FileMissing { .. }), "{err}");
    }

    #[test]
    fn one_trailing_newline_is_dropped_and_other_control_characters_refused() {
        let cases: &[(&str, Result<&str, &str>)] = &[
            ("tok", Ok("tok")),
            ("tok\n", Ok("tok")),
            ("tok\r\n", Ok("tok")),
            (
                "tok\n\n",
                Err("holds a line break or another control character"),
            ),
            (
                "tok\nusername=attacker",
                Err("holds a line break or another control character"),
            ),
            (
                "tok\r",
                Err("holds a line break or another control character"),
            ),
            (
                "t\0k",
                Err("holds a line break or another control character"),
            ),
            ("\n", Err("is empty")),
        ];
        for (raw, want) in cases {
            let got = usable(Secret::from(*raw));
            assert_eq!(
                got.as_ref().map(Secret::expose),
                want.as_ref().map(|s| *s),
                "{raw:?}"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let files = FileStore::new(dir.path().join("secrets"), dir.path().join("learned.toml"));
        let env = |_: &str| Some("ATCTT-x\nquit=1".to_owned());
        let sources = Sources {
            files: &files,
            env: &env,
            command_timeout: Duration::from_secs(5),
        };
        let err = sources
            .load("ci", &SecretSource::Env("BITBUCKET_ACCESS_TOKEN".into()))
            .unwrap_err()
            .to_string();
        assert_eq!(err, "entry 'ci': the secret in $BITBUCKET_ACCESS_TOKEN holds a line break or another control character, so it is not used");
    }
}
