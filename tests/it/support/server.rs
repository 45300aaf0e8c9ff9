//! The stand-in's HTTPS server: one loopback address per test process
//! (ports 443 and 7990), repositories served by `git http-backend`, every
//! request recorded with the credential it carried.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use super::model::{judge, parse_auth, route, Model, Seen, Site, Token, Verdict};
use super::pki::server_tls;
use super::{DC_HOST, DC_PORT, GIT_OLD};

/// The running stand-in.
pub struct Bitbucket {
    pub ip: Ipv4Addr,
    root: tempfile::TempDir,
    inner: Arc<Mutex<Model>>,
}

impl Bitbucket {
    /// Starts a server on a loopback address no other test uses.
    pub fn start() -> Bitbucket {
        Bitbucket::start_with(&server_tls)
    }

    /// Starts a server whose TLS is `tls(its address)`: a certificate
    /// other than the test CA's, or a demand for a client certificate.
    pub fn start_with(tls: &dyn Fn(Ipv4Addr) -> Arc<rustls::ServerConfig>) -> Bitbucket {
        static NEXT: AtomicU8 = AtomicU8::new(1);
        let pid = std::process::id();
        loop {
            let n = NEXT.fetch_add(1, Ordering::SeqCst);
            assert!(n < 250, "ran out of loopback addresses");
            let ip = Ipv4Addr::new(127, 1 + (pid % 250) as u8, ((pid / 250) % 250) as u8, n);
            if let Some(bb) = Bitbucket::start_at_with(ip, tls(ip)) {
                return bb;
            }
        }
    }

