//! Which entry serves a remote: same scheme, host and port; the entry's
//! path a prefix of the remote's on segment boundaries; the longest prefix
//! wins; a tie is refused. Entries from the configuration file come before
//! those from CI variables.

use crate::config::{DefinedIn, Entry};
use crate::remote::{host_serves, Origin, Remote, RemoteKind};

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

/// Entries that tie for a remote, named for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TieError {
    /// The entries' names.
    pub names: Vec<String>,
    /// The remote they tie for, printable.
    pub url: String,
    /// Whether every one of them has its own `username`.
    pub all_named: bool,
}

/// `'a'`, `'a' and 'b'`, `'a', 'b' and 'c'`.
pub fn quoted_list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => quoted.concat(),
    }
}

impl std::fmt::Display for TieError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let none = if self.names.len() == 2 {
            "neither"
        } else {
            "none"
        };
        write!(
            f,
            "entries {} have the same scope for {}, so {none} is used; ",
            quoted_list(&self.names),
            self.url
        )?;
        if self.all_named {
            f.write_str("put the username in the remote URL (https://USER@HOST/...) to pick one")?;
        } else {
            f.write_str(
                "give each its own `username` (then the username in the remote URL picks one)",
            )?;
        }
        write!(
            f,
            ", give them different urls, or remove the one not needed with `git credential-bitbucket remove NAME`"
        )
    }
}

impl std::error::Error for TieError {}

impl TieError {
    /// The tie of `entries` for `url` (printable).
    pub fn new(entries: &[&Entry], url: String) -> TieError {
        TieError {
            names: entries.iter().map(|e| e.name.clone()).collect(),
            url,
            all_named: entries.iter().all(|e| e.username.is_some()),
        }
    }
}

/// Whether an entry for `entry` may be sent to `remote`'s origin: equal
/// scheme and port, and a host it serves ([`host_serves`]).
pub fn origin_covers(entry: &Origin, remote: &Origin) -> bool {
    entry.scheme == remote.scheme
        && entry.port == remote.port
        && host_serves(&entry.host, &remote.host)
}

/// Whether `entry` may be sent to `remote` at all: its origin, and a path
/// inside its url (and `repos`).
pub fn covers(entry: &Entry, remote: &Remote) -> bool {
    specificity(entry, remote).is_some()
}

/// How specifically `entry` covers `remote`, or `None` when it does not.
/// Higher is more specific: the number of path segments matched, with an
/// entry naming the repository itself above a project token that lists it.
fn specificity(entry: &Entry, remote: &Remote) -> Option<(usize, bool)> {
    if !origin_covers(&entry.remote.origin, &remote.origin) {
        return None;
    }
    let prefix = entry.prefix();
    let Some(segments) = remote.segments.as_deref() else {
        return (prefix.is_empty() && entry.repos.is_empty()).then_some((0, true));
    };
    if !segments.starts_with(prefix) {
        return None;
    }
    if entry.repos.is_empty() {
        return Some((prefix.len(), true));
    }
    let repo = remote.cloud_repository()?;
    entry.repos.contains(&repo).then_some((2, false))
}

/// Why `entry` does not cover `remote`, in words (for `RUST_LOG=debug`);
/// `None` when it does.
pub fn why_not(entry: &Entry, remote: &Remote) -> Option<String> {
    let (e, r) = (&entry.remote.origin, &remote.origin);
    if !host_serves(&e.host, &r.host) {
        return Some(format!("it is for host {}", e.host));
    }
    if e.scheme != r.scheme {
        return Some(format!("it is for {}, not {}", e.scheme, r.scheme));
    }
    if e.port != r.port {
        return Some(format!("it is for {}, another port", e.display()));
    }
    let prefix = entry.prefix();
    let Some(segments) = remote.segments.as_deref() else {
        return (!prefix.is_empty() || !entry.repos.is_empty()).then(|| {
            "it is for a path, and git sent none (credential.useHttpPath is not set)".to_owned()
        });
    };
    if !segments.starts_with(prefix) {
        return Some(format!(
            "its path /{} is not a prefix of /{}",
            prefix.join("/"),
            segments.join("/")
        ));
    }
    if !entry.repos.is_empty() && !covers(entry, remote) {
        return Some(format!(
            "the repository is not in its repos list ({})",
            entry.repos.join(", ")
        ));
    }
    None
}

