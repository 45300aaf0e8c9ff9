//! Bitbucket's rules as the stand-in applies them: which credential each
//! kind of token is, which sites a request addresses, and the answer
//! (200, 401, 403, 410) a credential gets there.

use std::net::IpAddr;

use base64::Engine;

use super::DC_HOST;

/// What a Cloud access token reaches.
#[derive(Clone, Debug)]
pub enum Reach {
    /// One repository, `workspace/repo`.
    Repository(String),
    /// The listed repositories of a project.
    Project(Vec<String>),
    /// A whole workspace.
    Workspace(String),
}

impl Reach {
    fn covers(&self, repo: &str) -> bool {
        match self {
            Reach::Repository(r) => r == repo,
            Reach::Project(list) => list.iter().any(|r| r == repo),
            Reach::Workspace(ws) => repo.split('/').next() == Some(ws.as_str()),
        }
    }
}

/// A credential Bitbucket knows about (variant names are Bitbucket's).
#[derive(Clone, Debug)]
#[allow(clippy::enum_variant_names)]
pub enum Token {
    /// Cloud app password.
    AppPassword { username: String, secret: String },
    /// Atlassian API token.
    ApiToken {
        username: String,
        email: String,
        secret: String,
    },
    /// Cloud access token.
    AccessToken { secret: String, reach: Reach },
    /// Data Center personal token.
    DcUser { username: String, secret: String },
    /// Data Center project token (project key upper case).
    DcProject { project: String, secret: String },
    /// Data Center repository token.
    DcRepository {
        project: String,
        repo: String,
        secret: String,
    },
}

impl Token {
    /// The token's secret.
    pub fn secret(&self) -> &str {
        match self {
            Token::AppPassword { secret, .. }
            | Token::ApiToken { secret, .. }
            | Token::AccessToken { secret, .. }
            | Token::DcUser { secret, .. }
            | Token::DcProject { secret, .. }
            | Token::DcRepository { secret, .. } => secret,
        }
    }
}

/// The credential a request carried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Presented {
    None,
    Basic(String, String),
    Bearer(String),
    Other(String),
}

impl Presented {
    /// Whether the request carried `secret` in any form.
    pub fn carries(&self, secret: &str) -> bool {
        match self {
            Presented::Basic(_, p) => p == secret,
            Presented::Bearer(t) => t == secret,
            _ => false,
        }
    }
}

/// One request the server answered.
#[derive(Clone, Debug)]
pub struct Seen {
    pub host: String,
    pub method: String,
    pub path: String,
    pub auth: Presented,
    pub status: u16,
}

/// What the stand-in knows and has seen, shared by its connections.
#[derive(Default)]
pub struct Model {
    pub tokens: Vec<Token>,
    pub lacking_scopes: Vec<String>,
    /// Secrets without read:user:bitbucket: 403 on /2.0/user only.
    pub lacking_user_scope: Vec<String>,
    /// Secrets that may read but not write: 403 on git-receive-pack.
    pub read_only: Vec<String>,
    /// A Data Center server that refuses Basic for tokens (401), as some
    /// are configured to: only Bearer gets in.
    pub refuses_basic_for_tokens: bool,
    pub app_passwords_removed: bool,
    /// Redirects: requests to a host whose path starts with a prefix are
    /// answered 302 with a location.
    pub redirects: Vec<(String, String, String)>,
    /// The username the REST API answers instead of the account's.
    pub answered_username: Option<String>,
    pub seen: Vec<Seen>,
    /// Git LFS objects uploaded, by oid.
    pub lfs_objects: std::collections::HashMap<String, Vec<u8>>,
}

/// What a request addresses, in Bitbucket's layout.
pub enum Site {
    CloudGit {
        repo: String,
        dir: String,
        rest: String,
    },
    CloudApi {
        repo: Option<String>,
        user: bool,
    },
    DcScm {
        project: String,
        repo: String,
        dir: String,
        rest: String,
    },
    DcRest {
        project: Option<String>,
        repo: Option<String>,
    },
    /// Where a Git LFS batch answer sends an object: like a signed storage
    /// URL, it needs no credential.
    LfsStore {
        oid: String,
    },
}

