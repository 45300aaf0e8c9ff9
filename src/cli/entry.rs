//! One entry draft behind `add`, `login`, `rotate` and `migrate`: a typed
//! [`Draft`] of what the user asked for; pure steps that fill in what the
//! token and the URL leave open (the kind from the token's prefix, the
//! scope URL from a browser's, the scope, a default name) and judge it
//! (the kind against the host, the entry's rules in the command line's
//! words); and one [`save`] that prints nothing and commits the entry and
//! its secret through the configuration's locked transaction.

use std::fmt;

use crate::calendar::{Date, Expiry};
use crate::config::edit::{self, Change, Companion, EditError};
use crate::config::{
    validate, Config, CredentialTable, DefinedIn, Entry, EntryError, Field, Problem,
};
use crate::kind::{KindError, KindName, ScopeName};
use crate::remote::{self, Remote, RemoteKind, UrlError, CLOUD_API_HOST, CLOUD_HOST};
use crate::resolve::{self, TieError};
use crate::secret::Secret;
use crate::store::{Store, StoreError};
use crate::url::shown;

use super::context::Context;

/// What the user asked for, before it is an entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    /// The URL as given (a browser's URL is made a scope by [`Draft::infer`]).
    pub url: String,
    /// `--kind`, or the kind the token's prefix announces.
    pub kind: Option<KindName>,
    /// `--scope`, or the one the URL suggests.
    pub scope: Option<ScopeName>,
    /// `--name`.
    pub name: Option<String>,
    /// `--username`.
    pub username: Option<String>,
    /// `--email`.
    pub email: Option<String>,
    /// A Cloud project token's repositories, `WORKSPACE/REPO`.
    pub repos: Vec<String>,
    /// `--expires`, as typed.
    pub expires: Option<String>,
    /// `auth = "bearer"`: a Data Center server that refuses Basic.
    pub bearer: bool,
    /// `--force`: an app password, though Bitbucket removed them.
    pub force: bool,
}

/// Why a draft cannot become an entry. Each says which flag or answer to
/// change.
#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    /// Not a URL at all.
    #[error("{url} is not a URL such as https://bitbucket.org/WORKSPACE/")]
    NotAUrl {
        /// What was given.
        url: String,
    },
    /// A URL that cannot be a remote.
    #[error("{url} {source}")]
    Url {
        /// What was given.
        url: String,
        /// Why.
        source: UrlError,
    },
    /// `--expires` that is not a date.
    #[error("--expires {0:?} is not a date of the form YYYY-MM-DD")]
    BadDate(String),
    /// `--expires` that has passed.
    #[error("--expires {0} is not in the future: that token no longer works; create a new one")]
    PastDate(String),
    /// `--kind` that the token's prefix contradicts.
    #[error("the token starts like an {prefix}, not an {given} (--kind {given}); check that you pasted the right token, or leave out --kind")]
    KindMismatch {
        /// The kind of the prefix.
        prefix: KindName,
        /// `--kind`.
        given: KindName,
    },
    /// No `--kind`, and a prefix that says nothing.
    #[error(
        "the token's prefix does not say what kind it is; pass --kind {}",
        kinds_or()
    )]
    UnknownKind,
    /// An app password without `--force`.
    #[error("Bitbucket removed app passwords on 2026-07-28; create an API token instead (or pass --force to save this one anyway)")]
    AppPassword,
    /// A Cloud kind for another host.
    #[error("an {kind} is a Bitbucket Cloud credential, and {host} is not bitbucket.org; a Data Center server takes HTTP access tokens (--kind {http})", http = KindName::HttpToken)]
    CloudKindElsewhere {
        /// The kind.
        kind: KindName,
        /// The host.
        host: String,
    },
    /// A Data Center token for bitbucket.org.
    #[error("an {} is a Bitbucket Data Center credential; bitbucket.org takes API tokens (ATATT…) and access tokens (ATCTT…)", KindName::HttpToken)]
    DataCenterKindOnCloud,
    /// `--replace` that would replace several entries.
    #[error("--replace would replace {}; remove the ones not needed with `git credential-bitbucket remove NAME` first", resolve::quoted_list(.0))]
    ReplacesMany(Vec<String>),
    /// The entry's rules refuse it.
    #[error("{subject} cannot be added: {}", in_flag_words(.error))]
    Invalid {
        /// `entry 'NAME'`, or the URL when no name was given.
        subject: String,
        /// What the rules say.
        error: EntryError,
    },
}

