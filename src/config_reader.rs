//! A quick reader for the plain TOML the configuration is written in: the
//! `[settings]` and `[[credential]]` tables, one `key = value` a line, with
//! strings, whole numbers and one-line arrays of strings — what `add` writes
//! and what people write by hand. It reads a 10,000-entry file without
//! building a TOML document, borrowing every string that holds no escape,
//! and hands each table over as soon as it ends, which is what makes the
//! first `get` after a hand edit cheap.
//!
//! It is only ever a shortcut: on anything it does not know for certain —
//! other TOML forms (multi-line strings and arrays, dotted or quoted keys,
//! inline tables), an unknown or repeated key, a missing field, a number
//! out of range, anything TOML refuses — it answers `None`, and the caller
//! reads the file with the `toml` crate, which gives the same result or the
//! exact error. The config fuzz target checks that the two agree.

use std::borrow::Cow;

use crate::config::CredentialTable;

/// `[settings]` as read.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct QuickSettings {
    /// `store`.
    pub store: Option<String>,
    /// `insecure_http_hosts`.
    pub insecure_http_hosts: Option<Vec<String>>,
    /// `expiry_warning_days`.
    pub expiry_warning_days: Option<u32>,
    /// `command_timeout_seconds`.
    pub command_timeout_seconds: Option<u64>,
}

/// A whole file as read: its settings and its `[[credential]]` tables.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct QuickFile {
    /// `[settings]`.
    pub settings: QuickSettings,
    /// The `[[credential]]` tables, in order.
    pub credentials: Vec<CredentialTable>,
}

/// A `[[credential]]` table as read, its strings borrowed from the text
/// where they hold no escape.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TableText<'a> {
    /// `name`.
    pub name: Cow<'a, str>,
    /// `kind`.
    pub kind: Cow<'a, str>,
    /// `url`.
    pub url: Cow<'a, str>,
    /// `username`.
    pub username: Option<Cow<'a, str>>,
    /// `email`.
    pub email: Option<Cow<'a, str>>,
    /// `scope`.
    pub scope: Option<Cow<'a, str>>,
    /// `repos`.
    pub repos: Option<Vec<Cow<'a, str>>>,
    /// `expires`.
    pub expires: Option<Cow<'a, str>>,
    /// `secret`.
    pub secret: Option<Cow<'a, str>>,
    /// `auth`.
    pub auth: Option<Cow<'a, str>>,
}

impl TableText<'_> {
    /// The fields of `table`, borrowed.
    pub fn borrowing(table: &CredentialTable) -> TableText<'_> {
        let CredentialTable {
            name,
            kind,
            url,
            username,
            email,
            scope,
            repos,
            expires,
            secret,
            auth,
        } = table;
        fn borrow(v: &Option<String>) -> Option<Cow<'_, str>> {
            v.as_deref().map(Cow::Borrowed)
        }
        TableText {
            name: Cow::Borrowed(name),
            kind: Cow::Borrowed(kind),
            url: Cow::Borrowed(url),
            username: borrow(username),
            email: borrow(email),
            scope: borrow(scope),
            repos: repos
                .as_ref()
                .map(|l| l.iter().map(|r| Cow::Borrowed(r.as_str())).collect()),
            expires: borrow(expires),
            secret: borrow(secret),
            auth: borrow(auth),
        }
    }

    /// `table`, its strings moved in.
    pub fn owning(table: CredentialTable) -> TableText<'static> {
        let CredentialTable {
            name,
            kind,
            url,
            username,
            email,
            scope,
            repos,
            expires,
            secret,
            auth,
        } = table;
        TableText {
            name: Cow::Owned(name),
            kind: Cow::Owned(kind),
            url: Cow::Owned(url),
            username: username.map(Cow::Owned),
            email: email.map(Cow::Owned),
            scope: scope.map(Cow::Owned),
            repos: repos.map(|l| l.into_iter().map(Cow::Owned).collect()),
            expires: expires.map(Cow::Owned),
            secret: secret.map(Cow::Owned),
            auth: auth.map(Cow::Owned),
        }
    }

    /// The table with its strings owned.
    pub fn to_table(&self) -> CredentialTable {
        let own = |v: &Option<Cow<'_, str>>| v.as_deref().map(str::to_owned);
        CredentialTable {
            name: self.name.clone().into_owned(),
            kind: self.kind.clone().into_owned(),
            url: self.url.clone().into_owned(),
            username: own(&self.username),
            email: own(&self.email),
            scope: own(&self.scope),
            repos: self
                .repos
                .as_ref()
                .map(|l| l.iter().map(|r| r.clone().into_owned()).collect()),
            expires: own(&self.expires),
            secret: own(&self.secret),
            auth: own(&self.auth),
        }
    }
}

