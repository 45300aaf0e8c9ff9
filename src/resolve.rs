//! Which entry serves a remote: same scheme, host and port; the entry's
//! path a prefix of the remote's on segment boundaries; the longest prefix
//! wins; a tie is refused. Entries from the configuration file come before
//! those from CI variables.

use crate::config::{Entry, Origin};
use crate::remote::{Remote, CLOUD_API_HOST, CLOUD_HOST};

/// The outcome of matching a remote against the entries.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolution<'a> {
    /// This entry serves the remote.
    Found(&'a Entry),
    /// These entries are equally specific and none is preferred: a
    /// configuration error; none is used.
    Tie(Vec<&'a Entry>),
    /// git sent no path, and only entries narrower than the host exist for
    /// it: `credential.useHttpPath` is missing.
    NeedsPath,
    /// No entry is for this remote.
    NotFound,
}

/// Whether an entry for host `entry` serves requests for host `remote`:
/// the same host, and entries for bitbucket.org also serve
/// api.bitbucket.org.
pub fn host_serves(entry: &str, remote: &str) -> bool {
    entry == remote || (entry == CLOUD_HOST && remote == CLOUD_API_HOST)
}

/// Whether an entry for `entry` may be sent to `remote`'s origin: equal
/// scheme and port, and a host it serves ([`host_serves`]).
pub fn origin_covers(entry: &crate::remote::Origin, remote: &crate::remote::Origin) -> bool {
    entry.scheme == remote.scheme
        && entry.port == remote.port
        && host_serves(&entry.host, &remote.host)
}

/// How specifically `entry` covers `remote`, or `None` when it does not.
/// Higher is more specific: the number of path segments matched, with an
/// entry naming the repository itself above a project token that lists it.
fn specificity(entry: &Entry, remote: &Remote) -> Option<(usize, bool)> {
    if !origin_covers(&entry.remote.origin, &remote.origin) {
        return None;
    }
    let prefix = entry.scope();
    let Some(scope) = remote.scope.as_deref() else {
        return (prefix.is_empty() && entry.repos.is_empty()).then_some((0, true));
    };
    if !scope.starts_with(prefix) {
        return None;
    }
    if entry.repos.is_empty() {
        return Some((prefix.len(), true));
    }
    let repo = remote.cloud_repository()?;
    entry.repos.contains(&repo).then_some((2, false))
}

/// Finds the entry for `remote`. `username` is the one git sent (from the
/// remote URL); among equally specific entries it picks the one whose
/// `username` equals it.
pub fn resolve<'a>(
    entries: &'a [Entry],
    remote: &Remote,
    username: Option<&str>,
) -> Resolution<'a> {
    for tier in [Origin::File, Origin::Environment] {
        let mut best: Option<(usize, bool)> = None;
        let mut top: Vec<&Entry> = Vec::new();
        for entry in entries.iter().filter(|e| e.origin == tier) {
            let Some(rank) = specificity(entry, remote) else {
                continue;
            };
            match best {
                Some(b) if b > rank => {}
                Some(b) if b == rank => top.push(entry),
                _ => {
                    best = Some(rank);
                    top = vec![entry];
                }
            }
        }
        match top.len() {
            0 => continue,
            1 => return Resolution::Found(top[0]),
            _ => {
                let preferred: Vec<&Entry> = top
                    .iter()
                    .copied()
                    .filter(|e| username.is_some() && e.username.as_deref() == username)
                    .collect();
                return match preferred.as_slice() {
                    [one] => Resolution::Found(one),
                    _ => Resolution::Tie(top),
                };
            }
        }
    }
    if remote.scope.is_none()
        && entries
            .iter()
            .any(|e| origin_covers(&e.remote.origin, &remote.origin))
    {
        return Resolution::NeedsPath;
    }
    Resolution::NotFound
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::path::Path;

    const CONFIG: &str = r#"
[[credential]]
name = "host"
kind = "api-token"
url = "https://bitbucket.org/"
email = "j@example.com"
secret = "file"

[[credential]]
name = "acme"
kind = "access-token"
scope = "workspace"
url = "https://bitbucket.org/acme"
secret = "file"

[[credential]]
name = "acme-proj"
kind = "access-token"
scope = "project"
url = "https://bitbucket.org/acme/"
repos = ["acme/api", "acme/web"]
secret = "file"

[[credential]]
name = "widget"
kind = "access-token"
scope = "repository"
url = "https://bitbucket.org/acme/widget.git"
secret = "file"

[[credential]]
name = "web"
kind = "access-token"
scope = "repository"
url = "https://bitbucket.org/acme/web/"
secret = "file"

[[credential]]
name = "dc-user"
kind = "http-token"
scope = "user"
username = "jdoe"
url = "https://git.example.com:8443/bitbucket/"
secret = "file"

[[credential]]
name = "dc-proj"
kind = "http-token"
scope = "project"
url = "https://git.example.com:8443/bitbucket/scm/PROJ"
secret = "file"

[[credential]]
name = "two-a"
kind = "api-token"
username = "alice"
url = "https://two.example.com/"
secret = "file"

[[credential]]
name = "two-b"
kind = "api-token"
username = "bob"
url = "https://two.example.com/"
secret = "file"

