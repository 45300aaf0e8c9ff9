//! The helper's HTTPS client: for each URL it reads git's settings for
//! that URL and reaches the server as git would (trust, proxy, client
//! certificate), and turns every failure on the way into one sentence.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ureq::unversioned::resolver::DefaultResolver;
use ureq::unversioned::transport::{
    ConnectProxyConnector, Connector, SocksConnector, TcpConnector,
};

use super::error::{HttpsError, Refusal};
use super::settings::{GitHttp, Source};
use super::tls::Tls;
use super::trust::{anchors, client_identity, Verifier};
use crate::url::{printable, shown, UrlParts};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// How long one request may take in all.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Why the last certificate of one kind of connection (to the server, or
/// to an `https://` proxy) was refused, and what was trusted there.
struct Checked {
    refused: Arc<Mutex<Option<Refusal>>>,
    sources: String,
}

/// An agent made for one set of settings, with what its messages need.
struct Prepared {
    agent: ureq::Agent,
    server: Checked,
    /// An `https://` proxy's `host:port` and its check.
    proxy_tls: Option<(String, Checked)>,
    proxy: Option<(String, Source)>,
    client_cert: bool,
}

/// Reaches URLs as git reaches them. It reads git's settings once per URL
/// and keeps one agent per distinct settings.
#[derive(Default)]
pub struct Client {
    settings: RefCell<HashMap<String, GitHttp>>,
    agents: RefCell<HashMap<(GitHttp, bool), Arc<Prepared>>>,
}

/// Whether the unverified-certificate warning was printed: once per run,
/// however many entries a command checks.
static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// What a server answered.
pub type Response = ureq::http::Response<ureq::Body>;

impl Client {
    /// A client that has read nothing yet.
    pub fn new() -> Client {
        Client::default()
    }

    /// GETs `url` with `headers` (redirects are not followed).
    pub fn get(&self, url: &str, headers: &[(&str, &str)]) -> Result<Response, HttpsError> {
        let key = url.split(['?', '#']).next().unwrap_or(url).to_owned();
        let settings = self
            .settings
            .borrow_mut()
            .entry(key)
            .or_insert_with(|| GitHttp::for_url(url))
            .clone();
        let parts = UrlParts::parse(url);
        let host_port = parts
            .as_ref()
            .and_then(|p| p.host.as_deref().map(str::to_owned))
            .unwrap_or_default();
        let host = bare_host(&host_port);
        let proxied = settings.proxy_for(host).is_some();
        if let Some(why) = settings.no_verify {
            if !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) {
                eprintln!("warning: {why}: the server's certificate is not verified, so the credential goes to whichever server answers as {}", printable(&host_port));
            }
        }
        let prepared = self.prepared(settings, proxied)?;
        let mut request = prepared.agent.get(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let checks =
            std::iter::once(&prepared.server).chain(prepared.proxy_tls.as_ref().map(|p| &p.1));
        for checked in checks {
            if let Ok(mut slot) = checked.refused.lock() {
                *slot = None;
            }
        }
        request
            .call()
            .map_err(|e| explain(&e, url, &host_port, &prepared))
    }

    fn prepared(&self, settings: GitHttp, proxied: bool) -> Result<Arc<Prepared>, HttpsError> {
        let key = (settings, proxied);
        if let Some(p) = self.agents.borrow().get(&key) {
            return Ok(p.clone());
        }
        let (settings, _) = &key;
        let proxy = settings.proxy.clone().filter(|_| proxied);
        let prepared = Arc::new(build(settings, proxy)?);
        self.agents.borrow_mut().insert(key, prepared.clone());
        Ok(prepared)
    }
}

/// `host` without its port (and an IPv6 address without brackets).
fn bare_host(host_port: &str) -> &str {
    if let Some(rest) = host_port.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    host_port.split(':').next().unwrap_or(host_port)
}

