//! Loading the configuration: the file's text read as tables (the quick
//! reader for the plain form, the `toml` crate for anything else and for
//! every error), each table made an entry by the rules, the CI entries
//! added; and the check that the file is the user's own.

use std::collections::HashSet;
use std::path::Path;

use crate::fsutil;

use super::ci::{self, CiError, CiProblem};
use super::model::{DefinedIn, Entry, Settings};
use super::quick;
use super::table::FileTables;
use super::validate::{self, validate, EntryError, SettingsError};

/// The loaded configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// `[settings]`.
    pub settings: Settings,
    /// `[[credential]]` entries in file order, then the CI entries.
    pub entries: Vec<Entry>,
    /// What is wrong with the CI variables that could not make an entry.
    pub ci_problems: Vec<CiProblem>,
}

/// Why the configuration cannot be used. Each names the file and, where
/// there is one, the entry and field.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("could not read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// TOML syntax, or a field of the wrong type or name.
    #[error("{path}, line {line}: {message}")]
    Syntax {
        /// The file.
        path: String,
        /// Where.
        line: usize,
        /// The parser's message.
        message: String,
    },
    /// `[settings]` holds a value that does not make sense.
    #[error("{path}, line {line}: [settings]: {source}")]
    Settings {
        /// The file.
        path: String,
        /// The setting's line.
        line: usize,
        /// What is wrong.
        source: SettingsError,
    },
    /// A `[[credential]]` table holds a value that does not make sense.
    #[error("{path}: {location}: {source}")]
    Entry {
        /// The file.
        path: String,
        /// `credential 'acme'`, or `credential #3` when it has no name.
        location: String,
        /// What is wrong, and in which field.
        source: EntryError,
    },
    /// Two tables with the same name.
    #[error("{path}: credential '{name}': another entry has the same name; names must be unique")]
    Duplicate {
        /// The file.
        path: String,
        /// The name.
        name: String,
    },
    /// A CI variable that cannot be used.
    #[error(transparent)]
    Environment(#[from] CiError),
    /// The file, or its directory, can be changed by other users.
    #[error("{path} can be changed by other users (mode {mode:o}), so it is not used; run `chmod go-w {path}`")]
    Writable {
        /// The file or directory.
        path: String,
        /// Its permission bits.
        mode: u32,
    },
    /// Not a regular file (a FIFO, a device, a directory).
    #[error("{path} is not a regular file, so it is not used")]
    NotRegular {
        /// The file.
        path: String,
    },
    /// The file, or its directory, belongs to another user.
    #[error("{path} belongs to another user, so it is not used")]
    Foreign {
        /// The file or directory.
        path: String,
    },
}

/// Refuses what someone else could have written: `meta`, of the file or
/// directory `path` as it was opened, must belong to the user (or root)
/// and be writable by nobody else, as ssh requires of `~/.ssh/config`.
fn check_owner(meta: &std::fs::Metadata, path: &Path) -> Result<(), ConfigError> {
    let shown = path.display().to_string();
    if !fsutil::owned_by_user_or_root(meta) {
        return Err(ConfigError::Foreign { path: shown });
    }
    if let Some(mode) = fsutil::writable_by_others(meta) {
        return Err(ConfigError::Writable { path: shown, mode });
    }
    Ok(())
}

/// The configuration file, opened and checked: its directory is opened
/// first and checked as opened, the file is opened in that directory and
/// checked as opened, so what is read is what was checked, whatever
/// happens to the paths meanwhile. Links are followed (a dotfiles
/// manager's), and the file they lead to is the one checked.
pub struct TrustedFile {
    /// The open file.
    pub file: std::fs::File,
    /// Its metadata, as opened.
    pub meta: std::fs::Metadata,
}

impl TrustedFile {
    /// Opens the configuration at `path`; `None` when it (or its
    /// directory) does not exist.
    pub fn open(path: &Path) -> Result<Option<TrustedFile>, ConfigError> {
        let read_error = |p: &Path| {
            let shown = p.display().to_string();
            move |source| ConfigError::Read {
                path: shown,
                source,
            }
        };
        let missing = |e: &std::io::Error| e.kind() == std::io::ErrorKind::NotFound;
        let dir_path = fsutil::parent_or_dot(path);
        let dir = match fsutil::open_dir(dir_path, true) {
            Err(e) if missing(&e) => return Ok(None),
            opened => opened.map_err(read_error(dir_path))?,
        };
        check_owner(&dir.metadata().map_err(read_error(dir_path))?, dir_path)?;
        let Some(name) = path.file_name() else {
            return Ok(None);
        };
        let file = match fsutil::open_in(&dir, dir_path, name, true) {
            Err(e) if missing(&e) => return Ok(None),
            opened => opened.map_err(read_error(path))?,
        };
        let meta = file.metadata().map_err(read_error(path))?;
        check_owner(&meta, path)?;
        if !meta.is_file() {
            return Err(ConfigError::NotRegular {
                path: path.display().to_string(),
            });
        }
        Ok(Some(TrustedFile { file, meta }))
    }

