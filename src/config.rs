//! The configuration file (TOML): settings and the user's credential
//! entries, plus the entries that CI variables stand for. The file holds no
//! secret; each entry says where its secret lives.
//!
//! Words: a `[[credential]]` table is what the user wrote
//! ([`CredentialTable`]); an [`Entry`] is one that passed [`validate`].
//! An entry's `url` is its *prefix* (scheme, host, port, path segments);
//! its *scope* is the token's own (`scope = "project"`), see [`Kind`].

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::calendar::Date;
use crate::config_reader::{QuickSettings, TableText};
use crate::credential::{AccessScope, HttpScope, Kind, KindError};
use crate::remote::{self, Remote, UrlError, CLOUD_API_HOST, CLOUD_HOST};
use crate::store::{SecretSource, SourceError, Store};

/// The variable that overrides the configuration file's path.
pub const CONFIG_ENV: &str = "GIT_CREDENTIAL_BITBUCKET_CONFIG";

/// `[settings]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `store`: where `add` and `store` put new secrets; `None` is `auto`,
    /// the keyring when it answers, else the file store.
    pub store: Option<Store>,
    /// `insecure_http_hosts`, lower case; `host` or `host:port`.
    pub insecure_http_hosts: Vec<String>,
    /// `expiry_warning_days`.
    pub expiry_warning_days: u32,
    /// `command_timeout_seconds`: how long a `command:` source may run.
    pub command_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            store: None,
            insecure_http_hosts: Vec::new(),
            expiry_warning_days: 14,
            command_timeout: Duration::from_secs(10),
        }
    }
}

impl Settings {
    /// Whether a credential must not go to `origin`: plain http to a host
    /// (or `host:port`) not listed in `insecure_http_hosts`.
    pub fn refuses_plain_http(&self, origin: &remote::Origin) -> bool {
        if origin.scheme != "http" {
            return false;
        }
        let with_port = format!("{}:{}", origin.host, origin.port);
        !self
            .insecure_http_hosts
            .iter()
            .any(|h| *h == origin.host || *h == with_port)
    }
}

/// Where an entry was defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefinedIn {
    /// The configuration file.
    File,
    /// CI variables (`BITBUCKET_*`): lowest priority.
    Environment,
}

/// One credential the user configured, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `name`: unique, the key of the secret in its store.
    pub name: String,
    /// `kind` and `scope`.
    pub kind: Kind,
    /// `url` as written.
    pub url: String,
    /// `url`, classified like a request.
    pub remote: Remote,
    /// `username`.
    pub username: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// `repos`: `workspace/repo`, lower case.
    pub repos: Vec<String>,
    /// `expires`.
    pub expires: Option<Date>,
    /// `secret`.
    pub secret: SecretSource,
    /// `auth = "bearer"`: a Data Center token that must go as Bearer.
    pub bearer_only: bool,
    /// File or environment.
    pub defined_in: DefinedIn,
}

impl Entry {
    /// The table as it would be written in the file.
    pub fn to_table(&self) -> CredentialTable {
        let Entry {
            name,
            kind,
            url,
            remote: _,
            username,
            email,
            repos,
            expires,
            secret,
            bearer_only,
            defined_in: _,
        } = self;
        CredentialTable {
            name: name.clone(),
            kind: kind.name().to_owned(),
            url: url.clone(),
            username: username.clone(),
            email: email.clone(),
            scope: kind.scope_name().map(str::to_owned),
            repos: (!repos.is_empty()).then(|| repos.clone()),
            expires: expires.map(|d| d.to_string()),
            secret: Some(secret.to_string()),
            auth: bearer_only.then(|| "bearer".to_owned()),
        }
    }

    /// The path segments of the entry's url: the prefix a remote's must
    /// start with.
    pub fn prefix(&self) -> &[String] {
        self.remote.segments.as_deref().unwrap_or(&[])
    }
}

