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
//! from a configuration that validated (every entry is checked when the
//! index is built; the few a lookup reads are made into entries by the same
//! check), by the helper when it finds the index stale and by the commands
//! that change the configuration, under the configuration's lock.
//!
//! Entries are keyed by host and by their exact path prefix (`acme`,
//! `acme/widget`, `bitbucket/scm/proj`): an entry can serve a request only
//! when its prefix is one of the request's own prefixes, so a lookup reads
//! the records under those keys and nothing else, however many entries
//! share the host.
//!
//! Layout: a first line (format, fingerprint, the lengths of the three
//! parts that follow, at fixed width); the records, each an entry's
//! `[[credential]]` table in the plain form the quick reader reads (when
//! the index is rebuilt from a hand-edited file, the table's own text), in
//! the order of the configuration file; the `[settings]` table; the table
//! of keys, one line per entry sorted by key, entries of one key in the
//! order of the file (`host TAB prefix TAB start TAB length`), found by
//! bisection. Records are written as they are read, so that building the
//! index of a large file holds no copy of them; the first line is written
//! last, when the lengths are known.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::load::{Config, ConfigError, TrustedFile};
use super::model::{DefinedIn, Entry, Settings};
use super::paths::Paths;
use super::quick::{self, Item};
use super::table::CredentialTable;
use super::validate::{self, validate};
use crate::fsutil::{self, Durability, Lock};
use crate::remote::{hosts_serving, Remote, MAX_PREFIX_SEGMENTS};

const FORMAT: &str = concat!("gcb-index 5 ", env!("CARGO_PKG_VERSION"));

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

/// The record of `table`: the table in the plain form, which the quick
/// reader reads back.
fn record_into(out: &mut String, table: &CredentialTable<'_>) {
    quick::write_credential(out, table);
}

/// The one `[[credential]]` table of a record.
fn parse_record(record: &str) -> Option<CredentialTable<'_>> {
    let mut found = None;
    quick::read_each(record, |item| match item {
        Item::Credential(t, _) if found.is_none() => {
            found = Some(t);
            Some(())
        }
        _ => None,
    })?;
    found
}

/// The `[settings]` table of `settings`, in the plain form.
fn settings_text(settings: &Settings) -> String {
    let mut out = String::new();
    quick::write_settings(&mut out, &settings.to_table());
    out
}