/// How Bitbucket answers a credential for a site.
pub enum Verdict {
    Ok(String),
    Unauthorized,
    Forbidden,
    Gone,
}

/// The site `path` on `host` addresses; `None` for paths Bitbucket does
/// not serve.
pub fn route(host: &str, path: &str) -> Option<Site> {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    // Reached by address (a REST client given --api-base): the path says
    // which site is meant.
    let host = if host.parse::<IpAddr>().is_err() && host != "localhost" {
        host
    } else if segs.first() == Some(&"2.0") {
        "api.bitbucket.org"
    } else if segs.first() == Some(&"bitbucket") {
        DC_HOST
    } else {
        "bitbucket.org"
    };
    match host {
        "bitbucket.org" => {
            if let ["lfs-store", oid] = segs.as_slice() {
                return Some(Site::LfsStore {
                    oid: (*oid).to_owned(),
                });
            }
            let [ws, repo, rest @ ..] = segs.as_slice() else {
                return None;
            };
            let name = repo.strip_suffix(".git").unwrap_or(repo);
            let key = format!("{ws}/{name}");
            if rest.first() == Some(&"wiki") {
                return Some(Site::CloudGit {
                    dir: format!("cloud/{key}.wiki.git"),
                    repo: key,
                    rest: rest[1..].join("/"),
                });
            }
            Some(Site::CloudGit {
                dir: format!("cloud/{key}.git"),
                repo: key,
                rest: rest.join("/"),
            })
        }
        "api.bitbucket.org" => match segs.as_slice() {
            ["2.0", "user"] => Some(Site::CloudApi {
                repo: None,
                user: true,
            }),
            ["2.0", "repositories", ws, repo, ..] => Some(Site::CloudApi {
                repo: Some(format!("{ws}/{repo}")),
                user: false,
            }),
            _ => None,
        },
        DC_HOST => match segs.as_slice() {
            ["bitbucket", "scm", project, repo, rest @ ..] => {
                let name = repo.strip_suffix(".git").unwrap_or(repo).to_lowercase();
                let project = project.to_uppercase();
                Some(Site::DcScm {
                    dir: format!("dc/{}/{name}.git", project.to_lowercase()),
                    project,
                    repo: name,
                    rest: rest.join("/"),
                })
            }
            ["bitbucket", "rest", "api", _, "projects", project, "repos", repo, ..] => {
                Some(Site::DcRest {
                    project: Some(project.to_uppercase()),
                    repo: Some(repo.to_lowercase()),
                })
            }
            ["bitbucket", "rest", "api", _, "projects", project, ..] => Some(Site::DcRest {
                project: Some(project.to_uppercase()),
                repo: None,
            }),
            ["bitbucket", "rest", "api", ..] => Some(Site::DcRest {
                project: None,
                repo: None,
            }),
            _ => None,
        },
        _ => None,
    }
}

/// Bitbucket's answer to `auth` for `site`.
pub fn judge(inner: &Model, site: &Site, auth: &Presented, pushing: bool) -> Verdict {
    let carried = |list: &[String]| list.iter().any(|s| auth.carries(s));
    if inner.refuses_basic_for_tokens
        && matches!(site, Site::DcScm { .. } | Site::DcRest { .. })
        && matches!(auth, Presented::Basic(..))
    {
        return Verdict::Unauthorized;
    }
    match judge_credential(inner, site, auth) {
        Verdict::Ok(_) if carried(&inner.lacking_scopes) => Verdict::Forbidden,
        Verdict::Ok(_)
            if matches!(site, Site::CloudApi { user: true, .. })
                && carried(&inner.lacking_user_scope) =>
        {
            Verdict::Forbidden
        }
        Verdict::Ok(_) if pushing && carried(&inner.read_only) => Verdict::Forbidden,
        v => v,
    }
}

