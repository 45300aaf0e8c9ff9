//! A derived index of the configuration file, so that `get`, `store` and
//! `erase` read only the entries that can match the request instead of
//! parsing the whole TOML file (which costs tens of milliseconds at 10,000
//! entries).
//!
//! The TOML file stays the only source of truth. The index lives in the
//! cache directory, is named after the configuration's path, records the
//! configuration file's size, modification and change times and inode, and
//! is ignored and rebuilt whenever those differ, the format or version
//! differs, or it cannot be read. It holds no secret. It is written only
//! from a configuration that validated, by the helper when it finds the
//! index stale and by the commands that change the configuration, under the
//! configuration's lock.
//!
//! Entries are keyed by host and by their exact path prefix (`acme`,
//! `acme/widget`, `bitbucket/scm/proj`): an entry can serve a request only
//! when its prefix is one of the request's own prefixes, so a lookup reads
//! the few blocks of records under those keys and nothing else, however
//! many entries share the host.
//!
//! Layout: a first line (format, fingerprint, the lengths of the next two
//! parts); the settings line; the table, one line per key sorted by key
//! (`host TAB prefix TAB start TAB length`), found by bisection; then the
//! records, one line each, fields separated by tabs.

use std::borrow::Cow;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::{self, Config, ConfigError, CredentialTable, DefinedIn, Settings};
use crate::config_reader::{self, Item, TableText};
use crate::fsutil::{self, Lock};
use crate::remote::Remote;
use crate::resolve::hosts_serving;

const FORMAT: &str = concat!("gcb-index 3 ", env!("CARGO_PKG_VERSION"));

/// Where the index of the configuration at `config_path` lives.
pub fn index_path(config_path: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(config_path).ok()?;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in absolute.as_os_str().as_encoded_bytes() {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    Some(
        dirs::cache_dir()?
            .join("git-credential-bitbucket")
            .join(format!("{hash:016x}.index")),
    )
}

fn fingerprint(meta: &std::fs::Metadata) -> String {
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .unwrap_or_default();
    // The inode change time too: an edit that keeps size and modification
    // time (cp -p, rsync -t, a restore) still changes it.
    #[cfg(unix)]
    let node = {
        use std::os::unix::fs::MetadataExt;
        format!(
            "{}:{}:{}.{:09}",
            meta.dev(),
            meta.ino(),
            meta.ctime(),
            meta.ctime_nsec()
        )
    };
    #[cfg(not(unix))]
    let node = String::from("-");
    format!(
        "{}:{}.{:09}:{node}",
        meta.len(),
        modified.as_secs(),
        modified.subsec_nanos()
    )
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

/// Appends `s` to `out` with backslash, tab, LF and CR escaped.
fn escape_into(out: &mut String, s: &str) {
    if !s
        .bytes()
        .any(|b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r'))
    {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

fn unescape(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            '\\' => '\\',
            't' => '\t',
            'n' => '\n',
            'r' => '\r',
            _ => return None,
        });
    }
    Some(out)
}

fn unopt(field: &str) -> Option<Option<String>> {
    match field.strip_prefix('+') {
        Some(v) => Some(Some(unescape(v)?)),
        None if field == "-" => Some(None),
        None => None,
    }
}

/// Appends the record of `table` to `out`, a line of tab-separated
/// fields (an optional field `-` when absent, `+value` when present).
fn record_into(out: &mut String, table: &TableText<'_>) {
    let TableText {
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
    let opt = |out: &mut String, field: Option<&str>| match field {
        Some(v) => {
            out.push_str("\t+");
            escape_into(out, v);
        }
        None => out.push_str("\t-"),
    };
    escape_into(out, name);
    out.push('\t');
    escape_into(out, kind);
    out.push('\t');
    escape_into(out, url);
    opt(out, scope.as_deref());
    opt(out, username.as_deref());
    opt(out, email.as_deref());
    match repos {
        Some(list) => {
            out.push_str("\t+");
            for (i, r) in list.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                escape_into(out, r);
            }
        }
        None => out.push_str("\t-"),
    }
    opt(out, expires.as_deref());
    opt(out, secret.as_deref());
    opt(out, auth.as_deref());
    out.push('\n');
}

fn parse_record(line: &str) -> Option<CredentialTable> {
    let f: Vec<&str> = line.split('\t').collect();
    let [name, kind, url, scope, username, email, repos, expires, secret, auth] = f.as_slice()
    else {
        return None;
    };
    Some(CredentialTable {
        name: unescape(name)?,
        kind: unescape(kind)?,
        url: unescape(url)?,
        scope: unopt(scope)?,
        username: unopt(username)?,
        email: unopt(email)?,
        repos: unopt(repos)?.map(|r| r.split(',').map(str::to_owned).collect()),
        expires: unopt(expires)?,
        secret: unopt(secret)?,
        auth: unopt(auth)?,
    })
}

fn settings_line(s: &Settings) -> String {
    let store = s.store.map_or("auto", |s| s.as_str());
    let hosts: Vec<String> = s.insecure_http_hosts.iter().map(|h| escape(h)).collect();
    format!(
        "{store}\t{}\t{}\t{}",
        s.expiry_warning_days,
        s.command_timeout.as_secs(),
        hosts.join("\t")
    )
}

fn parse_settings(line: &str) -> Option<Settings> {
    let mut f = line.split('\t');
    let store = match f.next()? {
        "auto" => None,
        other => Some(other.parse().ok()?),
    };
    let expiry_warning_days = f.next()?.parse().ok()?;
    let command_timeout = Duration::from_secs(f.next()?.parse().ok()?);
    let insecure_http_hosts = f
        .filter(|h| !h.is_empty())
        .map(unescape)
        .collect::<Option<Vec<_>>>()?;
    Some(Settings {
        store,
        insecure_http_hosts,
        expiry_warning_days,
        command_timeout,
    })
}

/// The key of the entries of `host` whose path prefix is `prefix`.
fn key(host: &str, prefix: &[String]) -> String {
    let mut out = String::new();
    key_into(&mut out, host, prefix);
    out
}

fn key_into(out: &mut String, host: &str, prefix: &[String]) {
    escape_into(out, host);
    out.push('\t');
    for (i, segment) in prefix.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        escape_into(out, segment);
    }
}

/// The index being built, one entry at a time, in the order of the file:
/// keys and records are appended to two strings, and only where each one
/// lies is kept.
#[derive(Default)]
struct Builder {
    keys: String,
    records: String,
    /// Per entry: where its key and its record lie.
    spans: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)>,
}

