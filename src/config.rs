//! The configuration file (TOML): settings and the user's credential
//! entries, plus the entries that CI variables stand for. The file holds no
//! secret; each entry says where its secret lives.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::calendar::Date;
use crate::credential::{AccessScope, HttpScope, Kind};
use crate::protocol::UrlParts;
use crate::remote::{Remote, RemoteKind, CLOUD_API_HOST, CLOUD_HOST};
use crate::secret::SecretSource;

/// The variable that overrides the configuration file's path.
pub const CONFIG_ENV: &str = "GIT_CREDENTIAL_BITBUCKET_CONFIG";

/// Where `add` and `store` put new secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreChoice {
    /// The keyring when it answers, else the file store.
    Auto,
    /// The OS keyring.
    Keyring,
    /// The 0600 secrets file.
    File,
}

/// `[settings]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `store`.
    pub store: StoreChoice,
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
            store: StoreChoice::Auto,
            insecure_http_hosts: Vec::new(),
            expiry_warning_days: 14,
            command_timeout: Duration::from_secs(10),
        }
    }
}

impl Settings {
    /// Whether plain http may carry credentials to `host` (`port` included
    /// when the entry names one).
    pub fn allows_http(&self, host: &str, port: u16) -> bool {
        let with_port = format!("{host}:{port}");
        self.insecure_http_hosts
            .iter()
            .any(|h| *h == host || *h == with_port)
    }
}

/// Where an entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The configuration file.
    File,
    /// CI variables (`BITBUCKET_*`): lowest priority.
    Environment,
}

/// One credential the user configured.
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
    /// File or environment.
    pub origin: Origin,
}

impl Entry {
    /// The fields as they would be written in the file.
    pub fn to_raw(&self) -> RawEntry {
        let secret = match &self.secret {
            SecretSource::Keyring => "keyring".to_owned(),
            SecretSource::File => "file".to_owned(),
            SecretSource::Env(v) => format!("env:{v}"),
            SecretSource::Command(words) => format!("command:{}", shell_words::join(words)),
        };
        RawEntry {
            name: self.name.clone(),
            kind: self.kind.name().to_owned(),
            url: self.url.clone(),
            username: self.username.clone(),
            email: self.email.clone(),
            scope: self.kind.scope_name().map(str::to_owned),
            repos: (!self.repos.is_empty()).then(|| self.repos.clone()),
            expires: self.expires.map(|d| d.to_string()),
            secret: Some(secret),
        }
    }

    /// The scope segments of the entry's url.
    pub fn scope(&self) -> &[String] {
        self.remote.scope.as_deref().unwrap_or(&[])
    }
}

/// The loaded configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it came from (whether or not it exists).
    pub path: PathBuf,
    /// `[settings]`.
    pub settings: Settings,
    /// `[[credential]]` entries in file order, then the CI entries.
    pub entries: Vec<Entry>,
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
    /// A field that does not make sense.
    #[error("{path}: {location}: {message}")]
    Invalid {
        /// The file, or the CI variables.
        path: String,
        /// `credential 'acme'` or `[settings]`.
        location: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// No configuration directory could be found.
    #[error("no configuration directory was found; set {CONFIG_ENV} or HOME")]
    NoConfigDir,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    settings: RawSettings,
    #[serde(default)]
    credential: Vec<RawEntry>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    store: Option<String>,
    insecure_http_hosts: Option<Vec<String>>,
    expiry_warning_days: Option<u32>,
    command_timeout_seconds: Option<u64>,
}

/// An entry as written in the file, before validation.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEntry {
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
}

/// The configuration file's path: `$GIT_CREDENTIAL_BITBUCKET_CONFIG`, else
/// `<config dir>/git-credential-bitbucket/config.toml`.
pub fn default_path() -> Result<PathBuf, ConfigError> {
    match std::env::var_os(CONFIG_ENV) {
        Some(p) if !p.is_empty() => Ok(PathBuf::from(p)),
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

impl Config {
    /// Loads the file at `path` (missing: empty) and adds the CI entries
    /// that the variables in `env` describe.
    pub fn load(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
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
        let ci = ci_entries(env, &self.settings)?;
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
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: shown.clone(),
            line: e
                .span()
                .map_or(1, |s| crate::fsutil::line_of(text, s.start)),
            message: e.message().trim_end_matches('\n').replace('\n', "; "),
        })?;
        let invalid = |location: String, message: String| ConfigError::Invalid {
            path: shown.clone(),
            location,
            message,
        };
        let settings = settings(raw.settings).map_err(|m| invalid("[settings]".into(), m))?;
        let mut entries = Vec::with_capacity(raw.credential.len());
        let mut seen = HashSet::new();
        for (i, raw_entry) in raw.credential.into_iter().enumerate() {
            let location = if raw_entry.name.is_empty() {
                format!("credential #{}", i + 1)
            } else {
                format!("credential '{}'", raw_entry.name)
            };
            let entry = validate(raw_entry, &settings, Origin::File)
                .map_err(|m| invalid(location.clone(), m))?;
            if !seen.insert(entry.name.clone()) {
                return Err(invalid(
                    location,
                    "another entry has the same name; names must be unique".into(),
                ));
            }
            entries.push(entry);
        }
        Ok(Config {
            path: path.to_path_buf(),
            settings,
            entries,
        })
    }
}

