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

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::{self, Config, ConfigError, CredentialTable, DefinedIn, Entry, Settings};
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
    if !s.contains(['\\', '\t', '\n', '\r']) {
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
fn record_into(out: &mut String, table: &CredentialTable) {
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
    opt(out, repos.as_ref().map(|r| r.join(",")).as_deref());
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
    format!("{}\t{}", escape(host), escape(&prefix.join("/")))
}

/// Serialises `config`'s file entries, grouped by key, keys sorted.
fn render(config: &Config, fingerprint: &str) -> String {
    let mut groups: std::collections::BTreeMap<String, Vec<&Entry>> = Default::default();
    for e in config
        .entries
        .iter()
        .filter(|e| e.defined_in == DefinedIn::File)
    {
        groups
            .entry(key(&e.remote.origin.host, e.prefix()))
            .or_default()
            .push(e);
    }
    let mut body = String::with_capacity(config.entries.len() * 160);
    let mut table = String::with_capacity(groups.len() * 60);
    for (key, entries) in &groups {
        let start = body.len();
        for e in entries {
            record_into(&mut body, &e.to_table());
        }
        use std::fmt::Write;
        let _ = writeln!(table, "{key}\t{start}\t{}", body.len() - start);
    }
    let settings = format!("{}\n", settings_line(&config.settings));
    format!(
        "{FORMAT}\t{fingerprint}\t{:012}\t{:012}\t{:012}\n{settings}{table}{body}",
        settings.len(),
        table.len(),
        body.len()
    )
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

fn write(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fsutil::ensure_private_dir(dir)?;
    }
    let lock = Lock::for_file(path)?;
    // Whole or not at all, but not forced to disk: after a crash a lost or
    // cut index is one whose lengths do not add up, and is rebuilt.
    fsutil::replace_file(path, text.as_bytes(), 0o600, &lock, false)
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
    match write(&index, &render(config, &fingerprint(&meta))) {
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
    if let Some((settings, raws)) = read(index, fp, wanted) {
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
                    return rebuild(config_path, index, fp, env);
                }
            }
        }
        let mut config = Config {
            settings,
            entries,
            ci_problems: Vec::new(),
        };
        config.add_ci_entries(env)?;
        return Ok(config);
    }
    rebuild(config_path, index, fp, env)
}

fn rebuild(
    config_path: &Path,
    index: &Path,
    fp: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let config = Config::load(config_path, env)?;
    // Written only if the file did not change while it was being read.
    let unchanged = std::fs::metadata(config_path).is_ok_and(|m| fingerprint(&m) == fp);
    if unchanged {
        match write(index, &render(&config, fp)) {
            Ok(()) => log::debug!("rebuilt the index {}", index.display()),
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
            let mut line = String::new();
            record_into(&mut line, &raw);
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
        assert_eq!(
            load("bitbucket.org", "acme/w.git"),
            ["acme", "proj", "dc"],
            "the first call parses the whole file"
        );
        assert!(index.exists());
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
            ["acme", "proj", "dc-renamed"],
            "a changed file is read again"
        );
        assert_eq!(load(dc.0, dc.1), ["dc-renamed"]);
    }
}
