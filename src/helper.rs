//! `get`, `store` and `erase`: the three operations git runs, joining the
//! protocol, the remote, the entries and the secret stores.

use std::io::Write;

use crate::calendar::{self, Date};
use crate::config::{Config, Entry};
use crate::credential::{self, Form, FormError, Note};
use crate::fsutil::FileError;
use crate::protocol::{ProtocolError, Request, Response};
use crate::remote::Remote;
use crate::resolve::{self, host_serves, Resolution};
use crate::secret::file::{FileStore, Learned};
use crate::secret::{self, Secret, SecretError};
use crate::state::StateFile;

/// Why an operation failed. Each message is one sentence for the user.
#[derive(Debug, thiserror::Error)]
pub enum HelperError {
    /// The request itself.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// The secret could not be had.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The secrets or state file.
    #[error(transparent)]
    File(#[from] FileError),
    /// Two entries claim the same remote.
    #[error("entries {names} have the same scope for {url}, so neither is used; give them different urls, or set `username` so the remote's user picks one (see `git credential-bitbucket doctor`)")]
    Tie {
        /// The entries, quoted.
        names: String,
        /// The remote.
        url: String,
    },
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

/// Everything one operation needs: the configuration, the stores, the
/// clock and the place where notes for the user go.
pub struct Helper<'a> {
    /// The loaded configuration.
    pub config: Config,
    /// The secrets file.
    pub files: FileStore,
    /// The state file.
    pub state: StateFile,
    /// Now, in unix seconds.
    pub now: i64,
    /// Where notes go (stderr).
    pub notes: &'a mut dyn Write,
}

fn request_url(remote: &Remote, req: &Request) -> String {
    match req.path.as_deref() {
        Some(p) => format!("{}/{}", remote.origin.display(), p.trim_start_matches('/')),
        None => remote.origin.display(),
    }
}

impl Helper<'_> {
    fn note(&mut self, text: std::fmt::Arguments<'_>) {
        let _ = writeln!(self.notes, "git-credential-bitbucket: {text}");
    }

    fn classify(req: &Request) -> Result<Option<Remote>, HelperError> {
        req.require_origin()?;
        let protocol = req.protocol.as_deref().unwrap_or_default();
        let host = req.host.as_deref().unwrap_or_default();
        Ok(Remote::classify(protocol, host, req.path.as_deref()))
    }

    /// Whether the request is plain http to a host not allowed to receive
    /// credentials that way.
    fn insecure(&self, remote: &Remote) -> bool {
        remote.origin.scheme == "http"
            && !self
                .config
                .settings
                .allows_http(&remote.origin.host, remote.origin.port)
    }

    /// `get`: the credential for the request, or an empty response.
    pub fn get(&mut self, req: &Request) -> Result<Response, HelperError> {
        let Some(remote) = Helper::classify(req)? else {
            log::debug!("the host is malformed; answering nothing");
            return Ok(Response::default());
        };
        if !matches!(remote.origin.scheme.as_str(), "https" | "http") {
            return Ok(Response::default());
        }
        if self.insecure(&remote) {
            let held = self
                .config
                .entries
                .iter()
                .any(|e| host_serves(&e.remote.origin.host, &remote.origin.host));
            if held {
                self.note(format_args!(
                    "refusing to send a credential for {} over plain http; use https, or list the host in settings.insecure_http_hosts",
                    remote.origin.host
                ));
            }
            log::debug!(
                "plain http to {} is not allowed; answering nothing",
                remote.origin.host
            );
            return Ok(Response::default());
        }
        let entries = std::mem::take(&mut self.config.entries);
        let outcome = match resolve::resolve(&entries, &remote, req.username.as_deref()) {
            Resolution::Found(entry) => {
                log::debug!(
                    "entry '{}' ({}, url {}) serves {} as the most specific match",
                    entry.name,
                    entry.kind,
                    entry.url,
                    request_url(&remote, req)
                );
                self.answer(entry, &remote, req)
            }
            Resolution::Tie(tied) => Err(HelperError::Tie {
                names: tied
                    .iter()
                    .map(|e| format!("'{}'", e.name))
                    .collect::<Vec<_>>()
                    .join(" and "),
                url: request_url(&remote, req),
            }),
            Resolution::NeedsPath => {
                self.note(format_args!(
                    "git sent no repository path for {host}, and the entries for it are for single repositories, projects or workspaces; run `git config --global credential.{origin}.useHttpPath true`",
                    host = remote.origin.host,
                    origin = remote.origin.display()
                ));
                Ok(Response::default())
            }
            Resolution::NotFound => {
                log::debug!(
                    "no entry covers {}; looking at learned credentials",
                    request_url(&remote, req)
                );
                self.learned(req)
            }
        };
        self.config.entries = entries;
        outcome
    }

