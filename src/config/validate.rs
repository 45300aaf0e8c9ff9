//! The rules a configuration must keep: what `[settings]` may hold, and
//! when a `[[credential]]` table is an entry. The same rules judge the
//! file, the CI variables and what `add` and `login` are about to save.

use std::borrow::Cow;
use std::time::Duration;

use super::model::{DefinedIn, Entry, Settings};
use super::table::{CredentialTable, Field, SettingsTable};
use crate::calendar::Date;
use crate::kind::{AccessScope, HttpScope, Kind, KindError};
use crate::remote::{Remote, UrlError, CLOUD_API_HOST, CLOUD_HOST, MAX_PREFIX_SEGMENTS};
use crate::store::{SecretSource, SourceError};

/// What is wrong in `[settings]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// `store` is not a known store.
    #[error("field `store`: {0:?} is not one of auto, keyring, file")]
    Store(String),
    /// A number outside the range the setting takes.
    #[error("field `{field}` must be between {min} and {max}, not {value}")]
    OutOfRange {
        /// The setting.
        field: &'static str,
        /// What was written.
        value: u64,
        /// The least it may be.
        min: u64,
        /// The most it may be.
        max: u64,
    },
}

impl SettingsError {
    /// The setting at fault.
    pub fn field(&self) -> &'static str {
        match self {
            SettingsError::Store(_) => "store",
            SettingsError::OutOfRange { field, .. } => field,
        }
    }
}

/// The range of `expiry_warning_days`: up to a year ahead.
pub const WARNING_DAYS: (u64, u64) = (0, 366);
/// The range of `command_timeout_seconds`: a secret manager may wait for a
/// person (a touch, a PIN), but not for ever.
pub const COMMAND_TIMEOUT: (u64, u64) = (1, 3600);

/// `value` of the setting `field` if it lies in `range`.
fn in_range(field: &'static str, value: u64, range: (u64, u64)) -> Result<u64, SettingsError> {
    let (min, max) = range;
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(SettingsError::OutOfRange {
            field,
            value,
            min,
            max,
        })
    }
}

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
    /// A url deeper than any Bitbucket scope.
    #[error(
        "{0:?} has more than {MAX_PREFIX_SEGMENTS} path segments, more than any Bitbucket scope"
    )]
    TooDeep(String),
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
    pub(super) fn at(self, field: Field) -> EntryError {
        EntryError {
            field,
            problem: self,
        }
    }
}

/// The settings `[settings]` makes.
pub fn settings(raw: &SettingsTable) -> Result<Settings, SettingsError> {
    let mut s = Settings::default();
    if let Some(store) = &raw.store {
        s.store = match store.as_str() {
            "auto" => None,
            other => Some(
                other
                    .parse()
                    .map_err(|()| SettingsError::Store(store.clone()))?,
            ),
        };
    }
    if let Some(hosts) = &raw.insecure_http_hosts {
        s.insecure_http_hosts = hosts.iter().map(|h| h.to_lowercase()).collect();
    }
    if let Some(days) = raw.expiry_warning_days {
        in_range("expiry_warning_days", u64::from(days), WARNING_DAYS)?;
        s.expiry_warning_days = days;
    }
    if let Some(secs) = raw.command_timeout_seconds {
        let secs = in_range("command_timeout_seconds", secs, COMMAND_TIMEOUT)?;
        s.command_timeout = Duration::from_secs(secs);
    }
    Ok(s)
}

