//! Calling Bitbucket's REST API with an entry, the way that entry's kind
//! must be presented there: for `verify`, and the header for `header`.

use base64::Engine;

use crate::config::{Entry, Settings};
use crate::https::{Client, HttpsError};
use crate::kind::{self, AccessScope, Form, FormError, HttpScope, Kind, API_TOKEN_GIT_USER};
use crate::remote::{Origin, RemoteKind, Surface, CLOUD_API_HOST};
use crate::secret::Secret;
use crate::url::{printable, shown, UrlParts};

/// Why a REST call could not be made. None holds a secret.
#[derive(Debug, thiserror::Error)]
pub enum RestError {
    /// The server could not be reached as git reaches it.
    #[error(transparent)]
    Https(#[from] HttpsError),
    /// A base URL that is not one.
    #[error("{url} is not a URL such as https://api.bitbucket.org")]
    NotAUrl {
        /// The URL.
        url: String,
    },
    /// Plain http to a host not listed in `insecure_http_hosts`.
    #[error("{url} is plain http, which carries credentials only to hosts listed in settings.insecure_http_hosts; nothing was sent")]
    PlainHttp {
        /// The URL.
        url: String,
    },
    /// The server sent the request elsewhere than the entry's host and
    /// scheme: the answer there is not Bitbucket's.
    #[error("{url} redirected to {location}, another host or scheme than the entry's; the redirect was not followed and nothing was sent there")]
    Redirected {
        /// The URL asked.
        url: String,
        /// Where it pointed, printable.
        location: String,
    },
    /// Redirects that do not end.
    #[error("{url} redirected more than {MAX_REDIRECTS} times")]
    TooManyRedirects {
        /// The URL asked.
        url: String,
    },
    /// The repository named for the check is outside the entry's scope.
    #[error("{url} is outside entry '{entry}' ({entry_url}); name a repository it covers")]
    Outside {
        /// The repository's URL, printable.
        url: String,
        /// The entry.
        entry: String,
        /// The entry's url.
        entry_url: String,
    },
    /// The entry's kind has no REST form (an API token without `email`).
    #[error("entry '{entry}': {source}")]
    Form {
        /// The entry.
        entry: String,
        /// Why.
        source: FormError,
    },
}

/// The value of an `Authorization` header for `form` and `secret`.
pub fn authorization(form: &Form, secret: &Secret) -> Secret {
    match form {
        Form::Basic(user) => {
            let raw = zeroize::Zeroizing::new(format!("{user}:{}", secret.expose()));
            Secret::from(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(raw.as_bytes())
            ))
        }
        Form::Bearer => Secret::from(format!("Bearer {}", secret.expose())),
    }
}

/// The form `entry` takes on `surface`, as the helper hands it to a
/// caller that can send Bearer.
fn entry_form(entry: &Entry, surface: Surface) -> Result<Form, RestError> {
    kind::form(
        entry.kind,
        entry.username.as_deref(),
        entry.email.as_deref(),
        surface,
        true,
        entry.bearer_only,
    )
    .map(|(form, _)| form)
    .map_err(|source| RestError::Form {
        entry: entry.name.clone(),
        source,
    })
}

/// The `Authorization` header value Bitbucket's REST API wants from
/// `entry` with `secret`: the entry's kind in its REST form.
pub fn entry_authorization(entry: &Entry, secret: &Secret) -> Result<Secret, RestError> {
    Ok(authorization(&entry_form(entry, Surface::Rest)?, secret))
}

/// The base URL of the entry's REST API: `https://api.bitbucket.org` for
/// Cloud kinds, the server and context path for Data Center.
pub fn api_base(entry: &Entry) -> String {
    match entry.kind {
        Kind::HttpToken(_) => {
            let context: &[String] = match &entry.remote.kind {
                RemoteKind::DataCenter(path) => &path.context,
                _ => entry.prefix(),
            };
            let mut base = entry.remote.origin.display();
            for s in context {
                base.push('/');
                base.push_str(s);
            }
            base
        }
        _ => format!("https://{CLOUD_API_HOST}"),
    }
}