/// The loaded configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// `[settings]`.
    pub settings: Settings,
    /// `[[credential]]` entries in file order, then the CI entries.
    pub entries: Vec<Entry>,
    /// What is wrong with the CI variables that could not make an entry:
    /// one sentence each.
    pub ci_problems: Vec<String>,
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
    #[error("{path}: [settings]: {source}")]
    Settings {
        /// The file.
        path: String,
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
    #[error("the environment: {variable}: {problem}")]
    Environment {
        /// The variable.
        variable: String,
        /// What is wrong with it.
        problem: Problem,
    },
    /// No configuration directory could be found.
    #[error("no configuration directory was found; set {CONFIG_ENV} or HOME")]
    NoConfigDir,
    /// `GIT_CREDENTIAL_BITBUCKET_CONFIG` names a relative path.
    #[error("{CONFIG_ENV} is the relative path {0:?}; git runs helpers in each repository's directory, so give an absolute path")]
    Relative(String),
    /// The file, or its directory, can be changed by other users.
    #[error("{path} can be changed by other users (mode {mode:o}), so it is not used; run `chmod go-w {path}`")]
    Writable {
        /// The file or directory.
        path: String,
        /// Its permission bits.
        mode: u32,
    },
    /// The file, or its directory, belongs to another user.
    #[error("{path} belongs to another user, so it is not used")]
    Foreign {
        /// The file or directory.
        path: String,
    },
}

/// What is wrong in `[settings]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// `store` is not a known store.
    #[error("field `store`: {0:?} is not one of auto, keyring, file")]
    Store(String),
    /// `command_timeout_seconds = 0`.
    #[error("field `command_timeout_seconds` must be at least 1")]
    ZeroTimeout,
}

/// A field of a `[[credential]]` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `name`.
    Name,
    /// `kind`.
    Kind,
    /// `scope`.
    Scope,
    /// `url`.
    Url,
    /// `username`.
    Username,
    /// `email`.
    Email,
    /// `repos`.
    Repos,
    /// `expires`.
    Expires,
    /// `secret`.
    Secret,
    /// `auth`.
    Auth,
}

impl Field {
    /// The field's name in the file.
    pub fn name(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Kind => "kind",
            Field::Scope => "scope",
            Field::Url => "url",
            Field::Username => "username",
            Field::Email => "email",
            Field::Repos => "repos",
            Field::Expires => "expires",
            Field::Secret => "secret",
            Field::Auth => "auth",
        }
    }
}

/// Why a `[[credential]]` table is not a valid entry: the field, and what
/// is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{}`: {problem}", field.name())]
pub struct EntryError {
    /// The field at fault.
    pub field: Field,
    /// What is wrong with it.
    pub problem: Problem,
}

