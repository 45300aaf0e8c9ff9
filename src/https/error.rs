//! Why the helper's HTTPS could not reach a server, each in one sentence a
//! person can act on. No variant holds a secret or a library's debug text.

/// Why a certificate was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Signed by a certificate authority that is not trusted.
    UnknownIssuer,
    /// Self-signed, and not one of the trusted certificates.
    SelfSigned,
    /// A CA certificate (`CA:TRUE`) serving as the server's own, not one
    /// of the trusted certificates.
    CaAsServer,
    /// Past its end.
    Expired {
        /// When it ended.
        on: String,
    },
    /// Before its start.
    NotYetValid {
        /// When it starts.
        from: String,
    },
    /// Made for other names.
    WrongName {
        /// The names it is made for.
        names: String,
    },
    /// Anything else the check found (a bad signature, a revoked
    /// certificate, a malformed one).
    Invalid {
        /// What, in words.
        what: &'static str,
    },
}

impl Refusal {
    /// What was wrong, as the middle of a sentence.
    fn said(&self) -> String {
        match self {
            Refusal::UnknownIssuer => "it is signed by a certificate authority that is not trusted here".into(),
            Refusal::SelfSigned => "it is self-signed and is not one of the trusted certificates".into(),
            Refusal::CaAsServer => "it is a CA certificate (CA:TRUE) serving as the server's own, and is not one of the trusted certificates".into(),
            Refusal::Expired { on } => format!("it expired on {on}"),
            Refusal::NotYetValid { from } => format!("it is valid only from {from}"),
            Refusal::WrongName { names } => format!("it is made for {names}"),
            Refusal::Invalid { what } => format!("it {what}"),
        }
    }

    /// How to put it right; `proxy`: the certificate was the proxy's.
    fn fix(&self, proxy: bool) -> &'static str {
        match self {
            Refusal::UnknownIssuer | Refusal::SelfSigned | Refusal::CaAsServer if proxy => {
                "to trust the proxy as git does, give its CA certificate with `git config --global http.proxySSLCAInfo FILE`, or add it to the system store"
            }
            Refusal::UnknownIssuer | Refusal::SelfSigned | Refusal::CaAsServer => {
                "to trust the server as git does, give its CA certificate (or a self-signed server's own certificate) with `git config --global http.sslCAInfo FILE`, or add it to the system store"
            }
            Refusal::Expired { .. } | Refusal::NotYetValid { .. } => {
                "git refuses it too; the server's certificate must be renewed (or this machine's clock set right)"
            }
            Refusal::WrongName { .. } => {
                "git refuses it too; use a name the certificate is made for, or have it reissued for this one"
            }
            Refusal::Invalid { .. } => "git refuses it too; the server's certificate must be replaced",
        }
    }
}

/// Why a request could not be made.
#[derive(Debug, thiserror::Error)]
pub enum HttpsError {
    /// A CA file or directory that git's settings name cannot be read.
    #[error("could not read {path} ({setting}): {reason}")]
    CaFile {
        /// The setting that names it.
        setting: &'static str,
        /// The file or directory.
        path: String,
        /// Why.
        reason: std::io::Error,
    },
    /// A CA file without a certificate.
    #[error("{path} ({setting}) holds no PEM certificate")]
    NoCertificate {
        /// The setting that names it.
        setting: &'static str,
        /// The file.
        path: String,
    },
    /// A client certificate or key the helper cannot use.
    #[error("{setting} {path}: {problem}")]
    ClientCert {
        /// The setting that names it.
        setting: &'static str,
        /// The file.
        path: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A proxy setting the helper cannot use.
    #[error("the proxy {proxy} ({setting}) {problem}")]
    BadProxy {
        /// The proxy, without a password.
        proxy: String,
        /// The setting that names it.
        setting: &'static str,
        /// What is wrong.
        problem: &'static str,
    },
    /// The server's (or the proxy's) certificate was not accepted.
    #[error("the certificate of {}{host} was not accepted: {} (trusted: {sources}); {}", if *.proxy { "the proxy " } else { "" }, .refusal.said(), .refusal.fix(*.proxy))]
    Untrusted {
        /// The server (or proxy), `host:port`.
        host: String,
        /// Whether it was the proxy's.
        proxy: bool,
        /// Why.
        refusal: Refusal,
        /// The trust sources used.
        sources: String,
    },
    /// The proxy would not connect to the server.
    #[error("the proxy {proxy} ({setting}) would not connect to {host}: {answer}")]
    ProxyRefused {
        /// The proxy, without a password.
        proxy: String,
        /// The setting that names it.
        setting: &'static str,
        /// The server, `host:port`.
        host: String,
        /// What the proxy said.
        answer: String,
    },
    /// The server wants a client certificate.
    #[error("{host} asks for a client certificate{}", if *.given { " and refused the one given by http.sslCert" } else { "; give it as git takes it, with `git config --global http.sslCert FILE` and `http.sslKey FILE`" })]
    ClientCertWanted {
        /// The server, `host:port`.
        host: String,
        /// Whether one was presented.
        given: bool,
    },
    /// Anything else on the way.
    #[error("could not reach {url}{}: {reason}", .via.as_deref().map(|p| format!(" through the proxy {p}")).unwrap_or_default())]
    Unreachable {
        /// The URL, printable.
        url: String,
        /// The proxy, when one was used.
        via: Option<String>,
        /// Why, in words.
        reason: String,
    },
}