/// The path `verify` asks for: one that the credential can read if and
/// only if it works for what it was made for.
fn verify_path(entry: &Entry) -> String {
    let prefix = entry.prefix();
    match entry.kind {
        Kind::AppPassword | Kind::ApiToken => "/2.0/user".to_owned(),
        Kind::AccessToken(AccessScope::Project) => {
            format!(
                "/2.0/repositories/{}",
                entry.repos.first().cloned().unwrap_or_default()
            )
        }
        Kind::AccessToken(AccessScope::Repository) if prefix.len() >= 2 => {
            format!("/2.0/repositories/{}/{}", prefix[0], prefix[1])
        }
        Kind::AccessToken(_) => format!(
            "/2.0/repositories/{}",
            prefix.first().cloned().unwrap_or_default()
        ),
        Kind::HttpToken(scope) => {
            let path = entry.remote.data_center_scm();
            let owner = path.and_then(|p| p.owner.as_ref());
            let repo = path.and_then(|p| p.repo.as_ref());
            match (scope, owner, repo) {
                (HttpScope::Repository, Some(o), Some(r)) => {
                    format!("/rest/api/1.0/projects/{}/repos/{r}", o.path_segment())
                }
                (HttpScope::Project | HttpScope::Repository, Some(o), _) => {
                    format!("/rest/api/1.0/projects/{}", o.path_segment())
                }
                _ => "/rest/api/1.0/projects?limit=1".to_owned(),
            }
        }
    }
}

/// What a check asks Bitbucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// git's clone endpoint (`info/refs?service=git-upload-pack`).
    Clone,
    /// git's push endpoint (`info/refs?service=git-receive-pack`).
    Push,
    /// The REST API.
    Rest,
}

impl std::fmt::Display for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Probe::Clone => "clone",
            Probe::Push => "push",
            Probe::Rest => "REST",
        })
    }
}

/// One question asked of Bitbucket with an entry's credential, and what
/// its answer means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was asked.
    pub what: Probe,
    /// The URL asked.
    pub url: String,
    /// The HTTP status.
    pub status: u16,
    /// What is wrong, in words a user can act on; `None` when the answer
    /// is the one a working credential gets.
    pub problem: Option<String>,
    /// Whether the problem stops the entry from working as configured
    /// (a token that may read but not push, or that may not read the
    /// account, still clones).
    pub fails: bool,
    /// What would put a failure right.
    pub fix: Fix,
}

/// What puts a failed check right, for the command to say in its own
/// terms: a saved entry names `rotate`, a token about to be saved names
/// the flag that was typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fix {
    /// Nothing the helper can name (a scope, a server's state).
    #[default]
    Other,
    /// Another token.
    NewToken,
    /// The entry's email: git accepted the token, the REST API did not
    /// take it with that email.
    Email,
}

/// Everything `verify` learned about an entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verification {
    /// The questions asked, in order.
    pub checks: Vec<Check>,
    /// The Bitbucket username `/2.0/user` answered with (API tokens).
    pub username: Option<String>,
    /// The server refused the token as Basic and accepted it as Bearer:
    /// the entry needs `auth = "bearer"`.
    pub needs_bearer: bool,
    /// No repository was known to ask git's endpoint about.
    pub no_repository: bool,
    /// What `/2.0/user` answered as the username when it was not a
    /// Bitbucket username (escaped for a terminal); it is not used.
    pub odd_username: Option<String>,
}

impl Verification {
    /// Whether the entry works as configured.
    pub fn works(&self) -> bool {
        !self.checks.iter().any(|c| c.fails)
    }
}

/// What `verify` is told besides the entry.
#[derive(Debug, Clone, Copy, Default)]
pub struct Target<'a> {
    /// A repository in the entry's scope (`WORKSPACE/REPO`, or
    /// `PROJECT/REPO` on Data Center), when the entry does not name one.
    pub repo: Option<&'a str>,
    /// Another REST API base URL.
    pub api_base: Option<&'a str>,
}