/// The settings the `[settings]` table `text` holds.
fn parse_settings(text: &str) -> Option<Settings> {
    let mut found = None;
    quick::read_each(text, |item| match item {
        Item::Settings(t) if found.is_none() => {
            found = Some(t);
            Some(())
        }
        _ => None,
    })?;
    validate::settings(&found?).ok()
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

/// The index being written, one entry at a time in the order of the file:
/// each record goes straight out, and only its key and where it lies are
/// kept, for the table.
struct Builder<W: Write + Seek> {
    out: W,
    fingerprint: String,
    /// The length of the records written.
    body_len: usize,
    /// Every entry's key, one after the other.
    keys: String,
    /// Per entry: where its key lies in `keys`, and its record in the body.
    spans: Vec<Span>,
    /// The record being made.
    line: String,
}

#[derive(Clone, Copy)]
struct Span {
    key_start: u32,
    key_len: u32,
    record_start: u32,
    record_len: u32,
}

/// The first line, at a width that does not depend on the lengths.
fn head(fingerprint: &str, body: usize, settings: usize, table: usize) -> String {
    format!("{FORMAT}\t{fingerprint}\t{body:012}\t{settings:012}\t{table:012}\n")
}

/// The lengths of the records, the settings line and the table that the
/// first line (without its LF) gives, if it is of this format and of the
/// configuration whose fingerprint is `fingerprint`.
fn parse_head(line: &str, fingerprint: &str) -> Option<[u64; 3]> {
    let mut parts = line.split('\t');
    if parts.next()? != FORMAT || parts.next()? != fingerprint {
        return None;
    }
    let mut length = || parts.next()?.parse::<u64>().ok();
    let lengths = [length()?, length()?, length()?];
    parts.next().is_none().then_some(lengths)
}

fn too_large() -> std::io::Error {
    std::io::Error::other("the configuration is too large to index")
}

impl<W: Write + Seek> Builder<W> {
    fn start(mut out: W, fingerprint: &str) -> std::io::Result<Builder<W>> {
        out.write_all(head(fingerprint, 0, 0, 0).as_bytes())?;
        Ok(Builder {
            out,
            fingerprint: fingerprint.to_owned(),
            body_len: 0,
            keys: String::new(),
            spans: Vec::new(),
            line: String::new(),
        })
    }

    /// Writes the record `record`, a `[[credential]]` table in the plain
    /// form, of an entry of `host` whose path prefix is `prefix`.
    fn push(&mut self, host: &str, prefix: &[String], record: &str) -> std::io::Result<()> {
        let key_start = self.keys.len();
        key_into(&mut self.keys, host, prefix);
        self.out.write_all(record.as_bytes())?;
        let mut len = record.len();
        if !record.ends_with('\n') {
            self.out.write_all(b"\n")?;
            len += 1;
        }
        let narrow = |n: usize| u32::try_from(n).map_err(|_| too_large());
        self.spans.push(Span {
            key_start: narrow(key_start)?,
            key_len: narrow(self.keys.len() - key_start)?,
            record_start: narrow(self.body_len)?,
            record_len: narrow(len)?,
        });
        self.body_len += len;
        Ok(())
    }

    /// Writes the settings and the table (entries sorted by key, and
    /// within a key in the order of the file), then the first line.
    fn finish(mut self, settings: &Settings) -> std::io::Result<W> {
        let keys = &self.keys;
        let key = |s: &Span| {
            let start = s.key_start as usize;
            &keys[start..start + s.key_len as usize]
        };
        // Stable: a key's entries keep the order of the file.
        self.spans.sort_by(|a, b| key(a).cmp(key(b)));
        let settings = settings_text(settings);
        self.out.write_all(settings.as_bytes())?;
        let mut table_len = 0;
        for span in &self.spans {
            self.line.clear();
            self.line.push_str(key(span));
            self.line.push('\t');
            push_number(&mut self.line, span.record_start as usize);
            self.line.push('\t');
            push_number(&mut self.line, span.record_len as usize);
            self.line.push('\n');
            self.out.write_all(self.line.as_bytes())?;
            table_len += self.line.len();
        }
        self.out.seek(SeekFrom::Start(0))?;
        let first = head(&self.fingerprint, self.body_len, settings.len(), table_len);
        self.out.write_all(first.as_bytes())?;
        self.out.seek(SeekFrom::End(0))?;
        Ok(self.out)
    }
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

/// Writes the index of `config`'s file entries to `out`.
fn write_config<W: Write + Seek>(config: &Config, out: W, fingerprint: &str) -> std::io::Result<W> {
    let mut builder = Builder::start(out, fingerprint)?;
    for e in config
        .entries
        .iter()
        .filter(|e| e.defined_in == DefinedIn::File)
    {
        let mut record = String::new();
        record_into(&mut record, &e.to_table());
        builder.push(&e.remote.origin.host, e.prefix(), &record)?;
    }
    builder.finish(&config.settings)
}

/// Serialises `config`'s file entries.
#[cfg(test)]
fn render(config: &Config, fingerprint: &str) -> String {
    let out = write_config(config, std::io::Cursor::new(Vec::new()), fingerprint).unwrap();
    String::from_utf8(out.into_inner()).unwrap()
}

/// What [`one_pass`] made of a configuration's text.
enum Pass<W> {
    /// The index, written whole.
    Written(W),
    /// Not in the plain form, or something in it is refused: reading it
    /// with [`Config::parse`] tells what. What was written is to be thrown
    /// away.
    Declined,
}

/// Writes the index of the configuration `text` to `out` in one pass: each
/// table is checked as soon as it is read, its text (in the plain form, as
/// the quick reader read it) written out as its record, and only its key
/// and name kept.
fn one_pass<'t, W: Write + Seek>(
    text: &'t str,
    out: W,
    fingerprint: &str,
) -> std::io::Result<Pass<W>> {
    let mut builder = Builder::start(out, fingerprint)?;
    let mut failed = None;
    // Names are checked by hash: two equal hashes decline the file, and
    // the whole read then judges it.
    let mut names: Vec<u64> = Vec::new();
    let mut add = |(table, record): (CredentialTable<'t>, &str), settings: &Settings| {
        names.push(fsutil::fnv1a(table.name.as_bytes()));
        let entry = validate(table, settings, DefinedIn::File).ok()?;
        if let Err(e) = builder.push(&entry.remote.origin.host, entry.prefix(), record) {
            failed = Some(e);
            return None;
        }
        Some(())
    };
    // Entries are checked against the settings, so those before a
    // `[settings]` table wait for it.
    let mut settings = (!quick::has_settings_table(text)).then(Settings::default);
    let mut waiting = Vec::new();
    let read = quick::read_each(text, |item| match item {
        Item::Settings(table) => {
            let read = validate::settings(&table).ok()?;
            for table in waiting.drain(..) {
                add(table, &read)?;
            }
            settings = Some(read);
            Some(())
        }
        Item::Credential(table, record) => match &settings {
            Some(s) => add((table, record), s),
            None => {
                waiting.push((table, record));
                Some(())
            }
        },
    });
    let settings = settings.unwrap_or_default();
    let all_added = read.is_some() && waiting.into_iter().all(|t| add(t, &settings).is_some());
    if let Some(e) = failed {
        return Err(e);
    }
    names.sort_unstable();
    if !all_added || names.windows(2).any(|pair| pair[0] == pair[1]) {
        return Ok(Pass::Declined);
    }
    builder.finish(&settings).map(Pass::Written)
}

/// The entries of the index that one pass over `text` builds, each record
/// read back and checked again, in the order of the file; `None` when
/// that pass declines the text. For the config fuzz target, which holds
/// them to what [`Config::parse`] makes of the same text.
pub fn entries_of_text(text: &str) -> Option<Vec<Entry>> {
    let Ok(Pass::Written(out)) = one_pass(text, std::io::Cursor::new(Vec::new()), "-") else {
        return None;
    };
    let built = String::from_utf8(out.into_inner()).ok()?;
    let (first, rest) = built.split_once('\n')?;
    let [body_len, settings_len, _] = parse_head(first, "-")?.map(|n| n as usize);
    let settings = parse_settings(rest.get(body_len..body_len + settings_len)?)?;
    let mut entries = Vec::new();
    quick::read_each(rest.get(..body_len)?, |item| match item {
        Item::Credential(t, _) => {
            entries.push(validate(t, &settings, DefinedIn::File).ok()?);
            Some(())
        }
        Item::Settings(_) => None,
    })?;
    Some(entries)
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
    fn read_part(&self, offset: u64, buf: &mut [u8]) -> Option<usize> {
        let want = buf.len().min(self.len.saturating_sub(offset) as usize);
        fsutil::read_at(self.file, self.start + offset, &mut buf[..want]).ok()?;
        Some(want)
    }

    /// The line that holds byte `at`: its start, the start of the next
    /// line, and its text.
    fn line_around(&self, at: u64) -> Option<(u64, u64, Vec<u8>)> {
        let mut window: u64 = 256;
        loop {
            let from = at.saturating_sub(window);
            let mut buf = vec![0u8; (2 * window) as usize];
            let n = self.read_part(from, &mut buf)?;
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

    /// The first line whose key (what comes before its second tab) is not
    /// less than `wanted`, and where the line after it starts.
    fn lower_bound(&self, wanted: &[u8]) -> Option<Option<(u64, Vec<u8>)>> {
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
                found = Some((next, line));
            }
        }
        // `found` is the last line looked at that was not less: the one
        // at `lo` when the loop ends there.
        Some(found.filter(|_| lo < self.len))
    }

    /// The lines from the first whose key is `key` (its whole key, what
    /// comes before the second tab) to the last: the entries of one key,
    /// read forward a block at a time after the bisection found the first.
    fn lines_of(&self, key: &str) -> Option<Vec<String>> {
        let mut lines = Vec::new();
        let Some((mut next, first)) = self.lower_bound(key.as_bytes())? else {
            return Some(lines);
        };
        let of_key =
            |line: &[u8]| line.starts_with(key.as_bytes()) && line.get(key.len()) == Some(&b'\t');
        if !of_key(&first) {
            return Some(lines);
        }
        lines.push(String::from_utf8(first).ok()?);
        let mut block = vec![0u8; 4096];
        while next < self.len {
            let n = self.read_part(next, &mut block)?;
            let mut rest = &block[..n];
            let mut whole = 0;
            while let Some(end) = rest.iter().position(|&b| b == b'\n') {
                let line = &rest[..end];
                if !of_key(line) {
                    return Some(lines);
                }
                lines.push(String::from_utf8(line.to_vec()).ok()?);
                whole += end + 1;
                rest = &rest[end + 1..];
            }
            if whole == 0 {
                // A line longer than the block.
                let (_, after, line) = self.line_around(next)?;
                if !of_key(&line) {
                    return Some(lines);
                }
                lines.push(String::from_utf8(line).ok()?);
                next = after;
                continue;
            }
            next += whole as u64;
        }
        Some(lines)
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
/// every prefix of the segments, up to the deepest an entry can have
/// ([`MAX_PREFIX_SEGMENTS`]), on every host whose entries serve it. Each
/// key is the one before it and one more segment.
fn wanted(host: &str, segments: Option<&[String]>) -> Wanted {
    let mut keys = Vec::new();
    let mut any_of = Vec::new();
    let segs = segments.unwrap_or(&[]);
    let segs = &segs[..segs.len().min(MAX_PREFIX_SEGMENTS)];
    for h in hosts_serving(host) {
        let mut key = key(h, &[]);
        keys.push(key.clone());
        for (i, segment) in segs.iter().enumerate() {
            if i > 0 {
                key.push('/');
            }
            escape_into(&mut key, segment);
            keys.push(key.clone());
        }
        any_of.push(h.to_owned());
    }
    Wanted { keys, any_of }
}

/// Reads the settings and the entries under `wanted` from the index, if it
/// is current and every entry read from it still validates.
fn read(path: &Path, fingerprint: &str, wanted: &Wanted) -> Option<Config> {
    // Anything that does not add up is a damaged index: `None`, and the
    // caller rebuilds it. Every length is checked against the file's size
    // before it is used, so a damaged one can neither panic nor allocate.
    let mut file = match open_index(path) {
        Ok(Some(file)) => file,
        Ok(None) | Err(Untrusted) => return None,
    };
    let size = file.metadata().ok()?.len();
    let mut head = vec![0u8; 512];
    let n = file.read(&mut head).ok()?;
    head.truncate(n);
    let first_end = head.iter().position(|&b| b == b'\n')?;
    let first = std::str::from_utf8(&head[..first_end]).ok()?;
    let [body_len, settings_len, table_len] = parse_head(first, fingerprint)?;
    let body_start = first_end as u64 + 1;
    let settings_start = body_start.checked_add(body_len)?;
    let table_start = settings_start.checked_add(settings_len)?;
    // The parts must add up to the file exactly.
    if table_start.checked_add(table_len)? != size {
        return None;
    }
    let mut settings_bytes = vec![0u8; usize::try_from(settings_len).ok()?.min(1 << 20)];
    if settings_bytes.len() as u64 != settings_len {
        return None;
    }
    fsutil::read_at(&file, settings_start, &mut settings_bytes).ok()?;
    let settings = parse_settings(std::str::from_utf8(&settings_bytes).ok()?)?;
    let table = Table {
        file: &file,
        start: table_start,
        len: table_len,
    };
    if table_len > 0 {
        let mut last = [0u8; 1];
        table.read_part(table_len - 1, &mut last)?;
        if last[0] != b'\n' {
            return None;
        }
    }
    let records = records_wanted(&table, wanted, body_len)?;
    let mut entries = Vec::with_capacity(records.len());
    let mut record = Vec::new();
    for (start, len) in records {
        record.resize(len, 0);
        fsutil::read_at(&file, body_start + start, &mut record).ok()?;
        let table = parse_record(std::str::from_utf8(&record).ok()?)?;
        let name = table.name.clone().into_owned();
        match validate(table, &settings, DefinedIn::File) {
            Ok(e) => entries.push(e),
            Err(m) => {
                log::debug!("the index holds an entry '{name}' that no longer validates ({m}); reading the file");
                return None;
            }
        }
    }
    log::trace!(
        "read {} entr(ies) from the index {}",
        entries.len(),
        path.display()
    );
    Some(Config {
        settings,
        entries,
        ci_problems: Vec::new(),
    })
}

/// Where the records of the entries `wanted` asks for lie in the body (of
/// `body_len` bytes), each once, in the order found.
fn records_wanted(table: &Table<'_>, wanted: &Wanted, body_len: u64) -> Option<Vec<(u64, usize)>> {
    let mut records: Vec<(u64, usize)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut record_of = |line: &str| -> Option<()> {
        let mut f = line.rsplitn(3, '\t');
        let len: usize = f.next()?.parse().ok()?;
        let start: u64 = f.next()?.parse().ok()?;
        if start.checked_add(len as u64)? > body_len {
            return None;
        }
        if seen.insert(start) {
            records.push((start, len));
        }
        Some(())
    };
    for k in &wanted.keys {
        for line in table.lines_of(k)? {
            record_of(&line)?;
        }
    }
    // The entries of the host's first key.
    for h in &wanted.any_of {
        let mut host_key = String::new();
        escape_into(&mut host_key, h);
        host_key.push('\t');
        if let Some((_, line)) = table.lower_bound(host_key.as_bytes())? {
            let line = std::str::from_utf8(&line).ok()?;
            if let Some(rest) = line.strip_prefix(&host_key) {
                let key = &line[..host_key.len() + rest.find('\t')?];
                for line in table.lines_of(key)? {
                    record_of(&line)?;
                }
            }
        }
    }
    Some(records)
}

/// What an index is written from.
enum Source<'a> {
    /// The configuration file's text, read in one pass.
    Text(&'a str),
    /// A configuration already read.
    Config(&'a Config),
}

/// What came of writing an index.
#[derive(Debug, PartialEq, Eq)]
enum Written {
    /// It is in place.
    Yes,
    /// The text is not one the one pass takes: nothing was written.
    Declined,
    /// The configuration changed while the index was made: nothing was
    /// written.
    Stale,
}

/// Writes the index of `source` at `path`, under the index's lock, unless
/// `current` says the configuration changed meanwhile.
fn write(
    path: &Path,
    source: Source<'_>,
    fingerprint: &str,
    current: &dyn Fn() -> bool,
) -> std::io::Result<Written> {
    fsutil::ensure_private_dir(fsutil::parent_or_dot(path))?;
    let lock = Lock::for_file(path)?;
    let mut outcome = Written::Yes;
    // Whole or not at all, but not forced to disk: after a crash a lost or
    // cut index is one whose lengths do not add up, and is rebuilt.
    let written = fsutil::replace(path, 0o600, &lock, Durability::Light, &mut |out| {
        match source {
            Source::Text(text) => {
                if let Pass::Declined = one_pass(text, &mut *out, fingerprint)? {
                    outcome = Written::Declined;
                }
            }
            Source::Config(config) => {
                write_config(config, &mut *out, fingerprint)?;
            }
        }
        if outcome == Written::Yes && !current() {
            outcome = Written::Stale;
        }
        match outcome {
            Written::Yes => Ok(()),
            // Leaves nothing behind.
            _ => Err(std::io::Error::other("not written")),
        }
    });
    match (written, outcome) {
        (Ok(()), outcome) | (Err(_), outcome @ (Written::Declined | Written::Stale)) => Ok(outcome),
        (Err(e), _) => Err(e),
    }
}

/// The index or its directory belongs to someone else, or others could
/// write it: it is neither read nor written. An index someone else could
/// have placed could name any program as a secret source, or any host.
#[derive(Debug)]
struct Untrusted;

/// Opens the index at `path` for reading, checking what was opened: its
/// directory, opened without following a link, must be the user's and
/// writable by no one else, and so must the index, opened in that very
/// directory without following a link. `None` when there is none yet.
fn open_index(path: &Path) -> Result<Option<std::fs::File>, Untrusted> {
    let ours = |meta: &std::fs::Metadata| {
        fsutil::owned_by_user(meta) && fsutil::writable_by_others(meta).is_none()
    };
    let missing = |e: &std::io::Error| e.kind() == std::io::ErrorKind::NotFound;
    let (Some(dir_path), Some(name)) = (path.parent(), path.file_name()) else {
        return Err(Untrusted);
    };
    let dir = match fsutil::open_dir(dir_path, false) {
        Ok(d) => d,
        Err(e) if missing(&e) => return Ok(None),
        Err(_) => return Err(Untrusted),
    };
    if !dir.metadata().is_ok_and(|m| ours(&m)) {
        return Err(Untrusted);
    }
    let file = match fsutil::open_in(&dir, dir_path, name, false) {
        Ok(f) => f,
        Err(e) if missing(&e) => return Ok(None),
        Err(_) => return Err(Untrusted),
    };
    match file.metadata() {
        Ok(m) if m.is_file() && ours(&m) => Ok(Some(file)),
        _ => Err(Untrusted),
    }
}

/// Whether the index at `index` may be written: it and its directory are
/// the user's, or do not exist yet (see [`open_index`]).
fn index_trusted(index: &Path) -> bool {
    open_index(index).is_ok()
}

/// Loads what a request for `remote` needs: the settings, the file entries
/// that may serve it (on its host, and bitbucket.org's for
/// api.bitbucket.org, whose path prefix is one of the request's), and the
/// CI entries — from the index when it is current, else from the TOML
/// file, rebuilding the index on the way.
pub fn load_for(
    paths: &Paths,
    remote: &Remote,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let wanted = wanted(&remote.origin.host, remote.segments.as_deref());
    load_at(paths.config(), paths.index().as_deref(), &wanted, env)
}

/// [`load_for`] of the configuration at `config_path` with its index at
/// `index`.
fn load_at(
    config_path: &Path,
    index: Option<&Path>,
    wanted: &Wanted,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let Some(opened) = TrustedFile::open(config_path)? else {
        let mut config = Config::parse("", config_path)?;
        config.add_ci_entries(env)?;
        return Ok(config);
    };
    let fp = fingerprint(&opened.meta);
    let index = index.filter(|i| {
        let trusted = index_trusted(i);
        if !trusted {
            log::debug!(
                "the index {} or its directory is not the user's own; reading the configuration file and leaving the index alone",
                i.display()
            );
        }
        trusted
    });
    let Some(index) = index else {
        let mut config = Config::parse(&opened.text(config_path)?, config_path)?;
        config.add_ci_entries(env)?;
        return Ok(config);
    };
    let mut config = match read(index, &fp, wanted) {
        Some(config) => config,
        None => rebuild(config_path, opened, index, &fp, wanted)?,
    };
    config.add_ci_entries(env)?;
    Ok(config)
}

/// Writes the index of `config`, just read or written from `config_path`
/// (by a command that holds the configuration's lock), so that the next
/// `get` finds it current.
pub fn write_for(paths: &Paths, config: &Config) {
    let (Ok(meta), Some(index)) = (std::fs::metadata(paths.config()), paths.index()) else {
        return;
    };
    if !index_trusted(&index) {
        return;
    }
    match write(&index, Source::Config(config), &fingerprint(&meta), &|| {
        true
    }) {
        Ok(_) => log::debug!("wrote the index {}", index.display()),
        Err(e) => log::debug!("could not write the index {}: {e}", index.display()),
    }
}

/// Reads the configuration file (opened and checked), writes its index,
/// and answers what `wanted` asks for (without the CI entries).
fn rebuild(
    config_path: &Path,
    opened: TrustedFile,
    index: &Path,
    fp: &str,
    wanted: &Wanted,
) -> Result<Config, ConfigError> {
    let text = opened.text(config_path)?;
    // Written only if the file did not change while it was being read.
    let current = || std::fs::metadata(config_path).is_ok_and(|m| fingerprint(&m) == fp);
    // The one pass, for a file in the plain form that validates; anything
    // else is read whole, which also gives the exact error.
    let declined = match write(index, Source::Text(&text), fp, &current) {
        Ok(Written::Yes) => {
            log::debug!("rebuilt the index {}", index.display());
            if let Some(config) = read(index, fp, wanted) {
                return Ok(config);
            }
            false
        }
        Ok(Written::Declined) => true,
        Ok(Written::Stale) => false,
        Err(e) => {
            log::debug!("could not write the index {}: {e}", index.display());
            false
        }
    };
    let config = Config::parse(&text, config_path)?;
    if declined {
        match write(index, Source::Config(&config), fp, &current) {
            Ok(w) => log::debug!("index {} from the whole read: {w:?}", index.display()),
            Err(e) => log::debug!("could not write the index {}: {e}", index.display()),
        }
    }
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
            let mut record = String::new();
            record_into(&mut record, &raw);
            assert_eq!(parse_record(&record).as_ref(), Some(&raw));
            let again = validate(
                parse_record(&record).unwrap(),
                &full.settings,
                DefinedIn::File,
            )
            .unwrap();
            assert_eq!(&again, e);
        }
        // Strings that need escapes come back as they were.
        for text in ["tab\there", "quote \" and \\", "\u{85}\u{feff}\u{1}", "é ü"] {
            let table = CredentialTable {
                name: text.into(),
                ..CredentialTable::default()
            };
            let mut record = String::new();
            record_into(&mut record, &table);
            assert_eq!(parse_record(&record), Some(table), "{record}");
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
            found.map(|config| {
                assert_eq!(config.settings, full.settings);
                config
                    .entries
                    .into_iter()
                    .map(|e| e.name)
                    .collect::<Vec<_>>()
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
            let found = read(
                &index,
                "fp",
                &wanted(&remote.origin.host, remote.segments.as_deref()),
            )
            .unwrap();
            let mut names: Vec<String> = found.entries.into_iter().map(|e| e.name).collect();
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
        let text = |l: Option<(u64, Vec<u8>)>| l.map(|(_, l)| String::from_utf8(l).unwrap());
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
        // Several lines of one key are read to the last.
        let dup = "h\ta\t1\t1\nh\ta\t2\t2\nh\ta\t3\t3\nh\tab\t4\t4\nh\tb\t5\t5\n";
        std::fs::write(&path, dup).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let t = Table {
            file: &file,
            start: 0,
            len: dup.len() as u64,
        };
        let lines = t.lines_of("h\ta").unwrap();
        assert_eq!(lines, ["h\ta\t1\t1", "h\ta\t2\t2", "h\ta\t3\t3"]);
        assert_eq!(t.lines_of("h\tb").unwrap(), ["h\tb\t5\t5"]);
        assert!(t.lines_of("h\tc").unwrap().is_empty());
        // Over many blocks, and lines longer than one.
        let many: Vec<String> = (0..3000)
            .map(|i| {
                format!(
                    "h\tk\t{}\t{i}",
                    "7".repeat(if i % 500 == 3 { 9000 } else { i % 40 })
                )
            })
            .collect();
        let dup = format!("h\tj\t0\t0\n{}\nh\tl\t0\t0\n", many.join("\n"));
        std::fs::write(&path, &dup).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let t = Table {
            file: &file,
            start: 0,
            len: dup.len() as u64,
        };
        assert_eq!(t.lines_of("h\tk").unwrap(), many);
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
            let remote = Remote::classify("https", host, Some(p)).unwrap();
            let w = wanted(&remote.origin.host, remote.segments.as_deref());
            let names: Vec<String> = load_at(&path, Some(&index), &w, &no_env)
                .unwrap()
                .entries
                .into_iter()
                .map(|e| e.name)
                .collect();
            names
        };
        let dc = ("git.example.com:8443", "bitbucket/scm/proj/r.git");
        assert_eq!(load("bitbucket.org", "acme/w.git"), ["acme", "proj"]);
        assert!(std::fs::read_to_string(&index)
            .unwrap()
            .contains("\nname = \"dc\"\n"));
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
        assert!(rebuilt.contains("dc-renamed") && !rebuilt.contains("\nname = \"dc\"\n"));
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
        let w = wanted("bitbucket.org", None);
        let err = load_at(&path, Some(&index), &w, &no_env).unwrap_err();
        assert!(err.to_string().contains("credential 'dc'"), "{err}");
    }
}
