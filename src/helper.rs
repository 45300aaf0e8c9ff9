//! `get`, `store` and `erase`: the three operations git runs, joining the
//! protocol, the remote, the entries and the secret stores. Each takes a
//! request that has been read and checked once (by the caller), and gives
//! back what git is told and what the user is told, as data.

use std::cell::OnceCell;
use std::fmt;

use crate::config::{CiProblem, Config, DefinedIn, Entry};
use crate::fsutil::FileError;
use crate::health::{self, Finding};
use crate::kind::{self, Caveat, Form, FormError, KindName};
use crate::learned::Learned;
use crate::protocol::{Request, Response};
use crate::remote::{has_dot_segment, host_serves, Remote, CLOUD_API_HOST, CLOUD_HOST};
use crate::resolve::{self, Resolution, TieError};
use crate::secret::Secret;
use crate::state::{Rejection, Standing, State, StateFile};
use crate::store::file::FileStore;
use crate::store::{SecretError, Sources};
use crate::url::printable;

/// Why an operation failed. Each message is one sentence for the user.
#[derive(Debug, thiserror::Error)]
pub enum HelperError {
    /// The secret could not be had.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The file store or the state file.
    #[error(transparent)]
    File(#[from] FileError),
    /// Two entries claim the same remote.
    #[error(transparent)]
    Tie(#[from] TieError),
    /// The entry cannot answer this kind of request.
    #[error("entry '{entry}' cannot answer {url}: {source}")]
    Form {
        /// The entry.
        entry: String,
        /// The remote.
        url: String,
        /// Why.
        source: FormError,
    },
}

/// Something the user should hear (on standard error) about a request that
/// concerns one of their entries.
#[derive(Debug)]
pub enum Note {
    /// A credential is held for the host, but the request is plain http.
    PlainHttp {
        /// The host.
        host: String,
    },
    /// A CI variable is set but cannot be used.
    Ci(CiProblem),
    /// What is wrong with the entry that serves the request (or with git
    /// for the host).
    Finding(Finding),
    /// A token typed at git's prompt after the entry was rejected worked,
    /// and is now the entry's secret.
    Adopted {
        /// The entry.
        entry: String,
        /// Where it worked.
        url: String,
    },
    /// Bitbucket rejected the entry, and that could not be recorded
    /// anywhere: a client that retries at once will get it again.
    Unrecorded {
        /// The entry.
        entry: String,
        /// Why it could not be recorded.
        error: Box<HelperError>,
    },
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::PlainHttp { host } => write!(f, "refusing to send a credential for {} over plain http; use https, or list the host in settings.insecure_http_hosts", printable(host)),
            Note::Ci(problem) => write!(f, "{problem}"),
            Note::Finding(finding) => write!(f, "{finding}"),
            Note::Adopted { entry, url } => write!(f, "entry '{entry}' now holds the token just accepted for {url}, in place of the one Bitbucket rejected (as `git credential-bitbucket rotate {entry}` would)"),
            Note::Unrecorded { entry, error } => write!(f, "Bitbucket rejected entry '{entry}', and that could not be recorded ({error}), so a client that retries at once (git-lfs) is given it again; check it with `git credential-bitbucket verify {entry}`, or store a new token with `git credential-bitbucket rotate {entry}`"),
        }
    }
}

/// What `get` gives back: the notes for the user, and the answer for git
/// (or why there is none). Notes come with an error too: an expired token
/// whose secret is also missing gets both said.
#[derive(Debug)]
pub struct Answer {
    /// For the user, in order.
    pub notes: Vec<Note>,
    /// For git; an empty response when nothing matched.
    pub response: Result<Response, HelperError>,
}

/// Everything one operation needs: the configuration, the stores, the
/// clock and the environment.
pub struct Helper<'a> {
    /// The loaded configuration.
    pub config: Config,
    /// The file store.
    pub files: FileStore,
    /// The state file.
    pub state: StateFile,
    /// Now, in unix seconds.
    pub now: i64,
    /// The environment (`env:` secret sources).
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// The state as read, once, when first needed.
    known: OnceCell<State>,
}