    /// Starts a server on `ip` (ports 443 and 7990) with `tls`; `None`
    /// when they are taken.
    pub fn start_at_with(ip: Ipv4Addr, tls: Arc<rustls::ServerConfig>) -> Option<Bitbucket> {
        let inner = Arc::new(Mutex::new(Model::default()));
        let cloud = match TcpListener::bind(SocketAddr::new(IpAddr::V4(ip), 443)) {
            Ok(l) => l,
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => return None,
            Err(e) => panic!("binding {ip}:443 failed ({e}); the end-to-end tests serve bitbucket.org on port 443 and need root or CAP_NET_BIND_SERVICE"),
        };
        let dc = TcpListener::bind(SocketAddr::new(IpAddr::V4(ip), DC_PORT)).ok()?;
        let root = tempfile::tempdir().unwrap();
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

    /// Answers requests to `host` whose path starts with `prefix` with a
    /// redirect to `location`.
    pub fn redirect(&self, host: &str, prefix: &str, location: &str) {
        self.inner.lock().unwrap().redirects.push((
            host.to_owned(),
            prefix.to_owned(),
            location.to_owned(),
        ));
    }

    /// Makes the REST API answer `name` as the account's username.
    pub fn answer_username(&self, name: &str) {
        self.inner.lock().unwrap().answered_username = Some(name.to_owned());
    }

    /// Accepts `secret` no more (it expired, or was revoked).
    pub fn revoke(&self, secret: &str) {
        self.inner
            .lock()
            .unwrap()
            .tokens
            .retain(|t| t.secret() != secret);
    }

    /// Treats `secret` as valid but without the scopes it needs (403).
    pub fn lacks_scopes(&self, secret: &str) {
        self.inner
            .lock()
            .unwrap()
            .lacking_scopes
            .push(secret.to_owned());
    }

    /// Treats `secret` as valid without read:user:bitbucket: 403 on
    /// `/2.0/user`, everything else as before.
    pub fn lacks_user_scope(&self, secret: &str) {
        self.inner
            .lock()
            .unwrap()
            .lacking_user_scope
            .push(secret.to_owned());
    }

    /// Lets `secret` read but not write: git-receive-pack answers 403.
    pub fn read_only(&self, secret: &str) {
        self.inner.lock().unwrap().read_only.push(secret.to_owned());
    }

    /// Makes the Data Center server refuse Basic for every token (401).
    pub fn refuse_basic_for_tokens(&self) {
        self.inner.lock().unwrap().refuses_basic_for_tokens = true;
    }

    /// Answers app passwords with 410 Gone, as Bitbucket does since their removal.
    pub fn remove_app_passwords(&self) {
        self.inner.lock().unwrap().app_passwords_removed = true;
    }

    /// Every request answered so far.
    pub fn requests(&self) -> Vec<Seen> {
        self.inner.lock().unwrap().seen.clone()
    }

    /// Every Git LFS object uploaded.
    pub fn lfs_objects(&self) -> Vec<Vec<u8>> {
        self.inner
            .lock()
            .unwrap()
            .lfs_objects
            .values()
            .cloned()
            .collect()
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

fn serve(
    stream: TcpStream,
    tls: Arc<rustls::ServerConfig>,
    inner: &Mutex<Model>,
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
    let pushing = path.ends_with("/git-receive-pack") || query.contains("service=git-receive-pack");
    let verdict = site
        .as_ref()
        .map(|site| judge(&inner.lock().unwrap(), site, &auth, pushing));
    let record = |status: u16| {
        inner.lock().unwrap().seen.push(Seen {
            host: host.clone(),
            method: method.clone(),
            path: target.clone(),
            auth: auth.clone(),
            status,
        });
    };
    let redirect = inner
        .lock()
        .unwrap()
        .redirects
        .iter()
        .find(|(h, prefix, _)| *h == host && target.starts_with(prefix.as_str()))
        .map(|(_, _, location)| location.clone());
    if let Some(location) = redirect {
        record(302);
        drop(reader);
        return respond(&mut tls, 302, &[("Location", location.as_str())], b"");
    }
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
            let name = inner.lock().unwrap().answered_username.clone();
            let json = serde_json::to_string_pretty(
                &serde_json::json!({ "username": name.unwrap_or(user) }),
            )
            .unwrap();
            respond(
                &mut tls,
                200,
                &[("Content-Type", "application/json")],
                json.as_bytes(),
            )
        }
        Site::LfsStore { oid } => {
            let mut model = inner.lock().unwrap();
            let (status, out) = if method == "PUT" {
                model.lfs_objects.insert(oid, body);
                (200, Vec::new())
            } else {
                match model.lfs_objects.get(&oid) {
                    Some(bytes) => (200, bytes.clone()),
                    None => (404, b"no such object\n".to_vec()),
                }
            };
            drop(model);
            record(status);
            respond(&mut tls, status, &[], &out)
        }
        Site::CloudGit { rest, .. } if rest.starts_with("info/lfs/") => {
            let (status, out) = lfs(&rest, &body);
            record(status);
            respond(
                &mut tls,
                status,
                &[("Content-Type", "application/vnd.git-lfs+json")],
                out.as_bytes(),
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

/// The Git LFS API of a repository, once the credential was accepted: the
/// batch endpoint sends every object to the stand-in's object store, and
/// file locking is not offered (404), as on Bitbucket Cloud.
fn lfs(rest: &str, body: &[u8]) -> (u16, String) {
    if rest != "info/lfs/objects/batch" {
        return (404, "{\"message\": \"not found\"}\n".to_owned());
    }
    let text = String::from_utf8_lossy(body);
    let operation = if text.contains("\"download\"") {
        "download"
    } else {
        "upload"
    };
    // The request's objects: {"oid":"…","size":N}, read without a JSON
    // library since nothing else in the stand-in needs one.
    let mut objects = Vec::new();
    for part in text.split("\"oid\"").skip(1) {
        let oid: String = part
            .trim_start_matches([':', ' ', '"'])
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .collect();
        let size: String = part
            .split("\"size\"")
            .nth(1)
            .unwrap_or("0")
            .trim_start_matches([':', ' '])
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        objects.push(format!(
            "{{\"oid\":\"{oid}\",\"size\":{size},\"authenticated\":true,\"actions\":{{\"{operation}\":{{\"href\":\"https://bitbucket.org/lfs-store/{oid}\",\"expires_in\":3600}}}}}}"
        ));
    }
    (
        200,
        format!(
            "{{\"transfer\":\"basic\",\"objects\":[{}]}}\n",
            objects.join(",")
        ),
    )
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