    fn answer(
        &mut self,
        entry: &Entry,
        remote: &Remote,
        req: &Request,
    ) -> Result<Response, HelperError> {
        let bearer_possible = req.offers("authtype");
        let (form, note) = credential::form(
            entry.kind,
            entry.username.as_deref(),
            entry.email.as_deref(),
            remote.surface,
            bearer_possible,
        )
        .map_err(|source| HelperError::Form {
            entry: entry.name.clone(),
            url: request_url(remote, req),
            source,
        })?;
        if let Ok(state) = self.state.read() {
            if let Some(r) = state.rejected.get(&entry.name) {
                self.note(format_args!(
                    "Bitbucket rejected entry '{}' for {} at {}; check it with `git credential-bitbucket verify {}`",
                    entry.name,
                    r.url,
                    calendar::format_utc(r.at),
                    entry.name
                ));
            }
        }
        if let Some(expires) = entry.expires {
            let left = expires.unix_start() - self.now;
            let warn_days = i64::from(self.config.settings.expiry_warning_days);
            if left <= 0 {
                self.note(format_args!(
                    "entry '{}' expired on {expires}; create a new token in Bitbucket and store it with `git credential-bitbucket add`",
                    entry.name
                ));
            } else if left <= warn_days * 86_400
                && self
                    .state
                    .announce_expiry(&entry.name, self.now.div_euclid(86_400))
                    .unwrap_or(false)
            {
                self.note(format_args!(
                    "entry '{}' expires on {expires} (in {} days); create a new token in Bitbucket before then",
                    entry.name,
                    (left + 86_399) / 86_400
                ));
            }
        }
        match note {
            Some(Note::AppPasswordRemoved) => self.note(format_args!(
                "entry '{}' is an app password, which Bitbucket removed on 2026-07-28; replace it with an API token: git credential-bitbucket migrate",
                entry.name
            )),
            Some(Note::BasicFallback) => self.note(format_args!(
                "entry '{}' is meant for Bearer authentication, which needs git 2.46 or later; sending it as Basic x-token-auth instead",
                entry.name
            )),
            None => {}
        }
        let secret = secret::load(
            &entry.name,
            &entry.secret,
            &self.files,
            self.config.settings.command_timeout,
        )?;
        log::debug!(
            "answering with entry '{}' as {}",
            entry.name,
            match &form {
                Form::Basic(u) => format!("Basic, username {u}"),
                Form::Bearer => "Bearer".to_owned(),
            }
        );
        let mut response = Response::default();
        match form {
            Form::Basic(username) => {
                response.username = Some(username);
                response.password = Some(secret);
            }
            Form::Bearer => {
                response.capabilities.push("authtype");
                response.authtype = Some("Bearer");
                response.credential = Some(secret);
                response.ephemeral = true;
            }
        }
        response.password_expiry_utc = entry.expires.map(|d: Date| d.unix_start().to_string());
        if req.offers("state") {
            response.capabilities.push("state");
            response.state.push(format!("entry={}", entry.name));
        }
        Ok(response)
    }

    fn learned(&mut self, req: &Request) -> Result<Response, HelperError> {
        let Some(found) = self
            .files
            .learned()?
            .into_iter()
            .find(|l| learned_matches_get(l, req))
        else {
            return Ok(Response::default());
        };
        log::debug!("answering with a learned credential for {}", found.host);
        Ok(Response {
            username: Some(found.username),
            password: Some(found.password),
            password_expiry_utc: found.password_expiry_utc,
            oauth_refresh_token: found.oauth_refresh_token,
            ..Response::default()
        })
    }