/// Checks one `[[credential]]` table and turns it into an [`Entry`]; of a
/// table whose strings are borrowed from the file's text, only what the
/// entry keeps is copied.
pub fn validate(
    table: CredentialTable<'_>,
    settings: &Settings,
    defined_in: DefinedIn,
) -> Result<Entry, EntryError> {
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
    check_name(&name)?;
    let kind = kind_of(&kind, scope.as_deref())?;
    let remote = entry_remote(&url, settings).map_err(|p| p.at(Field::Url))?;
    check_scope_url(kind, &remote, repos.as_ref().is_some_and(|r| !r.is_empty()))?;
    check_username(kind, username.as_deref())?;
    check_email(kind, email.as_deref())?;
    let repo_list = match repos {
        Some(list) => repo_list(list, kind, &remote, &url)?,
        None => Vec::new(),
    };
    let expires = match expires {
        None => None,
        Some(text) => Some(
            Date::parse(&text)
                .ok_or_else(|| Problem::BadDate(text.into_owned()).at(Field::Expires))?,
        ),
    };
    let bearer_only = bearer_only(auth.as_deref(), kind)?;
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

/// A name must be a key in every store: letters, digits and `._-@+`,
/// starting with a letter or digit.
fn check_name(name: &str) -> Result<(), EntryError> {
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
    Ok(())
}

/// The kind `kind` and `scope` name; a scope that does not fit is the
/// `scope` field's fault.
fn kind_of(kind: &str, scope: Option<&str>) -> Result<Kind, EntryError> {
    Kind::from_fields(kind, scope).map_err(|e| {
        let field = if scope.is_some() && !matches!(e, KindError::Unknown(_)) {
            Field::Scope
        } else {
            Field::Kind
        };
        Problem::Kind(e).at(field)
    })
}

/// A token made for a repository, project or workspace needs a url (or
/// a list of repositories) that names one.
fn check_scope_url(kind: Kind, remote: &Remote, has_repos: bool) -> Result<(), EntryError> {
    let cloud = remote.origin.host == CLOUD_HOST || remote.origin.host == CLOUD_API_HOST;
    let depth = remote.segments.as_deref().map_or(0, <[String]>::len);
    let scm = remote.data_center_scm();
    let problem = match kind {
        Kind::AccessToken(AccessScope::Repository) if cloud && depth < 2 => {
            Problem::CloudRepositoryUrl
        }
        Kind::AccessToken(AccessScope::Workspace) if cloud && depth < 1 => {
            Problem::CloudWorkspaceUrl
        }
        Kind::AccessToken(AccessScope::Project) if !has_repos => {
            return Err(Problem::ProjectRepos.at(Field::Repos))
        }
        Kind::HttpToken(HttpScope::Project) if scm.is_none_or(|p| p.owner.is_none()) => {
            Problem::DataCenterProjectUrl
        }
        Kind::HttpToken(HttpScope::Repository) if scm.is_none_or(|p| p.repo.is_none()) => {
            Problem::DataCenterRepositoryUrl
        }
        _ => return Ok(()),
    };
    Err(problem.at(Field::Url))
}

/// `repos`, lower case: only a Cloud project token's, each
/// `WORKSPACE/REPO` inside the entry's url.
fn repo_list(
    list: Vec<Cow<'_, str>>,
    kind: Kind,
    remote: &Remote,
    url: &str,
) -> Result<Vec<String>, EntryError> {
    if kind != Kind::AccessToken(AccessScope::Project) {
        return Err(Problem::ReposNotUsed.at(Field::Repos));
    }
    let prefix = remote.segments.clone().unwrap_or_default();
    let mut out = Vec::with_capacity(list.len());
    for r in list {
        let segs: Vec<String> = r.split('/').map(str::to_lowercase).collect();
        if segs.len() != 2 || segs.iter().any(|s| s.is_empty() || s == "." || s == "..") {
            return Err(Problem::BadRepo(r.into_owned()).at(Field::Repos));
        }
        if !segs.starts_with(&prefix) && !prefix.starts_with(&segs) {
            return Err(Problem::RepoOutside {
                repo: r.into_owned(),
                url: url.to_owned(),
            }
            .at(Field::Repos));
        }
        out.push(segs.join("/"));
    }
    Ok(out)
}

/// `auth`: `"bearer"` for a Data Center token whose server refuses Basic
/// (`"basic"` is what a personal token does anyway).
fn bearer_only(auth: Option<&str>, kind: Kind) -> Result<bool, EntryError> {
    let problem = match (auth, kind) {
        (None, _) => return Ok(false),
        (Some("bearer"), Kind::HttpToken(_)) => return Ok(true),
        (Some("basic"), Kind::HttpToken(HttpScope::User)) => return Ok(false),
        (Some("basic"), Kind::HttpToken(_)) => Problem::Auth(
            "Data Center project and repository tokens go as Bearer; only \"bearer\" fits them",
        ),
        (Some("bearer" | "basic"), _) => {
            Problem::Auth("only Data Center HTTP tokens take `auth`; remove this field")
        }
        (Some(_), _) => Problem::Auth("is not one of \"bearer\", \"basic\""),
    };
    Err(problem.at(Field::Auth))
}

/// The rules for `username`, for entries of the file and of CI variables.
pub(super) fn check_username(kind: Kind, username: Option<&str>) -> Result<(), EntryError> {
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
pub(super) fn check_email(kind: Kind, email: Option<&str>) -> Result<(), EntryError> {
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

pub(super) fn entry_remote(url: &str, settings: &Settings) -> Result<Remote, Problem> {
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
    if remote
        .segments
        .as_ref()
        .is_some_and(|s| s.len() > MAX_PREFIX_SEGMENTS)
    {
        return Err(Problem::TooDeep(url.to_owned()));
    }
    Ok(remote)
}
