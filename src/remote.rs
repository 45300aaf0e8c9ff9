//! What a remote is: the origin (scheme, host, port) and what its path
//! names, in Bitbucket's terms — a Cloud repository or its wiki, the Cloud
//! REST API, a Data Center repository or its REST API, or another host.
//!
//! The same classification is applied to a request from git and to an
//! entry's `url`, so that both reduce to comparable path segments.

use crate::url::UrlParts;

/// The host of Bitbucket Cloud's web and git endpoints.
pub const CLOUD_HOST: &str = "bitbucket.org";
/// The host of Bitbucket Cloud's REST API.
pub const CLOUD_API_HOST: &str = "api.bitbucket.org";
/// The most path segments an entry's url may have: a Data Center context,
/// `scm`, a project and a repository need a handful. A request's path is
/// matched by at most this many of its first segments, so the work of a
/// lookup does not grow with a path built to be long.
pub const MAX_PREFIX_SEGMENTS: usize = 32;

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
        let mut name = name.trim_end_matches('.').to_owned();
        lowercase_in_place(&mut name);
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

/// The hosts whose entries may serve a request for `remote_host`: the host
/// itself, and for api.bitbucket.org also bitbucket.org.
pub fn hosts_serving(remote_host: &str) -> impl Iterator<Item = &str> {
    std::iter::once(remote_host).chain((remote_host == CLOUD_API_HOST).then_some(CLOUD_HOST))
}

/// Whether an entry for host `entry` serves requests for host `remote`
/// (see [`hosts_serving`]).
pub fn host_serves(entry: &str, remote: &str) -> bool {
    hosts_serving(remote).any(|h| h == entry)
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
    /// git over HTTPS (Data Center: under `/scm`).
    Git,
    /// The REST API (Data Center: under `/rest`).
    Rest,
}

/// Who owns a Data Center repository: a project, or a user (personal
/// repositories, `~user`). Kept as written in the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// A project, by its key (`PROJ`).
    Project(String),
    /// A user, by their slug, without the `~`.
    User(String),
}

impl Owner {
    fn from_scm_segment(segment: &str) -> Owner {
        match segment.strip_prefix('~') {
            Some(user) => Owner::User(user.to_owned()),
            None => Owner::Project(segment.to_owned()),
        }
    }

    /// The owner as it appears after `/scm/` and after REST's
    /// `/projects/`: `PROJ` or `~user`.
    pub fn path_segment(&self) -> String {
        match self {
            Owner::Project(key) => key.clone(),
            Owner::User(user) => format!("~{user}"),
        }
    }
}

/// Where a Data Center path points: `[/context]/scm/{owner}/{repo}.git` for
/// git, `[/context]/rest/api/{version}/projects/{KEY}/repos/{repo}/...`
/// (or `/users/{user}/...`) for REST. Segments are kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataCenterPath {
    /// The context path segments before `scm` or `rest` (`bitbucket`).
    pub context: Vec<String>,
    /// The project or user, when the path names one.
    pub owner: Option<Owner>,
    /// The repository slug (without `.git`), when the path names one.
    pub repo: Option<String>,
}

/// The Bitbucket layout a remote's path follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteKind {
    /// `bitbucket.org/{workspace}/{repo}[.git][/wiki]`: the workspace and
    /// repository slugs, in lower case, are the first two segments.
    CloudRepository,
    /// `bitbucket.org` with a path that names no repository.
    CloudSite,
    /// `api.bitbucket.org/...`; `/2.0/repositories/{workspace}/{repo}/...`
    /// names a repository.
    CloudApi {
        /// The repository (`workspace/repo`, lower case) the path is about.
        repository: Option<String>,
    },
    /// A Data Center path under `scm` or `rest` (which of the two is the
    /// remote's [`Surface`]).
    DataCenter(DataCenterPath),
    /// Anything else.
    Other,
}