impl Builder {
    fn push(&mut self, host: &str, prefix: &[String], table: &TableText<'_>) {
        let key_start = self.keys.len();
        key_into(&mut self.keys, host, prefix);
        let record_start = self.records.len();
        record_into(&mut self.records, table);
        self.spans
            .push((key_start..self.keys.len(), record_start..self.records.len()));
    }

    /// Writes the index: entries grouped by key, keys sorted, and within a
    /// key in the order of the file. The table's and the body's lengths,
    /// which the first line gives, are counted first, so that nothing but
    /// the records is held in memory.
    fn write_to(
        mut self,
        settings: &Settings,
        fingerprint: &str,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        let keys = &self.keys;
        // Stable: a key's entries keep the order of the file.
        self.spans
            .sort_by(|a, b| keys[a.0.clone()].cmp(&keys[b.0.clone()]));
        let spans = &self.spans;
        // Each key, with the length of its block of records.
        let groups = || {
            let mut i = 0;
            std::iter::from_fn(move || {
                let key = &keys[spans.get(i)?.0.clone()];
                let mut len = 0;
                while let Some(span) = spans.get(i).filter(|s| &keys[s.0.clone()] == key) {
                    len += span.1.len();
                    i += 1;
                }
                Some((key, len))
            })
        };
        let (mut table_len, mut body_len) = (0, 0);
        for (key, len) in groups() {
            table_len += key.len() + decimal_digits(body_len) + decimal_digits(len) + 3;
            body_len += len;
        }
        let settings = format!("{}\n", settings_line(settings));
        write!(
            out,
            "{FORMAT}\t{fingerprint}\t{:012}\t{table_len:012}\t{body_len:012}\n{settings}",
            settings.len(),
        )?;
        let (mut line, mut start) = (String::new(), 0);
        for (key, len) in groups() {
            line.clear();
            line.push_str(key);
            line.push('\t');
            push_number(&mut line, start);
            line.push('\t');
            push_number(&mut line, len);
            line.push('\n');
            out.write_all(line.as_bytes())?;
            start += len;
        }
        for span in spans {
            out.write_all(&self.records.as_bytes()[span.1.clone()])?;
        }
        Ok(())
    }

    /// The index as text (what [`Builder::write_to`] writes).
    fn text(self, settings: &Settings, fingerprint: &str) -> String {
        let mut out = Vec::with_capacity(self.records.len() + self.keys.len() * 2);
        self.write_to(settings, fingerprint, &mut out)
            .expect("writing to memory cannot fail");
        String::from_utf8(out).expect("the index is made of UTF-8 text")
    }
}

