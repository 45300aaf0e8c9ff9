//! What a remote is: the origin (scheme, host, port) and the scope its path
//! names, in Bitbucket's terms — a Cloud repository or its wiki, the Cloud
//! REST API, a Data Center repository or its REST API, or another host.
//!
//! The same classification is applied to a request from git and to an
//! entry's `url`, so that both reduce to comparable scope segments.

/// The host of Bitbucket Cloud's web and git endpoints.
pub const CLOUD_HOST: &str = "bitbucket.org";
/// The host of Bitbucket Cloud's REST API.
pub const CLOUD_API_HOST: &str = "api.bitbucket.org";

/// Scheme, host and port, compared case-insensitively (both are kept in
/// lower case).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin {
    /// `https`, `http`, ...
    pub scheme: String,
    /// The host name without the port, lower case.
    pub host: String,
    /// The port, the scheme's default when none was given.
    pub port: u16,
}

impl Origin {
    /// Builds an origin from a scheme and git's `host` value
    /// (`host[:port]`, `[v6]:port`). `None` when the port is not a number.
    pub fn new(scheme: &str, host: &str) -> Option<Origin> {
        let scheme = scheme.to_ascii_lowercase();
        let (name, port) = split_port(host)?;
        let port = match port {
            Some(p) => p,
            None => default_port(&scheme),
        };
        let name = name.trim_end_matches('.').to_lowercase();
        if name.is_empty() {
            return None;
        }
        Some(Origin {
            scheme,
            host: name,
            port,
        })
    }

    /// `scheme://host[:port]`, the port left out when it is the default.
    pub fn display(&self) -> String {
        if self.port == default_port(&self.scheme) {
            format!("{}://{}", self.scheme, self.host)
        } else {
            format!("{}://{}:{}", self.scheme, self.host, self.port)
        }
    }
}

fn default_port(scheme: &str) -> u16 {
    match scheme {
        "http" => 80,
        _ => 443,
    }
}

fn split_port(host: &str) -> Option<(&str, Option<u16>)> {
    if let Some(rest) = host.strip_prefix('[') {
        let end = rest.find(']')?;
        let name = &host[..end + 2];
        return match &rest[end + 1..] {
            "" => Some((name, None)),
            p => Some((name, Some(p.strip_prefix(':')?.parse().ok()?))),
        };
    }
    match host.rsplit_once(':') {
        Some((name, p)) => Some((name, Some(p.parse().ok()?))),
        None => Some((host, None)),
    }
}

/// Whether a request is git talking to a repository or a program calling
/// Bitbucket's REST API; the two want different usernames and schemes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// git over HTTPS.
    Git,
    /// The REST API.
    Rest,
}

/// The Bitbucket layout a remote's path follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteKind {
    /// `bitbucket.org/{workspace}/{repo}[.git][/wiki]`.
    CloudRepository {
        /// The workspace slug.
        workspace: String,
        /// The repository slug.
        repo: String,
        /// Whether this is the repository's wiki.
        wiki: bool,
    },
    /// `bitbucket.org` with a path that names no repository.
    CloudSite,
    /// `api.bitbucket.org/...`.
    CloudApi,
    /// `[/context]/scm/{PROJECT|~user}[/{repo}.git]` on a Data Center host.
    DataCenterScm,
    /// `[/context]/rest/...` on a Data Center host.
    DataCenterRest,
    /// Anything else.
    Other,
}

/// A remote reduced to what matching needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    /// Scheme, host, port.
    pub origin: Origin,
    /// The layout of the path.
    pub kind: RemoteKind,
    /// Git or REST.
    pub surface: Surface,
    /// The scope the path names, as segments: `.git`, `/wiki`, empty and
    /// dot segments normalised away, Cloud slugs and Data Center project
    /// keys in lower case, REST paths mapped onto the repository they
    /// address. `None` when git sent no path.
    pub scope: Option<Vec<String>>,
}