    /// The file's text.
    pub fn text(mut self, path: &Path) -> Result<String, ConfigError> {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut self.file, &mut text).map_err(|source| {
            ConfigError::Read {
                path: path.display().to_string(),
                source,
            }
        })?;
        Ok(text)
    }
}

/// The text of the configuration at `path`, checked as opened (see
/// [`TrustedFile`]); a missing file is an empty configuration.
pub fn read_trusted(path: &Path) -> Result<String, ConfigError> {
    match TrustedFile::open(path)? {
        Some(file) => file.text(path),
        None => Ok(String::new()),
    }
}

/// The line of `text` on which the key `key` is set (the first such line;
/// 1 when none is found, as for a table written inline).
/// The line and the sentence for the commonest slip in a hand-written
/// file, brackets miscounted: `[credential]` for an entry, or
/// `[[settings]]`. The parser itself only says a map is not a sequence.
fn bracket_slip(text: &str) -> Option<(usize, String)> {
    let squeeze = |l: &str| l.split_whitespace().collect::<String>();
    text.lines().enumerate().find_map(|(i, l)| {
        let message = match squeeze(l.split('#').next().unwrap_or_default()).as_str() {
            "[credential]" => "`[credential]` has single brackets; each entry is a `[[credential]]` table, with double brackets",
            "[[settings]]" => "`[[settings]]` has double brackets; the settings are one `[settings]` table, with single brackets",
            _ => return None,
        };
        Some((i + 1, message.to_owned()))
    })
}