/// What [`read_each`] hands over, in the order of the file.
pub enum Item<'a> {
    /// The `[settings]` table, when it ends.
    Settings(QuickSettings),
    /// A `[[credential]]` table, when it ends.
    Credential(TableText<'a>),
}

enum Value<'a> {
    Text(Cow<'a, str>),
    Number(i64),
    List(Vec<Cow<'a, str>>),
}

/// The table being read. Only one exists at a time, on the stack: boxing
/// the large variant would cost an allocation per table.
#[allow(clippy::large_enum_variant)]
enum Section<'a> {
    Root,
    Settings(QuickSettings),
    Credential(Partial<'a>),
}

/// A `[[credential]]` table before its required keys are known to be there.
#[derive(Default)]
struct Partial<'a> {
    name: Option<Cow<'a, str>>,
    kind: Option<Cow<'a, str>>,
    url: Option<Cow<'a, str>>,
    rest: TableText<'a>,
}

/// Reads `text`; `None` when it is not in the plain form (see the module
/// documentation), and then nothing about the file is known.
pub fn read(text: &str) -> Option<QuickFile> {
    let mut file = QuickFile::default();
    read_each(text, |item| {
        match item {
            Item::Settings(s) => file.settings = s,
            Item::Credential(t) => file.credentials.push(t.to_table()),
        }
        Some(())
    })?;
    Some(file)
}

/// Reads `text`, handing each table to `each` as soon as it ends. `None`
/// when the text is not in the plain form or `each` answered `None`; what
/// was handed over before then is to be thrown away.
pub fn read_each<'a>(text: &'a str, mut each: impl FnMut(Item<'a>) -> Option<()>) -> Option<()> {
    if !plain_characters(text.as_bytes()) {
        return None;
    }
    let mut section = Section::Root;
    let mut seen_settings = false;
    // Which keys the current table has, to refuse a repeated one.
    let mut keys: Vec<&str> = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        // Lines are short: a plain loop finds their end sooner than a
        // vectorised search, which pays its start-up on each one.
        let (raw_line, after) = match rest.bytes().position(|b| b == b'\n') {
            Some(at) => (&rest[..at], &rest[at + 1..]),
            None => (rest, ""),
        };
        rest = after;
        // A CR is only ever there before the LF (checked above).
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        let line = line.trim_matches([' ', '\t']);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with('[') {
            let (settings, after) = if let Some(after) = line.strip_prefix("[[credential]]") {
                (false, after)
            } else if let Some(after) = line.strip_prefix("[settings]") {
                (true, after)
            } else {
                return None;
            };
            if !comment_or_nothing(after) {
                return None;
            }
            let next = if settings {
                if seen_settings {
                    return None;
                }
                seen_settings = true;
                Section::Settings(QuickSettings::default())
            } else {
                Section::Credential(Partial::default())
            };
            finish(std::mem::replace(&mut section, next), &mut each)?;
            keys.clear();
            continue;
        }
        let equals = line.bytes().position(|b| b == b'=')?;
        let (key, after) = (&line[..equals], &line[equals + 1..]);
        let key = key.trim_end_matches([' ', '\t']);
        if key.is_empty()
            || !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            || keys.contains(&key)
        {
            return None;
        }
        keys.push(key);
        let (value, after) = value(after.trim_start_matches([' ', '\t']))?;
        if !comment_or_nothing(after) {
            return None;
        }
        match &mut section {
            Section::Root => return None,
            Section::Settings(s) => set_setting(s, key, value)?,
            Section::Credential(t) => set_field(t, key, value)?,
        }
    }
    finish(section, &mut each)
}