/// The ureq proxy for git's proxy setting `value`: `http://` (the
/// default when no scheme is written) or `https://`, with the
/// credentials in its URL.
fn proxy_of(value: &str, setting: Source) -> Result<ureq::Proxy, HttpsError> {
    let url = if value.contains("://") {
        value.to_owned()
    } else {
        format!("http://{value}")
    };
    let bad = |problem| HttpsError::BadProxy {
        proxy: shown(&url),
        setting,
        problem,
    };
    let (scheme, rest) = url.split_once("://").unwrap_or_default();
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        // git reads a bare `socks://` as SOCKS4.
        "socks" => "socks4".to_owned(),
        s @ ("http" | "https" | "socks4" | "socks4a" | "socks5" | "socks5h") => s.to_owned(),
        _ => {
            return Err(bad(
                "is not a proxy git speaks to (http, https, socks4, socks4a, socks5, socks5h)",
            ))
        }
    };
    ureq::Proxy::new(&format!("{scheme}://{rest}"))
        .map_err(|_| bad("is not a URL such as http://proxy.example.com:3128"))
}

/// A rustls configuration that checks servers against `anchors` (or,
/// with `check = false`, not at all), presenting `identity` when given.
fn tls_config(
    anchors: &super::trust::Anchors,
    check: bool,
    refused: Arc<Mutex<Option<Refusal>>>,
    identity: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
    settings: &GitHttp,
) -> Result<rustls::ClientConfig, HttpsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Verifier::new(anchors, check, provider.clone(), refused);
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .map_err(|_| HttpsError::Unreachable {
            url: String::new(),
            via: None,
            reason: "TLS could not be set up".into(),
        })?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));
    let Some((certs, key)) = identity else {
        return Ok(builder.with_no_client_auth());
    };
    let (setting, path) = settings
        .ssl_cert
        .as_ref()
        .map_or(("http.sslCert", String::new()), |(p, s)| {
            (*s, p.display().to_string())
        });
    builder
        .with_client_auth_cert(certs, key)
        .map_err(|_| HttpsError::ClientCert {
            setting,
            path,
            problem:
                "holds a certificate that does not match its key, or a key of a kind TLS cannot use"
                    .into(),
        })
}

/// For an `https://` proxy: its host and port, the configuration of the
/// connection to it (checked against `http.proxySSLCAInfo`, else the
/// system store, as git checks it) and its check.
#[allow(clippy::type_complexity)]
fn proxy_tls(
    proxy: &ureq::Proxy,
    settings: &GitHttp,
) -> Result<Option<((String, u16, Arc<rustls::ClientConfig>), (String, Checked))>, HttpsError> {
    if proxy.protocol() != ureq::ProxyProtocol::Https {
        return Ok(None);
    }
    let own = GitHttp {
        ca_info: settings.proxy_ca_info.clone(),
        ..GitHttp::default()
    };
    let anchors = anchors(&own)?;
    let refused = Arc::new(Mutex::new(None));
    let config = tls_config(&anchors, true, refused.clone(), None, &own)?;
    let host = proxy.host().to_owned();
    let checked = Checked {
        refused,
        sources: anchors.sources,
    };
    let shown_host = printable(&format!("{host}:{}", proxy.port()));
    Ok(Some((
        (host, proxy.port(), Arc::new(config)),
        (shown_host, checked),
    )))
}

/// An agent for `settings`, through `proxy` when one is given.
fn build(settings: &GitHttp, proxy: Option<(String, Source)>) -> Result<Prepared, HttpsError> {
    let anchors = anchors(settings)?;
    let refused = Arc::new(Mutex::new(None));
    let identity = client_identity(settings)?;
    let client_cert = identity.is_some();
    let check = settings.no_verify.is_none();
    let tls = tls_config(&anchors, check, refused.clone(), identity, settings)?;
    let ureq_proxy = match &proxy {
        Some((value, setting)) => Some(proxy_of(value, setting)?),
        None => None,
    };
    let (proxy_connection, proxy_tls) = match &ureq_proxy {
        Some(p) => proxy_tls(p, settings)?.unzip(),
        None => (None, None),
    };
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        // Redirects are the caller's to follow, where the credential
        // may go.
        .max_redirects(0)
        .timeout_global(Some(TIMEOUT))
        .proxy(ureq_proxy)
        .user_agent(concat!(
            "git-credential-bitbucket/",
            env!("CARGO_PKG_VERSION")
        ))
        .build();
    let connector =
        ().chain(SocksConnector::default())
            .chain(ConnectProxyConnector::default())
            .chain(TcpConnector::default())
            .chain(Tls {
                config: Arc::new(tls),
                proxy: proxy_connection,
            });
    log::debug!(
        "HTTPS as git: trusting {}{}; {}; {}",
        anchors.sources,
        if check { "" } else { " (not checked)" },
        proxy
            .as_ref()
            .map_or("no proxy".to_owned(), |(p, s)| format!(
                "proxy {} ({s})",
                shown(p)
            )),
        if client_cert {
            "a client certificate"
        } else {
            "no client certificate"
        },
    );
    Ok(Prepared {
        agent: ureq::Agent::with_parts(config, connector, DefaultResolver::default()),
        server: Checked {
            refused,
            sources: anchors.sources,
        },
        proxy_tls,
        proxy: proxy.map(|(value, setting)| (shown(&value), setting)),
        client_cert,
    })
}

