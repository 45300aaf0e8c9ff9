//! URLs split into their parts, the way git splits them for the credential
//! protocol: an entry's `url =`, a command's argument, and git's `url=`
//! line all go through [`UrlParts::parse`].

use std::borrow::Cow;

/// The parts of a URL, percent-decoded as git decodes them; borrowed from
/// the URL where nothing was decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// The scheme, as written.
    pub protocol: &'a str,
    /// The host with `:port` when present; `None` for `file:///path`.
    pub host: Option<Cow<'a, str>>,
    /// The path without its leading and trailing slashes.
    pub path: Option<Cow<'a, str>>,
    /// The username of the userinfo.
    pub username: Option<Cow<'a, str>>,
    /// The password of the userinfo.
    pub password: Option<Cow<'a, str>>,
}

impl<'a> UrlParts<'a> {
    /// Splits `scheme://[user[:password]@]host[:port][/path]` exactly as
    /// git's `credential_from_url` does: the authority ends at the first
    /// of `/`, `?` or `#` (so `https://evil.example?@bitbucket.org/` is
    /// `evil.example`), userinfo counts only when its `@` comes before that
    /// end, and the first `:` before the `@` starts the password. `None`
    /// when there is no `scheme://` or a percent escape decodes to a NUL,
    /// CR or LF.
    pub fn parse(url: &'a str) -> Option<UrlParts<'a>> {
        let (protocol, rest) = url.split_once("://")?;
        if protocol.is_empty() {
            return None;
        }
        let end = rest
            .bytes()
            .position(|b| matches!(b, b'/' | b'?' | b'#'))
            .unwrap_or(rest.len());
        let (authority, after) = rest.split_at(end);
        let (username, password, host) = match authority.find('@') {
            None => (None, None, authority),
            Some(at) => {
                let info = &authority[..at];
                let (user, pass) = match info.find(':') {
                    Some(colon) => (&info[..colon], Some(&info[colon + 1..])),
                    None => (info, None),
                };
                let pass = match pass {
                    Some(p) => Some(decode(p)?),
                    None => None,
                };
                (Some(decode(user)?), pass, &authority[at + 1..])
            }
        };
        let host = if host.is_empty() {
            None
        } else {
            Some(decode(host)?)
        };
        let trimmed = after.trim_start_matches('/');
        let path = if trimmed.is_empty() {
            None
        } else {
            // git keeps a path made only of slashes' first character.
            let kept = |p: &str| match p.trim_end_matches('/') {
                "" => 1,
                kept => kept.len(),
            };
            Some(match decode(trimmed)? {
                Cow::Borrowed(p) => Cow::Borrowed(&p[..kept(p)]),
                Cow::Owned(mut p) => {
                    p.truncate(kept(&p));
                    Cow::Owned(p)
                }
            })
        };
        Some(UrlParts {
            protocol,
            host,
            path,
            username,
            password,
        })
    }
}

/// `text` made safe to print on a terminal, as git prints URLs in its
/// prompts: every byte below 0x20 and from 0x7f up is written as `%XX`.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if b <= 0x1f || b >= 0x7f {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(char::from(b));
        }
    }
    out
}

/// A URL someone gave, fit to print in a message: a password in it is
/// replaced by `***`, and control characters are escaped ([`printable`]).
pub fn shown(url: &str) -> String {
    let redacted = url.split_once("://").and_then(|(scheme, rest)| {
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let at = rest[..end].rfind('@')?;
        let colon = rest[..at].find(':')?;
        Some(format!("{scheme}://{}:***{}", &rest[..colon], &rest[at..]))
    });
    printable(redacted.as_deref().unwrap_or(url))
}

/// Percent-decodes `s`, refusing escapes that produce a line break or NUL,
/// or bytes that are not UTF-8. A `%` not followed by two hex digits stays
/// as it is.
pub fn decode(s: &str) -> Option<Cow<'_, str>> {
    let bytes = s.as_bytes();
    if !bytes.contains(&b'%') {
        return (!bytes.iter().any(|&b| b == 0 || b == b'\r' || b == b'\n'))
            .then_some(Cow::Borrowed(s));
    }
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
    String::from_utf8(out).ok().map(Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_urls_hide_passwords_and_escape_control_characters() {
        let cases = [
            (
                "https://jdoe:s3cret@bitbucket.org/a/b",
                "https://jdoe:***@bitbucket.org/a/b",
            ),
            (
                "https://jdoe@bitbucket.org/a",
                "https://jdoe@bitbucket.org/a",
            ),
            (
                "https://bitbucket.org/a?x=y@z",
                "https://bitbucket.org/a?x=y@z",
            ),
            ("https://h/\u{1b}[31m", "https://h/%1B[31m"),
            ("not a url", "not a url"),
        ];
        for (url, want) in cases {
            assert_eq!(shown(url), want, "{url}");
        }
    }

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
    fn the_authority_ends_where_gits_does() {
        let split = |url: &str| {
            let u = UrlParts::parse(url).unwrap();
            let own = |v: Option<Cow<'_, str>>| v.map(Cow::into_owned);
            (own(u.username), own(u.password), own(u.host), own(u.path))
        };
        let s = |v: &str| Some(v.to_owned());
        let cases = [
            (
                "https://evil.example?@bitbucket.org/acme/widget.git",
                (
                    None,
                    None,
                    s("evil.example"),
                    s("?@bitbucket.org/acme/widget.git"),
                ),
            ),
            (
                "https://evil.example#@bitbucket.org/acme/widget.git",
                (
                    None,
                    None,
                    s("evil.example"),
                    s("#@bitbucket.org/acme/widget.git"),
                ),
            ),
            (
                "https://a@b@bitbucket.org/x",
                (s("a"), None, s("b@bitbucket.org"), s("x")),
            ),
            (
                "https://u:p:q@bitbucket.org/x",
                (s("u"), s("p:q"), s("bitbucket.org"), s("x")),
            ),
            (
                "https://bitbucket.org:8443/x/@y",
                (None, None, s("bitbucket.org:8443"), s("x/@y")),
            ),
            ("https://h", (None, None, s("h"), None)),
            ("https://h///", (None, None, s("h"), None)),
        ];
        for (url, want) in cases {
            assert_eq!(split(url), want, "{url}");
        }
    }

    #[test]
    fn printable_escapes_what_a_terminal_would_act_on() {
        assert_eq!(printable("acme/widget.git"), "acme/widget.git");
        assert_eq!(printable("a\u{1b}]0;pwned\u{7}b"), "a%1B]0;pwned%07b");
        assert_eq!(printable("caf\u{e9}\u{9b}"), "caf%C3%A9%C2%9B");
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