/// Whether `bytes` hold no character TOML refuses outside a comment or
/// string either: no control character but tab and the LF ending a line
/// (a CR only before its LF), no byte-order mark.
fn plain_characters(bytes: &[u8]) -> bool {
    // Printable ASCII, tab and LF need no second look; a block holding
    // anything else is looked at a byte at a time. The test of a block is
    // branch-free, so the compiler makes it a few vector instructions.
    const BLOCK: usize = 64;
    let mut start = 0;
    while start < bytes.len() {
        let end = (start + BLOCK).min(bytes.len());
        let other = bytes[start..end].iter().fold(false, |seen, &b| {
            seen | ((b < 0x20) & (b != b'\t') & (b != b'\n')) | (b >= 0x7f)
        });
        if other && (start..end).any(|i| refused_at(bytes, i)) {
            return false;
        }
        start = end;
    }
    true
}

/// Whether the character at byte `i` is one TOML refuses (see
/// [`plain_characters`]).
fn refused_at(bytes: &[u8], i: usize) -> bool {
    match bytes[i] {
        b'\t' | b'\n' => false,
        b'\r' => bytes.get(i + 1) != Some(&b'\n'),
        0..=0x1f | 0x7f => true,
        // U+0080 to U+009F.
        0xc2 => matches!(bytes.get(i + 1), Some(0x80..=0x9f)),
        // U+FEFF.
        0xef => bytes.get(i + 1) == Some(&0xbb) && bytes.get(i + 2) == Some(&0xbf),
        _ => false,
    }
}

fn comment_or_nothing(text: &str) -> bool {
    let text = text.trim_start_matches([' ', '\t']);
    text.is_empty() || text.starts_with('#')
}

/// Hands over the table just ended: a credential needs its three fields.
fn finish<'a>(section: Section<'a>, each: &mut impl FnMut(Item<'a>) -> Option<()>) -> Option<()> {
    match section {
        Section::Root => Some(()),
        Section::Settings(s) => each(Item::Settings(s)),
        Section::Credential(p) => each(Item::Credential(TableText {
            name: p.name?,
            kind: p.kind?,
            url: p.url?,
            ..p.rest
        })),
    }
}

/// Whether `text` has a `[settings]` table: when it does not, every
/// `[[credential]]` table can be checked as soon as it is read.
pub fn has_settings_table(text: &str) -> bool {
    text.match_indices("[settings]").any(|(at, _)| {
        text[..at]
            .bytes()
            .rev()
            .find(|b| *b != b' ' && *b != b'\t')
            .is_none_or(|b| b == b'\n')
    })
}

fn set_setting(s: &mut QuickSettings, key: &str, value: Value<'_>) -> Option<()> {
    match (key, value) {
        ("store", Value::Text(t)) => s.store = Some(t.into_owned()),
        ("insecure_http_hosts", Value::List(l)) => {
            s.insecure_http_hosts = Some(l.into_iter().map(Cow::into_owned).collect())
        }
        ("expiry_warning_days", Value::Number(n)) => {
            s.expiry_warning_days = Some(u32::try_from(n).ok()?)
        }
        ("command_timeout_seconds", Value::Number(n)) => {
            s.command_timeout_seconds = Some(u64::try_from(n).ok()?)
        }
        _ => return None,
    }
    Some(())
}

fn set_field<'a>(t: &mut Partial<'a>, key: &str, value: Value<'a>) -> Option<()> {
    let text = match value {
        Value::Text(text) => text,
        Value::List(l) if key == "repos" => {
            t.rest.repos = Some(l);
            return Some(());
        }
        _ => return None,
    };
    let field = match key {
        "name" => &mut t.name,
        "kind" => &mut t.kind,
        "url" => &mut t.url,
        "username" => &mut t.rest.username,
        "email" => &mut t.rest.email,
        "scope" => &mut t.rest.scope,
        "expires" => &mut t.rest.expires,
        "secret" => &mut t.rest.secret,
        "auth" => &mut t.rest.auth,
        _ => return None,
    };
    *field = Some(text);
    Some(())
}