/// Finds the entry for `remote`. `username` is the one git sent (from the
/// remote URL); among equally specific entries it picks the one whose
/// `username` equals it.
pub fn resolve<'a>(
    entries: &'a [Entry],
    remote: &Remote,
    username: Option<&str>,
) -> Resolution<'a> {
    for tier in [DefinedIn::File, DefinedIn::Environment] {
        let mut best: Option<(usize, bool)> = None;
        let mut top: Vec<&Entry> = Vec::new();
        for entry in entries.iter().filter(|e| e.defined_in == tier) {
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
    if remote.segments.is_none()
        && entries
            .iter()
            .any(|e| origin_covers(&e.remote.origin, &remote.origin))
    {
        return Resolution::NeedsPath;
    }
    Resolution::NotFound
}

/// Every tie the entries make, found by asking [`resolve`] for the remotes
/// each entry is for (its own url, or each repository it lists) with the
/// entry's own username: a tie here is a tie that `get` meets.
pub fn ties(entries: &[Entry]) -> Vec<TieError> {
    ties_asked(entries, |e| e.username.as_deref())
}

/// Entries that tie only for requests without a username: each has its
/// own `username` and they differ in nothing else, so git gets one of
/// them for a remote URL that names the user, and neither for one that
/// does not.
pub fn username_ties(entries: &[Entry]) -> Vec<TieError> {
    let full = ties(entries);
    ties_asked(entries, |_| None)
        .into_iter()
        .filter(|t| t.all_named && !full.iter().any(|f| f.names == t.names))
        .collect()
}

/// The ties of `entries` met by requests that carry the username
/// `asked(entry)`, probed at each entry's own scope.
fn ties_asked<'e>(
    entries: &'e [Entry],
    asked: impl Fn(&'e Entry) -> Option<&'e str>,
) -> Vec<TieError> {
    let mut found: Vec<TieError> = Vec::new();
    for entry in entries {
        let probes: Vec<Remote> = if entry.repos.is_empty() {
            vec![entry.remote.clone()]
        } else {
            entry
                .repos
                .iter()
                .filter_map(|r| r.split_once('/'))
                .map(|(workspace, repo)| Remote {
                    origin: entry.remote.origin.clone(),
                    kind: RemoteKind::CloudRepository,
                    surface: entry.remote.surface,
                    segments: Some(vec![workspace.to_owned(), repo.to_owned()]),
                })
                .collect()
        };
        for remote in probes {
            let Resolution::Tie(tied) = resolve(entries, &remote, asked(entry)) else {
                continue;
            };
            if !tied.iter().any(|t| t.name == entry.name) {
                continue;
            }
            let path = remote.segments.unwrap_or_default().join("/");
            let tie = TieError::new(&tied, format!("{}/{path}", remote.origin.display()));
            if !found.iter().any(|f| f.names == tie.names) {
                found.push(tie);
            }
        }
    }
    found
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

    fn tie_names(text: &str) -> Vec<Vec<String>> {
        let config = Config::parse(text, Path::new("c.toml")).unwrap();
        ties(&config.entries).into_iter().map(|t| t.names).collect()
    }

    #[test]
    fn ties_are_the_ones_get_meets() {
        // The table's configuration has two entries for one URL, told
        // apart by their usernames: not a tie.
        assert!(tie_names(CONFIG).is_empty());
        // ... except for requests without a username.
        let config = Config::parse(CONFIG, Path::new("c.toml")).unwrap();
        let named: Vec<Vec<String>> = username_ties(&config.entries)
            .into_iter()
            .map(|t| t.names)
            .collect();
        assert!(
            !named.is_empty() && named.iter().all(|n| n.len() == 2),
            "{named:?}"
        );
        let project = |name: &str, repos: &str| {
            format!("[[credential]]\nname = \"{name}\"\nkind = \"access-token\"\nscope = \"project\"\nurl = \"https://bitbucket.org/acme/\"\nrepos = [{repos}]\nsecret = \"file\"\n")
        };
        // Two project tokens whose lists overlap but differ tie for the
        // repository both list, and only for it.
        let overlap = format!(
            "{}{}",
            project("p1", "\"acme/api\", \"acme/web\""),
            project("p2", "\"acme/API\", \"acme/x\"")
        );
        assert_eq!(tie_names(&overlap), [["p1", "p2"]]);
        let config = Config::parse(&overlap, Path::new("c.toml")).unwrap();
        let at = |path: &str| {
            let remote = Remote::classify("https", "bitbucket.org", Some(path)).unwrap();
            match resolve(&config.entries, &remote, None) {
                Resolution::Found(e) => e.name.clone(),
                Resolution::Tie(t) => TieError::new(&t, path.into()).to_string(),
                other => format!("{other:?}"),
            }
        };
        assert!(at("acme/api.git").starts_with(
            "entries 'p1' and 'p2' have the same scope for acme/api.git, so neither is used"
        ));
        assert_eq!(at("acme/web.git"), "p1");
        assert_eq!(at("acme/x.git"), "p2");
        // One entry with a username and one without tie for requests
        // without one.
        let half = "[[credential]]\nname = \"a\"\nkind = \"api-token\"\nusername = \"alice\"\nurl = \"https://bitbucket.org/\"\nsecret = \"file\"\n[[credential]]\nname = \"b\"\nkind = \"api-token\"\nurl = \"https://bitbucket.org\"\nsecret = \"file\"\n";
        assert_eq!(tie_names(half), [["a", "b"]]);
    }

    #[test]
    fn tie_messages_read_as_sentences() {
        assert_eq!(quoted_list(&["a".into()]), "'a'");
        assert_eq!(quoted_list(&["a".into(), "b".into()]), "'a' and 'b'");
        assert_eq!(
            quoted_list(&["a".into(), "b".into(), "c".into()]),
            "'a', 'b' and 'c'"
        );
        let tie = TieError {
            names: vec!["a".into(), "b".into(), "c".into()],
            url: "https://h/x".into(),
            all_named: true,
        };
        assert_eq!(
            tie.to_string(),
            "entries 'a', 'b' and 'c' have the same scope for https://h/x, so none is used; put the username in the remote URL (https://USER@HOST/...) to pick one, give them different urls, or remove the one not needed with `git credential-bitbucket remove NAME`"
        );
    }
}
