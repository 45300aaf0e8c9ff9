//! A local stand-in for Bitbucket, and an isolated user for real git.
//!
//! The server speaks HTTPS (a CA and certificate made at test time) on a
//! loopback address of its own, port 443 for Cloud (`bitbucket.org`,
//! `api.bitbucket.org`) and 7990 for Data Center (`bitbucket.example.com`
//! under the context path `/bitbucket`). git reaches it under the real
//! host names through `http.curloptResolve`. Repositories are served by
//! git's own `git http-backend`; authentication follows Bitbucket's rules
//! for each kind of credential, and every request is recorded with the
//! credential it carried.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use base64::Engine;

/// git 2.39, Debian's.
pub const GIT_OLD: &str = "/usr/bin/git";
/// git 2.47, with `capability[]=authtype`.
pub const GIT_NEW: &str = "/usr/local/bin/git";
/// The Data Center host name and port.
pub const DC_HOST: &str = "bitbucket.example.com";
/// The Data Center port.
pub const DC_PORT: u16 = 7990;

/// The git the suite runs by default: `$GCB_TEST_GIT`, else git 2.47.
pub fn default_git() -> String {
    std::env::var("GCB_TEST_GIT").unwrap_or_else(|_| GIT_NEW.to_owned())
}

struct Pki {
    _dir: tempfile::TempDir,
    ca_file: PathBuf,
    ca_cert: rcgen::Certificate,
    ca_key: rcgen::KeyPair,
}

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "Bitbucket stand-in test CA");
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca_cert.pem()).unwrap();
        Pki {
            _dir: dir,
            ca_file,
            ca_cert,
            ca_key,
        }
    })
}

/// A server certificate for the stand-in's host names and its own address.
fn server_tls(ip: Ipv4Addr) -> Arc<rustls::ServerConfig> {
    use rcgen::{CertificateParams, DnType, KeyPair};
    let pki = pki();
    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(vec![
        "bitbucket.org".to_owned(),
        "api.bitbucket.org".to_owned(),
        DC_HOST.to_owned(),
        "localhost".to_owned(),
        ip.to_string(),
    ])
    .unwrap();
    leaf.distinguished_name
        .push(DnType::CommonName, "bitbucket.org");
    let leaf_cert = leaf
        .signed_by(&leaf_key, &pki.ca_cert, &pki.ca_key)
        .unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
    let tls = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![leaf_cert.der().clone()], key)
    .unwrap();
    Arc::new(tls)
}

/// The CA certificate file that git (and the helper's REST client) trust.
pub fn ca_file() -> &'static Path {
    &pki().ca_file
}

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

#[derive(Default)]
struct Inner {
    tokens: Vec<Token>,
    lacking_scopes: Vec<String>,
    app_passwords_removed: bool,
    seen: Vec<Seen>,
}

/// The running stand-in.
pub struct Bitbucket {
    pub ip: Ipv4Addr,
    root: tempfile::TempDir,
    inner: Arc<Mutex<Inner>>,
}

enum Site {
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
}

enum Verdict {
    Ok(String),
    Unauthorized,
    Forbidden,
    Gone,
}

impl Bitbucket {
    /// Starts a server on a loopback address no other test uses.
    pub fn start() -> Bitbucket {
        static NEXT: AtomicU8 = AtomicU8::new(1);
        let pid = std::process::id();
        loop {
            let n = NEXT.fetch_add(1, Ordering::SeqCst);
            assert!(n < 250, "ran out of loopback addresses");
            let ip = Ipv4Addr::new(127, 1 + (pid % 250) as u8, ((pid / 250) % 250) as u8, n);
            if let Some(bb) = Bitbucket::start_at(ip) {
                return bb;
            }
        }
    }

