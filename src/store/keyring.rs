//! The OS keyring: Secret Service on Linux and the BSDs, Keychain on macOS,
//! Credential Manager on Windows. Each entry's secret is stored under the
//! service `git-credential-bitbucket` with the entry's name as the account.
//! Nothing here runs unless an entry's secret lives in the keyring, so a
//! `get` for any other entry never touches D-Bus.

use crate::secret::Secret;

/// The service name every item is stored under.
pub const SERVICE: &str = crate::NAME;

/// Why the keyring could not be used; the message says what to run.
#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    /// The keyring service did not answer (no session bus, no daemon,
    /// locked collection).
    #[error("the OS keyring cannot be reached ({0})")]
    Unreachable(String),
}

#[cfg(any(
    target_os = "linux",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "macos",
    windows
))]
mod platform {
    use crate::secret::Secret;
    use crate::store::keyring::{KeyringError, SERVICE};

    fn entry(name: &str) -> Result<keyring::Entry, KeyringError> {
        keyring::Entry::new(SERVICE, name).map_err(unreachable)
    }

    fn unreachable(e: keyring::Error) -> KeyringError {
        // The platform's message can be long; the first line says enough.
        let text = e.to_string();
        KeyringError::Unreachable(text.lines().next().unwrap_or("unknown error").to_owned())
    }

    pub fn get(name: &str) -> Result<Option<Secret>, KeyringError> {
        match entry(name)?.get_password() {
            Ok(p) => Ok(Some(Secret::from(p))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(unreachable(e)),
        }
    }

    pub fn set(name: &str, secret: &Secret) -> Result<(), KeyringError> {
        entry(name)?
            .set_password(secret.expose())
            .map_err(unreachable)
    }

    pub fn delete(name: &str) -> Result<bool, KeyringError> {
        match entry(name)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(unreachable(e)),
        }
    }
}

#[cfg(not(any(
    target_os = "linux",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "macos",
    windows
)))]
mod platform {
    use crate::secret::Secret;
    use crate::store::keyring::KeyringError;

    fn none() -> KeyringError {
        KeyringError::Unreachable("this platform has no supported keyring".to_owned())
    }

    pub fn get(_: &str) -> Result<Option<Secret>, KeyringError> {
        Err(none())
    }

    pub fn set(_: &str, _: &Secret) -> Result<(), KeyringError> {
        Err(none())
    }

    pub fn delete(_: &str) -> Result<bool, KeyringError> {
        Err(none())
    }
}

/// The secret stored for entry `name`, `None` when there is none.
pub fn get(name: &str) -> Result<Option<Secret>, KeyringError> {
    platform::get(name)
}

/// Stores (or replaces) the secret of entry `name`.
pub fn set(name: &str, secret: &Secret) -> Result<(), KeyringError> {
    platform::set(name, secret)
}

/// Deletes the secret of entry `name`; `false` when there was none.
pub fn delete(name: &str) -> Result<bool, KeyringError> {
    platform::delete(name)
}

/// Whether the keyring answers at all: a look-up of an item that does not
/// exist must come back as "no such item".
pub fn probe() -> Result<(), KeyringError> {
    get("\u{1}probe").map(|_| ())
}