/// A remote reduced to what matching needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    /// Scheme, host, port.
    pub origin: Origin,
    /// The layout of the path, with its parts.
    pub kind: RemoteKind,
    /// Git or REST.
    pub surface: Surface,
    /// The path as comparable segments: `.git`, `/wiki`, empty and dot
    /// segments normalised away, Cloud slugs and Data Center project keys
    /// in lower case, REST paths mapped onto the repository they address.
    /// An entry's `url` covers a remote when its segments are a prefix of
    /// the remote's. `None` when git sent no path.
    pub segments: Option<Vec<String>>,
}

/// Why a URL could not be read as a remote.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// No `scheme://`, or an escape that decodes to a line break or NUL.
    #[error("is not a URL such as https://bitbucket.org/WORKSPACE/")]
    NotAUrl,
    /// Nothing between `://` and the path.
    #[error("names no host")]
    NoHost,
    /// A port that is not a number, or an empty host name.
    #[error("has a malformed host or port")]
    BadHost,
    /// `user:password@`.
    #[error("must not hold a password")]
    Password,
    /// A `.` or `..` path segment (written so, or as `%2e`).
    #[error("has a `.` or `..` path segment, which would name another repository once resolved")]
    DotSegment,
}

/// Whether a (decoded) path holds a `.` or `..` segment. A request whose
/// path does gets nothing: curl sends such a path as written, so the
/// server would see another repository than the one the path seems to
/// name.
pub fn has_dot_segment(path: &str) -> bool {
    path.split('/').any(|s| s == "." || s == "..")
}

impl Remote {
    /// Classifies `scheme://host/path`. `None` when the host is malformed.
    pub fn classify(scheme: &str, host: &str, path: Option<&str>) -> Option<Remote> {
        let origin = Origin::new(scheme, host)?;
        let segments = path.map(normalise_segments);
        let (kind, surface, segments) = if origin.host == CLOUD_HOST {
            cloud(segments)
        } else if origin.host == CLOUD_API_HOST {
            cloud_api(segments)
        } else {
            data_center(segments)
        };
        Some(Remote {
            origin,
            kind,
            surface,
            segments,
        })
    }

    /// Reads a URL a person wrote (an entry's `url`, a command's argument):
    /// the remote, with the path empty rather than absent, and the
    /// username the URL holds. A query or fragment is not part of the
    /// remote.
    pub fn from_url(url: &str) -> Result<(Remote, Option<String>), UrlError> {
        let end = url
            .bytes()
            .position(|b| b == b'?' || b == b'#')
            .unwrap_or(url.len());
        let parts = UrlParts::parse(&url[..end]).ok_or(UrlError::NotAUrl)?;
        if parts.password.is_some() {
            return Err(UrlError::Password);
        }
        let host = parts.host.ok_or(UrlError::NoHost)?;
        let remote = Remote::classify(
            parts.protocol,
            &host,
            Some(parts.path.as_deref().unwrap_or("")),
        )
        .ok_or(UrlError::BadHost)?;
        Ok((remote, parts.username.map(std::borrow::Cow::into_owned)))
    }

    /// Reads a URL a request is made to (`header URL`), by the rule `get`
    /// keeps: as [`Remote::from_url`], and refused when its path holds a
    /// `.` or `..` segment.
    pub fn of_request_url(url: &str) -> Result<(Remote, Option<String>), UrlError> {
        let end = url
            .bytes()
            .position(|b| b == b'?' || b == b'#')
            .unwrap_or(url.len());
        let parts = UrlParts::parse(&url[..end]).ok_or(UrlError::NotAUrl)?;
        if parts.path.as_deref().is_some_and(has_dot_segment) {
            return Err(UrlError::DotSegment);
        }
        Remote::from_url(url)
    }

