//! `remove NAME`: the entry and its secret — the entry even when the
//! secret cannot be reached, saying what may remain; `remove --learned URL`:
//! the credentials learned from git for a URL.

use clap::ArgGroup;

use std::convert::Infallible;

use crate::cli::{CliError, Context};
use crate::config::edit::{self, Change, Companion, EditError};
use crate::config::{Config, DefinedIn};
use crate::secret::Secret;
use crate::store::file::FileStore;
use crate::store::Store;
use crate::url::UrlParts;

/// Why nothing was removed.
#[derive(Debug, thiserror::Error)]
pub enum RemoveError {
    /// The configuration could not be changed.
    #[error("nothing removed: {0}")]
    Edit(#[from] EditError),
    /// `--learned` with something that is not a URL.
    #[error("{0} is not a URL such as https://git.example.com")]
    NotAUrl(String),
}

impl From<RemoveError> for CliError {
    fn from(e: RemoveError) -> CliError {
        CliError::Refused(Box::new(e))
    }
}

/// The options of `remove`.
#[derive(Debug, clap::Args)]
#[command(group = ArgGroup::new("what").required(true))]
pub struct RemoveArgs {
    /// The entry's name.
    #[arg(group = "what")]
    pub name: Option<String>,
    /// Leave the entry's secret where it is (in the OS keyring or the file store).
    #[arg(long)]
    pub keep_secret: bool,
    /// Instead of an entry, remove the credentials learned from git for URL (https://HOST[:PORT][/PATH]).
    #[arg(long, value_name = "URL", group = "what")]
    pub learned: Option<String>,
}

/// What happened to the secret.
enum Taken {
    /// Not touched (`--keep-secret`, or a source the helper does not keep).
    Left,
    /// Removed; kept here to put back if the entry cannot be removed.
    Removed(Option<Secret>),
    /// The store could not be reached.
    Unreachable(String),
}

/// The secret's side of `remove`, under the configuration's lock.
struct RemoveSecret<'a> {
    files: &'a FileStore,
    store: Option<Store>,
    name: &'a str,
    taken: Taken,
}

impl Companion for RemoveSecret<'_> {
    type Refusal = Infallible;

    fn apply(&mut self, _: &Config, _: &Config) -> Result<(), Infallible> {
        if let (Some(store), Taken::Removed(_)) = (self.store, &self.taken) {
            self.taken = match store.take(self.files, self.name) {
                Ok(old) => Taken::Removed(old),
                Err(e) => Taken::Unreachable(e.to_string()),
            };
        }
        Ok(())
    }

    fn undo(&mut self) {
        if let (Some(store), Taken::Removed(Some(old))) = (self.store, &self.taken) {
            let _ = store.put(self.files, self.name, old);
        }
    }
}

/// How to delete entry `name`'s secret from the OS keyring by hand.
fn keyring_delete_hint(name: &str) -> String {
    let service = crate::store::keyring::SERVICE;
    if cfg!(target_os = "macos") {
        format!("security delete-generic-password -s {service} -a {name}")
    } else if cfg!(windows) {
        format!("cmdkey /delete:{name}.{service}")
    } else {
        format!("secret-tool clear service {service} username {name}")
    }
}

/// Runs `remove`.
pub fn run(args: RemoveArgs) -> Result<bool, CliError> {
    let ctx = Context::load()?;
    if let Some(url) = &args.learned {
        return remove_learned(&ctx, url);
    }
    // clap requires one of NAME and --learned.
    let name = args.name.as_deref().unwrap_or_default();
    let entry = ctx.entry(name)?;
    if entry.defined_in == DefinedIn::Environment {
        return Err(CliError::FromCi {
            name: name.to_owned(),
            fix: "unset the variable instead",
        });
    }
    let store = entry.secret.store();
    let mut companion = RemoveSecret {
        files: &ctx.files,
        store,
        name,
        taken: if args.keep_secret || store.is_none() {
            Taken::Left
        } else {
            Taken::Removed(None)
        },
    };
    edit::apply(&ctx.paths, Change::Remove(name), &mut companion).map_err(RemoveError::from)?;
    let _ = ctx.state.forget(name);
    match (companion.taken, store) {
        (Taken::Removed(Some(_)), Some(s)) => {
            say!("Removed entry '{name}' and its secret in {}.", s.describe())
        }
        (Taken::Removed(None), Some(s)) => say!(
            "Removed entry '{name}'; {} held no secret for it.",
            s.describe()
        ),
        (Taken::Unreachable(why), Some(Store::Keyring)) => say!(
            "Removed entry '{name}'. Its secret may remain in the OS keyring, which could not be reached ({why}); once it answers, delete it with `{}`.",
            keyring_delete_hint(name)
        ),
        (Taken::Unreachable(why), Some(s)) => say!(
            "Removed entry '{name}'. Its secret may remain in {}: {why}",
            s.describe()
        ),
        (_, Some(s)) => say!(
            "Removed entry '{name}'; its secret was left in {}, as asked.",
            s.describe()
        ),
        (_, None) => say!(
            "Removed entry '{name}'; its secret lives outside the helper ({}) and was left alone.",
            entry.secret.describe()
        ),
    }
    Ok(true)
}

/// `remove --learned URL`: every learned credential for that protocol and
/// host (and path, when the URL has one).
fn remove_learned(ctx: &Context, url: &str) -> Result<bool, CliError> {
    let parts = UrlParts::parse(url)
        .filter(|p| p.host.is_some())
        .ok_or_else(|| RemoveError::NotAUrl(crate::url::shown(url)))?;
    let host = parts.host.unwrap_or_default().to_lowercase();
    let path = parts.path.map(std::borrow::Cow::into_owned);
    if !ctx.files.learned_path().exists() {
        say!("No credentials were learned from git.");
        return Ok(true);
    }
    let removed = ctx.files.update_learned(|all| {
        let before = all.len();
        all.retain(|l| {
            !(l.protocol == parts.protocol
                && l.host.to_lowercase() == host
                && (path.is_none() || l.path == path))
        });
        let removed = before - all.len();
        (removed > 0, removed)
    })?;
    match removed {
        0 => say!("No credential learned from git matches {url}."),
        1 => say!("Removed 1 credential learned from git for {url}."),
        n => say!("Removed {n} credentials learned from git for {url}."),
    }
    Ok(true)
}