/// The sentence for a failed request to `url`.
fn explain(error: &ureq::Error, url: &str, host: &str, prepared: &Prepared) -> HttpsError {
    let take = |checked: &Checked| checked.refused.lock().ok().and_then(|mut r| r.take());
    if let Some(refusal) = take(&prepared.server) {
        return HttpsError::Untrusted {
            host: printable(host),
            proxy: false,
            refusal,
            sources: prepared.server.sources.clone(),
        };
    }
    if let Some((proxy_host, checked)) = &prepared.proxy_tls {
        if let Some(refusal) = take(checked) {
            return HttpsError::Untrusted {
                host: proxy_host.clone(),
                proxy: true,
                refusal,
                sources: checked.sources.clone(),
            };
        }
    }
    if let (ureq::Error::ConnectProxyFailed(answer), Some((proxy, setting))) =
        (error, &prepared.proxy)
    {
        return HttpsError::ProxyRefused {
            proxy: proxy.clone(),
            setting,
            host: printable(host),
            answer: proxy_answer(answer),
        };
    }
    // A SOCKS proxy's refusal, in ureq's words (SOCKS has no status line
    // to quote).
    if let (ureq::Error::Io(e), Some((proxy, setting))) = (error, &prepared.proxy) {
        let socks = proxy.to_ascii_lowercase().starts_with("socks");
        if socks && e.raw_os_error().is_none() && e.get_ref().is_some() {
            return HttpsError::ProxyRefused {
                proxy: proxy.clone(),
                setting,
                host: printable(host),
                answer: format!("it answered: {e}"),
            };
        }
    }
    let alert = tls_error(error).and_then(|e| match e {
        rustls::Error::AlertReceived(alert) => Some(*alert),
        _ => None,
    });
    use rustls::AlertDescription::{BadCertificate, CertificateRequired, HandshakeFailure};
    match alert {
        Some(CertificateRequired) | Some(BadCertificate) | Some(HandshakeFailure)
            if prepared.client_cert || alert == Some(CertificateRequired) =>
        {
            return HttpsError::ClientCertWanted {
                host: printable(host),
                given: prepared.client_cert,
            }
        }
        _ => {}
    }
    HttpsError::Unreachable {
        url: shown(url),
        via: prepared.proxy.as_ref().map(|(p, s)| format!("{p} ({s})")),
        reason: reason(error),
    }
}

/// The TLS error inside `error`, if it is one.
fn tls_error(error: &ureq::Error) -> Option<&rustls::Error> {
    match error {
        ureq::Error::Rustls(e) => Some(e),
        ureq::Error::Io(e) => e.get_ref()?.downcast_ref::<rustls::Error>(),
        _ => None,
    }
}

/// What a proxy answered to CONNECT, from ureq's words
/// (`proxy server responded 407/407`).
fn proxy_answer(said: &str) -> String {
    let code = said
        .strip_prefix("proxy server responded ")
        .and_then(|a| a.split('/').next())
        .and_then(|c| c.parse::<u16>().ok());
    let Some(code) = code else {
        return "it did not answer".to_owned();
    };
    let name = ureq::http::StatusCode::from_u16(code)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map(|r| format!(" {r}"))
        .unwrap_or_default();
    if code == 407 {
        return format!("it answered {code}{name}; give the proxy's username and password in its URL, as git takes them (http://USER:PASSWORD@HOST:PORT)");
    }
    format!("it answered {code}{name}")
}

