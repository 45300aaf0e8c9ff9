//! Changing the configuration file for `add`, `remove`, `rotate` and
//! `migrate`: under the lock of its directory, keeping the user's comments
//! and layout (toml_edit), checking that the result is a valid
//! configuration before it replaces the old file in one rename. What the
//! change does to the secret stores ([`Companion`]) happens under the same
//! lock, so two commands that change the same entry at once cannot both
//! succeed with one of them losing its secret.

use std::path::Path;

use toml_edit::{value, Array, ArrayOfTables, DocumentMut, Item, Table};

use crate::config::{Config, CredentialTable};
use crate::fsutil::{self, Lock};

/// Why the configuration could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// Reading, locking or writing failed.
    #[error("could not {action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not TOML, or the change would make it invalid.
    #[error("{0}")]
    Invalid(String),
    /// The companion refused the change (it would make a tie, say).
    #[error("{0}")]
    Refused(String),
    /// No entry of that name.
    #[error("{path} has no entry named '{name}'; `git credential-bitbucket list` shows the names")]
    NoSuchEntry {
        /// The file.
        path: String,
        /// The name asked for.
        name: String,
    },
}

fn entry_table(table: &CredentialTable) -> Table {
    let CredentialTable {
        name,
        kind,
        url,
        username,
        email,
        scope,
        repos,
        expires,
        secret,
        auth,
    } = table;
    let mut t = Table::new();
    t.insert("name", value(name.as_str()));
    t.insert("kind", value(kind.as_str()));
    if let Some(s) = scope {
        t.insert("scope", value(s.as_str()));
    }
    t.insert("url", value(url.as_str()));
    if let Some(u) = username {
        t.insert("username", value(u.as_str()));
    }
    if let Some(e) = email {
        t.insert("email", value(e.as_str()));
    }
    if let Some(repos) = repos {
        let mut a = Array::new();
        for r in repos {
            a.push(r.as_str());
        }
        t.insert("repos", value(a));
    }
    if let Some(x) = expires {
        t.insert("expires", value(x.as_str()));
    }
    if let Some(s) = secret {
        t.insert("secret", value(s.as_str()));
    }
    if let Some(a) = auth {
        t.insert("auth", value(a.as_str()));
    }
    t
}

/// What a change does beside the file: under the file's lock, once the new
/// configuration is known to be valid, `apply` runs with the old and the
/// new configuration (and may refuse); if the new file then cannot be
/// written, `undo` runs, still under the lock.
pub trait Companion {
    /// Does the work (writes or takes a secret); an error leaves the file
    /// as it was.
    fn apply(&mut self, before: &Config, after: &Config) -> Result<(), EditError>;
    /// Takes back what `apply` did.
    fn undo(&mut self);
}

/// No work beside the file.
pub struct Alone;

impl Companion for Alone {
    fn apply(&mut self, _: &Config, _: &Config) -> Result<(), EditError> {
        Ok(())
    }
    fn undo(&mut self) {}
}

/// Applies `change` to the document at `path` and writes it back if the
/// result is a valid configuration and `companion` agrees.
fn edit<R>(
    path: &Path,
    change: impl FnOnce(&mut DocumentMut) -> Result<R, EditError>,
    companion: &mut dyn Companion,
) -> Result<R, EditError> {
    let shown = path.display().to_string();
    let io = |action| {
        let shown = shown.clone();
        move |source| EditError::Io {
            action,
            path: shown,
            source,
        }
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fsutil::ensure_private_dir(dir).map_err(io("use the directory of"))?;
    }
    let lock = Lock::for_file(path).map_err(io("lock"))?;
    let (text, mode) = match std::fs::read_to_string(path) {
        Ok(t) => {
            let mode = std::fs::metadata(path)
                .map(|m| permission_bits(&m))
                .unwrap_or(0o600);
            (t, mode)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (String::new(), 0o600),
        Err(e) => return Err(io("read")(e)),
    };
    let before = Config::parse(&text, path).map_err(|e| EditError::Invalid(e.to_string()))?;
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        EditError::Invalid(format!("{shown} is not valid TOML: {}", e.message()))
    })?;
    let result = change(&mut doc)?;
    let new_text = doc.to_string();
    let after = Config::parse(&new_text, path).map_err(|e| EditError::Invalid(e.to_string()))?;
    companion.apply(&before, &after)?;
    if let Err(e) = fsutil::write_atomically(path, new_text.as_bytes(), mode, &lock) {
        companion.undo();
        return Err(io("write")(e));
    }
    // The index of the new file, still under the lock: the next `get`
    // finds it current instead of parsing the whole file.
    crate::index::write_for(path, &after);
    Ok(result)
}