/// The request's URL, printable (control characters escaped).
fn request_url(remote: &Remote, req: &Request) -> String {
    printable(&match req.path.as_deref() {
        Some(p) => format!("{}/{}", remote.origin.display(), p.trim_start_matches('/')),
        None => remote.origin.display(),
    })
}

/// The scope a rejection is recorded for: the remote's origin and its
/// comparable path segments.
fn scope_key(remote: &Remote) -> String {
    match &remote.segments {
        Some(segments) => printable(&format!(
            "{}/{}",
            remote.origin.display(),
            segments.join("/")
        )),
        None => remote.origin.display(),
    }
}

/// A request from git with the remote it is for, worked out once.
pub struct Call<'a> {
    /// The request, read and checked.
    pub request: &'a Request,
    /// The remote it is for.
    pub remote: Remote,
}

impl<'a> Call<'a> {
    /// The call for `request`; `None` when no remote could be served (see
    /// [`classify`]): then the helper has nothing to say.
    pub fn new(request: &'a Request) -> Option<Call<'a>> {
        Some(Call {
            remote: classify(request)?,
            request,
        })
    }
}

/// The remote the request is for; `None` when its host is malformed or its
/// path holds a `.` or `..` segment (git has decoded `%2e%2e` by now, but
/// curl sends such a path as written, so the server would see another
/// repository than the one the path seems to name). The request's protocol
/// and host were checked when it was read.
fn classify(req: &Request) -> Option<Remote> {
    if req.path.as_deref().is_some_and(has_dot_segment) {
        log::debug!("the path holds a . or .. segment; answering nothing");
        return None;
    }
    let protocol = req.protocol.as_deref().unwrap_or_default();
    let host = req.host.as_deref().unwrap_or_default();
    Remote::classify(protocol, host, req.path.as_deref())
}

impl<'a> Helper<'a> {
    /// The helper for one operation on `config`, with the stores beside it,
    /// the time `now` and the environment `env`.
    pub fn new(
        config: Config,
        files: FileStore,
        state: StateFile,
        now: i64,
        env: &'a dyn Fn(&str) -> Option<String>,
    ) -> Helper<'a> {
        Helper {
            config,
            files,
            state,
            now,
            env,
            known: OnceCell::new(),
        }
    }

    /// The state, read once per operation; an unreadable one is empty.
    fn known(&self) -> &State {
        self.known
            .get_or_init(|| self.state.read().unwrap_or_default())
    }

