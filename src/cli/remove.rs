//! `remove NAME`: the entry and its secret, both or neither.

use crate::cli::{CliError, Context};
use crate::config::DefinedIn;
use crate::config_edit;

/// Runs `remove`.
pub fn run(name: &str) -> Result<bool, CliError> {
    let ctx = Context::load()?;
    let entry = ctx.entry(name)?;
    if entry.defined_in == DefinedIn::Environment {
        return Err(format!(
            "'{name}' comes from the CI variable {name}; unset the variable instead"
        )
        .into());
    }
    let store = entry.secret.store();
    // Take the secret out first, keeping it to put back if the entry
    // cannot be removed.
    let kept = match store {
        Some(s) => s
            .take(&ctx.files, name)
            .map_err(|e| format!("nothing removed: {e}"))?,
        None => None,
    };
    if let Err(e) = config_edit::remove_entry(&ctx.config_path, name) {
        if let (Some(store), Some(secret)) = (store, kept) {
            if let Err(u) = store.put(&ctx.files, name, &secret) {
                return Err(format!("the entry could not be removed ({e}), and its secret could not be put back ({u}); store it again with `git credential-bitbucket rotate {name}`").into());
            }
        }
        return Err(format!("nothing removed: {e}").into());
    }
    let _ = ctx.state.forget(name);
    let what = match store {
        Some(s) => format!("and its secret in {}", s.describe()),
        None => "(its secret lives outside the helper and was left alone)".to_owned(),
    };
    println!("Removed entry '{name}' {what}.");
    Ok(true)
}
