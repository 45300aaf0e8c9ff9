//! git's credential protocol: `key=value` lines in, `key=value` lines out.
//!
//! The parser is strict where git's own history shows it must be (no NUL or
//! CR in a value, bounded line and input sizes, lines split on LF only) and
//! lenient where the protocol asks for it (unknown keys are ignored so that
//! newer gits keep working).

use std::borrow::Cow;
use std::io::{BufRead, Read, Write};

use crate::secret::Secret;
use crate::url::UrlParts;

/// The longest line accepted, in bytes, not counting its LF.
pub const MAX_LINE: usize = 64 * 1024;
/// The most input accepted, in bytes.
pub const MAX_INPUT: usize = 1024 * 1024;

/// Why a request was refused. None of these messages contains a value from
/// the request, so a secret can never reach stderr through them.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProtocolError {
    /// A value held a NUL byte.
    #[error("refusing the request: the value of `{0}` contains a NUL byte")]
    Nul(String),
    /// A value held a carriage return.
    #[error("refusing the request: the value of `{0}` contains a carriage return")]
    CarriageReturn(String),
    /// A line was longer than [`MAX_LINE`].
    #[error("refusing the request: line {0} is longer than 64 KiB")]
    LineTooLong(usize),
    /// The input was longer than [`MAX_INPUT`].
    #[error("refusing the request: the input is longer than 1 MiB")]
    InputTooLong,
    /// A line had no `=`.
    #[error("refusing the request: line {0} is not of the form key=value")]
    NoEquals(usize),
    /// A line was not UTF-8.
    #[error("refusing the request: line {0} is not valid UTF-8")]
    NotUtf8(usize),
    /// `protocol` was not given.
    #[error("refusing the request: it names no protocol")]
    MissingProtocol,
    /// `host` was not given.
    #[error("refusing the request: it names no host")]
    MissingHost,
    /// A `url=` value could not be understood.
    #[error("refusing the request: the url value is not a URL git could have sent")]
    BadUrl,
    /// Reading standard input failed.
    #[error("could not read the request from standard input: {0}")]
    Io(String),
}

/// One request from git, as read from the helper's standard input.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Request {
    /// `protocol=`, for example `https`.
    pub protocol: Option<String>,
    /// `host=`, with `:port` when git sent one.
    pub host: Option<String>,
    /// `path=`, sent for http(s) only when `credential.useHttpPath` is set.
    pub path: Option<String>,
    /// `username=`.
    pub username: Option<String>,
    /// `password=`.
    pub password: Option<Secret>,
    /// `password_expiry_utc=` (unix seconds, kept as git wrote it).
    pub password_expiry_utc: Option<String>,
    /// `oauth_refresh_token=`.
    pub oauth_refresh_token: Option<Secret>,
    /// `authtype=` (git 2.46+).
    pub authtype: Option<String>,
    /// `credential=` (git 2.46+), the pre-encoded credential for `authtype`.
    pub credential: Option<Secret>,
    /// `ephemeral=1`: the credential must not be persisted.
    pub ephemeral: bool,
    /// `capability[]=` values git offered.
    pub capabilities: Vec<String>,
    /// `state[]=` values helpers attached on `get`.
    pub state: Vec<String>,
    /// `wwwauth[]=` challenges from the server.
    pub wwwauth: Vec<String>,
}

impl Request {
    /// Reads and validates a request from `input`, stopping at a blank line
    /// or at the end of input.
    pub fn read_from(input: impl Read) -> Result<Request, ProtocolError> {
        let mut reader = std::io::BufReader::new(input.take(MAX_INPUT as u64 + 1));
        let mut request = Request::default();
        let mut total = 0usize;
        let mut line = Vec::new();
        let mut number = 0usize;
        loop {
            line.clear();
            let read = reader
                .read_until(b'\n', &mut line)
                .map_err(|e| ProtocolError::Io(e.kind().to_string()))?;
            if read == 0 {
                break;
            }
            number += 1;
            total += read;
            if total > MAX_INPUT {
                zero(&mut line);
                return Err(ProtocolError::InputTooLong);
            }
            if line.last() == Some(&b'\n') {
                line.pop();
            }
            if line.len() > MAX_LINE {
                zero(&mut line);
                return Err(ProtocolError::LineTooLong(number));
            }
            if line.is_empty() {
                break;
            }
            let parsed = request.apply_line(&line, number);
            zero(&mut line);
            parsed?;
        }
        Ok(request)
    }