/// The clone URL `verify` asks git's endpoint about: `repo` when given
/// (refused when outside the entry's scope), else the repository the
/// entry's own url names, else the first of its `repos`.
pub fn repository_url(entry: &Entry, repo: Option<&str>) -> Result<Option<String>, RestError> {
    let origin = entry.remote.origin.display();
    let url = match (&entry.remote.kind, repo) {
        (_, Some(r)) if matches!(entry.kind, Kind::HttpToken(_)) => {
            // The server's context path: before `scm` in a repository or
            // project url, else the whole of a server-wide one.
            let context: &[String] = match &entry.remote.kind {
                RemoteKind::DataCenter(path) => &path.context,
                _ => entry.prefix(),
            };
            let context: String = context.iter().map(|c| format!("/{c}")).collect();
            format!("{origin}{context}/scm/{}.git", r.trim_matches('/'))
        }
        (_, Some(r)) => format!("{origin}/{}.git", r.trim_matches('/')),
        (RemoteKind::CloudRepository, None) => entry.url.clone(),
        (RemoteKind::DataCenter(path), None) => match (&path.owner, &path.repo) {
            (Some(_), Some(_)) => entry.url.clone(),
            _ => return Ok(None),
        },
        (_, None) => match entry.repos.first() {
            Some(r) => format!("{origin}/{r}.git"),
            None => return Ok(None),
        },
    };
    let inside = crate::remote::Remote::from_url(&url)
        .map(|(remote, _)| crate::resolve::covers(entry, &remote))
        .unwrap_or(false);
    if !inside {
        return Err(RestError::Outside {
            url: crate::url::printable(&url),
            entry: entry.name.clone(),
            entry_url: entry.url.clone(),
        });
    }
    Ok(Some(url))
}

/// Asks Bitbucket whether `secret` works as `entry`'s credential, the way
/// git and the REST API will use it: git's own endpoint
/// (`info/refs?service=git-upload-pack`, then `git-receive-pack` for push)
/// with exactly the form the helper hands git, on a repository in the
/// entry's scope; REST only for what REST is for (the username of an API
/// token, through its email), or when no repository is known.
pub fn verify(
    client: &Client,
    entry: &Entry,
    secret: &Secret,
    target: Target<'_>,
    settings: &Settings,
) -> Result<Verification, RestError> {
    let mut out = Verification::default();
    let repo_url = repository_url(entry, target.repo)?;
    match &repo_url {
        Some(url) => verify_git(client, entry, secret, url, &mut out)?,
        None => out.no_repository = true,
    }
    let rest_needed = match entry.kind {
        Kind::ApiToken => entry.email.is_some(),
        _ => repo_url.is_none(),
    };
    if rest_needed {
        let authorization = entry_authorization(entry, secret)?;
        let base = target
            .api_base
            .map_or_else(|| self::api_base(entry), str::to_owned);
        refuse_plain_http(&base, settings)?;
        let url = format!("{}{}", base.trim_end_matches('/'), verify_path(entry));
        let (status, body) = get(client, &url, &authorization)?;
        let git_accepted = out
            .checks
            .iter()
            .any(|c| c.what == Probe::Clone && (200..300).contains(&c.status));
        let (mut problem, mut fix) = explain(entry, status, Probe::Rest, git_accepted);
        let mut fails = problem.is_some();
        if status == 200 && url.ends_with("/2.0/user") {
            match username_in(&body) {
                Some(u) if is_username(&u) => out.username = Some(u),
                Some(u) => out.odd_username = Some(printable(&u)),
                None => {}
            }
        }
        if status == 403 && entry.kind == Kind::ApiToken {
            // Bitbucket knows the token (a wrong one gets 401); only the
            // account is out of its scopes. git needs no username for it.
            problem = Some(format!("403: the token is valid but lacks read:user:bitbucket, so the helper cannot learn your Bitbucket username; git is sent {API_TOKEN_GIT_USER}, which works without it (add that scope to the token to have the username learned)"));
            (fails, fix) = (false, Fix::Other);
        }
        out.checks.push(Check {
            what: Probe::Rest,
            url,
            status,
            problem,
            fails,
            fix,
        });
    }
    Ok(out)
}