/// One value at the start of `text`, and what follows it.
fn value(text: &str) -> Option<(Value<'_>, &str)> {
    match text.as_bytes().first()? {
        b'"' | b'\'' => {
            let (s, rest) = string(text)?;
            Some((Value::Text(s), rest))
        }
        b'[' => {
            let mut rest = text[1..].trim_start_matches([' ', '\t']);
            let mut list = Vec::new();
            loop {
                if let Some(after) = rest.strip_prefix(']') {
                    return Some((Value::List(list), after));
                }
                let (s, after) = string(rest)?;
                list.push(s);
                rest = after.trim_start_matches([' ', '\t']);
                if let Some(after) = rest.strip_prefix(',') {
                    rest = after.trim_start_matches([' ', '\t']);
                } else if !rest.starts_with(']') {
                    return None;
                }
            }
        }
        _ => {
            let end = text.find([' ', '\t', '#']).unwrap_or(text.len());
            let (digits, rest) = text.split_at(end);
            let unsigned = digits.strip_prefix(['+', '-']).unwrap_or(digits);
            // Plain decimal only; TOML refuses leading zeros.
            if unsigned.is_empty()
                || !unsigned.bytes().all(|b| b.is_ascii_digit())
                || (unsigned.len() > 1 && unsigned.starts_with('0'))
            {
                return None;
            }
            Some((Value::Number(digits.parse().ok()?), rest))
        }
    }
}

/// A basic ("…") or literal ('…') one-line string at the start of `text`,
/// borrowed unless it holds an escape.
fn string(text: &str) -> Option<(Cow<'_, str>, &str)> {
    if let Some(body) = text.strip_prefix('\'') {
        if body.starts_with("''") {
            return None;
        }
        let end = body.find('\'')?;
        return Some((Cow::Borrowed(&body[..end]), &body[end + 1..]));
    }
    let body = text.strip_prefix('"')?;
    if body.starts_with("\"\"") {
        return None;
    }
    let end = body.bytes().position(|b| b == b'"' || b == b'\\')?;
    if body.as_bytes()[end] == b'"' {
        return Some((Cow::Borrowed(&body[..end]), &body[end + 1..]));
    }
    let mut out = String::from(&body[..end]);
    let mut chars = body[end..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((Cow::Owned(out), &body[end + i + 1..])),
            '\\' => {
                let (_, e) = chars.next()?;
                out.push(match e {
                    '"' => '"',
                    '\\' => '\\',
                    'b' => '\u{8}',
                    't' => '\t',
                    'n' => '\n',
                    'f' => '\u{c}',
                    'r' => '\r',
                    'u' | 'U' => {
                        let n = if e == 'u' { 4 } else { 8 };
                        let mut hex = String::new();
                        for _ in 0..n {
                            hex.push(chars.next()?.1);
                        }
                        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                            return None;
                        }
                        char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
                    }
                    _ => return None,
                });
            }
            c => out.push(c),
        }
    }
    None
}