fn kinds_or() -> String {
    let words: Vec<&str> = KindName::ALL.iter().map(|k| k.word()).collect();
    match words.split_last() {
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// An error about the new entry in the words of the command line: flags,
/// not TOML fields.
fn in_flag_words(e: &EntryError) -> String {
    let flag = match e.field {
        Field::Name => "--name",
        Field::Kind => "--kind",
        Field::Scope => "--scope",
        Field::Url => "the URL",
        Field::Username => "--username",
        Field::Email => "--email",
        Field::Repos => "--repos",
        Field::Expires => "--expires",
        Field::Secret => "--store",
        Field::Auth => "the entry's auth",
    };
    match &e.problem {
        Problem::ProjectRepos => "a project access token needs the project's repositories: pass --repos WORKSPACE/REPO,WORKSPACE/REPO".to_owned(),
        Problem::ReposNotUsed => "--repos is only for Cloud project access tokens (--scope project)".to_owned(),
        Problem::BadRepo(r) => format!("--repos {r:?} is not of the form WORKSPACE/REPO"),
        Problem::RepoOutside { repo, url } => format!("--repos {repo:?} lies outside {url}"),
        Problem::FixedUsername(kind) => format!("{} always sends its own fixed username; leave out --username", kind.with_article()),
        Problem::NeedsUsername(kind) => format!("{} needs the Bitbucket username: pass --username", kind.with_article()),
        Problem::BadUsername => "--username must be a non-empty name".to_owned(),
        Problem::EmailAsUsername => "--username takes the Bitbucket username, which is not the email; give the email with --email".to_owned(),
        Problem::EmailNotUsed => "--email is only for API tokens".to_owned(),
        Problem::BadEmail => "--email is not an email address".to_owned(),
        Problem::BadDate(d) => format!("--expires {d:?} is not a date of the form YYYY-MM-DD"),
        Problem::Kind(KindError::UnexpectedScope(kind)) => format!("an {kind} takes no --scope"),
        Problem::Kind(KindError::MissingScope(kind)) => format!("an {kind} needs --scope: {}", kind.scope_list()),
        Problem::Kind(KindError::BadScope { scope, kind }) => format!("--scope {scope} is not one of {}", kind.scope_list()),
        Problem::Kind(KindError::Unknown(kind)) => format!("--kind {kind} is not one of {}", KindName::list()),
        other => format!("{flag}: {other}"),
    }
}

/// The expiry date typed, checked to be a date in the future.
pub fn future_date(text: &str, now: i64) -> Result<Date, DraftError> {
    let date = Date::parse(text).ok_or_else(|| DraftError::BadDate(text.to_owned()))?;
    if Expiry::of(date, now, 0) == Expiry::Expired {
        return Err(DraftError::PastDate(text.to_owned()));
    }
    Ok(date)
}

/// The scope a browser's URL names, and the remote it is.
pub fn scope_of(url: &str) -> Result<(String, Remote), DraftError> {
    let scope = remote::clone_scope(url).ok_or_else(|| DraftError::NotAUrl { url: shown(url) })?;
    let (remote, _) = Remote::from_url(&scope).map_err(|source| DraftError::Url {
        url: shown(&scope),
        source,
    })?;
    Ok((scope, remote))
}

/// Whether a credential of `kind` can ever work on `remote`'s host.
pub fn fits_host(kind: KindName, remote: &Remote) -> Result<(), DraftError> {
    let cloud = matches!(remote.origin.host.as_str(), CLOUD_HOST | CLOUD_API_HOST);
    match (kind.is_cloud(), cloud) {
        (true, false) => Err(DraftError::CloudKindElsewhere {
            kind,
            host: remote.origin.host.clone(),
        }),
        (false, true) => Err(DraftError::DataCenterKindOnCloud),
        _ => Ok(()),
    }
}

/// The kind of the draft: `--kind`, checked against the token's prefix, or
/// the prefix's.
pub fn kind_of(given: Option<KindName>, secret: &Secret) -> Result<KindName, DraftError> {
    match (given, KindName::of_token(secret.expose())) {
        (Some(given), Some(prefix)) if given != prefix => {
            Err(DraftError::KindMismatch { prefix, given })
        }
        (Some(k), _) | (None, Some(k)) => Ok(k),
        (None, None) => Err(DraftError::UnknownKind),
    }
}

/// The scope a token of `kind` most likely has, judged from the URL (and
/// whether repositories or a username were given).
pub fn guess_scope(
    kind: KindName,
    remote: &Remote,
    has_repos: bool,
    has_username: bool,
) -> Option<ScopeName> {
    let scm = remote.data_center_scm();
    let deep = remote.segments.as_ref().is_some_and(|s| s.len() >= 2);
    Some(match kind {
        KindName::AccessToken if has_repos => ScopeName::Project,
        KindName::AccessToken if deep => ScopeName::Repository,
        KindName::AccessToken => ScopeName::Workspace,
        KindName::HttpToken if has_username => ScopeName::User,
        KindName::HttpToken => match scm {
            Some(p) if p.repo.is_some() => ScopeName::Repository,
            Some(p) if p.owner.is_some() => ScopeName::Project,
            _ => return None,
        },
        _ => return None,
    })
}

/// A name for an entry of `remote` that `taken` does not hold: the path
/// (`acme-widget`), or the host's first label with the path for servers
/// other than bitbucket.org (`git-proj-repo`), numbered when taken.
pub fn default_name(remote: &Remote, taken: &dyn Fn(&str) -> bool) -> String {
    let host_label = remote.origin.host.split('.').next().unwrap_or("bitbucket");
    let tail: Vec<String> = match &remote.kind {
        RemoteKind::DataCenter(path) => path
            .owner
            .iter()
            .map(|o| o.path_segment())
            .chain(path.repo.iter().cloned())
            .map(|s| s.to_lowercase())
            .collect(),
        _ => remote.segments.clone().unwrap_or_default(),
    };
    let base = if tail.is_empty() {
        host_label.to_owned()
    } else if matches!(remote.kind, RemoteKind::DataCenter(_) | RemoteKind::Other) {
        format!("{host_label}-{}", tail.join("-"))
    } else {
        tail.join("-")
    };
    let clean: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-@+".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    if !taken(&clean) {
        return clean;
    }
    (2..)
        .map(|i| format!("{clean}-{i}"))
        .find(|n| !taken(n))
        .unwrap_or(clean)
}

/// What [`infer`] filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inferred {
    /// The scope URL (a browser's URL made the scope it names).
    pub url: String,
    /// The kind.
    pub kind: KindName,
    /// The scope, given or guessed (none for account tokens, or when the
    /// URL says nothing).
    pub scope: Option<ScopeName>,
    /// The name, given or made from the URL.
    pub name: String,
}

