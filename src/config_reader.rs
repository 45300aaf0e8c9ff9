//! A quick reader for the plain TOML the configuration is written in: the
//! `[settings]` and `[[credential]]` tables, one `key = value` a line, with
//! strings, whole numbers and one-line arrays of strings — what `add` writes
//! and what people write by hand. It reads a 10,000-entry file without
//! building a TOML document, which is what makes the first `get` after a
//! hand edit cheap.
//!
//! It is only ever a shortcut: on anything it does not know for certain —
//! other TOML forms (multi-line strings and arrays, dotted or quoted keys,
//! inline tables), an unknown or repeated key, a missing field, a number
//! out of range, anything TOML refuses — it answers `None`, and the caller
//! reads the file with the `toml` crate, which gives the same result or the
//! exact error. The config fuzz target checks that the two agree.

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

enum Value {
    Text(String),
    Number(i64),
    List(Vec<String>),
}

enum Section {
    Root,
    Settings,
    Credential,
}

/// Reads `text`; `None` when it is not in the plain form (see the module
/// documentation), and then nothing about the file is known.
pub fn read(text: &str) -> Option<QuickFile> {
    let mut file = QuickFile::default();
    let mut section = Section::Root;
    let mut seen_settings = false;
    // Which keys the current table has, to refuse a repeated one.
    let mut keys: Vec<&str> = Vec::new();
    for raw_line in text.split_inclusive('\n') {
        // A line ends in LF or CR LF; a CR anywhere else is refused below.
        let line = match raw_line.strip_suffix('\n') {
            Some(l) => l.strip_suffix('\r').unwrap_or(l),
            None => raw_line,
        };
        if line
            .chars()
            .any(|c| c != '\t' && (c.is_control() || c == '\u{feff}'))
        {
            return None;
        }
        let line = line.trim_matches([' ', '\t']);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with('[') {
            let (header, rest) = if let Some(rest) = line.strip_prefix("[[credential]]") {
                ("credential", rest)
            } else if let Some(rest) = line.strip_prefix("[settings]") {
                ("settings", rest)
            } else {
                return None;
            };
            let rest = rest.trim_start_matches([' ', '\t']);
            if !(rest.is_empty() || rest.starts_with('#')) {
                return None;
            }
            finish(&mut file, &section, &keys)?;
            keys.clear();
            if header == "settings" {
                if seen_settings {
                    return None;
                }
                seen_settings = true;
                section = Section::Settings;
            } else {
                file.credentials.push(CredentialTable::default());
                section = Section::Credential;
            }
            continue;
        }
        let (key, rest) = line.split_once('=')?;
        let key = key.trim_end_matches([' ', '\t']);
        if key.is_empty()
            || !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return None;
        }
        if keys.contains(&key) {
            return None;
        }
        keys.push(key);
        let (value, rest) = value(rest.trim_start_matches([' ', '\t']))?;
        let rest = rest.trim_start_matches([' ', '\t']);
        if !(rest.is_empty() || rest.starts_with('#')) {
            return None;
        }
        match section {
            Section::Root => return None,
            Section::Settings => set_setting(&mut file.settings, key, value)?,
            Section::Credential => set_field(file.credentials.last_mut()?, key, value)?,
        }
    }
    finish(&mut file, &section, &keys)?;
    Some(file)
}

/// Checks the table just ended: a credential needs its three fields.
fn finish(_file: &mut QuickFile, section: &Section, keys: &[&str]) -> Option<()> {
    if let Section::Credential = section {
        for required in ["name", "kind", "url"] {
            if !keys.contains(&required) {
                return None;
            }
        }
    }
    Some(())
}

fn set_setting(s: &mut QuickSettings, key: &str, value: Value) -> Option<()> {
    match (key, value) {
        ("store", Value::Text(t)) => s.store = Some(t),
        ("insecure_http_hosts", Value::List(l)) => s.insecure_http_hosts = Some(l),
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

fn set_field(t: &mut CredentialTable, key: &str, value: Value) -> Option<()> {
    let text = |v: Value| match v {
        Value::Text(t) => Some(t),
        _ => None,
    };
    match key {
        "name" => t.name = text(value)?,
        "kind" => t.kind = text(value)?,
        "url" => t.url = text(value)?,
        "username" => t.username = Some(text(value)?),
        "email" => t.email = Some(text(value)?),
        "scope" => t.scope = Some(text(value)?),
        "expires" => t.expires = Some(text(value)?),
        "secret" => t.secret = Some(text(value)?),
        "auth" => t.auth = Some(text(value)?),
        "repos" => match value {
            Value::List(l) => t.repos = Some(l),
            _ => return None,
        },
        _ => return None,
    }
    Some(())
}

/// One value at the start of `text`, and what follows it.
fn value(text: &str) -> Option<(Value, &str)> {
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

/// A basic ("…") or literal ('…') one-line string at the start of `text`.
fn string(text: &str) -> Option<(String, &str)> {
    if let Some(body) = text.strip_prefix('\'') {
        if body.starts_with("''") {
            return None;
        }
        let end = body.find('\'')?;
        return Some((body[..end].to_owned(), &body[end + 1..]));
    }
    let body = text.strip_prefix('"')?;
    if body.starts_with("\"\"") {
        return None;
    }
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &body[i + 1..])),
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
}
