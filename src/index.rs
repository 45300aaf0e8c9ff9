//! A derived index of the configuration file, so that `get`, `store` and
//! `erase` read only the entries of the request's host instead of parsing
//! the whole TOML file (which costs tens of milliseconds at 10,000
//! entries).
//!
//! The TOML file stays the only source of truth. The index lives in the
//! cache directory, is named after the configuration's path, records the
//! configuration file's size, modification time and inode, and is ignored
//! and rebuilt whenever those differ, the format or version differs, or it
//! cannot be read. It holds no secret.
//!
//! Layout: a header of text lines — format, fingerprint, header length;
//! the settings; one line per host with the byte range of its entries — and
//! then the entries, one line each, fields separated by tabs.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::{self, Config, ConfigError, CredentialTable, DefinedIn, Entry, Settings};
use crate::fsutil::{self, Lock};
use crate::resolve::hosts_serving;

const FORMAT: &str = concat!("gcb-index 2 ", env!("CARGO_PKG_VERSION"));

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
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
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

fn opt(field: &Option<String>) -> String {
    match field {
        Some(v) => format!("+{}", escape(v)),
        None => "-".to_owned(),
    }
}

fn unopt(field: &str) -> Option<Option<String>> {
    match field.strip_prefix('+') {
        Some(v) => Some(Some(unescape(v)?)),
        None if field == "-" => Some(None),
        None => None,
    }
}