/// Fills in what the draft leaves open, from the token's kind (`kind`,
/// see [`kind_of`]) and the URL: the scope URL, the scope, a name that
/// `taken` does not hold; and refuses a kind that can never work on the
/// URL's host, or an app password without `--force`. Pure: it asks
/// nothing and reads nothing.
pub fn infer(
    draft: &Draft,
    kind: KindName,
    taken: &dyn Fn(&str) -> bool,
) -> Result<Inferred, DraftError> {
    let (url, remote) = scope_of(&draft.url)?;
    if kind == KindName::AppPassword && !draft.force {
        return Err(DraftError::AppPassword);
    }
    fits_host(kind, &remote)?;
    let scope = draft.scope.or_else(|| {
        let (repos, user) = (!draft.repos.is_empty(), draft.username.is_some());
        guess_scope(kind, &remote, repos, user)
    });
    let name = match &draft.name {
        Some(n) => n.clone(),
        None => default_name(&remote, taken),
    };
    Ok(Inferred {
        url,
        kind,
        scope,
        name,
    })
}

impl Draft {
    /// The `[[credential]]` table of the draft, named `name`, its secret in
    /// `store`. `url` is the scope URL (see [`scope_of`]).
    pub fn table<'a>(
        &'a self,
        url: &'a str,
        kind: KindName,
        name: &'a str,
        store: Store,
    ) -> CredentialTable<'a> {
        CredentialTable {
            name: name.into(),
            kind: kind.word().into(),
            url: url.into(),
            username: self.username.as_deref().map(Into::into),
            email: self.email.as_deref().map(Into::into),
            scope: self.scope.map(|s| s.word().into()),
            repos: (!self.repos.is_empty()).then(|| self.repos.iter().map(|r| r.into()).collect()),
            expires: self.expires.as_deref().map(Into::into),
            secret: Some(store.as_str().into()),
            auth: self.bearer.then_some("bearer".into()),
        }
    }

    /// The entry the draft makes, judged by the rules of the file and
    /// refused in the words of the command line.
    pub fn entry(
        &self,
        url: &str,
        kind: KindName,
        name: &str,
        store: Store,
        config: &Config,
    ) -> Result<Entry, DraftError> {
        validate(
            self.table(url, kind, name, store),
            &config.settings,
            DefinedIn::File,
        )
        .map_err(|error| DraftError::Invalid {
            subject: match &self.name {
                Some(n) => format!("entry '{n}'"),
                None => url.to_owned(),
            },
            error,
        })
    }
}