/// The git checks: clone (upload-pack), then push (receive-pack) when
/// clone works. A Data Center personal token the server refuses as Basic
/// is tried once as Bearer, to tell the user which setting makes it work.
fn verify_git(
    client: &Client,
    entry: &Entry,
    secret: &Secret,
    repo_url: &str,
    out: &mut Verification,
) -> Result<(), RestError> {
    let form = entry_form(entry, Surface::Git)?;
    let mut authorization = authorization(&form, secret);
    let base = repo_url.trim_end_matches('/');
    let refs = |service: &str| format!("{base}/info/refs?service={service}");
    let url = refs("git-upload-pack");
    let (mut status, _) = get(client, &url, &authorization)?;
    if status == 401 && matches!(form, Form::Basic(_)) && matches!(entry.kind, Kind::HttpToken(_)) {
        let bearer = self::authorization(&Form::Bearer, secret);
        if (200..300).contains(&get(client, &url, &bearer)?.0) {
            out.needs_bearer = true;
            out.checks.push(Check {
                what: Probe::Clone,
                url: url.clone(),
                status,
                problem: Some(format!("401 for Basic, but the server accepts the token as Bearer: it refuses Basic for tokens; add `auth = \"bearer\"` to entry '{}' (git 2.46 or later sends Bearer)", entry.name)),
                fails: true,
                fix: Fix::Other,
            });
            authorization = bearer;
            status = 200;
        }
    }
    if !out.needs_bearer {
        let (problem, fix) = explain(entry, status, Probe::Clone, false);
        out.checks.push(Check {
            what: Probe::Clone,
            url,
            status,
            fails: problem.is_some(),
            problem,
            fix,
        });
    }
    if !(200..300).contains(&status) {
        return Ok(());
    }
    let url = refs("git-receive-pack");
    let (status, _) = get(client, &url, &authorization)?;
    let (problem, fix) = explain(entry, status, Probe::Push, true);
    out.checks.push(Check {
        what: Probe::Push,
        url,
        status,
        // A token made to read only is a choice, not a fault.
        fails: problem.is_some() && status != 403,
        problem,
        fix,
    });
    Ok(())
}

/// Whether `name` can be a Bitbucket username: letters, digits, `_`, `-`
/// and `.`, as Bitbucket makes them. Anything else from a server is not
/// believed (nor printed raw).
pub fn is_username(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// Refuses a REST base URL over plain http to a host the settings do not
/// allow it for (`--api-base http://…`): the credential would cross the
/// network in the clear.
fn refuse_plain_http(base: &str, settings: &Settings) -> Result<(), RestError> {
    let origin = UrlParts::parse(base)
        .and_then(|p| Origin::new(p.protocol, p.host.as_deref()?))
        .ok_or_else(|| RestError::NotAUrl { url: shown(base) })?;
    if settings.refuses_plain_http(&origin) {
        return Err(RestError::PlainHttp { url: shown(base) });
    }
    Ok(())
}

/// The `username` of a REST answer (`/2.0/user`).
fn username_in(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    value.get("username")?.as_str().map(str::to_owned)
}

/// The most redirects followed, each on the same host and scheme.
const MAX_REDIRECTS: usize = 5;

/// Where `location` (a `Location` header) leads from `url`.
fn resolve_location(url: &str, location: &str) -> String {
    if location.contains("://") {
        return location.to_owned();
    }
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    if let Some(authority_and_path) = location.strip_prefix("//") {
        return format!("{scheme}://{authority_and_path}");
    }
    let end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..end];
    if location.starts_with('/') {
        return format!("{scheme}://{authority}{location}");
    }
    let path = rest[end..].split(['?', '#']).next().unwrap_or("");
    let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
    let dir = if dir.is_empty() { "/" } else { dir };
    format!("{scheme}://{authority}{dir}{location}")
}

/// The scheme, host and port of `url`.
fn origin_of(url: &str) -> Option<Origin> {
    let parts = UrlParts::parse(url)?;
    Origin::new(parts.protocol, parts.host.as_deref()?)
}

