//! The configuration as written, before anything is checked: one shape for
//! a `[[credential]]` table and one for `[settings]`, whichever reader
//! filled them (the `toml` crate, owning its strings, or the quick reader,
//! borrowing them from the file's text), and whichever writer renders them
//! (the locked edit, the index).
//!
//! A field of `[[credential]]` is named once, in [`Field`]; [`CredentialTable::set`]
//! and [`CredentialTable::fields`] are the only places that map names to the
//! struct, so readers and writers take every field without naming it.

use std::borrow::Cow;

use serde::Deserialize;

/// A `[[credential]]` table as written, its strings borrowed from the text
/// they were read from where that was possible.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialTable<'a> {
    /// `name`.
    pub name: Cow<'a, str>,
    /// `kind`.
    pub kind: Cow<'a, str>,
    /// `url`.
    pub url: Cow<'a, str>,
    /// `username`.
    pub username: Option<Cow<'a, str>>,
    /// `email`.
    pub email: Option<Cow<'a, str>>,
    /// `scope`.
    pub scope: Option<Cow<'a, str>>,
    /// `repos`.
    pub repos: Option<Vec<Cow<'a, str>>>,
    /// `expires`.
    pub expires: Option<Cow<'a, str>>,
    /// `secret`.
    pub secret: Option<Cow<'a, str>>,
    /// `auth`: `"bearer"` for a Data Center token that must go as Bearer.
    pub auth: Option<Cow<'a, str>>,
}

/// `[settings]` as written.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsTable {
    /// `store`.
    pub store: Option<String>,
    /// `insecure_http_hosts`.
    pub insecure_http_hosts: Option<Vec<String>>,
    /// `expiry_warning_days`.
    pub expiry_warning_days: Option<u32>,
    /// `command_timeout_seconds`.
    pub command_timeout_seconds: Option<u64>,
}

/// A whole file as written: its settings and its `[[credential]]` tables.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileTables<'a> {
    /// `[settings]`.
    #[serde(default)]
    pub settings: SettingsTable,
    /// The `[[credential]]` tables, in order.
    #[serde(default)]
    pub credential: Vec<CredentialTable<'a>>,
}

/// A field of a `[[credential]]` table, in the order tables are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `name`.
    Name,
    /// `kind`.
    Kind,
    /// `scope`.
    Scope,
    /// `url`.
    Url,
    /// `username`.
    Username,
    /// `email`.
    Email,
    /// `repos`.
    Repos,
    /// `expires`.
    Expires,
    /// `secret`.
    Secret,
    /// `auth`.
    Auth,
}

impl Field {
    /// Every field, in the order a table is written.
    pub const ALL: [Field; 10] = [
        Field::Name,
        Field::Kind,
        Field::Scope,
        Field::Url,
        Field::Username,
        Field::Email,
        Field::Repos,
        Field::Expires,
        Field::Secret,
        Field::Auth,
    ];

    /// The field's name in the file.
    pub fn name(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Kind => "kind",
            Field::Scope => "scope",
            Field::Url => "url",
            Field::Username => "username",
            Field::Email => "email",
            Field::Repos => "repos",
            Field::Expires => "expires",
            Field::Secret => "secret",
            Field::Auth => "auth",
        }
    }

    /// The field a key names.
    pub fn from_name(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == key)
    }
}

/// The value of a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'v, 'a> {
    /// A string.
    Text(&'v Cow<'a, str>),
    /// A list of strings (`repos`).
    List(&'v [Cow<'a, str>]),
}

impl<'a> CredentialTable<'a> {
    /// Sets `field` to the string `text`; `None` when the field takes a
    /// list.
    pub fn set(&mut self, field: Field, text: Cow<'a, str>) -> Option<()> {
        let slot = match field {
            Field::Name => {
                self.name = text;
                return Some(());
            }
            Field::Kind => {
                self.kind = text;
                return Some(());
            }
            Field::Url => {
                self.url = text;
                return Some(());
            }
            Field::Username => &mut self.username,
            Field::Email => &mut self.email,
            Field::Scope => &mut self.scope,
            Field::Expires => &mut self.expires,
            Field::Secret => &mut self.secret,
            Field::Auth => &mut self.auth,
            Field::Repos => return None,
        };
        *slot = Some(text);
        Some(())
    }

    /// Sets `field` to the list `list`; `None` when the field takes a
    /// string.
    pub fn set_list(&mut self, field: Field, list: Vec<Cow<'a, str>>) -> Option<()> {
        (field == Field::Repos).then(|| self.repos = Some(list))
    }

    /// The fields that are present, in the order a table is written.
    pub fn fields(&self) -> impl Iterator<Item = (Field, Value<'_, 'a>)> {
        Field::ALL.into_iter().filter_map(move |field| {
            let value = match field {
                Field::Name => Value::Text(&self.name),
                Field::Kind => Value::Text(&self.kind),
                Field::Url => Value::Text(&self.url),
                Field::Username => Value::Text(self.username.as_ref()?),
                Field::Email => Value::Text(self.email.as_ref()?),
                Field::Scope => Value::Text(self.scope.as_ref()?),
                Field::Repos => Value::List(self.repos.as_deref()?),
                Field::Expires => Value::Text(self.expires.as_ref()?),
                Field::Secret => Value::Text(self.secret.as_ref()?),
                Field::Auth => Value::Text(self.auth.as_ref()?),
            };
            Some((field, value))
        })
    }

    /// The table with every string its own.
    pub fn into_owned(self) -> CredentialTable<'static> {
        let own = |v: Option<Cow<'_, str>>| v.map(|t| Cow::Owned(t.into_owned()));
        CredentialTable {
            name: Cow::Owned(self.name.into_owned()),
            kind: Cow::Owned(self.kind.into_owned()),
            url: Cow::Owned(self.url.into_owned()),
            username: own(self.username),
            email: own(self.email),
            scope: own(self.scope),
            repos: self
                .repos
                .map(|l| l.into_iter().map(|r| Cow::Owned(r.into_owned())).collect()),
            expires: own(self.expires),
            secret: own(self.secret),
            auth: own(self.auth),
        }
    }
}