/// Which entry a new one replaces (`--replace`, and `login` always): the
/// file's entry of the same name, else the one it would tie with. `None`
/// when it replaces nothing.
pub fn replaced_by(config: &Config, entry: &Entry) -> Result<Option<String>, DraftError> {
    let file: Vec<Entry> = config
        .entries
        .iter()
        .filter(|e| e.defined_in == DefinedIn::File)
        .cloned()
        .collect();
    if file.iter().any(|e| e.name == entry.name) {
        return Ok(Some(entry.name.clone()));
    }
    let mut with_new = file;
    with_new.push(entry.clone());
    let partners: Vec<String> = resolve::ties(&with_new)
        .into_iter()
        .filter(|t| t.names.contains(&entry.name))
        .flat_map(|t| t.names)
        .filter(|n| *n != entry.name)
        .collect();
    match partners.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one.clone())),
        many => Err(DraftError::ReplacesMany(many.to_vec())),
    }
}

/// Why [`save`] saved nothing.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// An entry of the name exists, and nothing was to be replaced.
    #[error("an entry named '{0}' exists already; to put a new token in it run `git credential-bitbucket rotate {0}`, or pass --replace to replace it")]
    NameTaken(String),
    /// The new entry would tie with another.
    #[error("entry '{other}' already covers {} for this username, and a second entry would make git get neither; to put a new token in it run `git credential-bitbucket rotate {other}`, or pass --replace to replace it", .tie.url)]
    Tie {
        /// The entry it would tie with.
        other: String,
        /// The tie.
        tie: TieError,
    },
    /// The entry's secret lives where the helper does not write.
    #[error("entry '{name}' takes its secret from {place}, which the helper does not write; put the new token there")]
    NotWritten {
        /// The entry.
        name: String,
        /// Where its secret lives.
        place: String,
    },
    /// The store refused the secret.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The configuration could not be changed.
    #[error("not saved: {0}")]
    Edit(EditError<Box<SaveError>>),
}

/// Where a saved secret went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// The OS keyring.
    Keyring,
    /// A file of the file store.
    File(String),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Keyring => f.write_str(Store::Keyring.describe()),
            Place::File(path) => f.write_str(path),
        }
    }
}

