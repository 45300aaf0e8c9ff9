//! Calling Bitbucket's REST API with an entry, the way that entry's kind
//! must be presented there: for `verify`, and the header for `header`.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;

use crate::config::Entry;
use crate::credential::{self, AccessScope, Form, FormError, HttpScope, Kind};
use crate::remote::{RemoteKind, Surface, CLOUD_API_HOST};
use crate::secret::Secret;

/// Why a REST call could not be made. None holds a secret.
#[derive(Debug, thiserror::Error)]
pub enum RestError {
    /// The CA file named by `GIT_SSL_CAINFO` or `SSL_CERT_FILE`.
    #[error("could not read the CA file {path}: {reason}")]
    CaFile {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The CA file holds no certificate.
    #[error("{path} holds no certificate")]
    NoCertificate {
        /// The file.
        path: String,
    },
    /// The server could not be reached.
    #[error("could not reach {url}: {reason}")]
    Unreachable {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
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

/// The `Authorization` header value Bitbucket's REST API wants from
/// `entry` with `secret`: the entry's kind in its REST form.
pub fn entry_authorization(entry: &Entry, secret: &Secret) -> Result<Secret, RestError> {
    let (form, _) = credential::form(
        entry.kind,
        entry.username.as_deref(),
        entry.email.as_deref(),
        Surface::Rest,
        true,
        entry.bearer_only,
    )
    .map_err(|source| RestError::Form {
        entry: entry.name.clone(),
        source,
    })?;
    Ok(authorization(&form, secret))
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

/// What Bitbucket said when asked with an entry's credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// The URL asked.
    pub url: String,
    /// The HTTP status.
    pub status: u16,
    /// What is wrong, in words a user can act on; `None` when the
    /// credential works.
    pub problem: Option<String>,
}

/// Asks Bitbucket's REST API whether `secret` works as `entry`'s
/// credential, at `api_base` (default: [`api_base`]).
pub fn verify(
    agent: &ureq::Agent,
    entry: &Entry,
    secret: &Secret,
    api_base: Option<&str>,
) -> Result<Verification, RestError> {
    let authorization = entry_authorization(entry, secret)?;
    let base = api_base.map_or_else(|| self::api_base(entry), str::to_owned);
    let url = format!("{}{}", base.trim_end_matches('/'), verify_path(entry));
    let status = get_status(agent, &url, &authorization)?;
    Ok(Verification {
        problem: explain(entry.kind, &entry.name, status),
        url,
        status,
    })
}

/// A small blocking HTTPS client. Certificates are checked against the
/// file named by `GIT_SSL_CAINFO` or `SSL_CERT_FILE` when one is set (as
/// git and curl do), else against the bundled web roots.
pub fn agent() -> Result<ureq::Agent, RestError> {
    let mut tls = ureq::tls::TlsConfig::builder();
    let ca_file = ["GIT_SSL_CAINFO", "SSL_CERT_FILE"]
        .iter()
        .find_map(|v| std::env::var_os(v).filter(|p| !p.is_empty()));
    if let Some(path) = ca_file {
        let pem = std::fs::read(&path).map_err(|e| RestError::CaFile {
            path: path.to_string_lossy().into_owned(),
            reason: e.to_string(),
        })?;
        let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        if certs.is_empty() {
            return Err(RestError::NoCertificate {
                path: path.to_string_lossy().into_owned(),
            });
        }
        tls = tls.root_certs(ureq::tls::RootCerts::Specific(Arc::new(certs)));
    }
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .tls_config(tls.build())
        .user_agent(concat!(
            "git-credential-bitbucket/",
            env!("CARGO_PKG_VERSION")
        ))
        .build();
    Ok(ureq::Agent::new_with_config(config))
}

/// GETs `url` with `authorization` and returns the status code.
fn get_status(agent: &ureq::Agent, url: &str, authorization: &Secret) -> Result<u16, RestError> {
    let response = agent
        .get(url)
        .header("Authorization", authorization.expose())
        .header("Accept", "application/json")
        .call()
        .map_err(|e| RestError::Unreachable {
            url: url.to_owned(),
            reason: e.to_string(),
        })?;
    Ok(response.status().as_u16())
}

/// What a status from `verify` means for an entry of `kind`, in words a
/// user can act on. `None` for success.
fn explain(kind: Kind, name: &str, status: u16) -> Option<String> {
    Some(match (status, kind) {
        (200..=299, _) => return None,
        (401, Kind::ApiToken) => format!("401: Bitbucket refused the token — it is wrong, expired or revoked, or `email` is not the Atlassian account's; create a new API token and store it with `git credential-bitbucket rotate {name}`"),
        (401, Kind::AccessToken(_)) => format!("401: Bitbucket refused the token — it is wrong, expired or revoked; create a new access token and store it with `git credential-bitbucket rotate {name}`"),
        (401, Kind::HttpToken(_)) => "401: Bitbucket refused the token — it is wrong, expired or revoked, or `username` is not its owner's".into(),
        (401, Kind::AppPassword) => "401: Bitbucket refused the app password (app passwords were removed on 2026-07-28); run `git credential-bitbucket migrate`".into(),
        (403, Kind::ApiToken) => "403: the token is valid but lacks a scope — cloning needs read:repository:bitbucket (and read:user:bitbucket for this check), pushing write:repository:bitbucket".into(),
        (403, _) => "403: the token is valid but may not read this; it was made for another repository, project or workspace, or lacks read permission".into(),
        (410, _) => "410: Bitbucket no longer accepts app passwords; replace it with an API token: git credential-bitbucket migrate".into(),
        (404, _) => "404: the repository or project in the entry's url does not exist, or the token cannot see it".into(),
        (other, _) => format!("{other}: an answer Bitbucket does not normally give; try again later"),
    })
}