fn settings(raw: RawSettings) -> Result<Settings, String> {
    let mut s = Settings::default();
    if let Some(store) = raw.store {
        s.store = match store.as_str() {
            "auto" => StoreChoice::Auto,
            "keyring" => StoreChoice::Keyring,
            "file" => StoreChoice::File,
            other => {
                return Err(format!(
                    "field `store`: {other:?} is not one of auto, keyring, file"
                ))
            }
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
            return Err("field `command_timeout_seconds` must be at least 1".into());
        }
        s.command_timeout = Duration::from_secs(secs);
    }
    Ok(s)
}

fn field(name: &str, message: impl std::fmt::Display) -> String {
    format!("field `{name}`: {message}")
}

/// Checks one entry and turns it into an [`Entry`]; the error is a sentence
/// that names the field.
pub fn validate(raw: RawEntry, settings: &Settings, origin: Origin) -> Result<Entry, String> {
    if raw.name.is_empty() {
        return Err(field("name", "must not be empty"));
    }
    if !raw.name.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !raw
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@+".contains(c))
    {
        return Err(field(
            "name",
            "must start with a letter or digit and hold only letters, digits and . _ - @ +",
        ));
    }
    let kind = Kind::from_fields(&raw.kind, raw.scope.as_deref()).map_err(|e| {
        let name = if raw.scope.is_some() && !matches!(e, crate::credential::KindError::Unknown(_))
        {
            "scope"
        } else {
            "kind"
        };
        field(name, e)
    })?;
    let remote = entry_remote(&raw.url, settings).map_err(|m| field("url", m))?;
    let cloud = remote.origin.host == CLOUD_HOST || remote.origin.host == CLOUD_API_HOST;
    let depth = remote.scope.as_deref().map_or(0, <[String]>::len);
    let dc_depth = remote
        .scope
        .as_deref()
        .and_then(|s| s.iter().position(|x| x == "scm").map(|i| s.len() - i - 1))
        .unwrap_or(0);
    match kind {
        Kind::AccessToken(AccessScope::Repository) if cloud && depth < 2 => {
            return Err(field("url", "a repository access token needs the repository's URL, https://bitbucket.org/WORKSPACE/REPO"));
        }
        Kind::AccessToken(AccessScope::Workspace) if cloud && depth < 1 => {
            return Err(field("url", "a workspace access token needs the workspace's URL, https://bitbucket.org/WORKSPACE/"));
        }
        Kind::AccessToken(AccessScope::Project) if raw.repos.as_ref().is_none_or(Vec::is_empty) => {
            return Err(field("repos", "a project access token needs the list of the project's repositories, repos = [\"WORKSPACE/REPO\", ...]"));
        }
        Kind::HttpToken(HttpScope::Project)
            if remote.kind != RemoteKind::DataCenterScm || dc_depth < 1 =>
        {
            return Err(field(
                "url",
                "a project token needs the project's URL, https://HOST[/CONTEXT]/scm/PROJECT/",
            ));
        }
        Kind::HttpToken(HttpScope::Repository)
            if remote.kind != RemoteKind::DataCenterScm || dc_depth < 2 =>
        {
            return Err(field("url", "a repository token needs the repository's URL, https://HOST[/CONTEXT]/scm/PROJECT/REPO.git"));
        }
        _ => {}
    }
    if raw.username.is_some() && !kind.takes_username() {
        return Err(field(
            "username",
            format!("a {kind} always sends its own fixed username; remove this field"),
        ));
    }
    if raw.username.is_none()
        && matches!(kind, Kind::AppPassword | Kind::HttpToken(HttpScope::User))
    {
        return Err(field(
            "username",
            format!("a {kind} needs the Bitbucket username"),
        ));
    }
    if let Some(u) = &raw.username {
        if u.is_empty() || u.chars().any(char::is_control) {
            return Err(field("username", "must be a non-empty name"));
        }
        if kind == Kind::ApiToken && u.contains('@') {
            return Err(field("username", "git refuses the email with an API token; give the Bitbucket username here and the email in `email`"));
        }
    }
    if let Some(e) = &raw.email {
        if kind != Kind::ApiToken {
            return Err(field(
                "email",
                "only API tokens use an email; remove this field",
            ));
        }
        if !e.contains('@') || e.chars().any(char::is_control) {
            return Err(field("email", "is not an email address"));
        }
    }
    let mut repos = Vec::new();
    if let Some(list) = raw.repos {
        if kind != Kind::AccessToken(AccessScope::Project) {
            return Err(field(
                "repos",
                "only Cloud project access tokens take a list of repositories",
            ));
        }
        let prefix = remote.scope.clone().unwrap_or_default();
        for r in list {
            let segs: Vec<String> = r.split('/').map(str::to_lowercase).collect();
            if segs.len() != 2 || segs.iter().any(|s| s.is_empty() || s == "." || s == "..") {
                return Err(field(
                    "repos",
                    format!("{r:?} is not of the form \"WORKSPACE/REPO\""),
                ));
            }
            if !segs.starts_with(&prefix) && !prefix.starts_with(&segs) {
                return Err(field(
                    "repos",
                    format!("{r:?} lies outside the entry's url {}", raw.url),
                ));
            }
            repos.push(segs.join("/"));
        }
    }
    let expires = match raw.expires {
        None => None,
        Some(text) => Some(Date::parse(&text).ok_or_else(|| {
            field(
                "expires",
                format!("{text:?} is not a date of the form YYYY-MM-DD"),
            )
        })?),
    };
    let secret = match raw.secret {
        None => return Err(field("secret", "is missing; say where the secret lives: \"keyring\", \"file\", \"env:VAR\" or \"command:PROGRAM ARGS\"")),
        Some(text) => SecretSource::parse(&text).map_err(|m| field("secret", m))?,
    };
    Ok(Entry {
        name: raw.name,
        kind,
        url: raw.url,
        remote,
        username: raw.username,
        email: raw.email,
        repos,
        expires,
        secret,
        origin,
    })
}