/// What [`save`] did.
#[derive(Debug)]
pub struct Saved {
    /// The entry it replaced, if any.
    pub replaced: Option<String>,
    /// Where the secret went.
    pub place: Place,
}

/// The secret's side of [`save`], under the configuration's lock: refuses
/// a name that exists (unless it is the one replaced) or a tie the change
/// would make, then writes the secret; puts back what was there if the
/// configuration cannot be written.
struct PutSecret<'a> {
    ctx: &'a Context,
    store: Store,
    name: &'a str,
    secret: &'a Secret,
    replacing: Option<&'a str>,
    previous: Option<Option<Secret>>,
}

impl Companion for PutSecret<'_> {
    type Refusal = Box<SaveError>;

    fn apply(&mut self, before: &Config, after: &Config) -> Result<(), Box<SaveError>> {
        let name = self.name;
        if self.replacing.is_none() && before.entries.iter().any(|e| e.name == name) {
            return Err(Box::new(SaveError::NameTaken(name.to_owned())));
        }
        let old_ties = resolve::ties(&before.entries);
        let new_tie = resolve::ties(&after.entries)
            .into_iter()
            .find(|t| t.names.iter().any(|n| n == name) && !old_ties.contains(t));
        if let Some(tie) = new_tie {
            let other = tie.names.iter().find(|n| *n != name).cloned();
            return Err(Box::new(SaveError::Tie {
                other: other.unwrap_or_default(),
                tie,
            }));
        }
        let files = &self.ctx.files;
        let fail = |e: StoreError| Box::new(SaveError::Store(e));
        self.previous = Some(self.store.get(files, name).map_err(fail)?);
        self.store.put(files, name, self.secret).map_err(fail)
    }

    fn undo(&mut self) {
        let files = &self.ctx.files;
        let _ = match self.previous.take() {
            Some(Some(old)) => self.store.put(files, self.name, &old),
            Some(None) => self.store.take(files, self.name).map(|_| ()),
            None => Ok(()),
        };
    }
}