    /// Starts a server on `ip` (ports 443 and 7990); `None` when they are
    /// taken. 127.0.0.1 is where `localhost` leads, for clients that
    /// resolve names themselves.
    pub fn start_at(ip: Ipv4Addr) -> Option<Bitbucket> {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let cloud = match TcpListener::bind(SocketAddr::new(IpAddr::V4(ip), 443)) {
            Ok(l) => l,
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => return None,
            Err(e) => panic!("binding {ip}:443 failed ({e}); the end-to-end tests serve bitbucket.org on port 443 and need root or CAP_NET_BIND_SERVICE"),
        };
        let dc = TcpListener::bind(SocketAddr::new(IpAddr::V4(ip), DC_PORT)).ok()?;
        let root = tempfile::tempdir().unwrap();
        let tls = server_tls(ip);
        for listener in [cloud, dc] {
            let inner = inner.clone();
            let root = root.path().to_path_buf();
            let tls = tls.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming().flatten() {
                    let inner = inner.clone();
                    let root = root.clone();
                    let tls = tls.clone();
                    std::thread::spawn(move || {
                        let _ = serve(stream, tls, &inner, &root);
                    });
                }
            });
        }
        Some(Bitbucket { ip, root, inner })
    }

    /// Accepts `token` from now on.
    pub fn add(&self, token: Token) {
        self.inner.lock().unwrap().tokens.push(token);
    }

    /// Treats `secret` as valid but without the scopes it needs (403).
    pub fn lacks_scopes(&self, secret: &str) {
        self.inner
            .lock()
            .unwrap()
            .lacking_scopes
            .push(secret.to_owned());
    }

    /// Answers app passwords with 410 Gone, as Bitbucket does since their removal.
    pub fn remove_app_passwords(&self) {
        self.inner.lock().unwrap().app_passwords_removed = true;
    }

    /// Every request answered so far.
    pub fn requests(&self) -> Vec<Seen> {
        self.inner.lock().unwrap().seen.clone()
    }

    /// Forgets the requests seen so far.
    pub fn clear_requests(&self) {
        self.inner.lock().unwrap().seen.clear();
    }

    /// Creates a Cloud repository `workspace/repo` with one commit.
    pub fn cloud_repo(&self, repo: &str) {
        self.make_repo(&format!("cloud/{repo}.git"), repo);
    }

    /// Creates the wiki of Cloud repository `workspace/repo`.
    pub fn cloud_wiki(&self, repo: &str) {
        self.make_repo(&format!("cloud/{repo}.wiki.git"), &format!("{repo} wiki"));
    }

    /// Creates Data Center repository `PROJECT/repo`.
    pub fn dc_repo(&self, repo: &str) {
        self.make_repo(&format!("dc/{}.git", repo.to_lowercase()), repo);
    }

    fn make_repo(&self, rel: &str, title: &str) {
        let bare = self.root.path().join(rel);
        let work = tempfile::tempdir().unwrap();
        let git = |dir: &Path, args: &[&str]| {
            let out = Command::new(GIT_OLD)
                .args(args)
                .current_dir(dir)
                .env_clear()
                .env("PATH", "/usr/bin:/bin")
                .env("HOME", work.path())
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_AUTHOR_NAME", "Stand-in")
                .env("GIT_AUTHOR_EMAIL", "stand-in@example.com")
                .env("GIT_COMMITTER_NAME", "Stand-in")
                .env("GIT_COMMITTER_EMAIL", "stand-in@example.com")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "git {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        std::fs::create_dir_all(&bare).unwrap();
        git(&bare, &["init", "-q", "--bare", "-b", "main"]);
        git(work.path(), &["init", "-q", "-b", "main"]);
        std::fs::write(work.path().join("README.md"), format!("# {title}\n")).unwrap();
        git(work.path(), &["add", "README.md"]);
        git(work.path(), &["commit", "-q", "-m", "first"]);
        git(work.path(), &["push", "-q", bare.to_str().unwrap(), "main"]);
    }

    /// The commit subjects of branch `main` in a served repository
    /// (`cloud/acme/widget.git`, `dc/proj/repo.git`).
    pub fn log(&self, rel: &str) -> String {
        let out = Command::new(GIT_OLD)
            .args(["log", "--format=%s", "main"])
            .current_dir(self.root.path().join(rel))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

fn route(host: &str, path: &str) -> Option<Site> {
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

fn judge(inner: &Inner, site: &Site, auth: &Presented) -> Verdict {
    match judge_credential(inner, site, auth) {
        Verdict::Ok(_) if inner.lacking_scopes.iter().any(|s| auth.carries(s)) => {
            Verdict::Forbidden
        }
        v => v,
    }
}

fn judge_credential(inner: &Inner, site: &Site, auth: &Presented) -> Verdict {
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

fn parse_auth(value: Option<&String>) -> Presented {
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

fn serve(
    stream: TcpStream,
    tls: Arc<rustls::ServerConfig>,
    inner: &Mutex<Inner>,
    root: &Path,
) -> std::io::Result<()> {
    let conn = rustls::ServerConnection::new(tls).map_err(std::io::Error::other)?;
    let mut tls = rustls::StreamOwned::new(conn, stream);
    let mut reader = BufReader::new(&mut tls);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let mut headers: HashMap<String, String> = HashMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let host = headers.get("host").cloned().unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default().to_owned();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let auth = parse_auth(headers.get("authorization"));
    let site = route(&host, path);
    let verdict = site
        .as_ref()
        .map(|site| judge(&inner.lock().unwrap(), site, &auth));
    let record = |status: u16| {
        inner.lock().unwrap().seen.push(Seen {
            host: host.clone(),
            method: method.clone(),
            path: target.clone(),
            auth: auth.clone(),
            status,
        });
    };
    let realm = if host == DC_HOST {
        "Atlassian Bitbucket"
    } else {
        "Bitbucket.org HTTP"
    };
    let (site, user) = match (site, verdict) {
        (None, _) | (_, None) => {
            record(404);
            drop(reader);
            return respond(&mut tls, 404, &[], b"not found\n");
        }
        (Some(_), Some(Verdict::Unauthorized)) => {
            record(401);
            drop(reader);
            let challenge = format!("Basic realm=\"{realm}\"");
            return respond(
                &mut tls,
                401,
                &[("WWW-Authenticate", challenge.as_str())],
                b"unauthorized\n",
            );
        }
        (Some(_), Some(Verdict::Forbidden)) => {
            record(403);
            drop(reader);
            return respond(&mut tls, 403, &[], b"forbidden\n");
        }
        (Some(_), Some(Verdict::Gone)) => {
            record(410);
            drop(reader);
            return respond(
                &mut tls,
                410,
                &[],
                b"app passwords are no longer supported\n",
            );
        }
        (Some(site), Some(Verdict::Ok(user))) => (site, user),
    };
    if headers
        .get("expect")
        .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
    {
        reader
            .get_mut()
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        reader.get_mut().flush()?;
    }
    let body = read_body(&mut reader, &headers)?;
    drop(reader);
    match site {
        Site::CloudApi { .. } | Site::DcRest { .. } => {
            record(200);
            let json = format!("{{\"username\": \"{user}\"}}\n");
            respond(
                &mut tls,
                200,
                &[("Content-Type", "application/json")],
                json.as_bytes(),
            )
        }
        Site::CloudGit { dir, rest, .. } | Site::DcScm { dir, rest, .. } => {
            if !root.join(&dir).is_dir() {
                record(404);
                return respond(&mut tls, 404, &[], b"no such repository\n");
            }
            let (status, cgi_headers, out) =
                http_backend(root, &dir, &rest, &method, query, &headers, &body, &user)?;
            record(status);
            let refs: Vec<(&str, &str)> = cgi_headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            respond(&mut tls, status, &refs, &out)
        }
    }
}

fn read_body(
    reader: &mut impl BufRead,
    headers: &HashMap<String, String>,
) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    if headers
        .get("transfer-encoding")
        .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                .unwrap_or(0);
            if n == 0 {
                let mut end = String::new();
                reader.read_line(&mut end)?;
                break;
            }
            let mut chunk = vec![0; n];
            reader.read_exact(&mut chunk)?;
            body.extend_from_slice(&chunk);
            let mut crlf = [0u8; 2];
            reader.read_exact(&mut crlf)?;
        }
    } else if let Some(len) = headers
        .get("content-length")
        .and_then(|l| l.parse::<usize>().ok())
    {
        body.resize(len, 0);
        reader.read_exact(&mut body)?;
    }
    Ok(body)
}

/// Status, headers and body of a CGI answer.
type CgiResponse = (u16, Vec<(String, String)>, Vec<u8>);

#[allow(clippy::too_many_arguments)]
fn http_backend(
    root: &Path,
    dir: &str,
    rest: &str,
    method: &str,
    query: &str,
    headers: &HashMap<String, String>,
    body: &[u8],
    user: &str,
) -> std::io::Result<CgiResponse> {
    let mut cmd = Command::new(GIT_OLD);
    cmd.arg("http-backend")
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", root)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("PATH_INFO", format!("/{dir}/{rest}"))
        .env("REQUEST_METHOD", method)
        .env("QUERY_STRING", query)
        .env("CONTENT_LENGTH", body.len().to_string())
        .env("REMOTE_USER", user)
        .env("REMOTE_ADDR", "127.0.0.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (header, var) in [
        ("content-type", "CONTENT_TYPE"),
        ("git-protocol", "HTTP_GIT_PROTOCOL"),
        ("content-encoding", "HTTP_CONTENT_ENCODING"),
    ] {
        if let Some(v) = headers.get(header) {
            cmd.env(var, v);
        }
    }
    let mut child = cmd.spawn()?;
    let mut stdin = child.stdin.take().unwrap();
    let body = body.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&body);
    });
    let out = child.wait_with_output()?;
    let _ = writer.join();
    let raw = out.stdout;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| raw.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)));
    let Some((end, sep)) = split else {
        return Ok((500, Vec::new(), raw));
    };
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut status = 200;
    let mut hdrs = Vec::new();
    for line in head.lines() {
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("status") {
                status = v
                    .trim()
                    .split(' ')
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(500);
            } else {
                hdrs.push((k.trim().to_owned(), v.trim().to_owned()));
            }
        }
    }
    Ok((status, hdrs, raw[end + sep..].to_vec()))
}