    fn sources(&self) -> Sources<'_> {
        Sources {
            files: &self.files,
            env: self.env,
            command_timeout: self.config.settings.command_timeout,
        }
    }

    fn load_secret(&self, entry: &Entry) -> Result<Secret, SecretError> {
        self.sources().load(&entry.name, &entry.secret)
    }

    /// `get`: the credential for the request, or an empty response.
    pub fn get(&self, call: &Call<'_>) -> Answer {
        let mut notes = Vec::new();
        let response = self.get_noting(call.request, &call.remote, &mut notes);
        Answer { notes, response }
    }

    fn get_noting(
        &self,
        req: &Request,
        remote: &Remote,
        notes: &mut Vec<Note>,
    ) -> Result<Response, HelperError> {
        if !matches!(remote.origin.scheme.as_str(), "https" | "http") {
            return Ok(Response::default());
        }
        // Whether the helper holds anything for the host: only then does it
        // speak about the request.
        let held = self
            .config
            .entries
            .iter()
            .any(|e| host_serves(&e.remote.origin.host, &remote.origin.host));
        if held || matches!(remote.origin.host.as_str(), CLOUD_HOST | CLOUD_API_HOST) {
            notes.extend(self.config.ci_problems.iter().cloned().map(Note::Ci));
        }
        if self.config.settings.refuses_plain_http(&remote.origin) {
            if held {
                notes.push(Note::PlainHttp {
                    host: remote.origin.host.clone(),
                });
            }
            log::debug!(
                "plain http to {} is not allowed; answering nothing",
                remote.origin.host
            );
            return Ok(Response::default());
        }
        match resolve::resolve(&self.config.entries, remote, req.username.as_deref()) {
            Resolution::Found(entry) => {
                log::debug!(
                    "entry '{}' ({}, url {}) serves {} as the most specific match",
                    entry.name,
                    entry.kind,
                    entry.url,
                    request_url(remote, req)
                );
                self.answer(entry, remote, req, notes)
            }
            Resolution::Tie(tied) => Err(TieError::new(&tied, request_url(remote, req)).into()),
            Resolution::NeedsPath => {
                // A credential learned without a path answers first: git
                // stored it for requests like this one.
                let learned = self.learned(req)?;
                if learned.is_empty() {
                    notes.push(Note::Finding(Finding::NoPaths {
                        origin: remote.origin.display(),
                        narrow: true,
                    }));
                }
                Ok(learned)
            }
            Resolution::NotFound => {
                log::debug!(
                    "no entry covers {}; looking at learned credentials",
                    request_url(remote, req)
                );
                if log::log_enabled!(log::Level::Debug) {
                    let here: Vec<&Entry> = self
                        .config
                        .entries
                        .iter()
                        .filter(|e| host_serves(&e.remote.origin.host, &remote.origin.host))
                        .collect();
                    if here.is_empty() {
                        log::debug!(
                            "no entry is for host {} ({} for other hosts)",
                            remote.origin.host,
                            self.config.entries.len()
                        );
                    }
                    for entry in here {
                        if let Some(why) = resolve::why_not(entry, remote) {
                            log::debug!("entry '{}' ({}) does not: {why}", entry.name, entry.url);
                        }
                    }
                }
                self.learned(req)
            }
        }
    }

    /// Whether a note said at most once a day about `entry` is due today
    /// (and now recorded as said). An entry of the CI variables has no
    /// memory to keep it in — a CI job writes no file for a note — so it
    /// is said each time.
    fn due_today(&self, topic: &str, entry: &Entry) -> bool {
        if entry.defined_in == DefinedIn::Environment {
            return true;
        }
        let day = self.now.div_euclid(86_400);
        if self.known().said_on(topic, &entry.name) == Some(day) {
            return false;
        }
        self.state
            .note_said(topic, &entry.name, day)
            .unwrap_or(false)
    }

    /// What the user hears about `entry`'s expiry: an expired token every
    /// time, a coming expiry once a day.
    fn expiry_notes(&self, entry: &Entry, notes: &mut Vec<Note>) {
        let warning_days = self.config.settings.expiry_warning_days;
        if let Some(finding) = health::expiry(entry, self.now, warning_days) {
            let daily = matches!(finding, Finding::ExpiresSoon { .. });
            if !daily || self.due_today("expiry", entry) {
                notes.push(Note::Finding(finding));
            }
        }
    }

    fn answer(
        &self,
        entry: &Entry,
        remote: &Remote,
        req: &Request,
        notes: &mut Vec<Note>,
    ) -> Result<Response, HelperError> {
        let formed = kind::form(
            entry.kind,
            entry.username.as_deref(),
            entry.email.as_deref(),
            remote.surface,
            req.offers("authtype"),
            entry.bearer_only,
        );
        let (form, caveat) = match formed {
            Ok(f) => f,
            Err(FormError::NoBearer) => {
                if self.due_today("no-bearer", entry) {
                    notes.push(Note::Finding(Finding::NoBearer {
                        entry: entry.name.clone(),
                    }));
                }
                return Ok(Response::default());
            }
            Err(source) => {
                return Err(HelperError::Form {
                    entry: entry.name.clone(),
                    url: request_url(remote, req),
                    source,
                })
            }
        };
        self.expiry_notes(entry, notes);
        let secret = self.load_secret(entry)?;
        let standing = self
            .known()
            .standing(&entry.name, &scope_key(remote), &secret, self.now);
        match standing {
            Standing::Clear => {}
            Standing::RejectedBefore(rejection) => notes.push(Note::Finding(Finding::Rejected {
                entry: entry.name.clone(),
                rejection,
            })),
            Standing::Withheld(rejection) => {
                log::debug!(
                    "entry '{}' was rejected for this scope {} s ago; not offering it",
                    entry.name,
                    self.now - rejection.at
                );
                notes.push(Note::Finding(Finding::Withheld {
                    entry: entry.name.clone(),
                    rejection,
                }));
                return Ok(Response::default());
            }
        }
        // Said only when the credential is really sent: the app-password
        // warning every time, the Basic fallback once a day.
        let entry_name = || entry.name.clone();
        match caveat {
            Some(Caveat::AppPasswordRemoved) => notes.push(Note::Finding(Finding::AppPassword {
                entry: entry_name(),
            })),
            Some(Caveat::BasicFallback) if self.due_today("basic-fallback", entry) => {
                notes.push(Note::Finding(Finding::BasicFallback {
                    entry: entry_name(),
                }))
            }
            _ => {}
        }
        log::debug!(
            "answering with entry '{}' as {}",
            entry.name,
            match &form {
                Form::Basic(u) => format!("Basic, username {u}"),
                Form::Bearer => "Bearer".to_owned(),
            }
        );
        Ok(respond(entry, form, secret, req))
    }

    fn learned(&self, req: &Request) -> Result<Response, HelperError> {
        let Some(found) = self.files.learned()?.into_iter().find(|l| l.answers(req)) else {
            return Ok(Response::default());
        };
        log::debug!(
            "answering with a learned credential for {}",
            printable(&found.host)
        );
        let mut response = Response {
            password_expiry_utc: found.password_expiry_utc,
            oauth_refresh_token: found.oauth_refresh_token,
            ..Response::default()
        };
        match (found.authtype, found.credential, found.password) {
            (Some(authtype), Some(credential), _) if req.offers("authtype") => {
                response.capabilities.push("authtype");
                response.authtype = Some(authtype);
                response.credential = Some(credential);
            }
            (_, _, password) => {
                response.username = Some(found.username);
                response.password = password;
            }
        }
        Ok(response)
    }

    /// The configured entry that supplied the request's credential: named
    /// by the `state[]` this helper attached, or the entry for the remote
    /// whose secret equals the request's password.
    fn supplier(&self, req: &Request, remote: &Remote) -> Option<&Entry> {
        let entries = &self.config.entries;
        if let Some(name) = req.own_state().find_map(|s| s.strip_prefix("entry=")) {
            // Only an entry that covers the request: state[] comes from
            // whoever wrote the request.
            return entries
                .iter()
                .find(|e| e.name == name && resolve::covers(e, remote));
        }
        let given = req.password.as_ref().or(req.credential.as_ref())?;
        let Resolution::Found(entry) = resolve::resolve(entries, remote, req.username.as_deref())
        else {
            return None;
        };
        match self.load_secret(entry) {
            Ok(secret) if &secret == given => Some(entry),
            Ok(_) => None,
            Err(e) => {
                log::debug!("could not compare with entry '{}': {e}", entry.name);
                None
            }
        }
    }

    /// `store`: git reports that a credential worked.
    /// What the user hears comes back as notes: a token adopted by the
    /// entry it replaces.
    pub fn store(&self, call: &Call<'_>) -> Result<Vec<Note>, HelperError> {
        let (req, remote) = (call.request, &call.remote);
        if let Some(entry) = self.supplier(req, remote) {
            log::debug!("the credential is entry '{}'; nothing to store", entry.name);
            if let Err(e) = self
                .state
                .clear_rejection(&entry.name, Some(&scope_key(remote)))
            {
                log::debug!("could not clear the rejection of '{}': {e}", entry.name);
            }
            return Ok(Vec::new());
        }
        if req.ephemeral || self.config.settings.refuses_plain_http(&remote.origin) {
            log::debug!("the credential is ephemeral or for plain http; not stored");
            return Ok(Vec::new());
        }
        if let Some((entry, secret)) = self.replacement(req, remote) {
            return self.adopt(entry, &secret, remote, req);
        }
        let Some(learned) = Learned::from_request(req) else {
            log::debug!("the request has no username and password; nothing to store");
            return Ok(Vec::new());
        };
        self.files.update_learned(|all| {
            if all.contains(&learned) {
                return (false, ());
            }
            all.retain(|l| !l.same_key(&learned));
            log::debug!("learning a credential for {}", learned.host);
            all.push(learned);
            (true, ())
        })?;
        Ok(Vec::new())
    }

    /// The entry a credential git stores replaces, and its secret: after
    /// Bitbucket rejected the entry for this scope, the user typed a token
    /// of the entry's kind (by its prefix) at git's prompt, in the form the
    /// entry sends, and it worked.
    fn replacement(&self, req: &Request, remote: &Remote) -> Option<(&Entry, Secret)> {
        let Resolution::Found(entry) =
            resolve::resolve(&self.config.entries, remote, req.username.as_deref())
        else {
            return None;
        };
        entry.secret.store()?;
        let rejected_here = self
            .known()
            .rejected
            .get(&entry.name)
            .is_some_and(|all| all.0.iter().any(|r| r.scope == scope_key(remote)));
        let secret = req.password.as_ref().or(req.credential.as_ref())?;
        let same_kind = KindName::of_token(secret.expose()) == Some(entry.kind.name());
        let formed = kind::form(
            entry.kind,
            entry.username.as_deref(),
            entry.email.as_deref(),
            remote.surface,
            req.authtype.is_some(),
            entry.bearer_only,
        );
        let same_form = match formed {
            Ok((Form::Basic(user), _)) => req.username.as_deref() == Some(user.as_str()),
            Ok((Form::Bearer, _)) => req.authtype.as_deref() == Some("Bearer"),
            Err(_) => false,
        };
        (entry.defined_in == DefinedIn::File && rejected_here && same_kind && same_form)
            .then(|| (entry, secret.clone()))
    }

    /// Makes `secret` the secret of `entry`, where the entry keeps it, as
    /// `rotate` would, and forgets the entry's rejections.
    fn adopt(
        &self,
        entry: &Entry,
        secret: &Secret,
        remote: &Remote,
        req: &Request,
    ) -> Result<Vec<Note>, HelperError> {
        let Some(store) = entry.secret.store() else {
            return Ok(Vec::new());
        };
        store
            .put(&self.files, &entry.name, secret)
            .map_err(|e| match e {
                crate::store::StoreError::File(f) => HelperError::File(f),
                crate::store::StoreError::Keyring(k) => {
                    HelperError::Secret(SecretError::KeyringUnavailable {
                        entry: entry.name.clone(),
                        reason: k.to_string(),
                    })
                }
            })?;
        if let Err(e) = self.state.clear_rejection(&entry.name, None) {
            log::debug!("could not clear the rejections of '{}': {e}", entry.name);
        }
        Ok(vec![Note::Adopted {
            entry: entry.name.clone(),
            url: request_url(remote, req),
        }])
    }

    /// `erase`: git reports that a credential was rejected.
    /// What the user hears comes back as notes: the rejection, as it was
    /// recorded, or that it could not be.
    pub fn erase(&self, call: &Call<'_>) -> Result<Vec<Note>, HelperError> {
        let (req, remote) = (call.request, &call.remote);
        if let Some(entry) = self.supplier(req, remote) {
            log::debug!(
                "entry '{}' was rejected; recording it, not deleting it",
                entry.name
            );
            let rejected = match req.password.as_ref().or(req.credential.as_ref()) {
                Some(given) => Ok(given.clone()),
                None => self.load_secret(entry),
            };
            let rejection = Rejection {
                at: self.now,
                url: request_url(remote, req),
                scope: scope_key(remote),
                fingerprint: None,
            };
            let recorded = rejected.map_err(HelperError::from).and_then(|secret| {
                let r = rejection.clone();
                Ok(self
                    .state
                    .record_rejection(&entry.name, r.url, r.scope, &secret, r.at)?)
            });
            let note = match recorded {
                Ok(()) => Note::Finding(Finding::Withheld {
                    entry: entry.name.clone(),
                    rejection,
                }),
                Err(error) => Note::Unrecorded {
                    entry: entry.name.clone(),
                    error: Box::new(error),
                },
            };
            return Ok(vec![note]);
        }
        if !self.files.learned_path().exists() {
            return Ok(Vec::new());
        }
        self.files.update_learned(|all| {
            let before = all.len();
            all.retain(|l| !l.erased_by(req));
            log::debug!("erased {} learned credential(s)", before - all.len());
            (all.len() != before, ())
        })?;
        Ok(Vec::new())
    }
}

