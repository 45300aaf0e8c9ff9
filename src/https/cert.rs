//! What the helper reads from an X.509 certificate itself, beyond what the
//! TLS library checks: its validity period, its subject's common name and
//! whether it names DNS hosts in a subjectAltName. A small DER walk over
//! the fields of RFC 5280 that these need, nothing else.

use crate::calendar::{format_utc, Date};

/// The facts of one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// Valid from (unix seconds).
    pub not_before: i64,
    /// Valid until (unix seconds).
    pub not_after: i64,
    /// The subject's common name, when it has one.
    pub common_name: Option<String>,
    /// The DNS names of its subjectAltName.
    pub dns_names: Vec<String>,
    /// Whether it has a subjectAltName extension at all.
    pub has_alt_names: bool,
    /// Whether the issuer's name is the subject's (self-issued).
    pub self_issued: bool,
}

impl Facts {
    /// Reads `der`; `None` when it is not a certificate this walk knows.
    pub fn of(der: &[u8]) -> Option<Facts> {
        let (cert, _) = Tlv::read(der)?;
        let (tbs, _) = Tlv::read(cert.body)?;
        let mut rest = tbs.body;
        let mut next = || {
            let (tlv, after) = Tlv::read(rest)?;
            rest = after;
            Some(tlv)
        };
        let mut field = next()?;
        if field.tag == 0xa0 {
            field = next()?; // version, then the serial number
        }
        let _serial = field;
        let _signature = next()?;
        let issuer = next()?;
        let validity = next()?;
        let subject = next()?;
        let _key = next()?;
        let (not_before, after) = Tlv::read(validity.body)?;
        let (not_after, _) = Tlv::read(after)?;
        let mut facts = Facts {
            not_before: time(&not_before)?,
            not_after: time(&not_after)?,
            common_name: common_name(subject.body),
            dns_names: Vec::new(),
            has_alt_names: false,
            self_issued: issuer.body == subject.body,
        };
        while let Some(field) = next() {
            if field.tag == 0xa3 {
                facts.read_extensions(field.body);
            }
        }
        Some(facts)
    }

    fn read_extensions(&mut self, explicit: &[u8]) {
        let Some((list, _)) = Tlv::read(explicit) else {
            return;
        };
        for ext in Tlv::all(list.body) {
            let parts: Vec<Tlv> = Tlv::all(ext.body).collect();
            let (Some(oid), Some(value)) = (parts.first(), parts.last()) else {
                continue;
            };
            // 2.5.29.17, subjectAltName
            if oid.body != [0x55, 0x1d, 0x11] || value.tag != 0x04 {
                continue;
            }
            self.has_alt_names = true;
            if let Some((names, _)) = Tlv::read(value.body) {
                self.dns_names = Tlv::all(names.body)
                    .filter(|n| n.tag == 0x82)
                    .filter_map(|n| std::str::from_utf8(n.body).ok().map(str::to_owned))
                    .collect();
            }
        }
    }

    /// Whether `host` is a name the certificate is for, as curl decides
    /// for a certificate it trusts: the subjectAltName's DNS names (with
    /// a `*.` wildcard for one label), or, when it has no such name, the
    /// common name.
    pub fn names(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let matches = |pattern: &str| {
            let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
            match pattern.strip_prefix("*.") {
                Some(suffix) => host
                    .split_once('.')
                    .is_some_and(|(label, rest)| !label.is_empty() && rest == suffix),
                None => pattern == host,
            }
        };
        if self.dns_names.is_empty() {
            return self.common_name.as_deref().is_some_and(matches);
        }
        self.dns_names.iter().any(|n| matches(n))
    }

    /// The names it is for, for a message.
    pub fn shown_names(&self) -> String {
        let names: Vec<&str> = if self.dns_names.is_empty() {
            self.common_name.iter().map(String::as_str).collect()
        } else {
            self.dns_names.iter().map(String::as_str).collect()
        };
        if names.is_empty() {
            return "no host name".to_owned();
        }
        crate::url::printable(&names.join(", "))
    }

    /// When it stopped being valid, for a message.
    pub fn expired_on(&self) -> String {
        format_utc(self.not_after)
    }

    /// When it starts being valid, for a message.
    pub fn valid_from(&self) -> String {
        format_utc(self.not_before)
    }
}