fn decimal_digits(n: usize) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

/// Appends `n` in decimal (what `write!` does, for a fraction of its cost
/// per line of the table).
fn push_number(out: &mut String, n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
}

/// The index of `config`'s file entries.
fn builder_of(config: &Config) -> Builder {
    let mut builder = Builder::default();
    for e in config
        .entries
        .iter()
        .filter(|e| e.defined_in == DefinedIn::File)
    {
        let table = e.to_table();
        builder.push(
            &e.remote.origin.host,
            e.prefix(),
            &TableText::borrowing(&table),
        );
    }
    builder
}

/// Serialises `config`'s file entries, grouped by key, keys sorted.
#[cfg(test)]
fn render(config: &Config, fingerprint: &str) -> String {
    builder_of(config).text(&config.settings, fingerprint)
}

/// The index of the configuration `text`, built in one pass: each table
/// is checked as soon as it is read and leaves only its key and record
/// behind. `None` when the text is not in the plain form or anything in
/// it is refused; reading it with [`Config::parse`] then tells what.
fn one_pass<'t>(text: &'t str) -> Option<(Builder, Settings)> {
    let mut builder = Builder::default();
    let mut names: Vec<Cow<'t, str>> = Vec::new();
    let mut add = |table: TableText<'t>, settings: &Settings| -> Option<()> {
        let entry = config::validate_text(table.clone(), settings, DefinedIn::File).ok()?;
        builder.push(&entry.remote.origin.host, entry.prefix(), &table);
        names.push(table.name);
        Some(())
    };
    // Entries are checked against the settings, so those before a
    // `[settings]` table wait for it.
    let mut settings = (!config_reader::has_settings_table(text)).then(Settings::default);
    let mut waiting = Vec::new();
    config_reader::read_each(text, |item| match item {
        Item::Settings(quick) => {
            let read = config::quick_settings(quick).ok()?;
            for table in waiting.drain(..) {
                add(table, &read)?;
            }
            settings = Some(read);
            Some(())
        }
        Item::Credential(table) => match &settings {
            Some(s) => add(table, s),
            None => {
                waiting.push(table);
                Some(())
            }
        },
    })?;
    let settings = settings.unwrap_or_default();
    for table in waiting {
        add(table, &settings)?;
    }
    names.sort_unstable();
    if names.windows(2).any(|pair| pair[0] == pair[1]) {
        return None;
    }
    Some((builder, settings))
}

/// The entries of the index that one pass over `text` builds, each record
/// read back and checked again, in the order of the index; `None` when
/// that pass declines the text. For the config fuzz target, which holds
/// them to what [`Config::parse`] makes of the same text.
pub fn entries_of_text(text: &str) -> Option<Vec<config::Entry>> {
    let (builder, settings) = one_pass(text)?;
    let built = builder.text(&settings, "-");
    let mut lines = built.split_inclusive('\n');
    let first = lines.next()?;
    let lengths: Vec<usize> = first
        .trim_end()
        .rsplitn(4, '\t')
        .take(3)
        .map(|n| n.parse().ok())
        .collect::<Option<_>>()?;
    let [_, table_len, settings_len] = lengths[..] else {
        return None;
    };
    let rest = &built[first.len()..];
    let settings = parse_settings(rest[..settings_len].trim_end_matches('\n'))?;
    rest[settings_len + table_len..]
        .lines()
        .map(|line| config::validate(parse_record(line)?, &settings, DefinedIn::File).ok())
        .collect()
}

/// The sorted table of the index, in the file, read a little at a time
/// where a bisection looks: a lookup costs a few small reads, whatever the
/// number of keys.
struct Table<'a> {
    file: &'a std::fs::File,
    /// Where the table starts in the file.
    start: u64,
    /// Its length.
    len: u64,
}

