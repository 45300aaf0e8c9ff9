//! The configuration's model: the settings, and an entry — a
//! `[[credential]]` table that passed the rules, or one a CI variable
//! stands for.

use std::borrow::Cow;
use std::time::Duration;

use super::table::{CredentialTable, SettingsTable};
use crate::calendar::Date;
use crate::kind::Kind;
use crate::remote::{self, Remote};
use crate::store::{SecretSource, Store};

/// `[settings]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `store`: where `add` and `store` put new secrets; `None` is `auto`,
    /// the keyring when it answers, else the file store.
    pub store: Option<Store>,
    /// `insecure_http_hosts`, lower case; `host` or `host:port`.
    pub insecure_http_hosts: Vec<String>,
    /// `expiry_warning_days`.
    pub expiry_warning_days: u32,
    /// `command_timeout_seconds`: how long a `command:` source may run.
    pub command_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            store: None,
            insecure_http_hosts: Vec::new(),
            expiry_warning_days: 14,
            command_timeout: Duration::from_secs(10),
        }
    }
}

impl Settings {
    /// The settings as `[settings]` writes them (every value given).
    pub fn to_table(&self) -> SettingsTable {
        SettingsTable {
            store: Some(self.store.map_or("auto", Store::as_str).to_owned()),
            insecure_http_hosts: Some(self.insecure_http_hosts.clone()),
            expiry_warning_days: Some(self.expiry_warning_days),
            command_timeout_seconds: Some(self.command_timeout.as_secs()),
        }
    }

    /// Whether a credential must not go to `origin`: plain http to a host
    /// (or `host:port`) not listed in `insecure_http_hosts`.
    pub fn refuses_plain_http(&self, origin: &remote::Origin) -> bool {
        if origin.scheme != "http" {
            return false;
        }
        let with_port = format!("{}:{}", origin.host, origin.port);
        !self
            .insecure_http_hosts
            .iter()
            .any(|h| *h == origin.host || *h == with_port)
    }
}

/// Where an entry was defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefinedIn {
    /// The configuration file.
    File,
    /// CI variables (`BITBUCKET_*`): lowest priority.
    Environment,
}

/// One credential the user configured, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `name`: unique, the key of the secret in its store.
    pub name: String,
    /// `kind` and `scope`.
    pub kind: Kind,
    /// `url` as written.
    pub url: String,
    /// `url`, classified like a request.
    pub remote: Remote,
    /// `username`.
    pub username: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// `repos`: `workspace/repo`, lower case.
    pub repos: Vec<String>,
    /// `expires`.
    pub expires: Option<Date>,
    /// `secret`.
    pub secret: SecretSource,
    /// `auth = "bearer"`: a Data Center token that must go as Bearer.
    pub bearer_only: bool,
    /// File or environment.
    pub defined_in: DefinedIn,
}

impl Entry {
    /// The table as it would be written in the file, borrowing the
    /// entry's strings.
    pub fn to_table(&self) -> CredentialTable<'_> {
        let Entry {
            name,
            kind,
            url,
            remote: _,
            username,
            email,
            repos,
            expires,
            secret,
            bearer_only,
            defined_in: _,
        } = self;
        fn text(s: &str) -> Cow<'_, str> {
            Cow::Borrowed(s)
        }
        CredentialTable {
            name: text(name),
            kind: text(kind.word()),
            url: text(url),
            username: username.as_deref().map(text),
            email: email.as_deref().map(text),
            scope: kind.scope_name().map(text),
            repos: (!repos.is_empty()).then(|| repos.iter().map(|r| text(r)).collect()),
            expires: expires.map(|d| Cow::Owned(d.to_string())),
            secret: Some(Cow::Owned(secret.to_string())),
            auth: bearer_only.then(|| text("bearer")),
        }
    }

    /// The path segments of the entry's url: the prefix a remote's must
    /// start with.
    pub fn prefix(&self) -> &[String] {
        self.remote.segments.as_deref().unwrap_or(&[])
    }
}
