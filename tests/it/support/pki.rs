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

/// A server certificate for the stand-in's host names and its own address.
pub fn server_tls(ip: Ipv4Addr) -> Arc<rustls::ServerConfig> {
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
