//! Whom the helper trusts for a URL, as git does: the CA file and
//! directory git's settings name, else the operating system's store (else,
//! on a machine without one, the bundled web roots); a server certificate
//! found itself among the trusted ones, as curl accepts it; and no check at
//! all where git is told to make none. Plus the client certificate git
//! presents.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::cert::Facts;
use super::error::{HttpsError, Refusal};
use super::settings::GitHttp;

/// The certificates trusted for a URL, and where they came from.
pub struct Anchors {
    /// Every certificate read, as trust anchors.
    pub roots: RootCertStore,
    /// The same certificates as read, for a server that presents one of
    /// them as its own.
    pub known: Vec<CertificateDer<'static>>,
    /// The sources, for a message.
    pub sources: String,
}

/// The certificates `settings` trust.
pub fn anchors(settings: &GitHttp) -> Result<Anchors, HttpsError> {
    let mut known = Vec::new();
    let mut sources = Vec::new();
    if let Some((path, setting)) = &settings.ca_info {
        let found = read_pem_certs(path, setting)?;
        if found.is_empty() {
            return Err(HttpsError::NoCertificate {
                setting,
                path: path.display().to_string(),
            });
        }
        known.extend(found);
        sources.push(format!("{} ({setting})", path.display()));
    }
    if let Some((path, setting)) = &settings.ca_path {
        let entries = std::fs::read_dir(path).map_err(|reason| HttpsError::CaFile {
            setting,
            path: path.display().to_string(),
            reason,
        })?;
        for entry in entries.flatten() {
            // Files that are not certificates (or cannot be read) are
            // passed over, as OpenSSL passes them over in a CA directory.
            known.extend(read_pem_certs(&entry.path(), setting).unwrap_or_default());
        }
        sources.push(format!("{} ({setting})", path.display()));
    }
    let mut roots = RootCertStore::empty();
    if settings.ca_info.is_none() && settings.ca_path.is_none() {
        known = rustls_native_certs::load_native_certs().certs;
        sources.push(system_store_named(known.is_empty()));
        if known.is_empty() {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
    }
    roots.add_parsable_certificates(known.iter().cloned());
    Ok(Anchors {
        roots,
        known,
        sources: sources.join(" and "),
    })
}

/// The system store, for a message; the bundled roots when it is `empty`.
fn system_store_named(empty: bool) -> String {
    if empty {
        return "the bundled web roots (this machine has no system store)".to_owned();
    }
    let named: Vec<String> = ["SSL_CERT_FILE", "SSL_CERT_DIR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok().map(|p| format!("{v}={p}")))
        .collect();
    if named.is_empty() {
        "the system store".to_owned()
    } else {
        format!("the system store ({})", named.join(", "))
    }
}

/// The PEM certificates in `path`.
fn read_pem_certs(
    path: &Path,
    setting: &'static str,
) -> Result<Vec<CertificateDer<'static>>, HttpsError> {
    let bytes = std::fs::read(path).map_err(|reason| HttpsError::CaFile {
        setting,
        path: path.display().to_string(),
        reason,
    })?;
    Ok(CertificateDer::pem_slice_iter(&bytes)
        .filter_map(Result::ok)
        .collect())
}

/// Checks server certificates for one URL's settings, and keeps why the
/// last one was refused for the message.
#[derive(Debug)]
pub struct Verifier {
    check: bool,
    webpki: Option<Arc<WebPkiServerVerifier>>,
    known: Vec<CertificateDer<'static>>,
    provider: Arc<CryptoProvider>,
    refused: Arc<Mutex<Option<Refusal>>>,
}

impl Verifier {
    /// A verifier for `anchors`; with `check = false`, one that accepts
    /// any certificate (git's `http.sslVerify=false`).
    pub fn new(
        anchors: &Anchors,
        check: bool,
        provider: Arc<CryptoProvider>,
        refused: Arc<Mutex<Option<Refusal>>>,
    ) -> Verifier {
        // Without a usable root the chain check is skipped and fails;
        // `known` may still hold the server's own certificate.
        let webpki = WebPkiServerVerifier::builder_with_provider(
            Arc::new(anchors.roots.clone()),
            provider.clone(),
        )
        .build()
        .ok();
        Verifier {
            check,
            webpki,
            known: anchors.known.clone(),
            provider,
            refused,
        }
    }
}

/// The host of `name`, for names and messages.
fn host_of(name: &ServerName<'_>) -> String {
    match name {
        ServerName::DnsName(d) => d.as_ref().to_owned(),
        ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        _ => String::new(),
    }
}

/// Whether a certificate that is itself trusted holds for `name` now: its
/// names (curl's rule, the common name when it has no DNS name) and its
/// validity period. The reason when it does not.
fn own_certificate_holds(
    der: &CertificateDer<'_>,
    name: &ServerName<'_>,
    now: UnixTime,
) -> Result<(), Refusal> {
    let facts = Facts::of(der).ok_or(Refusal::Invalid {
        what: "cannot be read",
    })?;
    let now = now.as_secs() as i64;
    if now > facts.not_after {
        return Err(Refusal::Expired {
            on: facts.expired_on(),
        });
    }
    if now < facts.not_before {
        return Err(Refusal::NotYetValid {
            from: facts.valid_from(),
        });
    }
    let named = match name {
        ServerName::DnsName(d) => facts.names(d.as_ref()),
        _ => webpki::EndEntityCert::try_from(der)
            .is_ok_and(|c| c.verify_is_valid_for_subject_name(name).is_ok()),
    };
    if !named {
        return Err(Refusal::WrongName {
            names: facts.shown_names(),
        });
    }
    Ok(())
}

/// Why rustls refused `der`, in the helper's words.
fn refusal_of(error: &rustls::Error, der: &CertificateDer<'_>) -> Refusal {
    let facts = Facts::of(der);
    let Some(facts) = facts else {
        return Refusal::Invalid {
            what: "cannot be read as a certificate",
        };
    };
    let rustls::Error::InvalidCertificate(error) = error else {
        return Refusal::Invalid {
            what: "was refused",
        };
    };
    match error {
        CertificateError::UnknownIssuer if facts.self_issued => Refusal::SelfSigned,
        CertificateError::UnknownIssuer => Refusal::UnknownIssuer,
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => Refusal::Expired {
            on: facts.expired_on(),
        },
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            Refusal::NotYetValid {
                from: facts.valid_from(),
            }
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            Refusal::WrongName {
                names: facts.shown_names(),
            }
        }
        CertificateError::Revoked => Refusal::Invalid {
            what: "has been revoked",
        },
        CertificateError::BadSignature => Refusal::Invalid {
            what: "carries a signature that does not verify",
        },
        CertificateError::Other(other)
            if matches!(
                other.0.downcast_ref::<webpki::Error>(),
                Some(webpki::Error::CaUsedAsEndEntity)
            ) =>
        {
            Refusal::CaAsServer
        }
        _ => Refusal::Invalid {
            what: "is not valid for a server",
        },
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if !self.check {
            return Ok(ServerCertVerified::assertion());
        }
        let error = match &self.webpki {
            Some(webpki) => {
                match webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
                    Ok(ok) => return Ok(ok),
                    Err(e) => e,
                }
            }
            None => rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
        };
        let mut refusal = refusal_of(&error, end_entity);
        if self.known.iter().any(|k| k.as_ref() == end_entity.as_ref()) {
            match own_certificate_holds(end_entity, server_name, now) {
                Ok(()) => return Ok(ServerCertVerified::assertion()),
                Err(why) => refusal = why,
            }
        }
        log::debug!(
            "the certificate of {} was refused",
            crate::url::printable(&host_of(server_name))
        );
        *self.refused.lock().unwrap_or_else(|p| p.into_inner()) = Some(refusal);
        Err(error)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The client certificate and key git presents for `settings`: PEM
/// certificates, and an unencrypted PEM key (in `http.sslKey`, else in the
/// certificate's file, as curl takes it).
#[allow(clippy::type_complexity)]
pub fn client_identity(
    settings: &GitHttp,
) -> Result<Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>, HttpsError> {
    let Some((cert_path, cert_setting)) = &settings.ssl_cert else {
        return Ok(None);
    };
    let problem = |setting: &'static str, path: &Path, problem: String| HttpsError::ClientCert {
        setting,
        path: path.display().to_string(),
        problem,
    };
    if let Some(kind) = &settings.ssl_cert_type {
        return Err(problem(
            "http.sslCertType",
            cert_path,
            format!("is of type {}; the helper reads PEM certificates only (convert it with `openssl pkcs12 -in FILE -nodes -out cert.pem`, keeping the result private)", crate::url::printable(kind)),
        ));
    }
    let read = |path: &Path, setting| {
        std::fs::read(path).map_err(|e| problem(setting, path, format!("cannot be read: {e}")))
    };
    let cert_bytes = read(cert_path, cert_setting)?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_bytes)
        .filter_map(Result::ok)
        .collect();
    if certs.is_empty() {
        return Err(problem(
            cert_setting,
            cert_path,
            "holds no PEM certificate (a PKCS#12 or DER file is not read; convert it to PEM)"
                .into(),
        ));
    }
    let (key_path, key_setting) = settings
        .ssl_key
        .as_ref()
        .map_or((cert_path, *cert_setting), |(p, s)| (p, *s));
    let key_bytes = zeroize::Zeroizing::new(read(key_path, key_setting)?);
    let text = String::from_utf8_lossy(&key_bytes);
    if text.contains("ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(problem(
            key_setting,
            key_path,
            "is an encrypted key, whose passphrase the helper does not ask for; give it an unencrypted copy that only you can read".into(),
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(&key_bytes).map_err(|_| {
        problem(
            key_setting,
            key_path,
            "holds no PEM private key the helper can read".into(),
        )
    })?;
    Ok(Some((certs, key)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};

    struct Made {
        der: CertificateDer<'static>,
        cert: rcgen::Certificate,
        key: KeyPair,
    }

    fn params(names: &[&str], ca: bool, until: i32) -> CertificateParams {
        let mut p = CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .unwrap();
        // Each its own subject, so no certificate passes for another's
        // issuer.
        static MADE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = MADE.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        p.distinguished_name
            .push(rcgen::DnType::CommonName, format!("test certificate {n}"));
        p.not_before = rcgen::date_time_ymd(2019, 1, 1);
        p.not_after = rcgen::date_time_ymd(until, 1, 1);
        if ca {
            p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        }
        p
    }

    fn self_signed(names: &[&str], ca: bool, until: i32) -> Made {
        let key = KeyPair::generate().unwrap();
        let cert = params(names, ca, until).self_signed(&key).unwrap();
        Made {
            der: cert.der().clone(),
            cert,
            key,
        }
    }

    fn signed_by(ca: &Made, names: &[&str], until: i32) -> Made {
        let key = KeyPair::generate().unwrap();
        let cert = params(names, false, until)
            .signed_by(&key, &ca.cert, &ca.key)
            .unwrap();
        Made {
            der: cert.der().clone(),
            cert,
            key,
        }
    }

    /// What a verifier trusting `trusted` (checking or not) says of
    /// `presented` for `host`.
    fn verdict(
        trusted: &[&Made],
        check: bool,
        presented: &Made,
        host: &str,
    ) -> Result<(), Refusal> {
        let known: Vec<CertificateDer<'static>> = trusted.iter().map(|m| m.der.clone()).collect();
        let mut roots = RootCertStore::empty();
        roots.add_parsable_certificates(known.iter().cloned());
        let anchors = Anchors {
            roots,
            known,
            sources: String::new(),
        };
        let refused = Arc::new(Mutex::new(None));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = Verifier::new(&anchors, check, provider, refused.clone());
        let name = ServerName::try_from(host.to_owned()).unwrap();
        match verifier.verify_server_cert(&presented.der, &[], &name, &[], UnixTime::now()) {
            Ok(_) => Ok(()),
            Err(_) => Err(refused.lock().unwrap().take().expect("a refusal is kept")),
        }
    }

    #[test]
    fn each_refusal_is_named_and_a_trusted_server_certificate_stands_alone() {
        let ca = self_signed(&[], true, 2099);
        let other_ca = self_signed(&[], true, 2099);
        let leaf = signed_by(&ca, &["git.example.com"], 2099);
        assert_eq!(verdict(&[&ca], true, &leaf, "git.example.com"), Ok(()));
        assert_eq!(
            verdict(&[&other_ca], true, &leaf, "git.example.com"),
            Err(Refusal::UnknownIssuer)
        );
        assert_eq!(
            verdict(&[&ca], true, &leaf, "other.example.com"),
            Err(Refusal::WrongName {
                names: "git.example.com".into()
            })
        );
        let old = signed_by(&ca, &["git.example.com"], 2020);
        assert_eq!(
            verdict(&[&ca], true, &old, "git.example.com"),
            Err(Refusal::Expired {
                on: "2020-01-01 00:00 UTC".into()
            })
        );
        // A lone self-signed server: refused until its own certificate is
        // trusted, then held to its names and dates.
        let lone = self_signed(&["git.example.com"], false, 2099);
        let lone_ca = self_signed(&["git.example.com"], true, 2099);
        assert_eq!(
            verdict(&[&ca], true, &lone, "git.example.com"),
            Err(Refusal::SelfSigned)
        );
        assert_eq!(
            verdict(&[&ca], true, &lone_ca, "git.example.com"),
            Err(Refusal::CaAsServer)
        );
        assert_eq!(
            verdict(&[&ca, &lone_ca], true, &lone_ca, "git.example.com"),
            Ok(())
        );
        assert_eq!(verdict(&[&lone], true, &lone, "GIT.example.com"), Ok(()));
        assert_eq!(
            verdict(&[&lone_ca], true, &lone_ca, "evil.example.com"),
            Err(Refusal::WrongName {
                names: "git.example.com".into()
            })
        );
        let lone_old = self_signed(&["git.example.com"], true, 2020);
        assert!(matches!(
            verdict(&[&lone_old], true, &lone_old, "git.example.com"),
            Err(Refusal::Expired { .. })
        ));
        // git's sslVerify=false: nothing is checked.
        assert_eq!(
            verdict(&[&ca], false, &lone_old, "evil.example.com"),
            Ok(())
        );
    }

    #[test]
    fn the_sentence_says_what_failed_what_was_trusted_and_what_to_do() {
        let error = HttpsError::Untrusted {
            host: "git.example.com".into(),
            proxy: false,
            refusal: Refusal::SelfSigned,
            sources: "the system store".into(),
        };
        assert_eq!(
            error.to_string(),
            "the certificate of git.example.com was not accepted: it is self-signed and is not one of the trusted certificates (trusted: the system store); to trust the server as git does, give its CA certificate (or a self-signed server's own certificate) with `git config --global http.sslCAInfo FILE`, or add it to the system store"
        );
    }

    #[test]
    fn gits_ca_file_and_directory_are_what_is_trusted_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let ca = self_signed(&[], true, 2099);
        let other = self_signed(&[], true, 2099);
        let file = dir.path().join("ca.pem");
        std::fs::write(&file, ca.cert.pem()).unwrap();
        let cas = dir.path().join("cas");
        std::fs::create_dir(&cas).unwrap();
        std::fs::write(cas.join("0a1b2c3d.0"), other.cert.pem()).unwrap();
        std::fs::write(cas.join("README"), "not a certificate").unwrap();
        let settings = GitHttp {
            ca_info: Some((file.clone(), "http.sslCAInfo")),
            ca_path: Some((cas.clone(), "GIT_SSL_CAPATH")),
            ..GitHttp::default()
        };
        let found = anchors(&settings).unwrap();
        assert_eq!(found.known, [ca.der.clone(), other.der.clone()]);
        assert_eq!(found.roots.len(), 2);
        assert_eq!(
            found.sources,
            format!(
                "{} (http.sslCAInfo) and {} (GIT_SSL_CAPATH)",
                file.display(),
                cas.display()
            )
        );
        // A file without a certificate, or none at all, says which setting
        // named it.
        std::fs::write(&file, "").unwrap();
        let said = anchors(&settings).err().unwrap().to_string();
        assert_eq!(
            said,
            format!(
                "{} (http.sslCAInfo) holds no PEM certificate",
                file.display()
            )
        );
        std::fs::remove_file(&file).unwrap();
        let said = anchors(&settings).err().unwrap().to_string();
        assert!(
            said.starts_with(&format!(
                "could not read {} (http.sslCAInfo): ",
                file.display()
            )),
            "{said}"
        );
    }

    #[test]
    fn client_keys_that_cannot_be_read_name_their_setting() {
        let dir = tempfile::tempdir().unwrap();
        let made = self_signed(&[], false, 2099);
        let cert = dir.path().join("c.pem");
        std::fs::write(&cert, made.cert.pem()).unwrap();
        let key = dir.path().join("k.pem");
        std::fs::write(
            &key,
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n",
        )
        .unwrap();
        let mut settings = GitHttp {
            ssl_cert: Some((cert.clone(), "http.sslCert")),
            ssl_key: Some((key.clone(), "http.sslKey")),
            ..GitHttp::default()
        };
        let said = client_identity(&settings).unwrap_err().to_string();
        assert!(
            said.starts_with(&format!(
                "http.sslKey {}: is an encrypted key",
                key.display()
            )),
            "{said}"
        );
        std::fs::write(&key, made.key.serialize_pem()).unwrap();
        assert!(client_identity(&settings).unwrap().is_some());
        settings.ssl_cert_type = Some("P12".into());
        let said = client_identity(&settings).unwrap_err().to_string();
        assert!(said.starts_with("http.sslCertType "), "{said}");
        settings.ssl_cert_type = None;
        std::fs::write(&cert, [0x30, 0x82, 0x01]).unwrap();
        let said = client_identity(&settings).unwrap_err().to_string();
        assert!(said.contains("holds no PEM certificate"), "{said}");
    }
}
