//! Secrets and the places they live: the file store, an environment
//! variable, a program's output, or (on builds that have it) the OS keyring.

pub mod command;
pub mod file;
pub mod keyring;

use std::fmt;

use zeroize::Zeroizing;

/// A password or token. Its `Debug` and `Display` print `***`, and its
/// memory is zeroed when it is dropped.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// The secret's text, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(Zeroizing::new(s.to_owned()))
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(Zeroizing::new(s))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret::from)
    }
}

/// Where an entry's secret lives (`secret =` in the configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// The OS keyring, under the entry's name.
    Keyring,
    /// The 0600 secrets file, under the entry's name.
    File,
    /// An environment variable.
    Env(String),
    /// The first line printed by a program run without a shell.
    Command(Vec<String>),
}

impl SecretSource {
    /// Parses `keyring`, `file`, `env:VAR` or `command:PROGRAM ARGS...`.
    pub fn parse(text: &str) -> Result<SecretSource, String> {
        if text == "keyring" {
            Ok(SecretSource::Keyring)
        } else if text == "file" {
            Ok(SecretSource::File)
        } else if let Some(var) = text.strip_prefix("env:") {
            if var.is_empty() || var.contains('=') || var.contains('\0') {
                Err(format!("`env:` needs a variable name, not {var:?}"))
            } else {
                Ok(SecretSource::Env(var.to_owned()))
            }
        } else if let Some(cmd) = text.strip_prefix("command:") {
            let words = shell_words::split(cmd)
                .map_err(|e| format!("the command cannot be split into words: {e}"))?;
            if words.is_empty() {
                Err("`command:` needs a program to run".to_owned())
            } else {
                Ok(SecretSource::Command(words))
            }
        } else {
            Err(format!(
                "{text:?} is not a secret source; use \"keyring\", \"file\", \"env:VAR\" or \"command:PROGRAM ARGS\""
            ))
        }
    }

    /// A short description for `list` and logs (never the secret).
    pub fn describe(&self) -> String {
        match self {
            SecretSource::Keyring => "keyring".to_owned(),
            SecretSource::File => "file".to_owned(),
            SecretSource::Env(v) => format!("env:{v}"),
            SecretSource::Command(w) => format!("command:{}", w[0]),
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
    /// The secrets file has no secret for the entry.
    #[error("entry '{entry}' keeps its secret in the file store, but {path} does not exist; add it again with `git credential-bitbucket add`")]
    FileMissing {
        /// The entry's name.
        entry: String,
        /// The secrets file.
        path: String,
    },
    /// The keyring did not answer.
    #[error("entry '{entry}' keeps its secret in the OS keyring, which cannot be reached ({reason}); run `git credential-bitbucket doctor`")]
    KeyringUnavailable {
        /// The entry's name.
        entry: String,
        /// What the keyring said.
        reason: String,
    },
    /// The keyring has no secret for the entry.
    #[error("entry '{entry}' keeps its secret in the OS keyring, which holds none for it; add it again with `git credential-bitbucket add`")]
    KeyringMissing {
        /// The entry's name.
        entry: String,
    },
    /// A `command:` source failed.
    #[error("entry '{entry}': {problem}")]
    Command {
        /// The entry's name.
        entry: String,
        /// What went wrong, in words.
        problem: String,
    },
    /// The file store failed.
    #[error(transparent)]
    File(#[from] crate::fsutil::FileError),
}

/// Fetches the secret of the entry called `entry` from `source`.
pub fn load(
    entry: &str,
    source: &SecretSource,
    files: &file::FileStore,
    command_timeout: std::time::Duration,
) -> Result<Secret, SecretError> {
    match source {
        SecretSource::Env(var) => match std::env::var(var) {
            Ok(v) if !v.is_empty() => Ok(Secret::from(v)),
            _ => Err(SecretError::EnvMissing {
                entry: entry.to_owned(),
                var: var.clone(),
            }),
        },
        SecretSource::File => files
            .secret(entry)?
            .ok_or_else(|| SecretError::FileMissing {
                entry: entry.to_owned(),
                path: files.secret_path(entry).display().to_string(),
            }),
        SecretSource::Command(words) => {
            command::run(words, command_timeout).map_err(|problem| SecretError::Command {
                entry: entry.to_owned(),
                problem,
            })
        }
        SecretSource::Keyring => match keyring::get(entry) {
            Ok(Some(secret)) => Ok(secret),
            Ok(None) => Err(SecretError::KeyringMissing {
                entry: entry.to_owned(),
            }),
            Err(keyring::KeyringError::Unreachable(reason)) => {
                Err(SecretError::KeyringUnavailable {
                    entry: entry.to_owned(),
                    reason,
                })
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints() {
        let s = Secret::from("ATATT-very-secret");
        assert_eq!(format!("{s:?} {s}"), "*** ***");
        let nested = Some(vec![s]);
        assert!(!format!("{nested:?}").contains("ATATT"));
    }

    #[test]
    fn sources_parse() {
        let cases: &[(&str, Result<SecretSource, ()>)] = &[
            ("keyring", Ok(SecretSource::Keyring)),
            ("file", Ok(SecretSource::File)),
            ("env:BB_TOKEN", Ok(SecretSource::Env("BB_TOKEN".into()))),
            (
                "command:pass show 'bitbucket/acme token'",
                Ok(SecretSource::Command(vec![
                    "pass".into(),
                    "show".into(),
                    "bitbucket/acme token".into(),
                ])),
            ),
            ("env:", Err(())),
            ("command:", Err(())),
            ("command:'unclosed", Err(())),
            ("vault", Err(())),
        ];
        for (text, want) in cases {
            assert_eq!(&SecretSource::parse(text).map_err(|_| ()), want, "{text}");
        }
    }
}