impl Table<'_> {
    /// Reads `buf.len()` bytes at `offset` of the table (fewer at its end).
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Option<usize> {
        let want = buf.len().min(self.len.saturating_sub(offset) as usize);
        let buf = &mut buf[..want];
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            self.file.read_exact_at(buf, self.start + offset).ok()?;
        }
        #[cfg(not(unix))]
        {
            let mut f = self.file;
            f.seek(SeekFrom::Start(self.start + offset)).ok()?;
            f.read_exact(buf).ok()?;
        }
        Some(want)
    }

    /// The line that holds byte `at`: its start, the start of the next
    /// line, and its text.
    fn line_around(&self, at: u64) -> Option<(u64, u64, Vec<u8>)> {
        let mut window: u64 = 256;
        loop {
            let from = at.saturating_sub(window);
            let mut buf = vec![0u8; (2 * window) as usize];
            let n = self.read_at(from, &mut buf)?;
            buf.truncate(n);
            let rel = (at - from) as usize;
            let before = buf[..rel].iter().rposition(|&b| b == b'\n');
            let after = buf[rel..].iter().position(|&b| b == b'\n');
            let start_known = before.is_some() || from == 0;
            if let (true, Some(after)) = (start_known, after) {
                let s = before.map_or(0, |i| i + 1);
                let e = rel + after;
                return Some((from + s as u64, from + e as u64 + 1, buf[s..e].to_vec()));
            }
            // A line longer than the window: look wider (a key is short;
            // a damaged table is refused before this grows large).
            window *= 4;
            if window > 1 << 20 {
                return None;
            }
        }
    }

    /// The start of the first line whose key (what comes before its third
    /// tab) is not less than `wanted`, and that line.
    fn lower_bound(&self, wanted: &[u8]) -> Option<Option<Vec<u8>>> {
        let key_of = |line: &[u8]| -> usize {
            let mut tabs = 0;
            line.iter()
                .position(|&b| {
                    tabs += usize::from(b == b'\t');
                    tabs == 2
                })
                .unwrap_or(line.len())
        };
        let (mut lo, mut hi) = (0u64, self.len);
        let mut found = None;
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let (start, next, line) = self.line_around(mid)?;
            if &line[..key_of(&line)] < wanted {
                lo = next;
            } else {
                hi = start;
                found = Some(line);
            }
        }
        // `found` is the last line looked at that was not less: the one
        // at `lo` when the loop ends there.
        Some(found.filter(|_| lo < self.len))
    }
}

/// What a lookup asks for: the keys whose entries may serve the request,
/// and the hosts for which one entry, any, is wanted (to tell that the
/// helper holds something for the host: a request without a path then gets
/// the `useHttpPath` hint, one over plain http the refusal).
struct Wanted {
    keys: Vec<String>,
    any_of: Vec<String>,
}

/// The keys for a request to `host` whose path segments are `segments`:
/// every prefix of the segments, on every host whose entries serve it.
fn wanted(host: &str, segments: Option<&[String]>) -> Wanted {
    let mut keys = Vec::new();
    let mut any_of = Vec::new();
    for h in hosts_serving(host) {
        let segs = segments.unwrap_or(&[]);
        for n in 0..=segs.len() {
            keys.push(key(h, &segs[..n]));
        }
        any_of.push(h.to_owned());
    }
    Wanted { keys, any_of }
}