fn record(table: &CredentialTable) -> String {
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
    [
        escape(name),
        escape(kind),
        escape(url),
        opt(scope),
        opt(username),
        opt(email),
        opt(&repos.as_ref().map(|r| r.join(","))),
        opt(expires),
        opt(secret),
        opt(auth),
    ]
    .join("\t")
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

/// Serialises `config`'s file entries, grouped by host.
fn render(config: &Config, fingerprint: &str) -> String {
    let mut hosts: Vec<(&str, Vec<&Entry>)> = Vec::new();
    for e in config
        .entries
        .iter()
        .filter(|e| e.defined_in == DefinedIn::File)
    {
        let host = e.remote.origin.host.as_str();
        match hosts.iter_mut().find(|(h, _)| *h == host) {
            Some((_, list)) => list.push(e),
            None => hosts.push((host, vec![e])),
        }
    }
    let mut body = String::new();
    let mut table = String::new();
    for (host, entries) in &hosts {
        let start = body.len();
        for e in entries {
            body.push_str(&record(&e.to_table()));
            body.push('\n');
        }
        table.push_str(&format!(
            "{}\t{start}\t{}\n",
            escape(host),
            body.len() - start
        ));
    }
    let rest = format!("{}\n{table}", settings_line(&config.settings));
    // The first line ends with the header's length, itself included, in
    // twelve digits so that the length does not change the length.
    let first = format!("{FORMAT}\t{fingerprint}\t");
    let total = first.len() + 12 + 1 + rest.len();
    format!("{first}{total:012}\n{rest}{body}")
}

/// Reads the settings and the raw entries of `hosts` from the index, if it
/// is current.
fn read(
    path: &Path,
    fingerprint: &str,
    hosts: &[&str],
) -> Option<(Settings, Vec<CredentialTable>)> {
    // Anything that does not add up is a damaged index: `None`, and the
    // caller rebuilds it. Every length is checked against the file's size
    // before it is used, so a damaged one can neither panic nor allocate.
    let mut file = fsutil::open_no_follow(path).ok()?;
    let size = file.metadata().ok().filter(|m| m.is_file())?.len();
    let mut head = vec![0u8; 4096];
    let n = file.read(&mut head).ok()?;
    head.truncate(n);
    let first_end = head.iter().position(|&b| b == b'\n')?;
    let first = std::str::from_utf8(&head[..first_end]).ok()?;
    let mut parts = first.split('\t');
    if parts.next()? != FORMAT || parts.next()? != fingerprint {
        return None;
    }
    let header_len: usize = parts.next()?.parse().ok()?;
    if header_len <= first_end || header_len as u64 > size {
        return None;
    }
    if head.len() < header_len {
        let mut more = vec![0u8; header_len - head.len()];
        file.read_exact(&mut more).ok()?;
        head.extend_from_slice(&more);
    }
    let header = std::str::from_utf8(&head[first_end + 1..header_len]).ok()?;
    let mut lines = header.lines();
    let settings = parse_settings(lines.next()?)?;
    let mut entries = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let mut f = line.split('\t');
        let host = unescape(f.next()?)?;
        if !hosts.contains(&host.as_str()) {
            continue;
        }
        let start: u64 = f.next()?.parse().ok()?;
        let len: usize = f.next()?.parse().ok()?;
        let body = size - header_len as u64;
        if start.checked_add(len as u64)? > body {
            return None;
        }
        file.seek(SeekFrom::Start(header_len as u64 + start)).ok()?;
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
    fsutil::write_atomically(path, text.as_bytes(), 0o600, &lock)
}

/// Loads what a request for `host` needs: the settings, the file entries
/// that may serve it (its host, and bitbucket.org's for api.bitbucket.org),
/// and the CI entries — from the index when it is current, else from the
/// TOML file, rebuilding the index on the way.
pub fn load_for_host(
    config_path: &Path,
    host: &str,
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
    load_with_index(config_path, &index, &fp, host, env)
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
    host: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    if !index_trusted(index) {
        log::debug!(
            "the index {} or its directory is not the user's own; reading the configuration file and leaving the index alone",
            index.display()
        );
        return Config::load(config_path, env);
    }
    let host = host.to_lowercase();
    let hosts: Vec<&str> = hosts_serving(&host).collect();
    if let Some((settings, raws)) = read(index, fp, &hosts) {
        log::trace!(
            "read {} entr(ies) for {host} from the index {}",
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
            assert_eq!(
                parse_record(&record(&raw)).as_ref().map(|r| r.name.clone()),
                Some(raw.name.clone())
            );
            let again = config::validate(
                parse_record(&record(&raw)).unwrap(),
                &full.settings,
                DefinedIn::File,
            )
            .unwrap();
            assert_eq!(&again, e);
        }
        let index = dir.path().join("x.index");
        let text = render(&full, "fp");
        std::fs::write(&index, &text).unwrap();
        let (settings, entries) = read(&index, "fp", &["bitbucket.org"]).unwrap();
        assert_eq!(settings, full.settings);
        assert_eq!(
            entries.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
            ["acme", "proj"]
        );
        let (_, entries) = read(&index, "fp", &["git.example.com"]).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(
            entries[0].url,
            "https://git.example.com:8443/bitbucket/scm/PROJ/"
        );
        assert!(read(&index, "fp", &["other.example.com"])
            .unwrap()
            .1
            .is_empty());
        assert!(read(&index, "another-fingerprint", &["bitbucket.org"]).is_none());
        // A damaged index is not used.
        std::fs::write(&index, &text[..text.len() / 2]).unwrap();
        assert!(read(&index, "fp", &["git.example.com"]).is_none());
    }

    #[test]
    fn load_for_host_rebuilds_when_the_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, CONFIG).unwrap();
        let index = dir.path().join("cache/config.index");
        let no_env = |_: &str| None;
        let load = |host: &str| {
            let fp = fingerprint(&std::fs::metadata(&path).unwrap());
            let names: Vec<String> = load_with_index(&path, &index, &fp, host, &no_env)
                .unwrap()
                .entries
                .into_iter()
                .map(|e| e.name)
                .collect();
            names
        };
        assert_eq!(
            load("bitbucket.org"),
            ["acme", "proj", "dc"],
            "the first call parses the whole file"
        );
        assert!(index.exists());
        assert_eq!(load("api.bitbucket.org"), ["acme", "proj"]);
        assert_eq!(load("git.example.com"), ["dc"]);
        std::fs::write(
            &path,
            CONFIG.replace("name = \"dc\"", "name = \"dc-renamed\""),
        )
        .unwrap();
        assert_eq!(
            load("git.example.com"),
            ["acme", "proj", "dc-renamed"],
            "a changed file is read again"
        );
        assert_eq!(load("git.example.com"), ["dc-renamed"]);
    }
}