/// The answer for git: `form` with `secret`, the expiry, and the `state[]`
/// that names the entry when git can carry it.
fn respond(entry: &Entry, form: Form, secret: Secret, req: &Request) -> Response {
    let mut response = Response::default();
    match form {
        Form::Basic(username) => {
            response.username = Some(username);
            response.password = Some(secret);
        }
        Form::Bearer => {
            response.capabilities.push("authtype");
            response.authtype = Some("Bearer".to_owned());
            response.credential = Some(secret);
            response.ephemeral = true;
        }
    }
    response.password_expiry_utc = entry.expires.map(|d| d.unix_start().to_string());
    if req.offers("state") {
        response.capabilities.push("state");
        response.state.push(format!("entry={}", entry.name));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::REJECTION_COOL_DOWN;
    use std::path::Path;

    const TOKEN: &str = "ATATT-in-process";
    /// 2026-11-24 12:00 UTC.
    const NOW: i64 = 1_795_521_600;

    const CONFIG: &str = r#"
[[credential]]
name = "acme"
kind = "api-token"
url = "https://bitbucket.org/acme/"
username = "jdoe"
email = "jdoe@example.com"
expires = "2099-01-01"
secret = "file"

[[credential]]
name = "soon"
kind = "access-token"
scope = "workspace"
url = "https://bitbucket.org/soon/"
expires = "2026-11-30"
secret = "env:SOON"

[[credential]]
name = "gone"
kind = "access-token"
scope = "workspace"
url = "https://bitbucket.org/gone/"
expires = "2026-11-01"
secret = "env:GONE"

[[credential]]
name = "old"
kind = "app-password"
username = "jdoe"
url = "https://bitbucket.org/old/"
secret = "env:OLD"

[[credential]]
name = "dc"
kind = "http-token"
scope = "project"
url = "https://git.example.com/bitbucket/scm/PROJ/"
secret = "env:DC"

[[credential]]
name = "t1"
kind = "access-token"
scope = "workspace"
url = "https://bitbucket.org/twice/"
secret = "env:SOON"

[[credential]]
name = "t2"
kind = "access-token"
scope = "workspace"
url = "https://bitbucket.org/twice"
secret = "env:SOON"

[[credential]]
name = "narrow"
kind = "http-token"
scope = "repository"
url = "https://narrow.example.com/scm/P/r.git"
secret = "env:DC"
"#;

    struct World {
        dir: tempfile::TempDir,
        config: Config,
        now: std::cell::Cell<i64>,
    }

    fn env(name: &str) -> Option<String> {
        match name {
            "SOON" => Some("ATCTT-soon".into()),
            "GONE" => Some("ATCTT-gone".into()),
            "OLD" => Some("ATBB-old".into()),
            "DC" => Some("BBDC-dc".into()),
            _ => None,
        }
    }

    impl World {
        fn new() -> World {
            let dir = tempfile::tempdir().unwrap();
            let paths = crate::config::Paths::of(dir.path().join("config.toml"));
            paths
                .file_store()
                .set_secret("acme", &Secret::from(TOKEN))
                .unwrap();
            let config = Config::parse(CONFIG, Path::new("config.toml")).unwrap();
            World {
                dir,
                config,
                now: std::cell::Cell::new(NOW),
            }
        }

        fn helper(&self) -> Helper<'static> {
            let paths = crate::config::Paths::of(self.dir.path().join("config.toml"));
            Helper::new(
                self.config.clone(),
                paths.file_store(),
                StateFile::new(paths.state()),
                self.now.get(),
                &env,
            )
        }

        /// `get`: what git reads, and the notes as the user reads them.
        fn get(&self, request: &str) -> (String, Vec<String>) {
            let req = Request::parse(request.as_bytes()).unwrap();
            let answer = self.helper().get(&Call::new(&req).unwrap());
            let notes = answer.notes.iter().map(ToString::to_string).collect();
            let out = match answer.response {
                Ok(response) => {
                    let mut out = Vec::new();
                    response.write_to(&mut out).unwrap();
                    String::from_utf8(out).unwrap()
                }
                Err(e) => format!("error: {e}"),
            };
            (out, notes)
        }

        fn op(&self, op: &str, request: &str) {
            let req = Request::parse(request.as_bytes()).unwrap();
            let call = Call::new(&req).unwrap();
            let helper = self.helper();
            match op {
                "store" => drop(helper.store(&call).unwrap()),
                "erase" => drop(helper.erase(&call).unwrap()),
                _ => unreachable!(),
            }
        }
    }

    #[test]
    fn get_table() {
        let expiry_2099 = "password_expiry_utc=4070908800\n";
        let cases: Vec<(&str, String, Vec<&str>)> = vec![
            (
                "protocol=https\nhost=bitbucket.org\npath=acme/widget.git\n",
                format!("username=jdoe\npassword={TOKEN}\n{expiry_2099}"),
                vec![],
            ),
            // REST wants the email; state[] names the entry when offered.
            (
                "capability[]=state\nprotocol=https\nhost=api.bitbucket.org\npath=2.0/repositories/acme/widget\n",
                format!("capability[]=state\nusername=jdoe@example.com\npassword={TOKEN}\n{expiry_2099}state[]=bitbucket:entry=acme\n"),
                vec![],
            ),
            ("protocol=https\nhost=github.com\npath=acme/widget.git\n", String::new(), vec![]),
            ("protocol=https\nhost=bitbucket.org\npath=other/x.git\n", String::new(), vec![]),
            (
                "protocol=http\nhost=bitbucket.org\npath=acme/widget.git\n",
                String::new(),
                vec!["refusing to send a credential for bitbucket.org over plain http"],
            ),
            (
                "protocol=https\nhost=narrow.example.com\n",
                String::new(),
                vec!["run `git config --global credential.https://narrow.example.com.useHttpPath true`"],
            ),
            (
                "protocol=https\nhost=bitbucket.org\npath=twice/x.git\n",
                "error: entries 't1' and 't2' have the same scope for https://bitbucket.org/twice/x.git, so neither is used".into(),
                vec![],
            ),
            (
                "capability[]=authtype\nprotocol=https\nhost=git.example.com\npath=bitbucket/scm/proj/repo.git\n",
                "capability[]=authtype\nauthtype=Bearer\ncredential=BBDC-dc\nephemeral=1\n".into(),
                vec![],
            ),
            (
                "protocol=https\nhost=git.example.com\npath=bitbucket/scm/proj/repo.git\n",
                "username=x-token-auth\npassword=BBDC-dc\n".into(),
                vec!["entry 'dc' is meant to go as Bearer, and the program asking cannot send it"],
            ),
            (
                "protocol=https\nhost=bitbucket.org\npath=gone/x.git\n",
                "username=x-token-auth\npassword=ATCTT-gone\npassword_expiry_utc=1793491200\n".into(),
                vec!["entry 'gone' expired on 2026-11-01"],
            ),
            (
                "protocol=https\nhost=bitbucket.org\npath=old/x.git\n",
                "username=jdoe\npassword=ATBB-old\n".into(),
                vec!["entry 'old' is an app password, which Bitbucket removed on 2026-07-28"],
            ),
        ];
        let world = World::new();
        for (request, want_out, want_notes) in cases {
            let (out, notes) = world.get(request);
            assert!(
                out.starts_with(&want_out),
                "{request}\n got: {out}\nwant: {want_out}"
            );
            assert_eq!(notes.len(), want_notes.len(), "{request}: {notes:?}");
            for (note, want) in notes.iter().zip(want_notes) {
                assert!(note.contains(want), "{request}: {note}");
            }
        }
    }

    #[test]
    fn a_coming_expiry_is_said_once_a_day() {
        let world = World::new();
        let request = "protocol=https\nhost=bitbucket.org\npath=soon/x.git\n";
        let (out, notes) = world.get(request);
        assert_eq!(
            out,
            "username=x-token-auth\npassword=ATCTT-soon\npassword_expiry_utc=1795996800\n"
        );
        assert_eq!(
            notes,
            ["entry 'soon' expires on 2026-11-30 (in 6 days); create a new token in Bitbucket before then"]
        );
        assert_eq!(world.get(request).1, Vec::<String>::new());
    }

    #[test]
    fn store_and_erase_keep_the_users_entries_and_learn_the_rest() {
        let world = World::new();
        let entry = "protocol=https\nhost=bitbucket.org\npath=acme/widget.git\nusername=jdoe\n";
        let widget = "protocol=https\nhost=bitbucket.org\npath=acme/widget.git\n";
        // git reports the entry's credential rejected: recorded, kept, and
        // not offered again for this repository during the cool-down.
        world.op("erase", &format!("{entry}password={TOKEN}\n"));
        let (out, notes) = world.get(widget);
        assert_eq!(out, "");
        assert_eq!(notes.len(), 1);
        assert!(notes[0].starts_with("Bitbucket rejected entry 'acme' for https://bitbucket.org/acme/widget.git at 2026-11-24 12:00 UTC, so it is not offered there again for 60 seconds unless it changes"), "{}", notes[0]);
        // Another repository of the entry still gets it.
        let (out, notes) = world.get("protocol=https\nhost=bitbucket.org\npath=acme/gizmo.git\n");
        assert!(
            out.contains(TOKEN) && notes[0].contains("rotate acme"),
            "{notes:?}"
        );
        // After the cool-down it is offered again, with the reminder.
        world.now.set(NOW + REJECTION_COOL_DOWN);
        let (out, notes) = world.get(widget);
        assert!(out.contains(TOKEN));
        assert!(notes[0].starts_with("Bitbucket rejected entry 'acme' for https://bitbucket.org/acme/widget.git at 2026-11-24 12:00 UTC; check it with `git credential-bitbucket verify acme`, or store a new token with `git credential-bitbucket rotate acme`"), "{}", notes[0]);
        // A success clears the record; the entry's secret is not learned.
        world.op("store", &format!("{entry}password={TOKEN}\n"));
        assert_eq!(
            world
                .get("protocol=https\nhost=bitbucket.org\npath=acme/widget.git\n")
                .1,
            Vec::<String>::new()
        );
        assert!(!world.dir.path().join("learned.toml").exists());
        // Anything else git stores is learned, and answers like git's own
        // storage helpers, until erased.
        let other = "protocol=https\nhost=git.other.example\nusername=me\n";
        world.op("store", &format!("{other}password=pw1\n"));
        world.op("store", &format!("{other}password=pw2\n"));
        assert_eq!(
            world.get("protocol=https\nhost=git.other.example\n").0,
            "username=me\npassword=pw2\n"
        );
        world.op("erase", &format!("{other}password=pw1\n"));
        assert_eq!(
            world.get("protocol=https\nhost=git.other.example\n").0,
            "username=me\npassword=pw2\n"
        );
        world.op("erase", "protocol=https\nhost=git.other.example\n");
        assert_eq!(world.get("protocol=https\nhost=git.other.example\n").0, "");
    }
}
