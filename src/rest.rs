//! Calling Bitbucket's REST API with an entry, the way that entry's kind
//! must be presented there: for `verify`, and the header for `header`.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;

use crate::config::Entry;
use crate::credential::{self, AccessScope, Form, FormError, HttpScope, Kind};
use crate::protocol::UrlParts;
use crate::remote::{Surface, CLOUD_API_HOST};
use crate::secret::Secret;

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

/// The REST form of an entry: what its kind sends to the API.
pub fn rest_form(entry: &Entry) -> Result<Form, FormError> {
    credential::form(
        entry.kind,
        entry.username.as_deref(),
        entry.email.as_deref(),
        Surface::Rest,
        true,
    )
    .map(|(form, _)| form)
}

/// The raw path segments of the entry's url (original case).
fn url_segments(entry: &Entry) -> Vec<String> {
    UrlParts::parse(&entry.url)
        .and_then(|u| u.path)
        .map(|p| {
            p.split('/')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The base URL of the entry's REST API: `https://api.bitbucket.org` for
/// Cloud kinds, the server and context path for Data Center.
pub fn api_base(entry: &Entry) -> String {
    match entry.kind {
        Kind::HttpToken(_) => {
            let segs = url_segments(entry);
            let context = match segs.iter().position(|s| s == "scm" || s == "rest") {
                Some(i) => &segs[..i],
                None => &segs[..],
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
pub fn verify_path(entry: &Entry) -> String {
    let segs = url_segments(entry);
    let strip = |s: &str| s.strip_suffix(".git").unwrap_or(s).to_owned();
    match entry.kind {
        Kind::AppPassword | Kind::ApiToken => "/2.0/user".to_owned(),
        Kind::AccessToken(AccessScope::Project) => {
            format!(
                "/2.0/repositories/{}",
                entry.repos.first().cloned().unwrap_or_default()
            )
        }
        Kind::AccessToken(AccessScope::Repository) if segs.len() >= 2 => {
            format!("/2.0/repositories/{}/{}", segs[0], strip(&segs[1]))
        }
        Kind::AccessToken(_) => format!(
            "/2.0/repositories/{}",
            segs.first().cloned().unwrap_or_default()
        ),
        Kind::HttpToken(scope) => {
            let scm = segs.iter().position(|s| s == "scm");
            let project = scm.and_then(|i| segs.get(i + 1));
            let repo = scm.and_then(|i| segs.get(i + 2));
            match (scope, project, repo) {
                (HttpScope::Repository, Some(p), Some(r)) => {
                    format!("/rest/api/1.0/projects/{p}/repos/{}", strip(r))
                }
                (HttpScope::Project | HttpScope::Repository, Some(p), _) => {
                    format!("/rest/api/1.0/projects/{p}")
                }
                _ => "/rest/api/1.0/projects?limit=1".to_owned(),
            }
        }
    }
}

/// A small blocking HTTPS client. Certificates are checked against the
/// file named by `GIT_SSL_CAINFO` or `SSL_CERT_FILE` when one is set (as
/// git and curl do), else against the bundled web roots.
pub fn agent() -> Result<ureq::Agent, String> {
    let mut tls = ureq::tls::TlsConfig::builder();
    let ca_file = ["GIT_SSL_CAINFO", "SSL_CERT_FILE"]
        .iter()
        .find_map(|v| std::env::var_os(v).filter(|p| !p.is_empty()));
    if let Some(path) = ca_file {
        let pem = std::fs::read(&path)
            .map_err(|e| format!("could not read the CA file {}: {e}", path.to_string_lossy()))?;
        let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        if certs.is_empty() {
            return Err(format!("{} holds no certificate", path.to_string_lossy()));
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
pub fn get_status(agent: &ureq::Agent, url: &str, authorization: &Secret) -> Result<u16, String> {
    let response = agent
        .get(url)
        .header("Authorization", authorization.expose())
        .header("Accept", "application/json")
        .call()
        .map_err(|e| format!("could not reach {url}: {e}"))?;
    Ok(response.status().as_u16())
}

/// What a status from `verify` means for an entry of `kind`, in words a
/// user can act on. `None` for success.
pub fn explain(kind: Kind, status: u16) -> Option<String> {
    Some(match (status, kind) {
        (200..=299, _) => return None,
        (401, Kind::ApiToken) => "401: Bitbucket refused the token — it is wrong, expired or revoked, or `email` is not the Atlassian account's; create a new API token and `add` it again".into(),
        (401, Kind::AccessToken(_)) => "401: Bitbucket refused the token — it is wrong, expired or revoked; create a new access token and `add` it again".into(),
        (401, Kind::HttpToken(_)) => "401: Bitbucket refused the token — it is wrong, expired or revoked, or `username` is not its owner's".into(),
        (401, Kind::AppPassword) => "401: Bitbucket refused the app password (app passwords were removed on 2026-07-28); run `git credential-bitbucket migrate`".into(),
        (403, Kind::ApiToken) => "403: the token is valid but lacks a scope — cloning needs read:repository:bitbucket (and read:user:bitbucket for this check), pushing write:repository:bitbucket".into(),
        (403, _) => "403: the token is valid but may not read this; it was made for another repository, project or workspace, or lacks read permission".into(),
        (410, _) => "410: Bitbucket no longer accepts app passwords; replace it with an API token: git credential-bitbucket migrate".into(),
        (404, _) => "404: the repository or project in the entry's url does not exist, or the token cannot see it".into(),
        (other, _) => format!("{other}: an answer Bitbucket does not normally give; try again later"),
    })
}