fn respond(
    out: &mut impl Write,
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        410 => "Gone",
        _ => "Status",
    };
    let mut head = format!("HTTP/1.1 {status} {reason}\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    out.write_all(head.as_bytes())?;
    out.write_all(body)?;
    out.flush()
}

/// A person at a machine: an empty HOME, a git configuration of their own,
/// the helper on PATH, git pointed at the stand-in.
pub struct User {
    pub home: tempfile::TempDir,
    pub git: String,
    extra_env: Vec<(String, String)>,
    /// Where the helper is found on PATH (default: the build's).
    pub helper_dir: PathBuf,
    /// git's system configuration file, when the user has one (a CI image).
    pub system_config: Option<PathBuf>,
}

/// The helper executable under test.
pub fn helper_exe() -> &'static str {
    env!("CARGO_BIN_EXE_git-credential-bitbucket")
}

impl User {
    /// A user whose git resolves the stand-in's host names to `bb`.
    pub fn new(bb: &Bitbucket) -> User {
        let user = User {
            home: tempfile::tempdir().unwrap(),
            git: default_git(),
            extra_env: Vec::new(),
            helper_dir: Path::new(helper_exe()).parent().unwrap().to_path_buf(),
            system_config: None,
        };
        let ip = bb.ip;
        user.write_gitconfig(&format!(
            "[user]\n\tname = Test User\n\temail = user@example.com\n[init]\n\tdefaultBranch = main\n[http]\n\tcurloptResolve = bitbucket.org:443:{ip}\n\tcurloptResolve = api.bitbucket.org:443:{ip}\n\tcurloptResolve = {DC_HOST}:{DC_PORT}:{ip}\n"
        ));
        user
    }

