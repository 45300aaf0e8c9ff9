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
    #[error("the OS keyring cannot be used ({0})")]
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
        let text = e.to_string();
        log::debug!("the OS keyring said: {text}");
        KeyringError::Unreachable(crate::store::keyring::brief(&text))
    }

    /// Whether `e` says the keyring answered and holds no such item: also
    /// a Secret Service without a default collection yet, which answers
    /// a look-up with "no result found".
    fn holds_nothing(e: &keyring::Error) -> bool {
        match e {
            keyring::Error::NoEntry => true,
            keyring::Error::NoStorageAccess(_) => e.to_string().contains("no result found"),
            _ => false,
        }
    }

    pub fn get(name: &str) -> Result<Option<Secret>, KeyringError> {
        match entry(name)?.get_password() {
            Ok(p) => Ok(Some(Secret::from(p))),
            Err(e) if holds_nothing(&e) => Ok(None),
            Err(e) => Err(unreachable(e)),
        }
    }

    pub fn set(name: &str, secret: &Secret) -> Result<(), KeyringError> {
        entry(name)?
            .set_password(secret.expose())
            .map_err(unreachable)
    }

    pub fn ready(name: &str) -> Result<(), KeyringError> {
        match entry(name)?.get_password() {
            Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(unreachable(e)),
        }
    }

    pub fn delete(name: &str) -> Result<bool, KeyringError> {
        match entry(name)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(e) if holds_nothing(&e) => Ok(false),
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

    pub fn ready(_: &str) -> Result<(), KeyringError> {
        Err(none())
    }
}

/// Why the keyring did not answer, in a few words: the platform's own
/// message (kept for `RUST_LOG=debug`) is long and names its internals.
#[cfg_attr(
    not(any(
        target_os = "linux",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "macos",
        windows
    )),
    allow(dead_code)
)]
fn brief(text: &str) -> String {
    let lower = text.to_lowercase();
    let no_bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none_or(|v| v.is_empty());
    if lower.contains("dbus") || lower.contains("d-bus") {
        if lower.contains("org.freedesktop.secrets") || lower.contains("serviceunknown") {
            return "no Secret Service on the D-Bus session".to_owned();
        }
        if no_bus
            || lower.contains("autolaunch")
            || lower.contains("connect")
            || lower.contains("no such file")
        {
            return "no D-Bus session".to_owned();
        }
    }
    if lower.contains("no result found") {
        return "it has no default collection to keep secrets in".to_owned();
    }
    if lower.contains("locked") {
        return "it is locked".to_owned();
    }
    let first = text.lines().next().unwrap_or("unknown error");
    first.chars().take(160).collect()
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

/// Whether the keyring can keep secrets: a look-up of an item that does
/// not exist must come back as "no such item" (a Secret Service without a
/// default collection answers otherwise, and could store nothing).
pub fn probe() -> Result<(), KeyringError> {
    platform::ready("\u{1}probe")
}