/// What is wrong with a field of a `[[credential]]` table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// `name = ""`.
    #[error("must not be empty")]
    EmptyName,
    /// A name with characters that cannot be a key in every store.
    #[error("must start with a letter or digit and hold only letters, digits and . _ - @ +")]
    BadName,
    /// `kind` or `scope`.
    #[error(transparent)]
    Kind(#[from] KindError),
    /// A url that cannot be read.
    #[error("{url:?} {error}")]
    Url {
        /// The url.
        url: String,
        /// Why.
        error: UrlError,
    },
    /// A scheme other than https or http.
    #[error("{0:?}: only https (and http for hosts in insecure_http_hosts) is supported")]
    Scheme(String),
    /// `https://user@host/`.
    #[error("{0:?} must not hold a username or password; use the `username` field")]
    UserInUrl(String),
    /// `?` or `#` in the url.
    #[error("{0:?} must not hold a query or fragment")]
    QueryInUrl(String),
    /// Plain http to a host that is not listed.
    #[error("{0:?} uses plain http, which is allowed only for hosts listed in settings.insecure_http_hosts")]
    PlainHttp(String),
    /// A Cloud repository token for a url that names no repository.
    #[error("a repository access token needs the repository's URL, https://bitbucket.org/WORKSPACE/REPO")]
    CloudRepositoryUrl,
    /// A Cloud workspace token for a url that names no workspace.
    #[error(
        "a workspace access token needs the workspace's URL, https://bitbucket.org/WORKSPACE/"
    )]
    CloudWorkspaceUrl,
    /// A Cloud project token without `repos`.
    #[error("a project access token needs the list of the project's repositories, repos = [\"WORKSPACE/REPO\", ...]")]
    ProjectRepos,
    /// A Data Center project token for a url that names no project.
    #[error("a project token needs the project's URL, https://HOST[/CONTEXT]/scm/PROJECT/")]
    DataCenterProjectUrl,
    /// A Data Center repository token for a url that names no repository.
    #[error("a repository token needs the repository's URL, https://HOST[/CONTEXT]/scm/PROJECT/REPO.git")]
    DataCenterRepositoryUrl,
    /// `username` for a kind that sends a fixed one.
    #[error("{} always sends its own fixed username; remove this field", .0.with_article())]
    FixedUsername(Kind),
    /// No `username` for a kind that needs the user's.
    #[error("{} needs the Bitbucket username", .0.with_article())]
    NeedsUsername(Kind),
    /// An empty username, or one with control characters.
    #[error("must be a non-empty name")]
    BadUsername,
    /// An email as an API token's git username.
    #[error("git refuses the email with an API token; give the Bitbucket username here and the email in `email`")]
    EmailAsUsername,
    /// `email` for a kind other than an API token.
    #[error("only API tokens use an email; remove this field")]
    EmailNotUsed,
    /// Not an email address.
    #[error("is not an email address")]
    BadEmail,
    /// `repos` for a kind other than a Cloud project token.
    #[error("only Cloud project access tokens take a list of repositories")]
    ReposNotUsed,
    /// A `repos` item that is not `WORKSPACE/REPO`.
    #[error("{0:?} is not of the form \"WORKSPACE/REPO\"")]
    BadRepo(String),
    /// A `repos` item outside the url.
    #[error("{repo:?} lies outside the entry's url {url}")]
    RepoOutside {
        /// The item.
        repo: String,
        /// The url.
        url: String,
    },
    /// `expires` that is not a date.
    #[error("{0:?} is not a date of the form YYYY-MM-DD")]
    BadDate(String),
    /// No `secret`.
    #[error("is missing; say where the secret lives: \"keyring\", \"file\", \"env:VAR\" or \"command:PROGRAM ARGS\"")]
    NoSecret,
    /// A `secret` that is not a source.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// `auth` other than `"bearer"`/`"basic"`, or for a kind without a
    /// choice.
    #[error("{0}")]
    Auth(&'static str),
}