    /// The configured entry that supplied the request's credential: named
    /// by the `state[]` this helper attached, or the entry for the remote
    /// whose secret equals the request's password.
    fn supplier<'e>(
        &self,
        entries: &'e [Entry],
        req: &Request,
        remote: &Remote,
    ) -> Option<&'e Entry> {
        if let Some(name) = req.own_state().find_map(|s| s.strip_prefix("entry=")) {
            return entries.iter().find(|e| e.name == name);
        }
        let given = req.password.as_ref().or(req.credential.as_ref())?;
        let Resolution::Found(entry) = resolve::resolve(entries, remote, req.username.as_deref())
        else {
            return None;
        };
        match secret::load(
            &entry.name,
            &entry.secret,
            &self.files,
            self.config.settings.command_timeout,
        ) {
            Ok(secret) if &secret == given => Some(entry),
            Ok(_) => None,
            Err(e) => {
                log::debug!("could not compare with entry '{}': {e}", entry.name);
                None
            }
        }
    }

    /// `store`: git reports that a credential worked.
    pub fn store(&mut self, req: &Request) -> Result<(), HelperError> {
        let Some(remote) = Helper::classify(req)? else {
            return Ok(());
        };
        if let Some(entry) = self.supplier(&self.config.entries, req, &remote) {
            log::debug!("the credential is entry '{}'; nothing to store", entry.name);
            if let Err(e) = self.state.clear_rejection(&entry.name) {
                log::debug!("could not clear the rejection of '{}': {e}", entry.name);
            }
            return Ok(());
        }
        let (Some(username), Some(password)) = (&req.username, &req.password) else {
            log::debug!("the request has no username and password; nothing to store");
            return Ok(());
        };
        if req.ephemeral || self.insecure(&remote) {
            log::debug!("the credential is ephemeral or for plain http; not stored");
            return Ok(());
        }
        let learned = Learned {
            protocol: req.protocol.clone().unwrap_or_default(),
            host: req.host.clone().unwrap_or_default(),
            path: req.path.clone(),
            username: username.clone(),
            password: password.clone(),
            password_expiry_utc: req.password_expiry_utc.clone(),
            oauth_refresh_token: req.oauth_refresh_token.clone(),
        };
        self.files.update_learned(|all| {
            if all.contains(&learned) {
                return (false, ());
            }
            all.retain(|l| !same_key(l, &learned));
            log::debug!("learning a credential for {}", learned.host);
            all.push(learned);
            (true, ())
        })?;
        Ok(())
    }

    /// `erase`: git reports that a credential was rejected.
    pub fn erase(&mut self, req: &Request) -> Result<(), HelperError> {
        let Some(remote) = Helper::classify(req)? else {
            return Ok(());
        };
        if let Some(entry) = self.supplier(&self.config.entries, req, &remote) {
            log::debug!(
                "entry '{}' was rejected; recording it, not deleting it",
                entry.name
            );
            let url = request_url(&remote, req);
            if let Err(e) = self.state.record_rejection(&entry.name, url, self.now) {
                log::debug!("could not record the rejection of '{}': {e}", entry.name);
            }
            return Ok(());
        }
        if !self.files.learned_path().exists() {
            return Ok(());
        }
        self.files.update_learned(|all| {
            let before = all.len();
            all.retain(|l| !learned_matches_erase(l, req));
            log::debug!("erased {} learned credential(s)", before - all.len());
            (all.len() != before, ())
        })?;
        Ok(())
    }
}

/// A learned credential answers a `get` when protocol and host are equal,
/// its path (if it has one) is the request's, and the request's username
/// (if any) is its own. Unlike git-credential-store, a credential learned
/// for one path is never given to a request without that path.
fn learned_matches_get(l: &Learned, req: &Request) -> bool {
    Some(&l.protocol) == req.protocol.as_ref()
        && Some(&l.host) == req.host.as_ref()
        && (l.path.is_none() || l.path == req.path)
        && req.username.as_ref().is_none_or(|u| *u == l.username)
}

/// `erase` removes the learned credentials that match every field the
/// request gives (protocol, host, path, username, password).
fn learned_matches_erase(l: &Learned, req: &Request) -> bool {
    Some(&l.protocol) == req.protocol.as_ref()
        && Some(&l.host) == req.host.as_ref()
        && req.path.as_ref().is_none_or(|p| l.path.as_ref() == Some(p))
        && req.username.as_ref().is_none_or(|u| *u == l.username)
        && req
            .password
            .as_ref()
            .is_none_or(|p: &Secret| *p == l.password)
}

fn same_key(a: &Learned, b: &Learned) -> bool {
    a.protocol == b.protocol && a.host == b.host && a.path == b.path && a.username == b.username
}
