//! The entries CI variables stand for (`BITBUCKET_API_TOKEN`,
//! `BITBUCKET_ACCESS_TOKEN`, `BITBUCKET_HTTP_TOKEN` with
//! `BITBUCKET_SERVER_URL`): no file, no keyring, lowest priority. Their
//! reach is the whole site (and, for Cloud, the API): the variables name no
//! narrower one.

use std::fmt;

use super::model::{DefinedIn, Entry, Settings};
use super::table::Field;
use super::validate::Problem;
use super::validate::{check_email, check_username, entry_remote};
use crate::kind::{AccessScope, HttpScope, Kind, KindName};
use crate::remote::CLOUD_HOST;
use crate::store::SecretSource;

/// The Data Center server's URL, for `BITBUCKET_HTTP_TOKEN`.
pub const SERVER_URL: &str = "BITBUCKET_SERVER_URL";
/// The username (an API token's Bitbucket username, or a Data Center
/// personal token's owner).
pub const USERNAME: &str = "BITBUCKET_USERNAME";
/// An API token's Atlassian account email.
pub const EMAIL: &str = "BITBUCKET_EMAIL";

/// A CI variable whose value the rules refuse: the configuration cannot
/// be used until it is mended.
#[derive(Debug, thiserror::Error)]
#[error("the environment: {variable}: {problem}")]
pub struct CiError {
    /// The variable.
    pub variable: &'static str,
    /// What is wrong with it.
    pub problem: Problem,
}

/// A CI variable that is set but cannot make an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CiProblem {
    /// A token whose prefix names another kind than its variable: it would
    /// be sent in the wrong form.
    Misplaced {
        /// The variable.
        variable: &'static str,
        /// The kind the token's prefix announces.
        holds: KindName,
        /// The kind the variable is for.
        wanted: KindName,
    },
    /// `BITBUCKET_HTTP_TOKEN` without `BITBUCKET_SERVER_URL`.
    NoServerUrl,
}

impl fmt::Display for CiProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CiProblem::Misplaced {
                variable,
                holds,
                wanted,
            } => {
                write!(
                    f,
                    "{variable} holds {} (by its prefix), not {}, so it is not used; ",
                    holds.described(),
                    wanted.described()
                )?;
                match holds.variable() {
                    Some(right) if *holds == KindName::HttpToken => {
                        write!(f, "put it in {right}, with {SERVER_URL}")
                    }
                    Some(right) => write!(f, "put it in {right}"),
                    None => f.write_str("Bitbucket removed app passwords; create an API token"),
                }
            }
            CiProblem::NoServerUrl => write!(
                f,
                "{} is set without {SERVER_URL}, so it is not used; set {SERVER_URL} to the Data Center server, with its context path",
                KindName::HttpToken.variable().unwrap_or_default()
            ),
        }
    }
}

/// The entries the variables in `env` describe, and what is wrong with the
/// ones that are set but cannot be used.
pub fn entries(
    env: &dyn Fn(&str) -> Option<String>,
    settings: &Settings,
) -> Result<(Vec<Entry>, Vec<CiProblem>), CiError> {
    let get = |name: &str| env(name).filter(|v| !v.is_empty());
    let mut problems = Vec::new();
    // The variable of each kind, if it holds a token usable as that kind.
    let mut usable = |wanted: KindName| -> Option<&'static str> {
        let variable = wanted.variable()?;
        let token = get(variable)?;
        match KindName::of_token(token.trim()) {
            Some(holds) if holds != wanted => {
                problems.push(CiProblem::Misplaced {
                    variable,
                    holds,
                    wanted,
                });
                None
            }
            _ => Some(variable),
        }
    };
    let api = usable(KindName::ApiToken);
    let access = usable(KindName::AccessToken);
    let http = usable(KindName::HttpToken);
    let cloud = format!("https://{CLOUD_HOST}/");
    let mut out = Vec::new();
    let mut add = |var: &'static str,
                   kind: Kind,
                   url: &str,
                   username: Option<String>,
                   email: Option<String>| {
        let remote = entry_remote(url, settings).map_err(|problem| CiError {
            variable: if url == cloud { var } else { SERVER_URL },
            problem,
        })?;
        // The variables' values pass the same checks as the file's.
        check_username(kind, username.as_deref())
            .and_then(|()| check_email(kind, email.as_deref()))
            .map_err(|e| CiError {
                variable: match e.field {
                    Field::Email => EMAIL,
                    _ => USERNAME,
                },
                problem: e.problem,
            })?;
        out.push(Entry {
            name: var.to_owned(),
            kind,
            url: url.to_owned(),
            remote,
            username,
            email,
            repos: Vec::new(),
            expires: None,
            secret: SecretSource::Env(var.to_owned()),
            bearer_only: false,
            defined_in: DefinedIn::Environment,
        });
        Ok::<(), CiError>(())
    };
    if let Some(var) = api {
        // An email in BITBUCKET_USERNAME would be refused by git; it is the
        // REST username instead, and git gets the fixed API-token username.
        let (username, email) = match (get(USERNAME), get(EMAIL)) {
            (Some(u), e) if u.contains('@') => (None, e.or(Some(u))),
            (u, e) => (u, e),
        };
        add(var, Kind::ApiToken, &cloud, username, email)?;
    }
    if let Some(var) = access {
        let kind = Kind::AccessToken(AccessScope::Workspace);
        add(var, kind, &cloud, None, None)?;
    }
    match (http, get(SERVER_URL)) {
        (Some(var), Some(server)) => {
            let username = get(USERNAME);
            let scope = if username.is_some() {
                HttpScope::User
            } else {
                HttpScope::Project
            };
            add(var, Kind::HttpToken(scope), &server, username, None)?;
        }
        (Some(_), None) => problems.push(CiProblem::NoServerUrl),
        _ => {}
    }
    Ok((out, problems))
}