fn line_of_key(text: &str, key: &str) -> usize {
    text.lines()
        .position(|line| {
            line.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or(1, |i| i + 1)
}

impl Config {
    /// Loads the file at `path` (missing: empty) and adds the CI entries
    /// that the variables in `env` describe.
    pub fn load(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let text = read_trusted(path)?;
        let mut config = Config::parse(&text, path)?;
        config.add_ci_entries(env)?;
        Ok(config)
    }

    /// Adds the entries that the CI variables in `env` describe, after the
    /// file's (a file entry of the same name wins).
    pub fn add_ci_entries(
        &mut self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        let (ci, problems) = ci::entries(env, &self.settings)?;
        self.ci_problems = problems;
        let names: HashSet<&str> = self.entries.iter().map(|e| e.name.as_str()).collect();
        let ci: Vec<Entry> = ci
            .into_iter()
            .filter(|e| !names.contains(e.name.as_str()))
            .collect();
        self.entries.extend(ci);
        Ok(())
    }

    /// Reads configuration text as written: the plain form with the quick
    /// reader, anything else (and every error) with the `toml` crate.
    pub fn tables<'t>(text: &'t str, path: &Path) -> Result<FileTables<'t>, ConfigError> {
        if let Some(tables) = quick::read(text) {
            return Ok(tables);
        }
        toml::from_str::<FileTables<'static>>(text).map_err(|e| {
            let (line, message) = bracket_slip(text).unwrap_or_else(|| {
                let line = e
                    .span()
                    .map_or(1, |s| crate::fsutil::line_of(text, s.start));
                (line, e.message().trim_end_matches('\n').replace('\n', "; "))
            });
            ConfigError::Syntax {
                path: path.display().to_string(),
                line,
                message,
            }
        })
    }

    /// Parses and validates configuration text (without CI entries).
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let shown = path.display().to_string();
        let tables = Config::tables(text, path)?;
        let settings =
            validate::settings(&tables.settings).map_err(|source| ConfigError::Settings {
                path: shown.clone(),
                line: line_of_key(text, source.field()),
                source,
            })?;
        let mut entries = Vec::with_capacity(tables.credential.len());
        let mut seen = HashSet::new();
        for (i, table) in tables.credential.into_iter().enumerate() {
            let location = if table.name.is_empty() {
                format!("credential #{}", i + 1)
            } else {
                format!("credential '{}'", table.name)
            };
            let entry = validate(table, &settings, DefinedIn::File).map_err(|source| {
                ConfigError::Entry {
                    path: shown.clone(),
                    location,
                    source,
                }
            })?;
            if !seen.insert(entry.name.clone()) {
                return Err(ConfigError::Duplicate {
                    path: shown,
                    name: entry.name,
                });
            }
            entries.push(entry);
        }
        Ok(Config {
            settings,
            entries,
            ci_problems: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(text, Path::new("config.toml")).map_err(|e| e.to_string())
    }

    fn entry(body: &str) -> Result<Entry, String> {
        parse(&format!("[[credential]]\nname = \"e\"\n{body}"))
            .map(|c| c.entries.into_iter().next().unwrap())
    }

    #[test]
    fn a_full_file_loads() {
        let c = parse(
            r#"
[settings]
store = "file"
insecure_http_hosts = ["Localhost"]
expiry_warning_days = 7

[[credential]]
name = "acme"
kind = "api-token"
url = "https://bitbucket.org/acme/"
username = "jdoe"
email = "jdoe@example.com"
expires = "2027-06-01"
secret = "keyring"

[[credential]]
name = "acme-proj"
kind = "access-token"
scope = "project"
url = "https://bitbucket.org/acme/"
repos = ["acme/API", "acme/web"]
secret = "env:ACME_PROJECT_TOKEN"

[[credential]]
name = "dc"
kind = "http-token"
scope = "project"
url = "https://git.example.com:8443/bitbucket/scm/PROJ/"
secret = "command:pass show dc"
"#,
        )
        .unwrap();
        assert_eq!(c.settings.store, Some(Store::File));
        assert_eq!(c.settings.insecure_http_hosts, vec!["localhost"]);
        assert_eq!(c.entries.len(), 3);
        assert_eq!(c.entries[0].prefix(), ["acme"]);
        assert_eq!(c.entries[1].repos, vec!["acme/api", "acme/web"]);
        assert_eq!(c.entries[2].prefix(), ["bitbucket", "scm", "proj"]);
        assert_eq!(c.entries[2].remote.origin.port, 8443);
    }

    #[test]
    fn errors_name_the_entry_and_the_field() {
        let cases = [
            ("kind = \"api-token\"\nurl = \"https://bitbucket.org/\"\nsecret = \"file\"\ncolour = \"red\"", "line 6: unknown field `colour`"),
            ("kind = \"api-token\"\nurl = \"https://bitbucket.org/\"", "credential 'e': field `secret`: is missing"),
            ("kind = \"token\"\nurl = \"https://bitbucket.org/\"\nsecret = \"file\"", "field `kind`: kind \"token\" is not one of"),
            ("kind = \"access-token\"\nscope = \"team\"\nurl = \"https://bitbucket.org/a/b\"\nsecret = \"file\"", "field `scope`: scope \"team\""),
            ("kind = \"access-token\"\nscope = \"repository\"\nurl = \"https://bitbucket.org/acme/\"\nsecret = \"file\"", "field `url`: a repository access token needs"),
            ("kind = \"access-token\"\nscope = \"project\"\nurl = \"https://bitbucket.org/acme/\"\nsecret = \"file\"", "field `repos`: a project access token needs"),
            ("kind = \"access-token\"\nscope = \"project\"\nurl = \"https://bitbucket.org/acme/\"\nrepos = [\"other/x\"]\nsecret = \"file\"", "field `repos`: \"other/x\" lies outside"),
            ("kind = \"access-token\"\nscope = \"project\"\nurl = \"https://bitbucket.org/acme/\"\nrepos = [\"acme\"]\nsecret = \"file\"", "is not of the form"),
            ("kind = \"http-token\"\nscope = \"project\"\nurl = \"https://git.example.com/\"\nsecret = \"file\"", "field `url`: a project token needs"),
            ("kind = \"http-token\"\nscope = \"repository\"\nurl = \"https://git.example.com/scm/P/\"\nsecret = \"file\"", "field `url`: a repository token needs"),
            ("kind = \"http-token\"\nscope = \"user\"\nurl = \"https://git.example.com/\"\nsecret = \"file\"", "field `username`: an http-token (user) needs"),
            ("kind = \"app-password\"\nurl = \"https://bitbucket.org/\"\nsecret = \"file\"", "field `username`"),
            ("kind = \"access-token\"\nscope = \"workspace\"\nurl = \"https://bitbucket.org/acme\"\nusername = \"me\"\nsecret = \"file\"", "field `username`: an access-token (workspace) always sends"),
            ("kind = \"api-token\"\nurl = \"https://bitbucket.org/\"\nusername = \"j@example.com\"\nsecret = \"file\"", "field `username`: git refuses the email"),
            ("kind = \"api-token\"\nurl = \"http://bitbucket.org/\"\nsecret = \"file\"", "field `url`: \"http://bitbucket.org/\" uses plain http"),
            ("kind = \"api-token\"\nurl = \"https://me@bitbucket.org/\"\nsecret = \"file\"", "must not hold a username"),
            ("kind = \"api-token\"\nurl = \"ssh://bitbucket.org/\"\nsecret = \"file\"", "only https"),
            ("kind = \"api-token\"\nurl = \"bitbucket.org\"\nsecret = \"file\"", "is not a URL"),
            ("kind = \"api-token\"\nurl = \"https://bitbucket.org/\"\nexpires = \"next year\"\nsecret = \"file\"", "field `expires`"),
            ("kind = \"api-token\"\nurl = \"https://bitbucket.org/\"\nsecret = \"vault\"", "field `secret`"),
            ("kind = \"api-token\"\nurl = \"https://bitbucket.org/\"\nemail = \"nope\"\nsecret = \"file\"", "field `email`: is not an email"),
        ];
        for (body, want) in cases {
            let err = entry(body).unwrap_err();
            assert!(err.contains(want), "{body}\n got: {err}\nwant: {want}");
        }
        let dup = "[[credential]]\nname = \"a\"\nkind = \"api-token\"\nurl = \"https://bitbucket.org/\"\nsecret = \"file\"\n";
        let err = parse(&format!("{dup}{dup}")).unwrap_err();
        assert!(
            err.contains("credential 'a': another entry has the same name"),
            "{err}"
        );
        let err = parse("[settings]\nstore = \"cloud\"\n").unwrap_err();
        assert!(err.contains("[settings]: field `store`"), "{err}");
        let err = parse("[[credential]\n").unwrap_err();
        assert!(err.starts_with("config.toml, line 1:"), "{err}");
    }

    #[test]
    fn http_is_allowed_for_listed_hosts_only() {
        let c = parse("[settings]\ninsecure_http_hosts = [\"localhost:7990\"]\n[[credential]]\nname = \"l\"\nkind = \"http-token\"\nscope = \"user\"\nusername = \"u\"\nurl = \"http://localhost:7990/\"\nsecret = \"file\"\n");
        assert!(c.is_ok(), "{c:?}");
        let c = parse("[settings]\ninsecure_http_hosts = [\"localhost:7990\"]\n[[credential]]\nname = \"l\"\nkind = \"http-token\"\nscope = \"user\"\nusername = \"u\"\nurl = \"http://localhost:8080/\"\nsecret = \"file\"\n");
        assert!(c.is_err());
    }

    #[test]
    fn ci_variables_become_entries_of_lowest_priority() {
        let vars = |name: &str| -> Option<String> {
            match name {
                "BITBUCKET_API_TOKEN" => Some("ATATT-x".into()),
                "BITBUCKET_EMAIL" => Some("ci@example.com".into()),
                "BITBUCKET_ACCESS_TOKEN" => Some("ATCTT-x".into()),
                "BITBUCKET_HTTP_TOKEN" => Some("BBDC-x".into()),
                "BITBUCKET_SERVER_URL" => Some("https://git.example.com/bitbucket".into()),
                _ => None,
            }
        };
        let dir = tempfile::tempdir().unwrap();
        let c = Config::load(&dir.path().join("missing.toml"), &vars).unwrap();
        let summary: Vec<(String, String, Vec<String>)> = c
            .entries
            .iter()
            .map(|e| (e.name.clone(), e.kind.to_string(), e.prefix().to_vec()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("BITBUCKET_API_TOKEN".into(), "api-token".into(), vec![]),
                (
                    "BITBUCKET_ACCESS_TOKEN".into(),
                    "access-token (workspace)".into(),
                    vec![]
                ),
                (
                    "BITBUCKET_HTTP_TOKEN".into(),
                    "http-token (project)".into(),
                    vec!["bitbucket".to_string()]
                ),
            ]
        );
        assert!(c
            .entries
            .iter()
            .all(|e| e.defined_in == DefinedIn::Environment));
        assert_eq!(c.entries[0].email.as_deref(), Some("ci@example.com"));
        let bad = |name: &str| -> Option<String> {
            match name {
                "BITBUCKET_HTTP_TOKEN" => Some("BBDC-x".into()),
                "BITBUCKET_SERVER_URL" => Some("http://git.example.com".into()),
                _ => None,
            }
        };
        let err = Config::load(&dir.path().join("missing.toml"), &bad)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("BITBUCKET_SERVER_URL") && err.contains("plain http"),
            "{err}"
        );
    }
}