    /// Parses a request held in memory (tests, fuzzing).
    pub fn parse(input: &[u8]) -> Result<Request, ProtocolError> {
        Request::read_from(input)
    }

    fn apply_line(&mut self, line: &[u8], number: usize) -> Result<(), ProtocolError> {
        let Some(eq) = line.iter().position(|&b| b == b'=') else {
            return Err(ProtocolError::NoEquals(number));
        };
        let key = std::str::from_utf8(&line[..eq]).map_err(|_| ProtocolError::NotUtf8(number))?;
        let value =
            std::str::from_utf8(&line[eq + 1..]).map_err(|_| ProtocolError::NotUtf8(number))?;
        let key_name = printable_key(key);
        if key.contains('\0') || value.contains('\0') {
            return Err(ProtocolError::Nul(key_name));
        }
        if key.contains('\r') || value.contains('\r') {
            return Err(ProtocolError::CarriageReturn(key_name));
        }
        let text = || Some(value.to_owned());
        match key {
            "protocol" => self.protocol = text(),
            "host" => self.host = text(),
            "path" => self.path = text(),
            "username" => self.username = text(),
            "password" => self.password = Some(Secret::from(value)),
            "password_expiry_utc" => self.password_expiry_utc = text(),
            "oauth_refresh_token" => self.oauth_refresh_token = Some(Secret::from(value)),
            "authtype" => self.authtype = text(),
            "credential" => self.credential = Some(Secret::from(value)),
            "ephemeral" => self.ephemeral = is_true(value),
            "url" => self.apply_url(value)?,
            "capability[]" => push_or_clear(&mut self.capabilities, value),
            "state[]" => push_or_clear(&mut self.state, value),
            "wwwauth[]" => push_or_clear(&mut self.wwwauth, value),
            _ => {}
        }
        Ok(())
    }

    /// Expands `url=` the way git's `credential_from_url` does: the fields
    /// it sets replace everything read before it.
    fn apply_url(&mut self, value: &str) -> Result<(), ProtocolError> {
        let url = UrlParts::parse(value).ok_or(ProtocolError::BadUrl)?;
        self.protocol = Some(url.protocol.to_owned());
        self.host = url.host.map(Cow::into_owned);
        self.path = url.path.map(Cow::into_owned);
        self.username = url.username.map(Cow::into_owned);
        self.password = url.password.map(|p| Secret::from(p.into_owned()));
        Ok(())
    }

    /// Checks that the fields every operation needs are present.
    pub fn require_origin(&self) -> Result<(), ProtocolError> {
        if self.protocol.as_deref().unwrap_or("").is_empty() {
            Err(ProtocolError::MissingProtocol)
        } else if self.host.as_deref().unwrap_or("").is_empty() {
            Err(ProtocolError::MissingHost)
        } else {
            Ok(())
        }
    }

    /// Whether git offered `capability[]=NAME`.
    pub fn offers(&self, capability: &str) -> bool {
        self.capabilities.iter().any(|c| c == capability)
    }

    /// The `state[]` values this helper attached, without their prefix.
    pub fn own_state(&self) -> impl Iterator<Item = &str> {
        self.state
            .iter()
            .filter_map(|s| s.strip_prefix(STATE_PREFIX))
    }
}

/// The prefix of every `state[]` value this helper writes.
pub const STATE_PREFIX: &str = "bitbucket:";