/// Reads the settings and the raw entries under `wanted` from the index,
/// if it is current.
fn read(
    path: &Path,
    fingerprint: &str,
    wanted: &Wanted,
) -> Option<(Settings, Vec<CredentialTable>)> {
    // Anything that does not add up is a damaged index: `None`, and the
    // caller rebuilds it. Every length is checked against the file's size
    // before it is used, so a damaged one can neither panic nor allocate.
    let mut file = fsutil::open_no_follow(path).ok()?;
    let size = file.metadata().ok().filter(|m| m.is_file())?.len();
    let mut head = vec![0u8; 512];
    let n = file.read(&mut head).ok()?;
    head.truncate(n);
    let first_end = head.iter().position(|&b| b == b'\n')?;
    let first = std::str::from_utf8(&head[..first_end]).ok()?;
    let mut parts = first.split('\t');
    if parts.next()? != FORMAT || parts.next()? != fingerprint {
        return None;
    }
    let settings_len: u64 = parts.next()?.parse().ok()?;
    let table_len: u64 = parts.next()?.parse().ok()?;
    let body_len: u64 = parts.next()?.parse().ok()?;
    let body_start = (first_end as u64 + 1)
        .checked_add(settings_len)?
        .checked_add(table_len)?;
    // The parts must add up to the file exactly.
    if body_start.checked_add(body_len)? != size {
        return None;
    }
    // The settings line, from what the first read brought or beyond.
    let settings_start = first_end as u64 + 1;
    let mut settings_bytes = vec![0u8; usize::try_from(settings_len).ok()?.min(1 << 20)];
    if settings_bytes.len() as u64 != settings_len {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        file.read_exact_at(&mut settings_bytes, settings_start)
            .ok()?;
    }
    #[cfg(not(unix))]
    {
        file.seek(SeekFrom::Start(settings_start)).ok()?;
        file.read_exact(&mut settings_bytes).ok()?;
    }
    if !settings_bytes.ends_with(b"\n") {
        return None;
    }
    let settings = parse_settings(
        std::str::from_utf8(&settings_bytes)
            .ok()?
            .trim_end_matches('\n'),
    )?;
    let table = Table {
        file: &file,
        start: settings_start + settings_len,
        len: table_len,
    };
    if table_len > 0 {
        let mut last = [0u8; 1];
        table.read_at(table_len - 1, &mut last)?;
        if last[0] != b'\n' {
            return None;
        }
    }
    let mut blocks: Vec<(u64, usize)> = Vec::new();
    let mut block_of = |line: &str| -> Option<()> {
        let mut f = line.rsplitn(3, '\t');
        let len: usize = f.next()?.parse().ok()?;
        let start: u64 = f.next()?.parse().ok()?;
        if start.checked_add(len as u64)? > size - body_start {
            return None;
        }
        if !blocks.contains(&(start, len)) {
            blocks.push((start, len));
        }
        Some(())
    };
    for k in &wanted.keys {
        if let Some(line) = table.lower_bound(k.as_bytes())? {
            let line = std::str::from_utf8(&line).ok()?;
            if line.starts_with(k.as_str()) && line.as_bytes().get(k.len()) == Some(&b'\t') {
                block_of(line)?;
            }
        }
    }
    for h in &wanted.any_of {
        let host_key = format!("{}\t", escape(h));
        if let Some(line) = table.lower_bound(host_key.as_bytes())? {
            let line = std::str::from_utf8(&line).ok()?;
            if line.starts_with(&host_key) {
                block_of(line)?;
            }
        }
    }
    let mut entries = Vec::new();
    for (start, len) in blocks {
        file.seek(SeekFrom::Start(body_start + start)).ok()?;
        let mut block = vec![0u8; len];
        file.read_exact(&mut block).ok()?;
        for rec in std::str::from_utf8(&block).ok()?.lines() {
            entries.push(parse_record(rec)?);
        }
    }
    Some((settings, entries))
}

/// Writes the index that `built` holds, or else that of `config`.
fn write(
    path: &Path,
    built: Option<(Builder, Settings)>,
    config: Option<&Config>,
    fingerprint: &str,
) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fsutil::ensure_private_dir(dir)?;
    }
    let lock = Lock::for_file(path)?;
    let mut built = built.or_else(|| config.map(|c| (builder_of(c), c.settings.clone())));
    // Whole or not at all, but not forced to disk: after a crash a lost or
    // cut index is one whose lengths do not add up, and is rebuilt.
    fsutil::replace_file_with(path, 0o600, &lock, false, &mut |out| match built.take() {
        Some((builder, settings)) => builder.write_to(&settings, fingerprint, out),
        None => Err(std::io::Error::other("the index was already written")),
    })
}

/// Loads what a request for `remote` needs: the settings, the file entries
/// that may serve it (on its host, and bitbucket.org's for
/// api.bitbucket.org, whose path prefix is one of the request's), and the
/// CI entries — from the index when it is current, else from the TOML
/// file, rebuilding the index on the way.
pub fn load_for(
    config_path: &Path,
    remote: &Remote,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    config::check_trusted(config_path)?;
    let meta = match std::fs::metadata(config_path) {
        Ok(m) => m,
        Err(_) => return Config::load(config_path, env),
    };
    let fp = fingerprint(&meta);
    let Some(index) = index_path(config_path) else {
        return Config::load(config_path, env);
    };
    let wanted = wanted(&remote.origin.host, remote.segments.as_deref());
    load_with_index(config_path, &index, &fp, &wanted, env)
}

/// Writes the index of `config`, just read or written from `config_path`
/// (by a command that holds the configuration's lock), so that the next
/// `get` finds it current.
pub fn write_for(config_path: &Path, config: &Config) {
    let (Ok(meta), Some(index)) = (std::fs::metadata(config_path), index_path(config_path)) else {
        return;
    };
    if !index_trusted(&index) {
        return;
    }
    match write(&index, None, Some(config), &fingerprint(&meta)) {
        Ok(()) => log::debug!("wrote the index {}", index.display()),
        Err(e) => log::debug!("could not write the index {}: {e}", index.display()),
    }
}