impl Remote {
    /// Classifies `scheme://host/path`. `None` when the host is malformed.
    pub fn classify(scheme: &str, host: &str, path: Option<&str>) -> Option<Remote> {
        let origin = Origin::new(scheme, host)?;
        let segments = path.map(normalise_segments);
        let (kind, scope) = if origin.host == CLOUD_HOST {
            cloud(segments)
        } else if origin.host == CLOUD_API_HOST {
            (RemoteKind::CloudApi, segments.map(|s| cloud_api(&s)))
        } else {
            data_center(segments)
        };
        let surface = match kind {
            RemoteKind::CloudApi | RemoteKind::DataCenterRest => Surface::Rest,
            _ => Surface::Git,
        };
        Some(Remote {
            origin,
            kind,
            surface,
            scope,
        })
    }

    /// The Cloud repository (`workspace/repo`) this remote addresses, if any;
    /// used to match the `repos` list of a project token.
    pub fn cloud_repository(&self) -> Option<String> {
        if self.origin.host != CLOUD_HOST && self.origin.host != CLOUD_API_HOST {
            return None;
        }
        match self.scope.as_deref() {
            Some([ws, repo, ..]) => Some(format!("{ws}/{repo}")),
            _ => None,
        }
    }
}

/// Splits a path into segments, dropping empty and `.` segments and
/// resolving `..` (as curl does before the request leaves the machine).
fn normalise_segments(path: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s.to_owned()),
        }
    }
    out
}

/// `repo.git` → `repo`; a segment that stripping would turn into an empty,
/// `.` or `..` segment (`.git`, `..git`) stays as it is, so that a scope
/// never holds a segment the path normalisation has removed.
fn strip_git(s: &str) -> &str {
    match s.strip_suffix(".git") {
        Some("" | "." | "..") | None => s,
        Some(stripped) => stripped,
    }
}

fn cloud(segments: Option<Vec<String>>) -> (RemoteKind, Option<Vec<String>>) {
    let Some(mut segs) = segments else {
        return (RemoteKind::CloudSite, None);
    };
    for s in segs.iter_mut().take(2) {
        *s = s.to_lowercase();
    }
    if segs.len() < 2 {
        return (RemoteKind::CloudSite, Some(segs));
    }
    let wiki = segs.len() == 3 && segs[2] == "wiki";
    if wiki {
        segs.truncate(2);
    }
    segs[1] = strip_git(&segs[1]).to_owned();
    let kind = RemoteKind::CloudRepository {
        workspace: segs[0].clone(),
        repo: segs[1].clone(),
        wiki,
    };
    (kind, Some(segs))
}

/// `/2.0/repositories/{ws}[/{repo}]/...` maps onto `[ws, repo]`; every
/// other API path onto the empty scope, which only host-wide entries cover.
fn cloud_api(segs: &[String]) -> Vec<String> {
    match segs {
        [version, repositories, rest @ ..]
            if version == "2.0" && repositories == "repositories" =>
        {
            rest.iter().take(2).map(|s| s.to_lowercase()).collect()
        }
        _ => Vec::new(),
    }
}