impl Problem {
    fn at(self, field: Field) -> EntryError {
        EntryError {
            field,
            problem: self,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    settings: RawSettings,
    #[serde(default)]
    credential: Vec<CredentialTable>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    store: Option<String>,
    insecure_http_hosts: Option<Vec<String>>,
    expiry_warning_days: Option<u32>,
    command_timeout_seconds: Option<u64>,
}

/// A `[[credential]]` table as written in the file, before validation.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialTable {
    /// `name`.
    pub name: String,
    /// `kind`.
    pub kind: String,
    /// `url`.
    pub url: String,
    /// `username`.
    pub username: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// `scope`.
    pub scope: Option<String>,
    /// `repos`.
    pub repos: Option<Vec<String>>,
    /// `expires`.
    pub expires: Option<String>,
    /// `secret`.
    pub secret: Option<String>,
    /// `auth`: `"bearer"` for a Data Center token that must go as Bearer.
    pub auth: Option<String>,
}

/// The configuration file's path: `$GIT_CREDENTIAL_BITBUCKET_CONFIG`, else
/// `<config dir>/git-credential-bitbucket/config.toml`.
pub fn default_path() -> Result<PathBuf, ConfigError> {
    match std::env::var_os(CONFIG_ENV) {
        Some(p) if !p.is_empty() => {
            let path = PathBuf::from(p);
            if path.is_relative() {
                return Err(ConfigError::Relative(path.display().to_string()));
            }
            Ok(path)
        }
        _ => dirs::config_dir()
            .map(|d| d.join("git-credential-bitbucket").join("config.toml"))
            .ok_or(ConfigError::NoConfigDir),
    }
}

/// The directory of the file store that belongs to the configuration at
/// `config_path`: the same directory.
pub fn store_dir(config_path: &Path) -> PathBuf {
    match config_path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The state file that belongs to the configuration at `config_path`:
/// `state.toml` in the same directory.
pub fn state_path(config_path: &Path) -> PathBuf {
    config_path.with_file_name("state.toml")
}

/// Refuses a configuration that someone else could have written, as ssh
/// refuses such a `~/.ssh/config`: the file and its directory must belong
/// to the user (or root) and be writable by nobody else. A missing file is
/// fine.
pub fn check_trusted(path: &Path) -> Result<(), ConfigError> {
    let dir = store_dir(path);
    for (p, meta) in [
        (path, std::fs::metadata(path)),
        (dir.as_path(), std::fs::metadata(&dir)),
    ] {
        let Ok(meta) = meta else {
            continue;
        };
        let shown = p.display().to_string();
        if !crate::fsutil::owned_by_user_or_root(&meta) {
            return Err(ConfigError::Foreign { path: shown });
        }
        if let Some(mode) = crate::fsutil::writable_by_others(&meta) {
            return Err(ConfigError::Writable { path: shown, mode });
        }
    }
    Ok(())
}

impl Config {
    /// Loads the file at `path` (missing: empty) and adds the CI entries
    /// that the variables in `env` describe.
    pub fn load(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        check_trusted(path)?;
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                })
            }
        };
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
        let (ci, problems) = ci_entries(env, &self.settings)?;
        self.ci_problems = problems;
        let names: HashSet<&str> = self.entries.iter().map(|e| e.name.as_str()).collect();
        let ci: Vec<Entry> = ci
            .into_iter()
            .filter(|e| !names.contains(e.name.as_str()))
            .collect();
        self.entries.extend(ci);
        Ok(())
    }

    /// Parses and validates configuration text (without CI entries).
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let shown = path.display().to_string();
        // The plain form is read quickly; anything else, and every error,
        // by the toml crate.
        let raw: RawConfig = match crate::config_reader::read(text) {
            Some(quick) => RawConfig {
                settings: RawSettings::from(quick.settings),
                credential: quick.credentials,
            },
            None => toml::from_str(text).map_err(|e| ConfigError::Syntax {
                path: shown.clone(),
                line: e
                    .span()
                    .map_or(1, |s| crate::fsutil::line_of(text, s.start)),
                message: e.message().trim_end_matches('\n').replace('\n', "; "),
            })?,
        };
        let settings = settings(raw.settings).map_err(|source| ConfigError::Settings {
            path: shown.clone(),
            source,
        })?;
        let mut entries = Vec::with_capacity(raw.credential.len());
        let mut seen = HashSet::new();
        for (i, table) in raw.credential.into_iter().enumerate() {
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

impl From<QuickSettings> for RawSettings {
    fn from(quick: QuickSettings) -> RawSettings {
        let QuickSettings {
            store,
            insecure_http_hosts,
            expiry_warning_days,
            command_timeout_seconds,
        } = quick;
        RawSettings {
            store,
            insecure_http_hosts,
            expiry_warning_days,
            command_timeout_seconds,
        }
    }
}

/// The settings that `[settings]`, as the quick reader read it, makes.
pub fn quick_settings(quick: QuickSettings) -> Result<Settings, SettingsError> {
    settings(RawSettings::from(quick))
}

fn settings(raw: RawSettings) -> Result<Settings, SettingsError> {
    let mut s = Settings::default();
    if let Some(store) = raw.store {
        s.store = match store.as_str() {
            "auto" => None,
            other => Some(other.parse().map_err(|()| SettingsError::Store(store))?),
        };
    }
    if let Some(hosts) = raw.insecure_http_hosts {
        s.insecure_http_hosts = hosts.iter().map(|h| h.to_lowercase()).collect();
    }
    if let Some(days) = raw.expiry_warning_days {
        s.expiry_warning_days = days;
    }
    if let Some(secs) = raw.command_timeout_seconds {
        if secs == 0 {
            return Err(SettingsError::ZeroTimeout);
        }
        s.command_timeout = Duration::from_secs(secs);
    }
    Ok(s)
}

/// Checks one `[[credential]]` table and turns it into an [`Entry`].
pub fn validate(
    table: CredentialTable,
    settings: &Settings,
    defined_in: DefinedIn,
) -> Result<Entry, EntryError> {
    validate_text(TableText::owning(table), settings, defined_in)
}

/// [`validate`] of a table whose strings may be borrowed from the file's
/// text: only what the entry keeps is copied.
pub fn validate_text(
    table: TableText<'_>,
    settings: &Settings,
    defined_in: DefinedIn,
) -> Result<Entry, EntryError> {
    let TableText {
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
    if name.is_empty() {
        return Err(Problem::EmptyName.at(Field::Name));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@+".contains(c))
    {
        return Err(Problem::BadName.at(Field::Name));
    }
    let kind = Kind::from_fields(&kind, scope.as_deref()).map_err(|e| {
        let field = if scope.is_some() && !matches!(e, KindError::Unknown(_)) {
            Field::Scope
        } else {
            Field::Kind
        };
        Problem::Kind(e).at(field)
    })?;
    let remote = entry_remote(&url, settings).map_err(|p| p.at(Field::Url))?;
    let cloud = remote.origin.host == CLOUD_HOST || remote.origin.host == CLOUD_API_HOST;
    let depth = remote.segments.as_deref().map_or(0, <[String]>::len);
    let scm = remote.data_center_scm();
    match kind {
        Kind::AccessToken(AccessScope::Repository) if cloud && depth < 2 => {
            return Err(Problem::CloudRepositoryUrl.at(Field::Url));
        }
        Kind::AccessToken(AccessScope::Workspace) if cloud && depth < 1 => {
            return Err(Problem::CloudWorkspaceUrl.at(Field::Url));
        }
        Kind::AccessToken(AccessScope::Project) if repos.as_ref().is_none_or(Vec::is_empty) => {
            return Err(Problem::ProjectRepos.at(Field::Repos));
        }
        Kind::HttpToken(HttpScope::Project) if scm.is_none_or(|p| p.owner.is_none()) => {
            return Err(Problem::DataCenterProjectUrl.at(Field::Url));
        }
        Kind::HttpToken(HttpScope::Repository) if scm.is_none_or(|p| p.repo.is_none()) => {
            return Err(Problem::DataCenterRepositoryUrl.at(Field::Url));
        }
        _ => {}
    }
    check_username(kind, username.as_deref())?;
    check_email(kind, email.as_deref())?;
    let mut repo_list = Vec::new();
    if let Some(list) = repos {
        if kind != Kind::AccessToken(AccessScope::Project) {
            return Err(Problem::ReposNotUsed.at(Field::Repos));
        }
        let prefix = remote.segments.clone().unwrap_or_default();
        for r in list {
            let segs: Vec<String> = r.split('/').map(str::to_lowercase).collect();
            if segs.len() != 2 || segs.iter().any(|s| s.is_empty() || s == "." || s == "..") {
                return Err(Problem::BadRepo(r.into_owned()).at(Field::Repos));
            }
            if !segs.starts_with(&prefix) && !prefix.starts_with(&segs) {
                return Err(Problem::RepoOutside {
                    repo: r.into_owned(),
                    url: url.into_owned(),
                }
                .at(Field::Repos));
            }
            repo_list.push(segs.join("/"));
        }
    }
    let expires = match expires {
        None => None,
        Some(text) => Some(
            Date::parse(&text)
                .ok_or_else(|| Problem::BadDate(text.into_owned()).at(Field::Expires))?,
        ),
    };
    let bearer_only =
        match (auth.as_deref(), kind) {
            (None, _) => false,
            (Some("bearer"), Kind::HttpToken(_)) => true,
            (Some("basic"), Kind::HttpToken(HttpScope::User)) => false,
            (Some("basic"), Kind::HttpToken(_)) => return Err(Problem::Auth(
                "Data Center project and repository tokens go as Bearer; only \"bearer\" fits them",
            )
            .at(Field::Auth)),
            (Some("bearer" | "basic"), _) => {
                return Err(Problem::Auth(
                    "only Data Center HTTP tokens take `auth`; remove this field",
                )
                .at(Field::Auth))
            }
            (Some(_), _) => {
                return Err(Problem::Auth("is not one of \"bearer\", \"basic\"").at(Field::Auth))
            }
        };
    let secret = match secret {
        None => return Err(Problem::NoSecret.at(Field::Secret)),
        Some(text) => {
            SecretSource::parse(&text).map_err(|e| Problem::Source(e).at(Field::Secret))?
        }
    };
    Ok(Entry {
        name: name.into_owned(),
        kind,
        url: url.into_owned(),
        remote,
        username: username.map(Cow::into_owned),
        email: email.map(Cow::into_owned),
        repos: repo_list,
        expires,
        secret,
        bearer_only,
        defined_in,
    })
}

/// The rules for `username`, for entries of the file and of CI variables.
fn check_username(kind: Kind, username: Option<&str>) -> Result<(), EntryError> {
    if username.is_some() && !kind.takes_username() {
        return Err(Problem::FixedUsername(kind).at(Field::Username));
    }
    if username.is_none() && matches!(kind, Kind::AppPassword | Kind::HttpToken(HttpScope::User)) {
        return Err(Problem::NeedsUsername(kind).at(Field::Username));
    }
    if let Some(u) = username {
        if u.is_empty() || u.chars().any(char::is_control) {
            return Err(Problem::BadUsername.at(Field::Username));
        }
        if kind == Kind::ApiToken && u.contains('@') {
            return Err(Problem::EmailAsUsername.at(Field::Username));
        }
    }
    Ok(())
}

/// The rules for `email`, for entries of the file and of CI variables.
fn check_email(kind: Kind, email: Option<&str>) -> Result<(), EntryError> {
    if let Some(e) = email {
        if kind != Kind::ApiToken {
            return Err(Problem::EmailNotUsed.at(Field::Email));
        }
        if !e.contains('@') || e.chars().any(char::is_control) {
            return Err(Problem::BadEmail.at(Field::Email));
        }
    }
    Ok(())
}

fn entry_remote(url: &str, settings: &Settings) -> Result<Remote, Problem> {
    let url_problem = |error| Problem::Url {
        url: url.to_owned(),
        error,
    };
    let (remote, username) = match Remote::from_url(url) {
        Ok(r) => r,
        Err(UrlError::Password) => return Err(Problem::UserInUrl(url.to_owned())),
        Err(error) => return Err(url_problem(error)),
    };
    if remote.origin.scheme != "https" && remote.origin.scheme != "http" {
        return Err(Problem::Scheme(url.to_owned()));
    }
    if username.is_some() {
        return Err(Problem::UserInUrl(url.to_owned()));
    }
    if url.contains(['?', '#']) {
        return Err(Problem::QueryInUrl(url.to_owned()));
    }
    if settings.refuses_plain_http(&remote.origin) {
        return Err(Problem::PlainHttp(url.to_owned()));
    }
    Ok(remote)
}

/// The entries that CI variables describe (SPEC §5). Their reach is the
/// whole site (and, for Cloud, the API): the variables name no narrower one.
fn ci_entries(
    env: &dyn Fn(&str) -> Option<String>,
    settings: &Settings,
) -> Result<(Vec<Entry>, Vec<String>), ConfigError> {
    let get = |name: &str| env(name).filter(|v| !v.is_empty());
    let mut problems = Vec::new();
    // A token whose prefix names another kind than its variable would be
    // sent in the wrong form: it is not used, and said so.
    let misplaced = |var: &str, wanted: &str| {
        let kind = crate::credential::kind_of_prefix(get(var)?.trim())?;
        if kind == wanted {
            return None;
        }
        let right = match kind {
            "api-token" => "put it in BITBUCKET_API_TOKEN".to_owned(),
            "access-token" => "put it in BITBUCKET_ACCESS_TOKEN".to_owned(),
            "http-token" => "put it in BITBUCKET_HTTP_TOKEN, with BITBUCKET_SERVER_URL".to_owned(),
            _ => "Bitbucket removed app passwords; create an API token".to_owned(),
        };
        Some(format!(
            "{var} holds {} (by its prefix), not {}, so it is not used; {right}",
            with_article(kind),
            with_article(wanted)
        ))
    };
    let mut usable = |var: &str, wanted: &str| match misplaced(var, wanted) {
        Some(problem) => {
            problems.push(problem);
            false
        }
        None => get(var).is_some(),
    };
    let api = usable("BITBUCKET_API_TOKEN", "api-token");
    let access = usable("BITBUCKET_ACCESS_TOKEN", "access-token");
    let http = usable("BITBUCKET_HTTP_TOKEN", "http-token");
    let cloud = format!("https://{CLOUD_HOST}/");
    let mut out = Vec::new();
    let mut add =
        |var: &str, kind: Kind, url: &str, username: Option<String>, email: Option<String>| {
            let remote =
                entry_remote(url, settings).map_err(|problem| ConfigError::Environment {
                    variable: if url == cloud {
                        var.to_owned()
                    } else {
                        "BITBUCKET_SERVER_URL".to_owned()
                    },
                    problem,
                })?;
            // The variables' values pass the same checks as the file's.
            check_username(kind, username.as_deref())
                .and_then(|()| check_email(kind, email.as_deref()))
                .map_err(|e| ConfigError::Environment {
                    variable: match e.field {
                        Field::Email => "BITBUCKET_EMAIL",
                        _ => "BITBUCKET_USERNAME",
                    }
                    .to_owned(),
                    problem: e.problem,
                })?;
            out.push(Entry {
                name: var.to_owned(),
                kind,
                url: url.to_owned(),
                remote,
                username,
                email,
                repos: Vec::new(),
                expires: None,
                secret: SecretSource::Env(var.to_owned()),
                bearer_only: false,
                defined_in: DefinedIn::Environment,
            });
            Ok::<(), ConfigError>(())
        };
    if api {
        // An email in BITBUCKET_USERNAME would be refused by git; it is the
        // REST username instead, and git gets the fixed API-token username.
        let (username, email) = match (get("BITBUCKET_USERNAME"), get("BITBUCKET_EMAIL")) {
            (Some(u), e) if u.contains('@') => (None, e.or(Some(u))),
            (u, e) => (u, e),
        };
        add(
            "BITBUCKET_API_TOKEN",
            Kind::ApiToken,
            &cloud,
            username,
            email,
        )?;
    }
    if access {
        add(
            "BITBUCKET_ACCESS_TOKEN",
            Kind::AccessToken(AccessScope::Workspace),
            &cloud,
            None,
            None,
        )?;
    }
    match (http, get("BITBUCKET_SERVER_URL")) {
        (true, Some(server)) => {
            let username = get("BITBUCKET_USERNAME");
            let scope = if username.is_some() {
                HttpScope::User
            } else {
                HttpScope::Project
            };
            add(
                "BITBUCKET_HTTP_TOKEN",
                Kind::HttpToken(scope),
                &server,
                username,
                None,
            )?;
        }
        (true, None) => problems.push(
            "BITBUCKET_HTTP_TOKEN is set without BITBUCKET_SERVER_URL, so it is not used; set BITBUCKET_SERVER_URL to the Data Center server, with its context path".to_owned(),
        ),
        _ => {}
    }
    Ok((out, problems))
}

fn with_article(kind: &str) -> String {
    let words = match kind {
        "api-token" => "an API token (ATATT…)",
        "access-token" => "an access token (ATCTT…)",
        "http-token" => "a Data Center HTTP token (BBDC-…)",
        _ => "an app password (ATBB…)",
    };
    words.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

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
