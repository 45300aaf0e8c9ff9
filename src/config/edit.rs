//! The locked transaction by which commands change the configuration: under
//! the lock of its directory, the file is read, changed with its comments
//! and layout kept (toml_edit), checked to be a valid configuration, and
//! only then replaced in one rename. What the change does to the secret
//! stores ([`Companion`]) happens under the same lock, and is undone if the
//! file cannot be written, so two commands that change the same entry at
//! once cannot both succeed with one of them losing its secret.

use std::convert::Infallible;
use std::io::Write;
use std::path::Path;

use toml_edit::{value, Array, ArrayOfTables, DocumentMut, Item, Table};

use super::load::{Config, ConfigError, TrustedFile};
use super::paths::Paths;
use super::table::{CredentialTable, Value};
use crate::fsutil::{self, Durability, Lock};

/// Why the configuration could not be changed; `R` is why the companion
/// refused.
#[derive(Debug, thiserror::Error)]
pub enum EditError<R: std::error::Error = Infallible> {
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
    /// The file is not a valid configuration, or the change would make it
    /// one no longer.
    #[error(transparent)]
    Invalid(#[from] ConfigError),
    /// `credential` is written in another form than `[[credential]]`
    /// tables.
    #[error("{path}: `credential` must be written as [[credential]] tables")]
    NotTables {
        /// The file.
        path: String,
    },
    /// No entry of that name.
    #[error("{path} has no entry named '{name}'; `git credential-bitbucket list` shows the names")]
    NoSuchEntry {
        /// The file.
        path: String,
        /// The name asked for.
        name: String,
    },
    /// The companion refused the change (it would make a tie, say).
    #[error(transparent)]
    Refused(R),
}

/// What a change does beside the file: under the file's lock, once the new
/// configuration is known to be valid, `apply` runs with the old and the
/// new configuration (and may refuse); if the new file then cannot be
/// written, `undo` runs, still under the lock.
pub trait Companion {
    /// Why it refuses.
    type Refusal: std::error::Error;
    /// Does the work (writes or takes a secret); an error leaves the file
    /// as it was.
    fn apply(&mut self, before: &Config, after: &Config) -> Result<(), Self::Refusal>;
    /// Takes back what `apply` did.
    fn undo(&mut self);
}

/// No work beside the file.
pub struct Alone;

impl Companion for Alone {
    type Refusal = Infallible;
    fn apply(&mut self, _: &Config, _: &Config) -> Result<(), Infallible> {
        Ok(())
    }
    fn undo(&mut self) {}
}

/// A change to the `[[credential]]` tables.
pub enum Change<'a> {
    /// Append a new table.
    Add(&'a CredentialTable<'a>),
    /// Remove the table of this name.
    Remove(&'a str),
    /// Put a new table in the place of the one of this name (the same
    /// table again changes nothing in the file).
    Replace(&'a str, &'a CredentialTable<'a>),
    /// Change no table, but require the one of this name (the companion's
    /// work is all there is: a new secret for an entry that stays).
    Keep(&'a str),
}

/// `table` as a TOML table, its fields in the order they are written.
fn toml_table(table: &CredentialTable<'_>) -> Table {
    let mut t = Table::new();
    for (field, v) in table.fields() {
        let item = match v {
            Value::Text(text) => value(text.as_ref()),
            Value::List(list) => {
                let mut a = Array::new();
                for item in list {
                    a.push(item.as_ref());
                }
                value(a)
            }
        };
        t.insert(field.name(), item);
    }
    t
}

/// Makes `change` to the file at `path`, with `companion`'s work beside
/// it, all under the file's lock. When the file's text does not change,
/// it is not written again (the companion's work is all there is).
pub fn apply<C: Companion>(
    paths: &Paths,
    change: Change<'_>,
    companion: &mut C,
) -> Result<(), EditError<C::Refusal>> {
    let path = paths.config();
    let shown = path.display().to_string();
    let io = |action| {
        let shown = shown.clone();
        move |source| EditError::Io {
            action,
            path: shown,
            source,
        }
    };
    fsutil::ensure_private_dir(fsutil::parent_or_dot(path)).map_err(io("use the directory of"))?;
    let lock = Lock::for_file(path).map_err(io("lock"))?;
    // Read as `get` reads it: checked as opened.
    let (text, mode) = match TrustedFile::open(path)? {
        Some(opened) => {
            let mode = permission_bits(&opened.meta);
            (opened.text(path)?, mode)
        }
        None => (String::new(), 0o600),
    };
    let before = Config::parse(&text, path)?;
    // The text parsed as a configuration, so it is TOML.
    let mut doc: DocumentMut =
        text.parse()
            .map_err(|e: toml_edit::TomlError| ConfigError::Syntax {
                path: shown.clone(),
                line: 1,
                message: e.message().to_owned(),
            })?;
    change_tables(&mut doc, change, path)?;
    let new_text = doc.to_string();
    let after = Config::parse(&new_text, path)?;
    companion
        .apply(&before, &after)
        .map_err(EditError::Refused)?;
    if new_text == text {
        return Ok(());
    }
    let written = fsutil::replace(path, mode, &lock, Durability::Durable, &mut |f| {
        f.write_all(new_text.as_bytes())
    });
    if let Err(e) = written {
        companion.undo();
        return Err(io("write")(e));
    }
    // The index of the new file, still under the lock: the next `get`
    // finds it current instead of parsing the whole file.
    super::index::write_for(paths, &after);
    Ok(())
}

fn change_tables<R: std::error::Error>(
    doc: &mut DocumentMut,
    change: Change<'_>,
    path: &Path,
) -> Result<(), EditError<R>> {
    let tables = doc
        .entry("credential")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .ok_or_else(|| EditError::NotTables {
            path: path.display().to_string(),
        })?;
    let position = |tables: &ArrayOfTables, name: &str| {
        tables
            .iter()
            .position(|t| t.get("name").and_then(Item::as_str) == Some(name))
            .ok_or_else(|| EditError::NoSuchEntry {
                path: path.display().to_string(),
                name: name.to_owned(),
            })
    };
    match change {
        Change::Add(table) => tables.push(toml_table(table)),
        Change::Remove(name) => {
            let i = position(tables, name)?;
            tables.remove(i);
        }
        Change::Keep(name) => {
            position(tables, name)?;
        }
        Change::Replace(name, table) => {
            let i = position(tables, name)?;
            if let Some(slot) = tables.get_mut(i) {
                let same = CredentialTable::from_toml(slot).is_some_and(|old| old == *table);
                if !same {
                    let decor = slot.decor().clone();
                    *slot = toml_table(table);
                    *slot.decor_mut() = decor;
                }
            }
        }
    }
    Ok(())
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

impl CredentialTable<'_> {
    /// The table a TOML table holds, when every field is a string (a list
    /// for `repos`) and nothing else is in it.
    fn from_toml(t: &Table) -> Option<CredentialTable<'static>> {
        let mut out = CredentialTable::default();
        for (key, item) in t.iter() {
            let field = super::table::Field::from_name(key)?;
            match item.as_array() {
                Some(list) => {
                    let items: Option<Vec<_>> = list
                        .iter()
                        .map(|v| v.as_str().map(|s| s.to_owned().into()))
                        .collect();
                    out.set_list(field, items?)?;
                }
                None => out.set(field, item.as_str()?.to_owned().into())?,
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str) -> CredentialTable<'static> {
        CredentialTable {
            name: name.to_owned().into(),
            kind: "api-token".into(),
            url: format!("https://bitbucket.org/{name}/").into(),
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
        let paths = Paths::of(path.clone());
        let edit = |change: Change<'_>| apply(&paths, change, &mut Alone);
        let (acme, beta) = (table("acme"), table("beta"));
        edit(Change::Add(&acme)).unwrap();
        edit(Change::Add(&beta)).unwrap();
        let mut changed = table("acme");
        changed.email = Some("j@example.com".into());
        edit(Change::Replace("acme", &changed)).unwrap();
        edit(Change::Remove("beta")).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# my settings\n") && text.contains("= 3 # short"),
            "{text}"
        );
        let config = Config::parse(&text, &path).unwrap();
        assert_eq!(config.entries.len(), 1);
        assert_eq!(config.entries[0].email.as_deref(), Some("j@example.com"));
        // Replacing a table by itself, or keeping it, leaves the file as
        // it was.
        let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
        edit(Change::Replace("acme", &changed)).unwrap();
        edit(Change::Keep("acme")).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().modified().unwrap(),
            modified
        );
        // A duplicate name would make the file invalid: refused, file unchanged.
        let err = edit(Change::Add(&acme)).unwrap_err().to_string();
        assert!(err.contains("same name"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        for change in [Change::Remove("nope"), Change::Keep("nope")] {
            assert!(matches!(edit(change), Err(EditError::NoSuchEntry { .. })));
        }
    }
}