[[credential]]
name = "narrow-only"
kind = "http-token"
scope = "repository"
url = "https://narrow.example.com/scm/P/r.git"
secret = "file"
"#;

    fn found(host: &str, path: Option<&str>, user: Option<&str>) -> String {
        let config = Config::parse(CONFIG, Path::new("c.toml")).unwrap();
        let (scheme, host) = host.split_once("://").unwrap();
        let remote = Remote::classify(scheme, host, path).unwrap();
        match resolve(&config.entries, &remote, user) {
            Resolution::Found(e) => e.name.clone(),
            Resolution::Tie(v) => format!(
                "tie:{}",
                v.iter()
                    .map(|e| e.name.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            Resolution::NeedsPath => "needs-path".into(),
            Resolution::NotFound => "none".into(),
        }
    }

    #[test]
    fn table() {
        let cases = [
            (
                "https://bitbucket.org",
                Some("acme/widget.git"),
                None,
                "widget",
            ),
            ("https://bitbucket.org", Some("acme/widget"), None, "widget"),
            (
                "https://bitbucket.org",
                Some("acme/widget.git/wiki"),
                None,
                "widget",
            ),
            (
                "https://bitbucket.org",
                Some("ACME/Widget.git"),
                None,
                "widget",
            ),
            (
                "https://bitbucket.org",
                Some("acme/widget-evil.git"),
                None,
                "acme",
            ),
            (
                "https://bitbucket.org",
                Some("acme/api.git"),
                None,
                "acme-proj",
            ),
            ("https://bitbucket.org", Some("acme/web.git"), None, "web"),
            (
                "https://bitbucket.org",
                Some("acme/other.git"),
                None,
                "acme",
            ),
            (
                "https://bitbucket.org",
                Some("acmecorp/x.git"),
                None,
                "host",
            ),
            (
                "https://bitbucket.org",
                Some("acme/x/../widget.git"),
                None,
                "widget",
            ),
            (
                "https://bitbucket.org",
                Some("acme/widget/../../evil/x"),
                None,
                "host",
            ),
            ("https://bitbucket.org", None, None, "host"),
            (
                "https://bitbucket.org:8443",
                Some("acme/widget.git"),
                None,
                "none",
            ),
            (
                "http://bitbucket.org",
                Some("acme/widget.git"),
                None,
                "none",
            ),
            (
                "https://api.bitbucket.org",
                Some("2.0/repositories/acme/widget/src"),
                None,
                "widget",
            ),
            (
                "https://api.bitbucket.org",
                Some("2.0/repositories/acme/api"),
                None,
                "acme-proj",
            ),
            (
                "https://api.bitbucket.org",
                Some("2.0/repositories/acme"),
                None,
                "acme",
            ),
            ("https://api.bitbucket.org", Some("2.0/user"), None, "host"),
            (
                "https://evil.bitbucket.org",
                Some("acme/widget.git"),
                None,
                "none",
            ),
            (
                "https://bitbucket.org.evil.example",
                Some("acme/widget.git"),
                None,
                "none",
            ),
            (
                "https://git.example.com:8443",
                Some("bitbucket/scm/proj/repo.git"),
                None,
                "dc-proj",
            ),
            (
                "https://git.example.com:8443",
                Some("bitbucket/scm/PROJ/repo.git"),
                None,
                "dc-proj",
            ),
            (
                "https://git.example.com:8443",
                Some("bitbucket/scm/PROJECT2/repo.git"),
                None,
                "dc-user",
            ),
            (
                "https://git.example.com:8443",
                Some("bitbucket/rest/api/1.0/projects/PROJ/repos/r"),
                None,
                "dc-proj",
            ),
            (
                "https://git.example.com:8443",
                Some("bitbucket/rest/api/1.0/users"),
                None,
                "dc-user",
            ),
            (
                "https://git.example.com:8443",
                Some("other/scm/PROJ/repo.git"),
                None,
                "none",
            ),
            (
                "https://git.example.com:8443",
                Some("bitbucketx/scm/PROJ/repo.git"),
                None,
                "none",
            ),
            (
                "https://git.example.com",
                Some("bitbucket/scm/PROJ/repo.git"),
                None,
                "none",
            ),
            ("https://git.example.com:8443", None, None, "needs-path"),
            (
                "https://two.example.com",
                Some("x.git"),
                None,
                "tie:two-a,two-b",
            ),
            (
                "https://two.example.com",
                Some("x.git"),
                Some("bob"),
                "two-b",
            ),
            (
                "https://two.example.com",
                Some("x.git"),
                Some("carol"),
                "tie:two-a,two-b",
            ),
            ("https://narrow.example.com", None, None, "needs-path"),
            (
                "https://narrow.example.com",
                Some("scm/p/r.git"),
                None,
                "narrow-only",
            ),
            (
                "https://narrow.example.com",
                Some("scm/p/r2.git"),
                None,
                "none",
            ),
            ("https://unknown.example.com", None, None, "none"),
        ];
        for (host, path, user, want) in cases {
            assert_eq!(found(host, path, user), want, "{host} {path:?} {user:?}");
        }
    }

    #[test]
    fn file_entries_come_before_ci_entries() {
        let vars = |name: &str| (name == "BITBUCKET_API_TOKEN").then(|| "ATATT-ci".to_owned());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[[credential]]\nname = \"w\"\nkind = \"access-token\"\nscope = \"workspace\"\nurl = \"https://bitbucket.org/acme\"\nsecret = \"file\"\n").unwrap();
        let config = Config::load(&path, &vars).unwrap();
        let name = |path: &str| match resolve(
            &config.entries,
            &Remote::classify("https", "bitbucket.org", Some(path)).unwrap(),
            None,
        ) {
            Resolution::Found(e) => e.name.clone(),
            other => format!("{other:?}"),
        };
        assert_eq!(name("acme/x.git"), "w");
        assert_eq!(name("other/x.git"), "BITBUCKET_API_TOKEN");
    }
}
