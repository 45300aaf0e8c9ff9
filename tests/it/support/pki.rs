//! A certificate authority made at test time, and the stand-in's server
//! certificate for Bitbucket's host names, signed by it.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use super::DC_HOST;

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

/// The stand-in's host names and `ip`, as a certificate's names.
fn stand_in_names(ip: Ipv4Addr) -> Vec<String> {
    vec![
        "bitbucket.org".to_owned(),
        "api.bitbucket.org".to_owned(),
        DC_HOST.to_owned(),
        "localhost".to_owned(),
        ip.to_string(),
    ]
}

/// A certificate for `names` signed by `ca`: its DER and its key's.
fn signed(
    names: Vec<String>,
    ca: (&rcgen::Certificate, &rcgen::KeyPair),
    client: bool,
) -> (rustls::pki_types::CertificateDer<'static>, rcgen::KeyPair) {
    use rcgen::{CertificateParams, DnType, ExtendedKeyUsagePurpose, KeyPair};
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(names).unwrap();
    params.distinguished_name.push(
        DnType::CommonName,
        if client { "jdoe" } else { "bitbucket.org" },
    );
    if client {
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    }
    let cert = params.signed_by(&key, ca.0, ca.1).unwrap();
    (cert.der().clone(), key)
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A server configuration with `cert` and `key`, asking for a client
/// certificate signed by the test CA when `client_certs`.
pub fn tls_with(
    cert: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: rustls::pki_types::PrivateKeyDer<'static>,
    client_certs: bool,
) -> Arc<rustls::ServerConfig> {
    let builder = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if client_certs {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(pki().ca_cert.der().clone()).unwrap();
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots),
            provider(),
        )
        .build()
        .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    Arc::new(builder.with_single_cert(cert, key).unwrap())
}

/// A server certificate for the stand-in's host names and its own address.
pub fn server_tls(ip: Ipv4Addr) -> Arc<rustls::ServerConfig> {
    let pki = pki();
    let (cert, key) = signed(stand_in_names(ip), (&pki.ca_cert, &pki.ca_key), false);
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into());
    tls_with(vec![cert], key, false)
}

/// The same, on a server that asks for a client certificate signed by the
/// test CA.
pub fn client_cert_tls(ip: Ipv4Addr) -> Arc<rustls::ServerConfig> {
    let pki = pki();
    let (cert, key) = signed(stand_in_names(ip), (&pki.ca_cert, &pki.ca_key), false);
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into());
    tls_with(vec![cert], key, true)
}

/// A server certificate for the stand-in signed by a CA nobody trusts.
pub fn untrusted_tls(ip: Ipv4Addr) -> Arc<rustls::ServerConfig> {
    another_ca_tls(ip).0
}

/// A server certificate for the stand-in's names and `ip` signed by a CA
/// made for it alone, and that CA's certificate as PEM.
pub fn another_ca_tls(ip: Ipv4Addr) -> (Arc<rustls::ServerConfig>, String) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "Another CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let (cert, key) = signed(stand_in_names(ip), (&ca_cert, &ca_key), false);
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into());
    (tls_with(vec![cert], key, false), ca_cert.pem())
}

/// A client certificate and its key signed by the test CA, written as
/// PEM files in `dir`: `(certificate, key)`.
pub fn client_identity(dir: &Path) -> (PathBuf, PathBuf) {
    let pki = pki();
    let (cert, key) = signed(vec![], (&pki.ca_cert, &pki.ca_key), true);
    let cert_file = dir.join("client.pem");
    let key_file = dir.join("client.key");
    let pem = pem_of("CERTIFICATE", cert.as_ref());
    std::fs::write(&cert_file, pem).unwrap();
    std::fs::write(&key_file, key.serialize_pem()).unwrap();
    (cert_file, key_file)
}

/// `der` as a PEM block with `label`.
fn pem_of(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// The test CA's certificate, as PEM.
pub fn ca_pem() -> String {
    pki().ca_cert.pem()
}

/// The CA certificate file that git (and the helper's REST client) trust.
pub fn ca_file() -> &'static Path {
    &pki().ca_file
}