    /// The Cloud repository (`workspace/repo`) this remote addresses, if any;
    /// used to match the `repos` list of a project token.
    pub fn cloud_repository(&self) -> Option<String> {
        match &self.kind {
            RemoteKind::CloudRepository => match self.segments.as_deref() {
                Some([workspace, repo, ..]) => Some(format!("{workspace}/{repo}")),
                _ => None,
            },
            RemoteKind::CloudApi { repository } => repository.clone(),
            _ => None,
        }
    }

    /// The Data Center path parts, when the path is under `scm` (git).
    pub fn data_center_scm(&self) -> Option<&DataCenterPath> {
        match &self.kind {
            RemoteKind::DataCenter(path) if self.surface == Surface::Git => Some(path),
            _ => None,
        }
    }
}

/// The clone scope a URL copied from a browser names, as a URL an entry
/// can have: `https://bitbucket.org/acme/gizmo/src/main/` is
/// `https://bitbucket.org/acme/gizmo`, a Data Center
/// `…/projects/PROJ/repos/repo/browse` is `…/scm/PROJ/repo` (and
/// `…/users/jdoe/repos/dots` is `…/scm/~jdoe/dots`), and
/// `www.bitbucket.org` is `bitbucket.org`. Any other URL comes back as it
/// is. `None` when it is not a URL.
pub fn clone_scope(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let path = path.split(['?', '#']).next().unwrap_or("");
    let host = if authority.eq_ignore_ascii_case("www.bitbucket.org") {
        CLOUD_HOST
    } else {
        authority
    };
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let kept: Vec<String> = if host.eq_ignore_ascii_case(CLOUD_HOST) {
        // Nothing in Cloud is narrower than a repository.
        segments
            .iter()
            .take(2)
            .enumerate()
            .map(|(i, s)| if i == 1 { strip_git(s) } else { s }.to_owned())
            .collect()
    } else {
        let browse = segments
            .iter()
            .position(|s| *s == "projects" || *s == "users");
        match browse {
            Some(i) if !segments.contains(&"scm") && segments.len() > i + 1 => {
                let owner = match segments[i] {
                    "users" => format!("~{}", segments[i + 1]),
                    _ => segments[i + 1].to_owned(),
                };
                let mut kept: Vec<String> = segments[..i].iter().map(|s| s.to_string()).collect();
                kept.push("scm".to_owned());
                kept.push(owner);
                if let (Some(&"repos"), Some(repo)) = (segments.get(i + 2), segments.get(i + 3)) {
                    kept.push((*repo).to_owned());
                }
                kept
            }
            _ => return Some(url.to_owned()),
        }
    };
    let mut out = format!("{scheme}://{host}");
    for s in &kept {
        out.push('/');
        out.push_str(s);
    }
    if kept.is_empty() || (host == CLOUD_HOST && kept.len() == 1) {
        out.push('/');
    }
    Some(out)
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

/// `s` in lower case, as `str::to_lowercase` has it, without a new string
/// when it is ASCII (which slugs and host names nearly always are).
pub fn lowercase_in_place(s: &mut String) {
    if !s.is_ascii() {
        *s = s.to_lowercase();
    } else if s.bytes().any(|b| b.is_ascii_uppercase()) {
        s.make_ascii_lowercase();
    }
}

/// `repo.git` → `repo`; a segment that stripping would turn into an empty,
/// `.` or `..` segment (`.git`, `..git`) stays as it is, so that the
/// segments never hold one the path normalisation has removed.
fn strip_git(s: &str) -> &str {
    match s.strip_suffix(".git") {
        Some("" | "." | "..") | None => s,
        Some(stripped) => stripped,
    }
}

type Classified = (RemoteKind, Surface, Option<Vec<String>>);

fn cloud(segments: Option<Vec<String>>) -> Classified {
    let Some(mut segs) = segments else {
        return (RemoteKind::CloudSite, Surface::Git, None);
    };
    for s in segs.iter_mut().take(2) {
        lowercase_in_place(s);
    }
    if segs.len() < 2 {
        return (RemoteKind::CloudSite, Surface::Git, Some(segs));
    }
    if segs.len() == 3 && segs[2] == "wiki" {
        segs.truncate(2);
    }
    let kept = strip_git(&segs[1]).len();
    segs[1].truncate(kept);
    let kind = RemoteKind::CloudRepository;
    (kind, Surface::Git, Some(segs))
}

/// `/2.0/repositories/{ws}[/{repo}]/...` maps onto `[ws, repo]`; every
/// other API path onto no segments, which only host-wide entries cover.
fn cloud_api(segments: Option<Vec<String>>) -> Classified {
    let Some(segs) = segments else {
        return (
            RemoteKind::CloudApi { repository: None },
            Surface::Rest,
            None,
        );
    };
    let mapped: Vec<String> = match segs.as_slice() {
        [version, repositories, rest @ ..]
            if version == "2.0" && repositories == "repositories" =>
        {
            rest.iter().take(2).map(|s| s.to_lowercase()).collect()
        }
        _ => Vec::new(),
    };
    let repository = (mapped.len() == 2).then(|| mapped.join("/"));
    (
        RemoteKind::CloudApi { repository },
        Surface::Rest,
        Some(mapped),
    )
}

/// The comparable segments of a Data Center path: the context, `scm`, the
/// owner and repository in lower case, then whatever follows (`extra`).
fn data_center_segments(path: &DataCenterPath, extra: &[String]) -> Vec<String> {
    let mut segs = path.context.clone();
    segs.push("scm".to_owned());
    if let Some(owner) = &path.owner {
        segs.push(owner.path_segment().to_lowercase());
        if let Some(repo) = &path.repo {
            segs.push(repo.to_lowercase());
            segs.extend(extra.iter().cloned());
        }
    }
    segs
}

fn data_center(segments: Option<Vec<String>>) -> Classified {
    let Some(mut segs) = segments else {
        return (RemoteKind::Other, Surface::Git, None);
    };
    let Some(i) = segs.iter().position(|s| s == "scm" || s == "rest") else {
        if let Some(last) = segs.last_mut() {
            *last = strip_git(last).to_owned();
        }
        return (RemoteKind::Other, Surface::Git, Some(segs));
    };
    let context = segs[..i].to_vec();
    if segs[i] == "scm" {
        let path = DataCenterPath {
            context,
            owner: segs.get(i + 1).map(|s| Owner::from_scm_segment(s)),
            repo: segs.get(i + 2).map(|s| strip_git(s).to_owned()),
        };
        let extra = segs.get(i + 3..).unwrap_or_default();
        let mapped = data_center_segments(&path, extra);
        return (RemoteKind::DataCenter(path), Surface::Git, Some(mapped));
    }
    // [ctx] rest api {version} projects {KEY} [repos {slug}] ...
    // [ctx] rest api {version} users {slug} [repos {slug}] ...
    let rest = &segs[i + 1..];
    let owner = match rest {
        [api, _version, projects, key, ..] if api == "api" && projects == "projects" => {
            Some(Owner::Project(key.clone()))
        }
        [api, _version, users, user, ..] if api == "api" && users == "users" => {
            Some(Owner::User(user.clone()))
        }
        _ => None,
    };
    let repo = match rest {
        [_, _, _, _, repos, slug, ..] if owner.is_some() && repos == "repos" => Some(slug.clone()),
        _ => None,
    };
    let path = DataCenterPath {
        context,
        owner,
        repo,
    };
    let mapped = if path.owner.is_some() {
        data_center_segments(&path, &[])
    } else {
        std::mem::take(&mut segs)
    };
    (RemoteKind::DataCenter(path), Surface::Rest, Some(mapped))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments(
        scheme: &str,
        host: &str,
        path: Option<&str>,
    ) -> (RemoteKind, Surface, Option<String>) {
        let r = Remote::classify(scheme, host, path).unwrap();
        (r.kind, r.surface, r.segments.map(|s| s.join("/")))
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
        // The slugs are the segments, the table's last column.
        let repo = |_: &str, _: &str| CloudRepository;
        let api = |r: Option<&str>| CloudApi {
            repository: r.map(str::to_owned),
        };
        let dc = |context: &[&str], owner: Option<Owner>, repo: Option<&str>| {
            DataCenter(DataCenterPath {
                context: context.iter().map(|s| s.to_string()).collect(),
                owner,
                repo: repo.map(str::to_owned),
            })
        };
        let project = |k: &str| Some(Owner::Project(k.into()));
        let user = |u: &str| Some(Owner::User(u.into()));
        let cases: Vec<Case> = vec![
            (
                ("https", "bitbucket.org", Some("acme/widget.git")),
                (repo("acme", "widget"), Git, Some("acme/widget")),
            ),
            (
                ("https", "bitbucket.org", Some("acme/widget")),
                (repo("acme", "widget"), Git, Some("acme/widget")),
            ),
            (
                ("https", "bitbucket.org", Some("Acme/Widget.git/")),
                (repo("acme", "widget"), Git, Some("acme/widget")),
            ),
            (
                ("https", "bitbucket.org", Some("acme/widget.git/wiki")),
                (repo("acme", "widget"), Git, Some("acme/widget")),
            ),
            (
                ("https", "bitbucket.org", Some("acme")),
                (CloudSite, Git, Some("acme")),
            ),
            (("https", "bitbucket.org", None), (CloudSite, Git, None)),
            (
                ("https", "bitbucket.org", Some("acme/x/../evil.git")),
                (repo("acme", "evil"), Git, Some("acme/evil")),
            ),
            (
                ("https", "bitbucket.org", Some("acme//./widget.git")),
                (repo("acme", "widget"), Git, Some("acme/widget")),
            ),
            (
                (
                    "https",
                    "api.bitbucket.org",
                    Some("2.0/repositories/acme/widget/pullrequests"),
                ),
                (api(Some("acme/widget")), Rest, Some("acme/widget")),
            ),
            (
                ("https", "api.bitbucket.org", Some("2.0/repositories/acme")),
                (api(None), Rest, Some("acme")),
            ),
            (
                ("https", "api.bitbucket.org", Some("2.0/user")),
                (api(None), Rest, Some("")),
            ),
            (
                ("https", "api.bitbucket.org", Some("2.0/workspaces/acme")),
                (api(None), Rest, Some("")),
            ),
            (
                (
                    "https",
                    "git.example.com",
                    Some("bitbucket/scm/PROJ/repo.git"),
                ),
                (
                    dc(&["bitbucket"], project("PROJ"), Some("repo")),
                    Git,
                    Some("bitbucket/scm/proj/repo"),
                ),
            ),
            (
                ("https", "git.example.com", Some("scm/~JDoe/dots.git")),
                (
                    dc(&[], user("JDoe"), Some("dots")),
                    Git,
                    Some("scm/~jdoe/dots"),
                ),
            ),
            (
                ("https", "git.example.com", Some("stash/scm/PROJ")),
                (
                    dc(&["stash"], project("PROJ"), None),
                    Git,
                    Some("stash/scm/proj"),
                ),
            ),
            (
                (
                    "https",
                    "git.example.com",
                    Some("bitbucket/rest/api/1.0/projects/PROJ/repos/repo/commits"),
                ),
                (
                    dc(&["bitbucket"], project("PROJ"), Some("repo")),
                    Rest,
                    Some("bitbucket/scm/proj/repo"),
                ),
            ),
            (
                (
                    "https",
                    "git.example.com",
                    Some("rest/api/latest/users/jdoe/repos/dots"),
                ),
                (
                    dc(&[], user("jdoe"), Some("dots")),
                    Rest,
                    Some("scm/~jdoe/dots"),
                ),
            ),
            (
                (
                    "https",
                    "git.example.com",
                    Some("bitbucket/rest/api/1.0/projects/PROJ"),
                ),
                (
                    dc(&["bitbucket"], project("PROJ"), None),
                    Rest,
                    Some("bitbucket/scm/proj"),
                ),
            ),
            (
                (
                    "https",
                    "git.example.com",
                    Some("bitbucket/rest/api/1.0/users"),
                ),
                (
                    dc(&["bitbucket"], None, None),
                    Rest,
                    Some("bitbucket/rest/api/1.0/users"),
                ),
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
                (repo("acme", ".git"), Git, Some("acme/.git")),
            ),
            (
                ("https", "git.example.com", Some("scm/P/.git")),
                (dc(&[], project("P"), Some(".git")), Git, Some("scm/p/.git")),
            ),
            (
                ("https", "eo39", Some(".et/..git")),
                (Other, Git, Some(".et/..git")),
            ),
        ];
        for ((scheme, host, path), (kind, surface, want)) in cases {
            assert_eq!(
                segments(scheme, host, path),
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

    #[test]
    fn remotes_from_urls_people_write() {
        let (r, user) =
            Remote::from_url("https://jdoe@git.example.com:8443/bitbucket/scm/PROJ/repo.git?x#y")
                .unwrap();
        assert_eq!(user.as_deref(), Some("jdoe"));
        assert_eq!(r.origin.display(), "https://git.example.com:8443");
        let path = r.data_center_scm().unwrap();
        assert_eq!(path.context, ["bitbucket"]);
        assert_eq!(path.owner, Some(Owner::Project("PROJ".into())));
        assert_eq!(path.repo.as_deref(), Some("repo"));
        let (r, _) = Remote::from_url("https://bitbucket.org").unwrap();
        assert_eq!(r.segments, Some(Vec::new()));
        let cases = [
            ("bitbucket.org", UrlError::NotAUrl),
            ("https:///acme", UrlError::NoHost),
            ("https://h:port/", UrlError::BadHost),
            ("https://u:p@bitbucket.org/", UrlError::Password),
        ];
        for (url, want) in cases {
            assert_eq!(Remote::from_url(url).unwrap_err(), want, "{url}");
        }
    }

    #[test]
    fn browser_urls_become_the_clone_scope_they_name() {
        let cases = [
            (
                "https://bitbucket.org/acme/gizmo/src/main/",
                "https://bitbucket.org/acme/gizmo",
            ),
            (
                "https://bitbucket.org/acme/gizmo.git",
                "https://bitbucket.org/acme/gizmo",
            ),
            (
                "https://bitbucket.org/acme/gizmo/pull-requests/3?x=1",
                "https://bitbucket.org/acme/gizmo",
            ),
            (
                "https://www.bitbucket.org/acme/",
                "https://bitbucket.org/acme/",
            ),
            ("https://www.bitbucket.org", "https://bitbucket.org/"),
            ("https://bitbucket.org/", "https://bitbucket.org/"),
            (
                "https://git.example.com/bitbucket/projects/PROJ/repos/repo/browse",
                "https://git.example.com/bitbucket/scm/PROJ/repo",
            ),
            (
                "https://git.example.com/projects/PROJ",
                "https://git.example.com/scm/PROJ",
            ),
            (
                "https://git.example.com:7990/users/jdoe/repos/dots/browse/README.md",
                "https://git.example.com:7990/scm/~jdoe/dots",
            ),
            (
                "https://git.example.com/bitbucket/scm/PROJ/repo.git",
                "https://git.example.com/bitbucket/scm/PROJ/repo.git",
            ),
            (
                "https://git.example.com/bitbucket/",
                "https://git.example.com/bitbucket/",
            ),
        ];
        for (url, want) in cases {
            assert_eq!(clone_scope(url).as_deref(), Some(want), "{url}");
        }
        assert_eq!(clone_scope("bitbucket.org/acme"), None);
    }
}
