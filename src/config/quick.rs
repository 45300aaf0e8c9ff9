//! A quick reader for the plain TOML the configuration is written in: the
//! `[settings]` and `[[credential]]` tables, one `key = value` a line, with
//! strings, whole numbers and one-line arrays of strings — what `add` writes
//! and what people write by hand. It reads a 10,000-entry file without
//! building a TOML document, borrowing every string that holds no escape,
//! and hands each table over as soon as it ends, which is what makes the
//! first `get` after a hand edit cheap.
//!
//! It also writes that form: a table rendered by [`write_credential`] reads
//! back unchanged, which is what the index's records are.
//!
//! It is only ever a shortcut: on anything it does not know for certain —
//! other TOML forms (multi-line strings and arrays, dotted or quoted keys,
//! inline tables), an unknown or repeated key, a missing field, a number
//! out of range, anything TOML refuses — it answers `None`, and the caller
//! reads the file with the `toml` crate, which gives the same result or the
//! exact error. The config fuzz target checks that the two agree.

use std::borrow::Cow;

use super::table::{CredentialTable, Field, FileTables, SettingsTable, Value as FieldValue};

/// What [`read_each`] hands over, in the order of the file.
pub enum Item<'a> {
    /// The `[settings]` table, when it ends.
    Settings(SettingsTable),
    /// A `[[credential]]` table, when it ends, and its text: from its
    /// header to the end of its last line with a key.
    Credential(CredentialTable<'a>, &'a str),
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
    Settings(SettingsTable),
    Credential(Partial<'a>),
}

/// A `[[credential]]` table before its required keys are known to be there.
#[derive(Default)]
struct Partial<'a> {
    /// Where its text starts and ends in the file.
    span: (usize, usize),
    name: Option<Cow<'a, str>>,
    kind: Option<Cow<'a, str>>,
    url: Option<Cow<'a, str>>,
    rest: CredentialTable<'a>,
}

/// Reads `text`; `None` when it is not in the plain form (see the module
/// documentation), and then nothing about the file is known.
pub fn read(text: &str) -> Option<FileTables<'_>> {
    let mut file = FileTables::default();
    read_each(text, |item| {
        match item {
            Item::Settings(s) => file.settings = s,
            Item::Credential(t, _) => file.credential.push(t),
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
        let line_start = text.len() - rest.len();
        // Lines are short: a plain loop finds their end sooner than a
        // vectorised search, which pays its start-up on each one.
        let (raw_line, after) = match rest.bytes().position(|b| b == b'\n') {
            Some(at) => (&rest[..at], &rest[at + 1..]),
            None => (rest, ""),
        };
        rest = after;
        let line_end = text.len() - rest.len();
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
                Section::Settings(SettingsTable::default())
            } else {
                Section::Credential(Partial {
                    span: (line_start, line_end),
                    ..Partial::default()
                })
            };
            finish(text, std::mem::replace(&mut section, next), &mut each)?;
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
            Section::Credential(t) => {
                set_field(t, key, value)?;
                t.span.1 = line_end;
            }
        }
    }
    finish(text, section, &mut each)
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

/// Hands over the table of `text` just ended: a credential needs its
/// three fields.
fn finish<'a>(
    text: &'a str,
    section: Section<'a>,
    each: &mut impl FnMut(Item<'a>) -> Option<()>,
) -> Option<()> {
    match section {
        Section::Root => Some(()),
        Section::Settings(s) => each(Item::Settings(s)),
        Section::Credential(p) => {
            let table = CredentialTable {
                name: p.name?,
                kind: p.kind?,
                url: p.url?,
                ..p.rest
            };
            each(Item::Credential(table, &text[p.span.0..p.span.1]))
        }
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

fn set_setting(s: &mut SettingsTable, key: &str, value: Value<'_>) -> Option<()> {
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
    let field = Field::from_name(key)?;
    match (field, value) {
        (Field::Name, Value::Text(text)) => t.name = Some(text),
        (Field::Kind, Value::Text(text)) => t.kind = Some(text),
        (Field::Url, Value::Text(text)) => t.url = Some(text),
        (field, Value::Text(text)) => t.rest.set(field, text)?,
        (field, Value::List(list)) => t.rest.set_list(field, list)?,
        (_, Value::Number(_)) => return None,
    }
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
pub fn read_with_toml(text: &str) -> Option<FileTables<'static>> {
    toml::from_str(text).ok()
}

/// Appends `table` to `out` in the plain form, as a `[[credential]]` table
/// that [`read_each`] reads back unchanged.
pub fn write_credential(out: &mut String, table: &CredentialTable<'_>) {
    out.push_str("[[credential]]\n");
    for (field, value) in table.fields() {
        out.push_str(field.name());
        out.push_str(" = ");
        match value {
            FieldValue::Text(text) => write_string(out, text),
            FieldValue::List(list) => {
                out.push('[');
                for (i, item) in list.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_string(out, item);
                }
                out.push(']');
            }
        }
        out.push('\n');
    }
}

/// Appends `settings` to `out` in the plain form, as a `[settings]` table.
pub fn write_settings(out: &mut String, settings: &SettingsTable) {
    let SettingsTable {
        store,
        insecure_http_hosts,
        expiry_warning_days,
        command_timeout_seconds,
    } = settings;
    out.push_str("[settings]\n");
    if let Some(store) = store {
        out.push_str("store = ");
        write_string(out, store);
        out.push('\n');
    }
    if let Some(hosts) = insecure_http_hosts {
        out.push_str("insecure_http_hosts = [");
        for (i, host) in hosts.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            write_string(out, host);
        }
        out.push_str("]\n");
    }
    for (key, number) in [
        ("expiry_warning_days", expiry_warning_days.map(u64::from)),
        ("command_timeout_seconds", *command_timeout_seconds),
    ] {
        if let Some(n) = number {
            out.push_str(key);
            out.push_str(" = ");
            out.push_str(&n.to_string());
            out.push('\n');
        }
    }
}

/// Appends `text` as a basic string, escaping what TOML or the quick
/// reader's character check would refuse.
fn write_string(out: &mut String, text: &str) {
    out.push('"');
    let plain =
        |c: char| !matches!(c, '"' | '\\' | '\u{7f}'..='\u{9f}' | '\u{feff}') && !c.is_control();
    if text.chars().all(plain) {
        out.push_str(text);
    } else {
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if plain(c) => out.push(c),
                c => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            }
        }
    }
    out.push('"');
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