fn is_true(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

fn push_or_clear(list: &mut Vec<String>, value: &str) {
    if value.is_empty() {
        list.clear();
    } else {
        list.push(value.to_owned());
    }
}

fn printable_key(key: &str) -> String {
    key.chars()
        .filter(|c| !c.is_control())
        .take(40)
        .collect::<String>()
}

fn zero(buf: &mut [u8]) {
    use zeroize::Zeroize;
    buf.zeroize();
}

/// What the helper answers to `get`. Only fields that are set are written,
/// capabilities first, so that git reads them before the values that depend
/// on them.
#[derive(Debug, Default)]
pub struct Response {
    /// Capabilities echoed back (only ones git offered).
    pub capabilities: Vec<&'static str>,
    /// `authtype=`.
    pub authtype: Option<String>,
    /// `credential=`.
    pub credential: Option<Secret>,
    /// `ephemeral=1`.
    pub ephemeral: bool,
    /// `username=`.
    pub username: Option<String>,
    /// `password=`.
    pub password: Option<Secret>,
    /// `password_expiry_utc=`.
    pub password_expiry_utc: Option<String>,
    /// `oauth_refresh_token=`.
    pub oauth_refresh_token: Option<Secret>,
    /// `state[]=` values, each written with [`STATE_PREFIX`].
    pub state: Vec<String>,
}

impl Response {
    /// Whether the response says nothing at all.
    pub fn is_empty(&self) -> bool {
        self.credential.is_none() && self.username.is_none() && self.password.is_none()
    }

    /// Writes the response; an empty one writes nothing at all. A value
    /// that holds a line break or NUL would let it inject lines into what
    /// git reads: then nothing at all is written, and the error names the
    /// key (never the value).
    pub fn write_to(&self, out: &mut impl Write) -> std::io::Result<()> {
        if self.is_empty() {
            return Ok(());
        }
        let mut lines: Vec<(&str, &str)> = Vec::new();
        for c in &self.capabilities {
            lines.push(("capability[]", c));
        }
        if let Some(t) = &self.authtype {
            lines.push(("authtype", t));
        }
        if let Some(c) = &self.credential {
            lines.push(("credential", c.expose()));
        }
        if self.ephemeral {
            lines.push(("ephemeral", "1"));
        }
        if let Some(u) = &self.username {
            lines.push(("username", u));
        }
        if let Some(p) = &self.password {
            lines.push(("password", p.expose()));
        }
        if let Some(e) = &self.password_expiry_utc {
            lines.push(("password_expiry_utc", e));
        }
        if let Some(t) = &self.oauth_refresh_token {
            lines.push(("oauth_refresh_token", t.expose()));
        }
        let state: Vec<String> = self
            .state
            .iter()
            .map(|s| format!("{STATE_PREFIX}{s}"))
            .collect();
        for s in &state {
            lines.push(("state[]", s));
        }
        if let Some((key, _)) = lines.iter().find(|(_, v)| v.contains(['\n', '\r', '\0'])) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("the value of `{key}` holds a line break or NUL, so nothing was sent"),
            ));
        }
        let mut text = zeroize::Zeroizing::new(String::new());
        for (key, value) in lines {
            text.push_str(key);
            text.push('=');
            text.push_str(value);
            text.push('\n');
        }
        out.write_all(text.as_bytes())?;
        out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Request, ProtocolError> {
        Request::parse(s.as_bytes())
    }

    #[test]
    fn reads_fields_and_ignores_unknown_keys() {
        let r = parse(
            "protocol=https\nhost=bitbucket.org\npath=acme/widget.git\nusername=jdoe\nfuture_key=x\n\n",
        )
        .unwrap();
        assert_eq!(r.protocol.as_deref(), Some("https"));
        assert_eq!(r.host.as_deref(), Some("bitbucket.org"));
        assert_eq!(r.path.as_deref(), Some("acme/widget.git"));
        assert_eq!(r.username.as_deref(), Some("jdoe"));
        assert!(r.password.is_none());
    }

    #[test]
    fn stops_at_the_blank_line_and_accepts_eof_without_one() {
        let r = parse("protocol=https\nhost=a\n\nhost=b\n").unwrap();
        assert_eq!(r.host.as_deref(), Some("a"));
        let r = parse("protocol=https\nhost=c").unwrap();
        assert_eq!(r.host.as_deref(), Some("c"));
    }

    #[test]
    fn splits_at_the_first_equals_sign() {
        let r = parse("password=a=b=c\n").unwrap();
        assert_eq!(r.password.unwrap().expose(), "a=b=c");
    }

    #[test]
    fn arrays_accumulate_and_an_empty_value_clears() {
        let r = parse("capability[]=authtype\ncapability[]=state\nwwwauth[]=Basic\nwwwauth[]=\nwwwauth[]=Bearer\n").unwrap();
        assert_eq!(r.capabilities, vec!["authtype", "state"]);
        assert_eq!(r.wwwauth, vec!["Bearer"]);
        assert!(r.offers("authtype"));
        assert!(!r.offers("auth"));
    }

    #[test]
    fn url_is_expanded_like_git_does() {
        let r =
            parse("url=https://jdoe%40example.com:p%3Ass@Bitbucket.org:8443/acme/widget.git/\n")
                .unwrap();
        assert_eq!(r.protocol.as_deref(), Some("https"));
        assert_eq!(r.host.as_deref(), Some("Bitbucket.org:8443"));
        assert_eq!(r.path.as_deref(), Some("acme/widget.git"));
        assert_eq!(r.username.as_deref(), Some("jdoe@example.com"));
        assert_eq!(r.password.unwrap().expose(), "p:ss");
    }

    #[test]
    fn url_replaces_earlier_fields_and_later_fields_replace_it() {
        let r =
            parse("host=evil.example\npath=x\nurl=https://bitbucket.org\nusername=u\n").unwrap();
        assert_eq!(r.host.as_deref(), Some("bitbucket.org"));
        assert_eq!(r.path, None);
        assert_eq!(r.username.as_deref(), Some("u"));
    }

    #[test]
    fn refusals() {
        let long_line = format!("path={}\n", "a".repeat(MAX_LINE));
        let just_fits = format!("path={}\n", "a".repeat(MAX_LINE - 5));
        let many_lines = "wwwauth[]=x\n".repeat(MAX_INPUT / 12 + 1);
        let cases: Vec<(String, ProtocolError)> = vec![
            ("host=a\0b\n".into(), ProtocolError::Nul("host".into())),
            (
                "password=a\rb\n".into(),
                ProtocolError::CarriageReturn("password".into()),
            ),
            (
                "protocol=https\r\n".into(),
                ProtocolError::CarriageReturn("protocol".into()),
            ),
            (long_line, ProtocolError::LineTooLong(1)),
            (many_lines, ProtocolError::InputTooLong),
            (
                "protocol=https\nnonsense\n".into(),
                ProtocolError::NoEquals(2),
            ),
            ("url=https://a/%00\n".into(), ProtocolError::BadUrl),
            ("url=https://a/%0d\n".into(), ProtocolError::BadUrl),
            ("url=https://a/%0A\n".into(), ProtocolError::BadUrl),
            ("url=no-scheme\n".into(), ProtocolError::BadUrl),
        ];
        for (input, want) in cases {
            assert_eq!(
                parse(&input).unwrap_err(),
                want,
                "input {:?}",
                &input[..input.len().min(40)]
            );
        }
        assert!(parse(&just_fits).is_ok());
        let not_utf8 = b"path=\xff\xfe\n";
        assert_eq!(
            Request::parse(not_utf8).unwrap_err(),
            ProtocolError::NotUtf8(1)
        );
    }

    #[test]
    fn origin_is_required() {
        let cases = [
            ("host=a\n", Some(ProtocolError::MissingProtocol)),
            ("protocol=\nhost=a\n", Some(ProtocolError::MissingProtocol)),
            ("protocol=https\n", Some(ProtocolError::MissingHost)),
            ("protocol=https\nhost=\n", Some(ProtocolError::MissingHost)),
            ("", Some(ProtocolError::MissingProtocol)),
            ("protocol=https\nhost=a\n", None),
        ];
        for (input, want) in cases {
            assert_eq!(
                parse(input).unwrap().require_origin().err(),
                want,
                "{input:?}"
            );
        }
    }

    #[test]
    fn response_writes_capabilities_first_and_nothing_when_empty() {
        let mut out = Vec::new();
        Response::default().write_to(&mut out).unwrap();
        assert!(out.is_empty());
        let r = Response {
            capabilities: vec!["authtype", "state"],
            authtype: Some("Bearer".into()),
            credential: Some(Secret::from("BBDC-x")),
            ephemeral: true,
            password_expiry_utc: Some("1800000000".into()),
            state: vec!["entry=dc".into()],
            ..Response::default()
        };
        r.write_to(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "capability[]=authtype\ncapability[]=state\nauthtype=Bearer\ncredential=BBDC-x\nephemeral=1\npassword_expiry_utc=1800000000\nstate[]=bitbucket:entry=dc\n"
        );
    }

    #[test]
    fn a_value_with_a_line_break_is_never_written() {
        for bad in ["tok\nusername=attacker", "tok\r", "tok\0quit=1"] {
            let r = Response {
                username: Some("x-token-auth".into()),
                password: Some(Secret::from(bad)),
                ..Response::default()
            };
            let mut out = Vec::new();
            let err = r.write_to(&mut out).unwrap_err().to_string();
            assert_eq!(
                err,
                "the value of `password` holds a line break or NUL, so nothing was sent"
            );
            assert!(out.is_empty());
        }
    }
}