fn data_center(segments: Option<Vec<String>>) -> (RemoteKind, Option<Vec<String>>) {
    let Some(segs) = segments else {
        return (RemoteKind::Other, None);
    };
    let Some(i) = segs.iter().position(|s| s == "scm" || s == "rest") else {
        let mut segs = segs;
        if let Some(last) = segs.last_mut() {
            *last = strip_git(last).to_owned();
        }
        return (RemoteKind::Other, Some(segs));
    };
    let context = &segs[..i];
    let mut scope: Vec<String> = context.to_vec();
    scope.push("scm".to_owned());
    if segs[i] == "scm" {
        if segs.len() == i + 1 {
            return (RemoteKind::DataCenterScm, Some(scope));
        }
        scope.push(segs[i + 1].to_lowercase());
        if let Some(repo) = segs.get(i + 2) {
            scope.push(strip_git(repo).to_lowercase());
            scope.extend(segs[i + 3..].iter().cloned());
        }
        return (RemoteKind::DataCenterScm, Some(scope));
    }
    // [ctx] rest api {version} projects {KEY} [repos {slug}] ...
    // [ctx] rest api {version} users {slug} [repos {slug}] ...
    let rest = &segs[i + 1..];
    let owner = match rest {
        [api, _version, projects, key, ..] if api == "api" && projects == "projects" => {
            Some(key.to_lowercase())
        }
        [api, _version, users, user, ..] if api == "api" && users == "users" => {
            Some(format!("~{}", user.to_lowercase()))
        }
        _ => None,
    };
    match owner {
        Some(owner) => {
            scope.push(owner);
            if let [_, _, _, _, repos, slug, ..] = rest {
                if repos == "repos" {
                    scope.push(slug.to_lowercase());
                }
            }
            (RemoteKind::DataCenterRest, Some(scope))
        }
        None => (RemoteKind::DataCenterRest, Some(segs.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(
        scheme: &str,
        host: &str,
        path: Option<&str>,
    ) -> (RemoteKind, Surface, Option<String>) {
        let r = Remote::classify(scheme, host, path).unwrap();
        (r.kind, r.surface, r.scope.map(|s| s.join("/")))
    }

    #[test]
    fn origins() {
        let cases = [
            ("https", "Bitbucket.ORG", Some(("bitbucket.org", 443))),
            ("HTTPS", "bitbucket.org.", Some(("bitbucket.org", 443))),
            (
                "https",
                "git.example.com:8443",
                Some(("git.example.com", 8443)),
            ),
            ("http", "localhost", Some(("localhost", 80))),
            ("https", "[::1]:7990", Some(("[::1]", 7990))),
            ("https", "[::1]", Some(("[::1]", 443))),
            ("https", "host:notaport", None),
            ("https", "host:99999", None),
            ("https", ":443", None),
        ];
        for (scheme, host, want) in cases {
            let got = Origin::new(scheme, host).map(|o| (o.host, o.port));
            assert_eq!(got, want.map(|(h, p)| (h.to_owned(), p)), "{host}");
        }
        assert_eq!(
            Origin::new("https", "h:8443").unwrap().display(),
            "https://h:8443"
        );
        assert_eq!(
            Origin::new("https", "h:443").unwrap().display(),
            "https://h"
        );
    }

    type Case<'a> = (
        (&'a str, &'a str, Option<&'a str>),
        (RemoteKind, Surface, Option<&'a str>),
    );

    #[test]
    fn classification_table() {
        use RemoteKind::*;
        use Surface::*;
        let repo = |w: &str, r: &str, wiki| CloudRepository {
            workspace: w.into(),
            repo: r.into(),
            wiki,
        };
        let cases: Vec<Case> = vec![
            (
                ("https", "bitbucket.org", Some("acme/widget.git")),
                (repo("acme", "widget", false), Git, Some("acme/widget")),
            ),
            (
                ("https", "bitbucket.org", Some("acme/widget")),
                (repo("acme", "widget", false), Git, Some("acme/widget")),
            ),
            (
                ("https", "bitbucket.org", Some("Acme/Widget.git/")),
                (repo("acme", "widget", false), Git, Some("acme/widget")),
            ),
            (
                ("https", "bitbucket.org", Some("acme/widget.git/wiki")),
                (repo("acme", "widget", true), Git, Some("acme/widget")),
            ),
            (
                ("https", "bitbucket.org", Some("acme")),
                (CloudSite, Git, Some("acme")),
            ),
            (("https", "bitbucket.org", None), (CloudSite, Git, None)),
            (
                ("https", "bitbucket.org", Some("acme/x/../evil.git")),
                (repo("acme", "evil", false), Git, Some("acme/evil")),
            ),
            (
                ("https", "bitbucket.org", Some("acme//./widget.git")),
                (repo("acme", "widget", false), Git, Some("acme/widget")),
            ),
            (
                (
                    "https",
                    "api.bitbucket.org",
                    Some("2.0/repositories/acme/widget/pullrequests"),
                ),
                (CloudApi, Rest, Some("acme/widget")),
            ),
            (
                ("https", "api.bitbucket.org", Some("2.0/repositories/acme")),
                (CloudApi, Rest, Some("acme")),
            ),
            (
                ("https", "api.bitbucket.org", Some("2.0/user")),
                (CloudApi, Rest, Some("")),
            ),
            (
                ("https", "api.bitbucket.org", Some("2.0/workspaces/acme")),
                (CloudApi, Rest, Some("")),
            ),
            (
                (
                    "https",
                    "git.example.com",
                    Some("bitbucket/scm/PROJ/repo.git"),
                ),
                (DataCenterScm, Git, Some("bitbucket/scm/proj/repo")),
            ),
            (
                ("https", "git.example.com", Some("scm/~JDoe/dots.git")),
                (DataCenterScm, Git, Some("scm/~jdoe/dots")),
            ),
            (
                ("https", "git.example.com", Some("stash/scm/PROJ")),
                (DataCenterScm, Git, Some("stash/scm/proj")),
            ),
            (
                (
                    "https",
                    "git.example.com",
                    Some("bitbucket/rest/api/1.0/projects/PROJ/repos/repo/commits"),
                ),
                (DataCenterRest, Rest, Some("bitbucket/scm/proj/repo")),
            ),
            (
                (
                    "https",
                    "git.example.com",
                    Some("rest/api/latest/users/jdoe/repos/dots"),
                ),
                (DataCenterRest, Rest, Some("scm/~jdoe/dots")),
            ),
            (
                (
                    "https",
                    "git.example.com",
                    Some("bitbucket/rest/api/1.0/projects/PROJ"),
                ),
                (DataCenterRest, Rest, Some("bitbucket/scm/proj")),
            ),
            (
                (
                    "https",
                    "git.example.com",
                    Some("bitbucket/rest/api/1.0/users"),
                ),
                (DataCenterRest, Rest, Some("bitbucket/rest/api/1.0/users")),
            ),
            (
                ("https", "git.example.com", Some("team/Repo.git")),
                (Other, Git, Some("team/Repo")),
            ),
            (("https", "git.example.com", None), (Other, Git, None)),
            // Found by fuzzing: a segment that is only `.git` keeps its name.
            (
                (
                    "https",
                    "bitbuctke.org:8443",
                    Some("acme/x/../widget.git/.git"),
                ),
                (Other, Git, Some("acme/widget.git/.git")),
            ),
            (
                ("https", "bitbucket.org", Some("acme/.git")),
                (repo("acme", ".git", false), Git, Some("acme/.git")),
            ),
            (
                ("https", "git.example.com", Some("scm/P/.git")),
                (DataCenterScm, Git, Some("scm/p/.git")),
            ),
            (
                ("https", "eo39", Some(".et/..git")),
                (Other, Git, Some(".et/..git")),
            ),
        ];
        for ((scheme, host, path), (kind, surface, want)) in cases {
            assert_eq!(
                scope(scheme, host, path),
                (kind, surface, want.map(str::to_owned)),
                "{host} {path:?}"
            );
        }
    }

    #[test]
    fn cloud_repository_of_a_remote() {
        let r = Remote::classify(
            "https",
            "api.bitbucket.org",
            Some("2.0/repositories/acme/api/src"),
        )
        .unwrap();
        assert_eq!(r.cloud_repository().as_deref(), Some("acme/api"));
        let r = Remote::classify("https", "git.example.com", Some("acme/api")).unwrap();
        assert_eq!(r.cloud_repository(), None);
    }
}