fn judge_credential(inner: &Model, site: &Site, auth: &Presented) -> Verdict {
    if matches!(site, Site::LfsStore { .. }) {
        return Verdict::Ok("lfs-store".to_owned());
    }
    for token in &inner.tokens {
        let ok = |who: &str| Verdict::Ok(who.to_owned());
        let verdict = match (token, site, auth) {
            (
                Token::AppPassword { username, secret },
                Site::CloudGit { .. } | Site::CloudApi { .. },
                Presented::Basic(u, p),
            ) if u == username && p == secret => {
                if inner.app_passwords_removed {
                    Some(Verdict::Gone)
                } else {
                    Some(ok(username))
                }
            }
            (
                Token::ApiToken {
                    username, secret, ..
                },
                Site::CloudGit { .. },
                Presented::Basic(u, p),
            ) if p == secret && (u == username || u == "x-bitbucket-api-token-auth") => {
                Some(ok(username))
            }
            (
                Token::ApiToken {
                    username,
                    email,
                    secret,
                },
                Site::CloudApi { .. },
                Presented::Basic(u, p),
            ) if p == secret && u == email => Some(ok(username)),
            (
                Token::AccessToken { secret, reach },
                Site::CloudGit { repo, .. },
                Presented::Basic(u, p),
            ) if u == "x-token-auth" && p == secret => Some(if reach.covers(repo) {
                ok("access-token")
            } else {
                Verdict::Forbidden
            }),
            (
                Token::AccessToken { secret, reach },
                Site::CloudApi { repo, .. },
                Presented::Bearer(t),
            ) if t == secret => Some(match repo {
                Some(r) if reach.covers(r) => ok("access-token"),
                _ => Verdict::Forbidden,
            }),
            (
                Token::DcUser { username, secret },
                Site::DcScm { .. } | Site::DcRest { .. },
                Presented::Basic(u, p),
            ) if u == username && p == secret => Some(ok(username)),
            (
                Token::DcUser { username, secret },
                Site::DcScm { .. } | Site::DcRest { .. },
                Presented::Bearer(t),
            ) if t == secret => Some(ok(username)),
            (Token::DcProject { project, secret }, _, _)
            | (
                Token::DcRepository {
                    project, secret, ..
                },
                _,
                _,
            ) if matches!(site, Site::DcScm { .. } | Site::DcRest { .. })
                && match auth {
                    Presented::Bearer(t) => t == secret,
                    Presented::Basic(u, p) => u == "x-token-auth" && p == secret,
                    _ => false,
                } =>
            {
                let want_repo = match token {
                    Token::DcRepository { repo, .. } => Some(repo.as_str()),
                    _ => None,
                };
                let (p, r) = match site {
                    Site::DcScm { project, repo, .. } => {
                        (Some(project.as_str()), Some(repo.as_str()))
                    }
                    Site::DcRest { project, repo } => (project.as_deref(), repo.as_deref()),
                    _ => (None, None),
                };
                let inside = p == Some(project.as_str()) && want_repo.is_none_or(|w| r == Some(w));
                Some(if inside {
                    ok("project-token")
                } else {
                    Verdict::Forbidden
                })
            }
            _ => None,
        };
        if let Some(v) = verdict {
            return v;
        }
    }
    Verdict::Unauthorized
}

/// The credential an `Authorization` header carries.
pub fn parse_auth(value: Option<&String>) -> Presented {
    let Some(v) = value else {
        return Presented::None;
    };
    if let Some(b64) = v.strip_prefix("Basic ") {
        let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(b64.trim()) else {
            return Presented::Other(v.clone());
        };
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (u, p) = text.split_once(':').unwrap_or((&text, ""));
        Presented::Basic(u.to_owned(), p.to_owned())
    } else if let Some(t) = v.strip_prefix("Bearer ") {
        Presented::Bearer(t.trim().to_owned())
    } else {
        Presented::Other(v.clone())
    }
}