/// Whether the index at `index` may be read and written: its directory
/// (when it exists) and the file itself (when it exists) belong to the user
/// and no one else can write them. An index someone else could have placed
/// could name any program as a secret source, or any host.
fn index_trusted(index: &Path) -> bool {
    let ours = |p: &Path| match std::fs::symlink_metadata(p) {
        Ok(m) => {
            !m.file_type().is_symlink()
                && fsutil::owned_by_user(&m)
                && fsutil::writable_by_others(&m).is_none()
        }
        Err(e) => e.kind() == std::io::ErrorKind::NotFound,
    };
    index.parent().is_none_or(ours) && ours(index)
}

fn load_with_index(
    config_path: &Path,
    index: &Path,
    fp: &str,
    wanted: &Wanted,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    if !index_trusted(index) {
        log::debug!(
            "the index {} or its directory is not the user's own; reading the configuration file and leaving the index alone",
            index.display()
        );
        return Config::load(config_path, env);
    }
    match from_index(index, fp, wanted) {
        Some(mut config) => {
            config.add_ci_entries(env)?;
            Ok(config)
        }
        None => rebuild(config_path, index, fp, wanted, env),
    }
}

/// The settings and the entries under `wanted`, from the index if it is
/// current and every entry read from it still validates.
fn from_index(index: &Path, fp: &str, wanted: &Wanted) -> Option<Config> {
    let (settings, raws) = read(index, fp, wanted)?;
    log::trace!(
        "read {} entr(ies) from the index {}",
        raws.len(),
        index.display()
    );
    let mut entries = Vec::with_capacity(raws.len());
    for raw in raws {
        let name = raw.name.clone();
        match config::validate(raw, &settings, DefinedIn::File) {
            Ok(e) => entries.push(e),
            Err(m) => {
                log::debug!("the index holds an entry '{name}' that no longer validates ({m}); reading the file");
                return None;
            }
        }
    }
    Some(Config {
        settings,
        entries,
        ci_problems: Vec::new(),
    })
}

