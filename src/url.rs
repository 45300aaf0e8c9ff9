//! URLs split into their parts, the way git splits them for the credential
//! protocol: an entry's `url =`, a command's argument, and git's `url=`
//! line all go through [`UrlParts::parse`].

/// The parts of a URL, percent-decoded as git decodes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlParts {
    /// The scheme, as written.
    pub protocol: String,
    /// The host with `:port` when present; `None` for `file:///path`.
    pub host: Option<String>,
    /// The path without its leading and trailing slashes.
    pub path: Option<String>,
    /// The username of the userinfo.
    pub username: Option<String>,
    /// The password of the userinfo.
    pub password: Option<String>,
}

impl UrlParts {
    /// Splits `scheme://[user[:password]@]host[:port][/path]`; `None` when
    /// there is no `://` or a percent escape decodes to a NUL, CR or LF.
    pub fn parse(url: &str) -> Option<UrlParts> {
        let (protocol, rest) = url.split_once("://")?;
        if protocol.is_empty() {
            return None;
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let (userinfo, host) = match authority.rfind('@') {
            Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
            None => (None, authority),
        };
        let (username, password) = match userinfo {
            None => (None, None),
            Some(info) => match info.split_once(':') {
                Some((u, p)) => (Some(decode(u)?), Some(decode(p)?)),
                None => (Some(decode(info)?), None),
            },
        };
        let host = if host.is_empty() {
            None
        } else {
            Some(decode(host)?)
        };
        let path = match path {
            None => None,
            Some(p) => {
                let decoded = decode(p)?;
                let trimmed = decoded.trim_end_matches('/');
                if trimmed.is_empty() {
                    None
                } else {
                    Some(trimmed.to_owned())
                }
            }
        };
        Some(UrlParts {
            protocol: protocol.to_owned(),
            host,
            path,
            username,
            password,
        })
    }
}

/// Percent-decodes `s`, refusing escapes that produce a line break or NUL,
/// or bytes that are not UTF-8. A `%` not followed by two hex digits stays
/// as it is.
pub fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
            match u8::from_str_radix(hex, 16) {
                Ok(b) => {
                    out.push(b);
                    i += 3;
                    continue;
                }
                Err(_) => out.push(b'%'),
            }
        } else {
            out.push(bytes[i]);
        }
        i += 1;
    }
    if out.iter().any(|&b| b == 0 || b == b'\r' || b == b'\n') {
        return None;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_decodes_like_git() {
        let u = UrlParts::parse(
            "https://jdoe%40example.com:p%3Ass@Bitbucket.org:8443/acme/widget.git/",
        )
        .unwrap();
        assert_eq!(u.protocol, "https");
        assert_eq!(u.host.as_deref(), Some("Bitbucket.org:8443"));
        assert_eq!(u.path.as_deref(), Some("acme/widget.git"));
        assert_eq!(u.username.as_deref(), Some("jdoe@example.com"));
        assert_eq!(u.password.as_deref(), Some("p:ss"));
        let u = UrlParts::parse("file:///srv/repo.git").unwrap();
        assert_eq!((u.host, u.path.as_deref()), (None, Some("srv/repo.git")));
        for bad in ["no-scheme", "://host", "https://a/%00", "https://a/%0d"] {
            assert_eq!(UrlParts::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn decode_handles_malformed_escapes_literally() {
        assert_eq!(decode("a%2Fb").as_deref(), Some("a/b"));
        assert_eq!(decode("100%").as_deref(), Some("100%"));
        assert_eq!(decode("%zz").as_deref(), Some("%zz"));
        assert_eq!(decode("%4").as_deref(), Some("%4"));
        assert_eq!(decode("%ff"), None);
    }
}