fn permission_bits(meta: &std::fs::Metadata) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o777
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        0o600
    }
}

fn credentials(doc: &mut DocumentMut) -> Result<&mut ArrayOfTables, EditError> {
    let item = doc
        .entry("credential")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()));
    item.as_array_of_tables_mut().ok_or_else(|| {
        EditError::Invalid("`credential` must be written as [[credential]] tables".into())
    })
}

fn position(tables: &ArrayOfTables, path: &Path, name: &str) -> Result<usize, EditError> {
    tables
        .iter()
        .position(|t| t.get("name").and_then(Item::as_str) == Some(name))
        .ok_or_else(|| EditError::NoSuchEntry {
            path: path.display().to_string(),
            name: name.to_owned(),
        })
}

/// A change to the `[[credential]]` tables.
pub enum Change<'a> {
    /// Append a new table.
    Add(&'a CredentialTable),
    /// Remove the table of this name.
    Remove(&'a str),
    /// Put a new table in the place of the one of this name.
    Replace(&'a str, &'a CredentialTable),
}

/// Makes `change` to the file at `path`, with `companion`'s work beside
/// it, all under the file's lock.
pub fn apply(
    path: &Path,
    change: Change<'_>,
    companion: &mut dyn Companion,
) -> Result<(), EditError> {
    edit(
        path,
        |doc| {
            let tables = credentials(doc)?;
            match change {
                Change::Add(table) => tables.push(entry_table(table)),
                Change::Remove(name) => {
                    let i = position(tables, path, name)?;
                    tables.remove(i);
                }
                Change::Replace(name, table) => {
                    let i = position(tables, path, name)?;
                    let decor = tables.get(i).map(|t| t.decor().clone());
                    let mut new = entry_table(table);
                    if let Some(d) = decor {
                        *new.decor_mut() = d;
                    }
                    if let Some(slot) = tables.get_mut(i) {
                        *slot = new;
                    }
                }
            }
            Ok(())
        },
        companion,
    )
}

/// Appends `table` as a new `[[credential]]`.
pub fn add_entry(path: &Path, table: &CredentialTable) -> Result<(), EditError> {
    apply(path, Change::Add(table), &mut Alone)
}

/// Removes the entry called `name`.
pub fn remove_entry(path: &Path, name: &str) -> Result<(), EditError> {
    apply(path, Change::Remove(name), &mut Alone)
}

/// Replaces the entry called `name` by `table`, in place.
pub fn replace_entry(path: &Path, name: &str, table: &CredentialTable) -> Result<(), EditError> {
    apply(path, Change::Replace(name, table), &mut Alone)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str) -> CredentialTable {
        CredentialTable {
            name: name.into(),
            kind: "api-token".into(),
            url: format!("https://bitbucket.org/{name}/"),
            secret: Some("file".into()),
            ..CredentialTable::default()
        }
    }

    #[test]
    fn add_replace_remove_keep_comments_and_refuse_invalid_results() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg/config.toml");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            &path,
            "# my settings\n[settings]\nexpiry_warning_days = 3 # short\n",
        )
        .unwrap();
        add_entry(&path, &table("acme")).unwrap();
        add_entry(&path, &table("beta")).unwrap();
        let mut changed = table("acme");
        changed.email = Some("j@example.com".into());
        replace_entry(&path, "acme", &changed).unwrap();
        remove_entry(&path, "beta").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# my settings\n") && text.contains("= 3 # short"),
            "{text}"
        );
        let config = Config::parse(&text, &path).unwrap();
        assert_eq!(config.entries.len(), 1);
        assert_eq!(config.entries[0].email.as_deref(), Some("j@example.com"));
        // A duplicate name would make the file invalid: refused, file unchanged.
        let err = add_entry(&path, &table("acme")).unwrap_err().to_string();
        assert!(err.contains("same name"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        assert!(matches!(
            remove_entry(&path, "nope"),
            Err(EditError::NoSuchEntry { .. })
        ));
    }
}