/// Reads the configuration file, writes its index, and answers what
/// `wanted` asks for.
fn rebuild(
    config_path: &Path,
    index: &Path,
    fp: &str,
    wanted: &Wanted,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let text = match std::fs::read_to_string(config_path) {
        Ok(t) => t,
        Err(_) => return Config::load(config_path, env),
    };
    // The one pass for a file in the plain form that validates; anything
    // else is read whole, which also gives the exact error.
    let (built, parsed) = match one_pass(&text) {
        Some(built) => (Some(built), None),
        None => (None, Some(Config::parse(&text, config_path)?)),
    };
    // Written only if the file did not change while it was being read.
    let unchanged = std::fs::metadata(config_path).is_ok_and(|m| fingerprint(&m) == fp);
    let written = unchanged
        && match write(index, built, parsed.as_ref(), fp) {
            Ok(()) => {
                log::debug!("rebuilt the index {}", index.display());
                true
            }
            Err(e) => {
                log::debug!("could not write the index {}: {e}", index.display());
                false
            }
        };
    let mut config = match parsed {
        Some(config) => config,
        None => match written.then(|| from_index(index, fp, wanted)).flatten() {
            Some(config) => config,
            None => Config::parse(&text, config_path)?,
        },
    };
    config.add_ci_entries(env)?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"
[settings]
insecure_http_hosts = ["localhost:7990", "tab	host"]
expiry_warning_days = 3

[[credential]]
name = "acme"
kind = "api-token"
url = "https://bitbucket.org/acme/"
username = "jdoe"
email = "jdoe@example.com"
expires = "2027-06-01"
secret = "command:pass show 'bit bucket/acme'"

[[credential]]
name = "proj"
kind = "access-token"
scope = "project"
url = "https://bitbucket.org/acme/"
repos = ["acme/api", "acme/web"]
secret = "file"

[[credential]]
name = "dc"
kind = "http-token"
scope = "project"
url = "https://git.example.com:8443/bitbucket/scm/PROJ/"
secret = "env:DC"
"#;

    #[test]
    fn records_round_trip_and_lookups_read_only_the_hosts_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, CONFIG).unwrap();
        let full = Config::parse(CONFIG, &path).unwrap();
        for e in &full.entries {
            let raw = e.to_table();
            let mut line = String::new();
            record_into(&mut line, &TableText::borrowing(&raw));
            let line = line.trim_end_matches('\n');
            assert_eq!(parse_record(line).as_ref(), Some(&raw));
            let again =
                config::validate(parse_record(line).unwrap(), &full.settings, DefinedIn::File)
                    .unwrap();
            assert_eq!(&again, e);
        }
        let index = dir.path().join("x.index");
        let text = render(&full, "fp");
        std::fs::write(&index, &text).unwrap();
        let ask = |host: &str, path: Option<&str>| {
            let remote = Remote::classify("https", host, path).unwrap();
            let found = read(
                &index,
                "fp",
                &wanted(&remote.origin.host, remote.segments.as_deref()),
            );
            found.map(|(settings, entries)| {
                assert_eq!(settings, full.settings);
                entries.into_iter().map(|e| e.name).collect::<Vec<_>>()
            })
        };
        assert_eq!(
            ask("bitbucket.org", Some("acme/widget.git")).unwrap(),
            ["acme", "proj"]
        );
        assert_eq!(
            ask("api.bitbucket.org", Some("2.0/repositories/acme/x")).unwrap(),
            ["acme", "proj"]
        );
        assert_eq!(
            ask("git.example.com:8443", Some("bitbucket/scm/proj/repo.git")).unwrap(),
            ["dc"]
        );
        // A path under none of the entries: only the first block of the
        // host, to tell that the helper holds something there.
        assert_eq!(
            ask("bitbucket.org", Some("other/x.git")).unwrap(),
            ["acme", "proj"]
        );
        assert_eq!(
            ask("other.example.com", None).unwrap(),
            Vec::<String>::new()
        );
        let remote = Remote::classify("https", "bitbucket.org", Some("acme")).unwrap();
        let w = wanted(&remote.origin.host, remote.segments.as_deref());
        assert!(read(&index, "another-fingerprint", &w).is_none());
        // A damaged index is not used.
        std::fs::write(&index, &text[..text.len() / 2]).unwrap();
        assert!(read(&index, "fp", &w).is_none());
    }

    #[test]
    fn a_lookup_reads_only_the_entries_under_the_requests_prefixes() {
        let mut text = String::new();
        for i in 0..2000 {
            text.push_str(&format!("[[credential]]\nname = \"r{i}\"\nkind = \"access-token\"\nscope = \"repository\"\nurl = \"https://bitbucket.org/ws{}/repo{i}\"\nsecret = \"file\"\n", i % 7));
        }
        text.push_str("[[credential]]\nname = \"host\"\nkind = \"api-token\"\nurl = \"https://bitbucket.org/\"\nsecret = \"file\"\n");
        let dir = tempfile::tempdir().unwrap();
        let full = Config::parse(&text, &dir.path().join("c.toml")).unwrap();
        let index = dir.path().join("x.index");
        std::fs::write(&index, render(&full, "fp")).unwrap();
        for i in [0, 1, 999, 1998, 1999] {
            let path = format!("ws{}/repo{i}.git", i % 7);
            let remote = Remote::classify("https", "bitbucket.org", Some(&path)).unwrap();
            let (_, found) = read(
                &index,
                "fp",
                &wanted(&remote.origin.host, remote.segments.as_deref()),
            )
            .unwrap();
            let mut names: Vec<String> = found.into_iter().map(|e| e.name).collect();
            names.sort();
            names.dedup();
            assert_eq!(names, ["host".to_owned(), format!("r{i}")], "{path}");
        }
    }

    #[test]
    fn bisection_finds_every_key_and_the_place_of_missing_ones() {
        let keys: Vec<String> = (0..500).map(|i| format!("h\tk{:04}", i * 2)).collect();
        // Lines of every length around the window the reads start with.
        let table: String = keys
            .iter()
            .enumerate()
            .map(|(i, k)| format!("{k}\t{}\t0\n", "9".repeat(i % 700)))
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t");
        std::fs::write(&path, format!("xyz{table}")).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let t = Table {
            file: &file,
            start: 3,
            len: table.len() as u64,
        };
        let text = |l: Option<Vec<u8>>| l.map(|l| String::from_utf8(l).unwrap());
        for (i, k) in keys.iter().enumerate() {
            let found = text(t.lower_bound(k.as_bytes()).unwrap()).unwrap();
            assert!(found.starts_with(&format!("{k}\t")), "{i}: {found}");
            let missing = format!("h\tk{:04}", i * 2 + 1);
            let next = text(t.lower_bound(missing.as_bytes()).unwrap());
            match keys.get(i + 1) {
                Some(k) => assert!(next.unwrap().starts_with(k.as_str())),
                None => assert_eq!(next, None),
            }
        }
        let empty = Table {
            file: &file,
            start: 0,
            len: 0,
        };
        assert_eq!(empty.lower_bound(b"x").unwrap(), None);
    }

    #[test]
    fn the_one_pass_index_holds_what_the_whole_file_does() {
        let dc_http = "[[credential]]\nname = \"dc\"\nkind = \"http-token\"\nscope = \"repository\"\nurl = \"http://localhost:7990/scm/P/r\"\nsecret = \"env:X\"\n";
        let settings = "[settings]\ninsecure_http_hosts = [\"localhost:7990\"]\n";
        let texts = [
            CONFIG.to_owned(),
            // Settings after the entry they allow: the entry waits for them.
            format!("{dc_http}{settings}"),
            format!("{settings}{dc_http}"),
            // "[settings]" inside a value is no table.
            dc_http.replace("env:X", "env:X[settings]").replace("http:", "https:"),
            // Escapes, literal strings, comments.
            "[[credential]] # x\nname = 'a-b'\nkind = \"api-token\"\nurl = \"https://bitbucket.org/\\u0061cme\"\nusername = \"j\\u0064oe\"\nsecret = \"file\"\n".to_owned(),
        ];
        for text in &texts {
            let whole = Config::parse(text, Path::new("c.toml")).unwrap();
            let mut indexed = entries_of_text(text).expect(text);
            indexed.sort_by(|a, b| a.name.cmp(&b.name));
            let mut want = whole.entries.clone();
            want.sort_by(|a, b| a.name.cmp(&b.name));
            assert_eq!(indexed, want, "{text}");
        }
        // What the file refuses, the one pass declines (and the whole read
        // then gives the error): an entry the settings do not allow, a
        // repeated name, an invalid entry.
        let refused = [
            dc_http.to_owned(),
            format!("{CONFIG}[[credential]]\nname = \"dc\"\nkind = \"api-token\"\nurl = \"https://bitbucket.org/\"\nsecret = \"file\"\n"),
            CONFIG.replace("scope = \"project\"\nurl = \"https://bitbucket.org", "scope = \"nope\"\nurl = \"https://bitbucket.org"),
        ];
        for text in &refused {
            assert!(Config::parse(text, Path::new("c.toml")).is_err(), "{text}");
            assert!(entries_of_text(text).is_none(), "{text}");
        }
    }

    #[test]
    fn load_rebuilds_when_the_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, CONFIG).unwrap();
        let index = dir.path().join("cache/config.index");
        let no_env = |_: &str| None;
        let load = |host: &str, p: &str| {
            let fp = fingerprint(&std::fs::metadata(&path).unwrap());
            let remote = Remote::classify("https", host, Some(p)).unwrap();
            let w = wanted(&remote.origin.host, remote.segments.as_deref());
            let names: Vec<String> = load_with_index(&path, &index, &fp, &w, &no_env)
                .unwrap()
                .entries
                .into_iter()
                .map(|e| e.name)
                .collect();
            names
        };
        let dc = ("git.example.com:8443", "bitbucket/scm/proj/r.git");
        assert_eq!(load("bitbucket.org", "acme/w.git"), ["acme", "proj"]);
        assert!(std::fs::read_to_string(&index).unwrap().contains("\ndc\t"));
        assert_eq!(
            load("api.bitbucket.org", "2.0/repositories/acme/w"),
            ["acme", "proj"]
        );
        assert_eq!(load(dc.0, dc.1), ["dc"]);
        std::fs::write(
            &path,
            CONFIG.replace("name = \"dc\"", "name = \"dc-renamed\""),
        )
        .unwrap();
        assert_eq!(
            load(dc.0, dc.1),
            ["dc-renamed"],
            "a changed file is read again"
        );
        let rebuilt = std::fs::read_to_string(&index).unwrap();
        assert!(rebuilt.contains("dc-renamed") && !rebuilt.contains("\ndc\t"));
        // A file beyond the quick reader is read whole, and indexed too.
        std::fs::write(&path, CONFIG.replace("name = \"dc\"", "name = '''dc-3'''")).unwrap();
        assert_eq!(load(dc.0, dc.1), ["acme", "proj", "dc-3"]);
        assert_eq!(load(dc.0, dc.1), ["dc-3"]);
        // An entry the file refuses is the file's error, whichever path reads it.
        std::fs::write(
            &path,
            CONFIG.replace("kind = \"http-token\"", "kind = \"nope\""),
        )
        .unwrap();
        let fp = fingerprint(&std::fs::metadata(&path).unwrap());
        let w = wanted("bitbucket.org", None);
        let err = load_with_index(&path, &index, &fp, &w, &no_env).unwrap_err();
        assert!(err.to_string().contains("credential 'dc'"), "{err}");
    }
}