/// What the `toml` crate makes of `text`, in the same shape: the slow
/// path that [`read`] must agree with (the config fuzz target compares
/// them on every input).
pub fn read_with_toml(text: &str) -> Option<QuickFile> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        #[serde(default)]
        settings: Settings,
        #[serde(default)]
        credential: Vec<CredentialTable>,
    }
    #[derive(serde::Deserialize, Default)]
    #[serde(deny_unknown_fields)]
    struct Settings {
        store: Option<String>,
        insecure_http_hosts: Option<Vec<String>>,
        expiry_warning_days: Option<u32>,
        command_timeout_seconds: Option<u64>,
    }
    let f: File = toml::from_str(text).ok()?;
    Some(QuickFile {
        settings: QuickSettings {
            store: f.settings.store,
            insecure_http_hosts: f.settings.insecure_http_hosts,
            expiry_warning_days: f.settings.expiry_warning_days,
            command_timeout_seconds: f.settings.command_timeout_seconds,
        },
        credentials: f.credential,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_plain_form_as_toml_does_and_leaves_the_rest_to_it() {
        let plain = [
            "",
            "# only a comment\n",
            "[settings]\nstore = \"file\"\ninsecure_http_hosts = [\"localhost\", 'h:7990',]\nexpiry_warning_days = 7 # a week\ncommand_timeout_seconds = +3\n",
            "[[credential]]\nname = \"acme\"\nkind = \"api-token\"\nurl = \"https://bitbucket.org/acme/\"\nusername = \"j\\u00f6e\"\nsecret = 'command:pass show \"x\"'\n\n[[credential]] # second\n  name=\"b\"\n\tkind = \"access-token\"\nscope = \"project\"\nurl = \"https://bitbucket.org/b\"\nrepos = []\nsecret = \"file\"\r\n",
            "[[credential]]\nname = \"x\"\nkind = \"k\"\nurl = \"u\"\n[settings]\nstore = \"auto\"\n",
        ];
        for text in plain {
            let quick = read(text);
            assert!(quick.is_some(), "{text:?}");
            assert_eq!(quick, read_with_toml(text), "{text:?}");
        }
        let other = [
            "[settings]\nstore = \"\"\"file\"\"\"\n",
            "[settings]\ninsecure_http_hosts = [\n\"a\"]\n",
            "[credential]\nname = \"x\"\n",
            "[[credential]]\nname = \"x\"\nkind = \"k\"\n",
            "[[credential]]\nname = \"x\"\nname = \"y\"\nkind = \"k\"\nurl = \"u\"\n",
            "[[credential]]\n\"name\" = \"x\"\nkind = \"k\"\nurl = \"u\"\n",
            "[[credential]]\nname = \"x\"\nkind = \"k\"\nurl = \"u\"\ncolour = \"red\"\n",
            "[settings]\nexpiry_warning_days = -1\n",
            "[settings]\nexpiry_warning_days = 07\n",
            "[settings]\nexpiry_warning_days = 1_000\n",
            "[settings]\nstore = \"a\\qb\"\n",
            "[settings]\nstore = \"a\" b\n",
            "[settings]\n[settings]\n",
            "store = \"file\"\n",
            "[ settings ]\n",
            "[settings]\nstore = {a = 1}\n",
            "[settings]\nstore = true\n",
            "[settings]\nstore = \"a\u{1}\"\n",
            // Found by fuzzing: a lone CR is no line ending.
            "\r",
            "[settings]\r",
        ];
        for text in other {
            assert_eq!(read(text), None, "{text:?}");
        }
    }

    #[test]
    fn characters_are_judged_the_same_wherever_they_fall() {
        // The check reads 64-byte blocks: put each character on and
        // around a block's edge, with what follows it in the next block.
        // (What the quick reader refuses, such as U+0085, goes to the
        // toml crate, which may accept it.)
        let base = "[settings]\nstore = \"";
        for (c, allowed) in [
            ("\r\n", true),
            ("\r", false),
            ("\u{85}", false),
            ("\u{a0}", true),
            ("\u{feff}", false),
            ("\u{fefe}", true),
            ("\u{1}", false),
            ("\u{7f}", false),
        ] {
            for pad in 40..70 {
                let text = if c == "\r\n" || c == "\r" {
                    format!("# {}{c}{base}file\"\n", "x".repeat(pad))
                } else {
                    format!("{base}{}{c}\"\n", "x".repeat(pad))
                };
                let quick = read(&text);
                assert_eq!(quick.is_some(), allowed, "{text:?}");
                if quick.is_some() {
                    assert_eq!(quick, read_with_toml(&text), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn a_settings_table_is_found_only_where_a_table_starts() {
        assert!(has_settings_table("[settings]\n"));
        assert!(has_settings_table(
            "[[credential]]\nname = \"a\"\n \t[settings] # late\n"
        ));
        assert!(!has_settings_table(
            "[[credential]]\nsecret = \"env:[settings]\"\n"
        ));
        assert!(!has_settings_table("# [settings]\n"));
    }
}