    /// A user whose git runs the helper (with paths) for `url`.
    pub fn with_helper_for(bb: &Bitbucket, url: &str) -> User {
        let user = User::new(bb);
        user.use_helper_for(url);
        user
    }

    /// Appends `text` to `~/.gitconfig`.
    pub fn write_gitconfig(&self, text: &str) {
        let path = self.home.path().join(".gitconfig");
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        f.write_all(text.as_bytes()).unwrap();
    }

    /// Configures the helper for `url` the way the README tells users to.
    pub fn use_helper_for(&self, url: &str) {
        self.write_gitconfig(&format!(
            "[credential \"{url}\"]\n\thelper = bitbucket\n\tuseHttpPath = true\n"
        ));
    }

    /// The helper's configuration file.
    pub fn config_path(&self) -> PathBuf {
        self.home
            .path()
            .join(".config/git-credential-bitbucket/config.toml")
    }

    /// The directory of the file store's secrets.
    pub fn secrets_dir(&self) -> PathBuf {
        self.config_path().with_file_name("secrets")
    }

    /// The file that holds entry `name`'s secret in the file store.
    pub fn secret_file(&self, name: &str) -> PathBuf {
        self.secrets_dir().join(name)
    }

    /// The file of learned credentials.
    pub fn learned_path(&self) -> PathBuf {
        self.config_path().with_file_name("learned.toml")
    }