/// GETs `url` with `authorization`: the status code and (up to 64 KiB
/// of) the body. A redirect is followed only on the same scheme, host
/// and port, and at most [`MAX_REDIRECTS`] times; one elsewhere is an
/// error that names where it pointed, and nothing is sent there.
fn get(client: &Client, url: &str, authorization: &Secret) -> Result<(u16, String), RestError> {
    let start = origin_of(url);
    let mut current = url.to_owned();
    for _ in 0..=MAX_REDIRECTS {
        let mut response = client.get(
            &current,
            &[
                ("Authorization", authorization.expose()),
                ("Accept", "application/json"),
            ],
        )?;
        let status = response.status().as_u16();
        if (300..400).contains(&status) {
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let next = resolve_location(&current, location);
            if start.is_none() || origin_of(&next) != start {
                return Err(RestError::Redirected {
                    url: shown(&current),
                    location: shown(&next),
                });
            }
            current = next;
            continue;
        }
        let body = response
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_string()
            .unwrap_or_default();
        return Ok((status, body));
    }
    Err(RestError::TooManyRedirects { url: shown(url) })
}

/// What Bitbucket's `status` for `what` means for `entry`, naming only what
/// the entry holds (a username or email nobody gave is not blamed), and
/// what would put it right; `None` when it is the answer a working
/// credential gets. `git_accepted`: git's endpoint took the same token.
fn explain(entry: &Entry, status: u16, what: Probe, git_accepted: bool) -> (Option<String>, Fix) {
    use Probe::{Push, Rest};
    let or_user = |whose: &str| {
        entry.username.as_deref().map_or(String::new(), |u| {
            format!(", or {} is not {whose}", printable(u))
        })
    };
    let email = entry.email.as_deref().map(printable).unwrap_or_default();
    let (text, fix) = match (status, entry.kind, what) {
        (200..=299, _, _) => return (None, Fix::Other),
        (401, Kind::ApiToken, Rest) if git_accepted => (format!("401: git accepted the token, but the REST API refused it with the email {email}, so that is not the Atlassian account's email"), Fix::Email),
        (401, Kind::ApiToken, Rest) => (format!("401: Bitbucket refused the token with the email {email} — the token is wrong, expired or revoked, or that is not the Atlassian account's email"), Fix::NewToken),
        (401, Kind::ApiToken, _) => (format!("401: Bitbucket refused the token — it is wrong, expired or revoked{}", or_user(&format!("the account's Bitbucket username (leave it out to send {API_TOKEN_GIT_USER})"))), Fix::NewToken),
        (401, Kind::AccessToken(_), _) => ("401: Bitbucket refused the token — it is wrong, expired or revoked".to_owned(), Fix::NewToken),
        (401, Kind::HttpToken(_), _) => (format!("401: Bitbucket refused the token — it is wrong, expired or revoked{}", or_user("its owner's username")), Fix::NewToken),
        (401, Kind::AppPassword, _) => ("401: Bitbucket refused the app password (app passwords were removed on 2026-07-28); run `git credential-bitbucket migrate`".into(), Fix::Other),
        (403, Kind::ApiToken, Push) => ("403: the token may clone but not push; it lacks write:repository:bitbucket".into(), Fix::Other),
        (403, Kind::ApiToken, Rest) => ("403: the token is valid but lacks a scope — this check needs read:user:bitbucket".into(), Fix::Other),
        (403, Kind::ApiToken, _) => ("403: the token is valid but lacks a scope — cloning needs read:repository:bitbucket, pushing write:repository:bitbucket".into(), Fix::Other),
        (403, Kind::AccessToken(_), Push) => ("403: the token may clone but not push; it lacks the repository:write scope".into(), Fix::Other),
        (403, Kind::HttpToken(_), Push) => ("403: the token may clone but not push; it has read permission only".into(), Fix::Other),
        (403, _, Push) => ("403: the credential may clone but not push".into(), Fix::Other),
        (403, _, _) => ("403: the token is valid but may not read this; it was made for another repository, project or workspace, or lacks read permission".into(), Fix::Other),
        (410, _, _) => ("410: Bitbucket no longer accepts app passwords; replace it with an API token: git credential-bitbucket migrate".into(), Fix::Other),
        (404, _, _) => ("404: the repository does not exist, or the token cannot see it".into(), Fix::Other),
        (other, _, _) => (format!("{other}: an answer Bitbucket does not normally give; try again later"), Fix::Other),
    };
    (Some(text), fix)
}