fn entry_remote(url: &str, settings: &Settings) -> Result<Remote, String> {
    let parts =
        UrlParts::parse(url).ok_or("is not a URL such as https://bitbucket.org/WORKSPACE/")?;
    let scheme = parts.protocol.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return Err(format!(
            "{url:?}: only https (and http for hosts in insecure_http_hosts) is supported"
        ));
    }
    if parts.username.is_some() || parts.password.is_some() {
        return Err(format!(
            "{url:?} must not hold a username or password; use the `username` field"
        ));
    }
    if url.contains('?') || url.contains('#') {
        return Err(format!("{url:?} must not hold a query or fragment"));
    }
    let host = parts.host.ok_or_else(|| format!("{url:?} names no host"))?;
    let remote = Remote::classify(&scheme, &host, Some(parts.path.as_deref().unwrap_or("")))
        .ok_or_else(|| format!("{url:?} has a malformed host or port"))?;
    if scheme == "http" && !settings.allows_http(&remote.origin.host, remote.origin.port) {
        return Err(format!(
            "{url:?} uses plain http, which is allowed only for hosts listed in settings.insecure_http_hosts"
        ));
    }
    Ok(remote)
}

/// The entries that CI variables describe (SPEC §5). Their reach is the
/// whole site (and, for Cloud, the API): the variables name no narrower one.
fn ci_entries(
    env: &dyn Fn(&str) -> Option<String>,
    settings: &Settings,
) -> Result<Vec<Entry>, ConfigError> {
    let get = |name: &str| env(name).filter(|v| !v.is_empty());
    let cloud = format!("https://{CLOUD_HOST}/");
    let mut out = Vec::new();
    let mut add =
        |var: &str, kind: Kind, url: &str, username: Option<String>, email: Option<String>| {
            let remote = entry_remote(url, settings).map_err(|message| ConfigError::Invalid {
                path: "the environment".into(),
                location: if url == cloud {
                    var.to_owned()
                } else {
                    "BITBUCKET_SERVER_URL".to_owned()
                },
                message,
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
                origin: Origin::Environment,
            });
            Ok::<(), ConfigError>(())
        };
    if get("BITBUCKET_API_TOKEN").is_some() {
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
    if get("BITBUCKET_ACCESS_TOKEN").is_some() {
        add(
            "BITBUCKET_ACCESS_TOKEN",
            Kind::AccessToken(AccessScope::Workspace),
            &cloud,
            None,
            None,
        )?;
    }
    match (get("BITBUCKET_HTTP_TOKEN"), get("BITBUCKET_SERVER_URL")) {
        (Some(_), Some(server)) => {
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
        (Some(_), None) => log::debug!(
            "BITBUCKET_HTTP_TOKEN is set without BITBUCKET_SERVER_URL, so it is not used"
        ),
        _ => {}
    }
    Ok(out)
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
        assert_eq!(c.settings.store, StoreChoice::File);
        assert_eq!(c.settings.insecure_http_hosts, vec!["localhost"]);
        assert_eq!(c.entries.len(), 3);
        assert_eq!(c.entries[0].scope(), ["acme"]);
        assert_eq!(c.entries[1].repos, vec!["acme/api", "acme/web"]);
        assert_eq!(c.entries[2].scope(), ["bitbucket", "scm", "proj"]);
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
            ("kind = \"http-token\"\nscope = \"user\"\nurl = \"https://git.example.com/\"\nsecret = \"file\"", "field `username`: a http-token (user) needs"),
            ("kind = \"app-password\"\nurl = \"https://bitbucket.org/\"\nsecret = \"file\"", "field `username`"),
            ("kind = \"access-token\"\nscope = \"workspace\"\nurl = \"https://bitbucket.org/acme\"\nusername = \"me\"\nsecret = \"file\"", "field `username`: a access-token (workspace) always sends"),
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
            .map(|e| (e.name.clone(), e.kind.to_string(), e.scope().to_vec()))
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
        assert!(c.entries.iter().all(|e| e.origin == Origin::Environment));
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