    /// Writes the helper's configuration file.
    pub fn write_config(&self, text: &str) {
        let path = self.config_path();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Writes secrets into the file store (as `add` will), mode 0600.
    pub fn write_secrets(&self, pairs: &[(&str, &str)]) {
        use std::os::unix::fs::PermissionsExt;
        let dir = self.secrets_dir();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        for (name, secret) in pairs {
            let path = self.secret_file(name);
            std::fs::write(&path, secret).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }

    /// Sets an environment variable for every command this user runs.
    pub fn env(&mut self, key: &str, value: &str) {
        self.extra_env.push((key.to_owned(), value.to_owned()));
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env(
                "PATH",
                format!("{}:/usr/local/bin:/usr/bin:/bin", self.helper_dir.display()),
            )
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join(".config"))
            .env("XDG_CACHE_HOME", self.home.path().join(".cache"))
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_SSL_CAINFO", ca_file())
            .env("LANG", "C")
            .current_dir(self.home.path())
            .stdin(Stdio::null());
        match &self.system_config {
            Some(file) => cmd.env("GIT_CONFIG_SYSTEM", file),
            None => cmd.env("GIT_CONFIG_NOSYSTEM", "1"),
        };
        for (k, v) in &self.extra_env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs git (this user's version) with `args`.
    pub fn git(&self, args: &[&str]) -> Output {
        self.command(&self.git).args(args).output().unwrap()
    }

    /// Runs a given git binary with `args`.
    pub fn git_with(&self, git: &str, args: &[&str]) -> Output {
        self.command(git).args(args).output().unwrap()
    }

    /// Runs git with `input` on its standard input.
    pub fn git_input(&self, args: &[&str], input: &str) -> Output {
        run_with_input(self.command(&self.git).args(args), input.as_bytes())
    }

    /// Runs the helper directly with `input` on its standard input.
    pub fn helper(&self, args: &[&str], input: &str) -> Output {
        run_with_input(self.command(helper_exe()).args(args), input.as_bytes())
    }

    /// Runs the helper with raw bytes on its standard input.
    pub fn helper_bytes(&self, args: &[&str], input: &[u8]) -> Output {
        run_with_input(self.command(helper_exe()).args(args), input)
    }

    /// A path inside HOME.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.home.path().join(rel)
    }
}

fn run_with_input(cmd: &mut Command, input: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    let _ = writer.join();
    out
}

/// Text of a command's stderr.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Text of a command's stdout.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts that a command succeeded, showing its output when it did not.
#[track_caller]
pub fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "command failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        stdout(out),
        stderr(out)
    );
}

/// Whether `git` offers `capability[]=authtype` (2.46 and later).
pub fn offers_authtype(git: &str) -> bool {
    let out = Command::new(git).arg("version").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let version: Vec<u32> = text
        .trim()
        .trim_start_matches("git version ")
        .split('.')
        .take(2)
        .map(|n| n.parse().unwrap_or(0))
        .collect();
    version >= vec![2, 46]
}

/// A D-Bus session with gnome-keyring's Secret Service, unlocked, for the
/// keyring tests. Stopped when dropped.
pub struct KeyringSession {
    pub address: String,
    children: Vec<std::process::Child>,
    _dir: tempfile::TempDir,
}

impl KeyringSession {
    /// Starts the session. Off CI, `None` (and a note) when the daemons are
    /// not installed; on CI (CI=true) a failure to start fails the test.
    pub fn start() -> Option<KeyringSession> {
        let on_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        match KeyringSession::try_start() {
            Ok(s) => Some(s),
            Err(e) if on_ci => {
                panic!("the Secret Service for the keyring tests could not start: {e}")
            }
            Err(e) => {
                eprintln!("skipping: the Secret Service could not start ({e}); install dbus and gnome-keyring");
                None
            }
        }
    }

    fn try_start() -> Result<KeyringSession, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut dbus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("dbus-daemon: {e}"))?;
        let mut address = String::new();
        BufReader::new(dbus.stdout.take().unwrap())
            .read_line(&mut address)
            .map_err(|e| e.to_string())?;
        let address = address.trim().to_owned();
        let mut session = KeyringSession {
            address,
            children: vec![dbus],
            _dir: dir,
        };
        let home = session._dir.path();
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_RUNTIME_DIR", home)
            .env("DBUS_SESSION_BUS_ADDRESS", &session.address)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("gnome-keyring-daemon: {e}"))?;
        keyring
            .stdin
            .take()
            .unwrap()
            .write_all(b"test-password")
            .map_err(|e| e.to_string())?;
        session.children.push(keyring);
        for _ in 0..200 {
            let out = Command::new("dbus-send")
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .env("DBUS_SESSION_BUS_ADDRESS", &session.address)
                .output()
                .map_err(|e| format!("dbus-send: {e}"))?;
            if String::from_utf8_lossy(&out.stdout).contains("boolean true") {
                return Ok(session);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Err("gnome-keyring-daemon did not appear on the session bus".to_owned())
    }

    /// Lets `user`'s commands reach this keyring.
    pub fn admit(&self, user: &mut User) {
        user.env("DBUS_SESSION_BUS_ADDRESS", &self.address);
    }

    /// Whether the keyring holds an item for entry `name` (asked through
    /// D-Bus directly, not through the helper).
    pub fn holds(&self, name: &str) -> bool {
        let out = Command::new("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.secrets",
                "/org/freedesktop/secrets",
                "org.freedesktop.Secret.Service.SearchItems",
                &format!("dict:string:string:service,git-credential-bitbucket,username,{name}"),
            ])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).contains("/org/freedesktop/secrets/collection/")
    }
}

impl Drop for KeyringSession {
    fn drop(&mut self) {
        for child in self.children.iter_mut().rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
