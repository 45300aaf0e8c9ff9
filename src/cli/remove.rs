//! `remove NAME`: the entry and its secret, both or neither.

use crate::cli::{put_secret, Context, StoreArg};
use crate::config::Origin;
use crate::config_edit;
use crate::secret::{keyring, SecretSource};

/// Runs `remove`.
pub fn run(name: &str) -> Result<bool, String> {
    let ctx = Context::load()?;
    let entry = ctx.entry(name)?;
    if entry.origin == Origin::Environment {
        return Err(format!(
            "'{name}' comes from the CI variable {name}; unset the variable instead"
        ));
    }
    let store = match entry.secret {
        SecretSource::Keyring => Some(StoreArg::Keyring),
        SecretSource::File => Some(StoreArg::File),
        _ => None,
    };
    // Take the secret out first, keeping it to put back if the entry
    // cannot be removed.
    let kept = match store {
        Some(StoreArg::Keyring) => {
            let old = keyring::get(name).map_err(|e| format!("nothing removed: {e}"))?;
            keyring::delete(name).map_err(|e| format!("nothing removed: {e}"))?;
            old
        }
        Some(StoreArg::File) => ctx
            .files
            .remove_secret(name)
            .map_err(|e| format!("nothing removed: {e}"))?,
        None => None,
    };
    if let Err(e) = config_edit::remove_entry(&ctx.config_path, name) {
        if let (Some(store), Some(secret)) = (store, kept) {
            if let Err(u) = put_secret(&ctx, store, name, &secret) {
                return Err(format!("the entry could not be removed ({e}), and its secret could not be put back ({u}); add it again with `git credential-bitbucket add`"));
            }
        }
        return Err(format!("nothing removed: {e}"));
    }
    let _ = ctx.state.forget(name);
    let what = match &entry.secret {
        SecretSource::Keyring => "and its secret in the OS keyring",
        SecretSource::File => "and its secret in the file store",
        SecretSource::Env(_) | SecretSource::Command(_) => {
            "(its secret lives outside the helper and was left alone)"
        }
    };
    println!("Removed entry '{name}' {what}.");
    Ok(true)
}