/// Saves `entry` with `secret`, in place of the entry named `replacing`
/// (its own name for `rotate` and `migrate`): the configuration and the
/// secret together under the configuration's lock, all or nothing. A
/// replaced entry's secret that lived elsewhere, or under another name,
/// goes with it, and what the helper remembered about the entry is
/// forgotten. Prints nothing.
pub fn save(
    ctx: &Context,
    entry: &Entry,
    secret: &Secret,
    replacing: Option<&str>,
) -> Result<Saved, SaveError> {
    let name = entry.name.as_str();
    let Some(store) = entry.secret.store() else {
        return Err(SaveError::NotWritten {
            name: name.to_owned(),
            place: entry.secret.describe(),
        });
    };
    let old_store = replacing.and_then(|r| {
        let old = ctx.config.entries.iter().find(|e| e.name == r)?;
        Some((r.to_owned(), old.secret.store()?))
    });
    let table = entry.to_table();
    let unchanged = ctx.config.entries.iter().any(|e| e == entry);
    let change = match replacing {
        // The same entry with a new secret: its table, as the user wrote
        // it, stays as it is.
        Some(old) if old == name && unchanged => Change::Keep(old),
        Some(old) => Change::Replace(old, &table),
        None => Change::Add(&table),
    };
    let mut companion = PutSecret {
        ctx,
        store,
        name,
        secret,
        replacing,
        previous: None,
    };
    edit::apply(&ctx.paths, change, &mut companion).map_err(|e| match e {
        EditError::Refused(refusal) => *refusal,
        other => SaveError::Edit(other),
    })?;
    if let Some((old_name, old)) = old_store {
        if old_name != name || old != store {
            let _ = old.take(&ctx.files, &old_name);
        }
    }
    let _ = ctx.state.forget(name);
    let place = match store {
        Store::Keyring => Place::Keyring,
        Store::File => Place::File(ctx.files.secret_path(name).display().to_string()),
    };
    Ok(Saved {
        replaced: replacing.map(str::to_owned),
        place,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote(url: &str) -> Remote {
        Remote::from_url(url).unwrap().0
    }

    #[test]
    fn scopes_are_guessed_from_the_url() {
        use KindName::{AccessToken as Access, ApiToken as Api, HttpToken as Http};
        use ScopeName::*;
        let cases = [
            (
                Access,
                "https://bitbucket.org/acme/widget",
                false,
                false,
                Some(Repository),
            ),
            (
                Access,
                "https://bitbucket.org/acme/",
                false,
                false,
                Some(Workspace),
            ),
            (
                Access,
                "https://bitbucket.org/acme/",
                true,
                false,
                Some(Project),
            ),
            (
                Http,
                "https://h/bitbucket/scm/PROJ/repo.git",
                false,
                false,
                Some(Repository),
            ),
            (
                Http,
                "https://h/bitbucket/scm/PROJ",
                false,
                false,
                Some(Project),
            ),
            (Http, "https://h/bitbucket/", false, true, Some(User)),
            (Http, "https://h/bitbucket/", false, false, None),
            (Api, "https://bitbucket.org/", false, false, None),
        ];
        for (kind, url, repos, user, want) in cases {
            assert_eq!(
                guess_scope(kind, &remote(url), repos, user),
                want,
                "{kind} {url}"
            );
        }
    }

    #[test]
    fn the_kind_comes_from_the_prefix_and_must_fit_the_host() {
        let token = |t: &str| Secret::from(t);
        let cases: Vec<(Option<KindName>, &str, Result<KindName, &str>)> = vec![
            (None, "ATATT3x", Ok(KindName::ApiToken)),
            (None, "BBDC-x", Ok(KindName::HttpToken)),
            (Some(KindName::HttpToken), "NzE0", Ok(KindName::HttpToken)),
            (
                Some(KindName::ApiToken),
                "ATCTT3x",
                Err("starts like an access-token, not an api-token"),
            ),
            (
                None,
                "NzE0",
                Err("pass --kind app-password, api-token, access-token or http-token"),
            ),
        ];
        for (given, secret, want) in cases {
            let got = kind_of(given, &token(secret)).map_err(|e| e.to_string());
            match (got, want) {
                (Ok(k), Ok(w)) => assert_eq!(k, w, "{secret}"),
                (Err(e), Err(w)) => assert!(e.contains(w), "{e}"),
                (got, want) => panic!("{secret}: {got:?}, want {want:?}"),
            }
        }
        let cloud = remote("https://bitbucket.org/acme/");
        let dc = remote("https://git.example.com/scm/P/r.git");
        assert!(fits_host(KindName::ApiToken, &cloud).is_ok());
        assert!(fits_host(KindName::HttpToken, &dc).is_ok());
        let err = fits_host(KindName::AccessToken, &dc)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("git.example.com is not bitbucket.org"),
            "{err}"
        );
        let err = fits_host(KindName::HttpToken, &cloud)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("an http-token is a Bitbucket Data Center credential"),
            "{err}"
        );
    }

    #[test]
    fn default_names_follow_the_url_and_avoid_taken_ones() {
        let none = |_: &str| false;
        let cases = [
            ("https://bitbucket.org/acme/widget", "acme-widget"),
            ("https://bitbucket.org/", "bitbucket"),
            (
                "https://git.example.com/bitbucket/scm/PROJ/repo.git",
                "git-proj-repo",
            ),
            (
                "https://git.example.com/bitbucket/scm/~jdoe/dots.git",
                "git--jdoe-dots",
            ),
            ("https://git.example.com/", "git"),
        ];
        for (url, want) in cases {
            assert_eq!(default_name(&remote(url), &none), want, "{url}");
        }
        let taken = |n: &str| n == "acme" || n == "acme-2";
        assert_eq!(
            default_name(&remote("https://bitbucket.org/acme/"), &taken),
            "acme-3"
        );
    }

    #[test]
    fn infer_fills_in_what_the_draft_leaves_open() {
        use KindName::*;
        let taken = |n: &str| n == "acme";
        let draft = |url: &str| Draft {
            url: url.to_owned(),
            ..Draft::default()
        };
        let with = |url: &str, f: &dyn Fn(&mut Draft)| {
            let mut d = draft(url);
            f(&mut d);
            d
        };
        // The URL, scope and name inferred, or a part of the refusal.
        type Want<'a> = Result<(&'a str, Option<ScopeName>, &'a str), &'a str>;
        let cases: Vec<(Draft, KindName, Want)> = vec![
            (
                draft("https://bitbucket.org/acme/widget/src/main/"),
                AccessToken,
                Ok((
                    "https://bitbucket.org/acme/widget",
                    Some(ScopeName::Repository),
                    "acme-widget",
                )),
            ),
            (
                draft("https://bitbucket.org/acme"),
                AccessToken,
                Ok((
                    "https://bitbucket.org/acme/",
                    Some(ScopeName::Workspace),
                    "acme-2",
                )),
            ),
            (
                with("https://bitbucket.org/acme/", &|d| {
                    d.repos = vec!["acme/api".into()]
                }),
                AccessToken,
                Ok((
                    "https://bitbucket.org/acme/",
                    Some(ScopeName::Project),
                    "acme-2",
                )),
            ),
            (
                with("https://bitbucket.org/", &|d| d.name = Some("mine".into())),
                ApiToken,
                Ok(("https://bitbucket.org/", None, "mine")),
            ),
            (
                draft("https://git.example.com/bitbucket/projects/PROJ/repos/r/browse"),
                HttpToken,
                Ok((
                    "https://git.example.com/bitbucket/scm/PROJ/r",
                    Some(ScopeName::Repository),
                    "git-proj-r",
                )),
            ),
            (
                with("https://git.example.com/", &|d| {
                    d.username = Some("jdoe".into())
                }),
                HttpToken,
                Ok(("https://git.example.com/", Some(ScopeName::User), "git")),
            ),
            (
                draft("https://git.example.com/"),
                ApiToken,
                Err("git.example.com is not bitbucket.org"),
            ),
            (
                draft("https://bitbucket.org/acme/"),
                HttpToken,
                Err("Data Center credential"),
            ),
            (
                draft("https://bitbucket.org/acme/"),
                AppPassword,
                Err("pass --force"),
            ),
            (
                with("https://bitbucket.org/", &|d| d.force = true),
                AppPassword,
                Ok(("https://bitbucket.org/", None, "bitbucket")),
            ),
            (draft("acme/widget"), AccessToken, Err("is not a URL")),
        ];
        for (draft, kind, want) in cases {
            let got = infer(&draft, kind, &taken);
            match (got, want) {
                (Ok(i), Ok((url, scope, name))) => {
                    assert_eq!(
                        (i.url.as_str(), i.scope, i.name.as_str()),
                        (url, scope, name),
                        "{}",
                        draft.url
                    )
                }
                (Err(e), Err(w)) => assert!(e.to_string().contains(w), "{}: {e}", draft.url),
                (got, want) => panic!("{}: {got:?}, want {want:?}", draft.url),
            }
        }
    }

    #[test]
    fn browser_urls_name_their_scope_and_dates_must_be_ahead() {
        let (scope, _) = scope_of("https://bitbucket.org/acme/gizmo/src/main/").unwrap();
        assert_eq!(scope, "https://bitbucket.org/acme/gizmo");
        assert!(matches!(
            scope_of("bitbucket.org"),
            Err(DraftError::NotAUrl { .. })
        ));
        // 2026-11-24 12:00 UTC.
        let now = 1_795_521_600;
        assert!(future_date("2026-11-25", now).is_ok());
        assert!(matches!(
            future_date("2026-11-24", now),
            Err(DraftError::PastDate(_))
        ));
        assert!(matches!(
            future_date("soon", now),
            Err(DraftError::BadDate(_))
        ));
    }
}