/// Why a connection failed, in words.
fn reason(error: &ureq::Error) -> String {
    use std::io::ErrorKind;
    if let Some(tls) = tls_error(error) {
        return match tls {
            rustls::Error::AlertReceived(_) => "the server ended the TLS handshake".into(),
            rustls::Error::InvalidCertificate(_) => "its certificate was not accepted".into(),
            _ => "the TLS handshake failed".into(),
        };
    }
    match error {
        ureq::Error::HostNotFound => "the host name does not resolve".into(),
        ureq::Error::Timeout(_) => format!("no answer within {} seconds", TIMEOUT.as_secs()),
        ureq::Error::ConnectProxyFailed(said) => proxy_answer(said),
        ureq::Error::Io(e) => match e.kind() {
            ErrorKind::ConnectionRefused => "the connection was refused".into(),
            ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted => {
                "the connection was closed".into()
            }
            ErrorKind::TimedOut => "the connection timed out".into(),
            ErrorKind::UnexpectedEof => "the server closed the connection".into(),
            // The resolver's own words (getaddrinfo's).
            _ if e.to_string().starts_with("failed to lookup address") => {
                "the host name does not resolve".into()
            }
            _ if e.raw_os_error().is_some() => e.to_string(),
            _ => "the connection failed".into(),
        },
        ureq::Error::Tls(_) => "the TLS connection could not be made".into(),
        _ => "the server's answer could not be read".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Error, ErrorKind};

    #[test]
    fn each_failure_on_the_way_is_said_in_words() {
        let io = |kind, text: &str| ureq::Error::Io(Error::new(kind, text.to_owned()));
        let cases = [
            (
                io(ErrorKind::ConnectionRefused, "x"),
                "the connection was refused",
            ),
            (
                io(ErrorKind::ConnectionReset, "x"),
                "the connection was closed",
            ),
            (
                io(
                    ErrorKind::Other,
                    "failed to lookup address information: Name or service not known",
                ),
                "the host name does not resolve",
            ),
            (
                io(ErrorKind::Other, "Custom { kind: Other }"),
                "the connection failed",
            ),
            (ureq::Error::HostNotFound, "the host name does not resolve"),
            (
                ureq::Error::Io(Error::new(
                    ErrorKind::InvalidData,
                    rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
                )),
                "its certificate was not accepted",
            ),
            (
                ureq::Error::ConnectProxyFailed("proxy server responded 403/403".into()),
                "it answered 403 Forbidden",
            ),
            (
                ureq::Error::ConnectProxyFailed("proxy server did not respond".into()),
                "it did not answer",
            ),
        ];
        for (error, words) in cases {
            assert_eq!(reason(&error), words);
        }
        assert!(proxy_answer("proxy server responded 407/407")
            .starts_with("it answered 407 Proxy Authentication Required; give the proxy's username and password in its URL"));
    }

    #[test]
    fn a_proxy_is_one_git_speaks_to_with_or_without_its_scheme() {
        assert!(proxy_of("proxy.example.com:3128", "http.proxy").is_ok());
        assert!(proxy_of("https://u:p@proxy.example.com", "HTTPS_PROXY").is_ok());
        assert_eq!(
            proxy_of("socks://proxy.example.com:1080", "http.proxy")
                .unwrap()
                .protocol(),
            ureq::ProxyProtocol::Socks4
        );
        assert_eq!(
            proxy_of("socks5h://u:p@proxy.example.com", "ALL_PROXY")
                .unwrap()
                .protocol(),
            ureq::ProxyProtocol::Socks5h
        );
        let said = proxy_of("ftp://u:secret@proxy.example.com:1080", "ALL_PROXY")
            .err()
            .unwrap()
            .to_string();
        assert!(
            said.starts_with("the proxy ftp://u:***@proxy.example.com:1080 (ALL_PROXY) is not a proxy git speaks to"),
            "{said}"
        );
        assert_eq!(bare_host("[::1]:443"), "::1");
        assert_eq!(bare_host("git.example.com:7990"), "git.example.com");
    }
}