/// One DER element: its tag and contents.
#[derive(Debug, Clone, Copy)]
struct Tlv<'a> {
    tag: u8,
    body: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// The element at the start of `der`, and what follows it.
    fn read(der: &'a [u8]) -> Option<(Tlv<'a>, &'a [u8])> {
        let (&tag, rest) = der.split_first()?;
        let (&first, mut rest) = rest.split_first()?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 4 || rest.len() < count {
                return None;
            }
            let (bytes, after) = rest.split_at(count);
            rest = after;
            bytes.iter().fold(0usize, |n, &b| (n << 8) | usize::from(b))
        };
        if rest.len() < len {
            return None;
        }
        let (body, after) = rest.split_at(len);
        Some((Tlv { tag, body }, after))
    }

    /// The elements of `der`, one after another.
    fn all(mut der: &'a [u8]) -> impl Iterator<Item = Tlv<'a>> {
        std::iter::from_fn(move || {
            let (tlv, rest) = Tlv::read(der)?;
            der = rest;
            Some(tlv)
        })
    }
}

/// A UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`), in
/// unix seconds.
fn time(tlv: &Tlv<'_>) -> Option<i64> {
    let text = std::str::from_utf8(tlv.body).ok()?.strip_suffix('Z')?;
    let (year, rest) = match tlv.tag {
        0x17 if text.len() == 12 => {
            let yy: i32 = text[..2].parse().ok()?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &text[2..])
        }
        0x18 if text.len() == 14 => (text[..4].parse().ok()?, &text[4..]),
        _ => return None,
    };
    if !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let date = Date::parse(&format!("{year:04}-{}-{}", &rest[..2], &rest[2..4]))?;
    let n = |i: usize| rest[i..i + 2].parse::<i64>().ok();
    Some(date.unix_start() + n(4)? * 3600 + n(6)? * 60 + n(8)?)
}

/// The last common name (2.5.4.3) of a Name.
fn common_name(name: &[u8]) -> Option<String> {
    Tlv::all(name)
        .flat_map(|set| Tlv::all(set.body))
        .filter_map(|pair| {
            let mut parts = Tlv::all(pair.body);
            let (oid, value) = (parts.next()?, parts.next()?);
            (oid.body == [0x55, 0x04, 0x03])
                .then(|| String::from_utf8_lossy(value.body).into_owned())
        })
        .last()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn made(names: &[&str], common: &str, ca: bool) -> Vec<u8> {
        let mut params =
            rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, common);
        params.not_before = rcgen::date_time_ymd(2024, 2, 29);
        params.not_after = rcgen::date_time_ymd(2051, 1, 2);
        if ca {
            params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        }
        let key = rcgen::KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().der().to_vec()
    }

    #[test]
    fn reads_validity_names_and_whether_self_issued() {
        let facts = Facts::of(&made(&["git.example.com", "*.example.org"], "Acme", true)).unwrap();
        assert_eq!(
            facts.not_before,
            Date::parse("2024-02-29").unwrap().unix_start()
        );
        assert_eq!(
            facts.not_after,
            Date::parse("2051-01-02").unwrap().unix_start()
        );
        assert_eq!(facts.common_name.as_deref(), Some("Acme"));
        assert_eq!(facts.dns_names, ["git.example.com", "*.example.org"]);
        assert!(facts.self_issued && facts.has_alt_names);
        assert!(facts.names("GIT.example.com") && facts.names("a.example.org"));
        assert!(!facts.names("Acme") && !facts.names("a.b.example.org"));
        assert!(!facts.names("example.org"));
        assert_eq!(facts.expired_on(), "2051-01-02 00:00 UTC");
    }

    #[test]
    fn the_common_name_counts_only_without_dns_names() {
        let facts = Facts::of(&made(&[], "git.example.com", false)).unwrap();
        assert!(!facts.has_alt_names && facts.dns_names.is_empty());
        assert!(facts.names("git.example.com") && !facts.names("example.com"));
        assert_eq!(facts.shown_names(), "git.example.com");
    }

    #[test]
    fn what_is_not_a_certificate_reads_as_none() {
        let der = made(&["a.example"], "a", false);
        for cut in [0, 1, 2, 10, der.len() / 2, der.len() - 1] {
            assert_eq!(Facts::of(&der[..cut]), None, "cut at {cut}");
        }
        assert_eq!(Facts::of(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
    }
}
