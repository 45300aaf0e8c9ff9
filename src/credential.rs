//! The kinds of Bitbucket secret and what each one sends: which username,
//! or Bearer, for git and for the REST API.

use std::fmt;

use crate::remote::Surface;

/// The fixed git username for Cloud API tokens when the Bitbucket username
/// is not configured.
pub const API_TOKEN_GIT_USER: &str = "x-bitbucket-api-token-auth";
/// The fixed username for access tokens sent as Basic.
pub const ACCESS_TOKEN_USER: &str = "x-token-auth";

/// What a Cloud access token was made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessScope {
    /// One repository.
    Repository,
    /// The repositories of one project (listed in `repos`).
    Project,
    /// Every repository of a workspace.
    Workspace,
}

/// What a Data Center HTTP access token was made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpScope {
    /// A personal token: everything its user can reach.
    User,
    /// A project token.
    Project,
    /// A repository token.
    Repository,
}

/// A kind of Bitbucket secret (`kind =` and `scope =`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A Cloud app password (removed on 2026-07-28).
    AppPassword,
    /// An Atlassian API token with Bitbucket scopes.
    ApiToken,
    /// A Cloud repository, project or workspace access token.
    AccessToken(AccessScope),
    /// A Data Center HTTP access token.
    HttpToken(HttpScope),
}

impl Kind {
    /// Builds a kind from the `kind` and `scope` fields.
    pub fn from_fields(kind: &str, scope: Option<&str>) -> Result<Kind, KindError> {
        let needs_scope = |valid: &'static str| KindError::MissingScope {
            kind: kind.to_owned(),
            valid,
        };
        match kind {
            "app-password" | "api-token" if scope.is_some() => {
                Err(KindError::UnexpectedScope(kind.to_owned()))
            }
            "app-password" => Ok(Kind::AppPassword),
            "api-token" => Ok(Kind::ApiToken),
            "access-token" => match scope {
                Some("repository") => Ok(Kind::AccessToken(AccessScope::Repository)),
                Some("project") => Ok(Kind::AccessToken(AccessScope::Project)),
                Some("workspace") => Ok(Kind::AccessToken(AccessScope::Workspace)),
                Some(other) => Err(KindError::BadScope {
                    scope: other.to_owned(),
                    valid: "repository, project or workspace",
                }),
                None => Err(needs_scope("repository, project or workspace")),
            },
            "http-token" => match scope {
                Some("user") => Ok(Kind::HttpToken(HttpScope::User)),
                Some("project") => Ok(Kind::HttpToken(HttpScope::Project)),
                Some("repository") => Ok(Kind::HttpToken(HttpScope::Repository)),
                Some(other) => Err(KindError::BadScope {
                    scope: other.to_owned(),
                    valid: "user, project or repository",
                }),
                None => Err(needs_scope("user, project or repository")),
            },
            other => Err(KindError::Unknown(other.to_owned())),
        }
    }

    /// The `kind` field's value.
    pub fn name(self) -> &'static str {
        match self {
            Kind::AppPassword => "app-password",
            Kind::ApiToken => "api-token",
            Kind::AccessToken(_) => "access-token",
            Kind::HttpToken(_) => "http-token",
        }
    }

    /// The `scope` field's value, for kinds that have one.
    pub fn scope_name(self) -> Option<&'static str> {
        match self {
            Kind::AccessToken(AccessScope::Repository) | Kind::HttpToken(HttpScope::Repository) => {
                Some("repository")
            }
            Kind::AccessToken(AccessScope::Project) | Kind::HttpToken(HttpScope::Project) => {
                Some("project")
            }
            Kind::AccessToken(AccessScope::Workspace) => Some("workspace"),
            Kind::HttpToken(HttpScope::User) => Some("user"),
            Kind::AppPassword | Kind::ApiToken => None,
        }
    }

    /// Whether the kind's git username is the user's own (`username =`
    /// means something for it).
    pub fn takes_username(self) -> bool {
        matches!(
            self,
            Kind::AppPassword | Kind::ApiToken | Kind::HttpToken(HttpScope::User)
        )
    }
}

impl Kind {
    /// The kind with its article: "an api-token", "an http-token (user)".
    pub fn with_article(self) -> String {
        // Every kind's name starts with a vowel sound ("http" is said
        // "aitch").
        format!("an {self}")
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.scope_name() {
            Some(scope) => write!(f, "{} ({scope})", self.name()),
            None => f.write_str(self.name()),
        }
    }
}

/// Why `kind`/`scope` could not be understood.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum KindError {
    /// An unknown `kind`.
    #[error("kind {0:?} is not one of app-password, api-token, access-token, http-token")]
    Unknown(String),
    /// `scope` given for a kind that has none.
    #[error("kind {0:?} takes no scope")]
    UnexpectedScope(String),
    /// `scope` missing.
    #[error("kind {kind:?} needs a scope: {valid}")]
    MissingScope {
        /// The kind.
        kind: String,
        /// The scopes it takes.
        valid: &'static str,
    },
    /// An unknown `scope`.
    #[error("scope {scope:?} is not one of {valid}")]
    BadScope {
        /// The scope given.
        scope: String,
        /// The scopes the kind takes.
        valid: &'static str,
    },
}

/// The kind a token's prefix announces: `ATBB` app password, `ATATT` API
/// token, `ATCTT` Cloud access token, `BBDC-` Data Center HTTP token.
pub fn kind_of_prefix(token: &str) -> Option<&'static str> {
    if token.starts_with("ATATT") {
        Some("api-token")
    } else if token.starts_with("ATCTT") {
        Some("access-token")
    } else if token.starts_with("ATBB") {
        Some("app-password")
    } else if token.starts_with("BBDC-") {
        Some("http-token")
    } else {
        None
    }
}

/// How a credential is presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    /// `Authorization: Basic`, with this username and the secret.
    Basic(String),
    /// `Authorization: Bearer` with the secret.
    Bearer,
}

/// Something the user should hear about this use of a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caveat {
    /// The credential is an app password.
    AppPasswordRemoved,
    /// Bearer was wanted but the caller cannot send it.
    BasicFallback,
}

/// Why an entry cannot answer a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// An API token was asked for by the REST API, which wants the email.
    #[error("Bitbucket's REST API takes API tokens only with the Atlassian account email; add `email = \"...\"` to the entry")]
    NoEmail,
    /// The kind needs the user's username and the entry has none.
    #[error("this kind of credential needs the Bitbucket username; add `username = \"...\"` to the entry")]
    NoUsername,
    /// The entry must go as Bearer (`auth = "bearer"`), and the caller
    /// cannot send Bearer.
    #[error("the entry is set to `auth = \"bearer\"`, and the program asking cannot send Bearer (it offered no `capability[]=authtype`: git before 2.46, libgit2, gix, git-lfs before 3.6); nothing was sent")]
    NoBearer,
}

/// What an entry of `kind` sends on `surface`. `bearer_possible` says
/// whether the caller can send a Bearer header (git 2.46+ offering
/// `capability[]=authtype`, or a REST client); `bearer_only` is the
/// entry's `auth = "bearer"`, for Data Center servers that refuse Basic
/// for tokens: a personal token then goes as Bearer too, and never as
/// Basic.
pub fn form(
    kind: Kind,
    username: Option<&str>,
    email: Option<&str>,
    surface: Surface,
    bearer_possible: bool,
    bearer_only: bool,
) -> Result<(Form, Option<Caveat>), FormError> {
    if bearer_only && matches!(kind, Kind::HttpToken(_)) {
        return if bearer_possible {
            Ok((Form::Bearer, None))
        } else {
            Err(FormError::NoBearer)
        };
    }
    let own_username = || username.map(str::to_owned).ok_or(FormError::NoUsername);
    let bearer = || {
        if bearer_possible {
            (Form::Bearer, None)
        } else {
            (
                Form::Basic(ACCESS_TOKEN_USER.to_owned()),
                Some(Caveat::BasicFallback),
            )
        }
    };
    Ok(match (kind, surface) {
        (Kind::AppPassword, _) => (
            Form::Basic(own_username()?),
            Some(Caveat::AppPasswordRemoved),
        ),
        (Kind::ApiToken, Surface::Git) => (
            Form::Basic(username.unwrap_or(API_TOKEN_GIT_USER).to_owned()),
            None,
        ),
        (Kind::ApiToken, Surface::Rest) => (
            Form::Basic(email.map(str::to_owned).ok_or(FormError::NoEmail)?),
            None,
        ),
        (Kind::AccessToken(_), Surface::Git) => (Form::Basic(ACCESS_TOKEN_USER.to_owned()), None),
        (Kind::AccessToken(_), Surface::Rest) => bearer(),
        (Kind::HttpToken(HttpScope::User), _) => (Form::Basic(own_username()?), None),
        (Kind::HttpToken(_), _) => bearer(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Surface::*;

    type Case<'a> = (
        (Kind, Option<&'a str>, Option<&'a str>, Surface, bool),
        Result<(Form, Option<Caveat>), FormError>,
    );

    #[test]
    fn what_each_kind_sends() {
        let basic = |u: &str| Form::Basic(u.to_owned());
        let user = Some("jdoe");
        let email = Some("jdoe@example.com");
        let dc_project = Kind::HttpToken(HttpScope::Project);
        let dc_repo = Kind::HttpToken(HttpScope::Repository);
        let ws = Kind::AccessToken(AccessScope::Workspace);
        let cases: Vec<Case> = vec![
            (
                (Kind::AppPassword, user, None, Git, true),
                Ok((basic("jdoe"), Some(Caveat::AppPasswordRemoved))),
            ),
            (
                (Kind::AppPassword, user, None, Rest, true),
                Ok((basic("jdoe"), Some(Caveat::AppPasswordRemoved))),
            ),
            (
                (Kind::AppPassword, None, None, Git, true),
                Err(FormError::NoUsername),
            ),
            (
                (Kind::ApiToken, user, email, Git, true),
                Ok((basic("jdoe"), None)),
            ),
            (
                (Kind::ApiToken, None, email, Git, true),
                Ok((basic(API_TOKEN_GIT_USER), None)),
            ),
            (
                (Kind::ApiToken, user, email, Rest, true),
                Ok((basic("jdoe@example.com"), None)),
            ),
            (
                (Kind::ApiToken, user, None, Rest, true),
                Err(FormError::NoEmail),
            ),
            (
                (ws, None, None, Git, true),
                Ok((basic("x-token-auth"), None)),
            ),
            (
                (ws, None, None, Git, false),
                Ok((basic("x-token-auth"), None)),
            ),
            ((ws, None, None, Rest, true), Ok((Form::Bearer, None))),
            (
                (ws, None, None, Rest, false),
                Ok((basic("x-token-auth"), Some(Caveat::BasicFallback))),
            ),
            (
                (Kind::HttpToken(HttpScope::User), user, None, Git, true),
                Ok((basic("jdoe"), None)),
            ),
            (
                (Kind::HttpToken(HttpScope::User), user, None, Rest, false),
                Ok((basic("jdoe"), None)),
            ),
            (
                (Kind::HttpToken(HttpScope::User), None, None, Git, true),
                Err(FormError::NoUsername),
            ),
            (
                (dc_project, None, None, Git, true),
                Ok((Form::Bearer, None)),
            ),
            (
                (dc_project, None, None, Git, false),
                Ok((basic("x-token-auth"), Some(Caveat::BasicFallback))),
            ),
            ((dc_repo, None, None, Rest, true), Ok((Form::Bearer, None))),
        ];
        for ((kind, u, e, surface, bearer), want) in cases {
            assert_eq!(
                form(kind, u, e, surface, bearer, false),
                want,
                "{kind} {surface:?} bearer={bearer}"
            );
        }
    }

    #[test]
    fn prefixes() {
        let cases = [
            ("ATATT3xFfGF0abc", Some("api-token")),
            ("ATCTT3xFfGN0abc", Some("access-token")),
            ("ATBBa1b2c3", Some("app-password")),
            ("BBDC-MzE0NjQ5", Some("http-token")),
            ("NzE0NjQ5OTA0ODk2", None),
            ("", None),
        ];
        for (token, want) in cases {
            assert_eq!(kind_of_prefix(token), want, "{token}");
        }
    }

    #[test]
    fn kinds_parse() {
        assert_eq!(Kind::from_fields("api-token", None), Ok(Kind::ApiToken));
        assert_eq!(
            Kind::from_fields("access-token", Some("project")),
            Ok(Kind::AccessToken(AccessScope::Project))
        );
        assert!(matches!(
            Kind::from_fields("access-token", None),
            Err(KindError::MissingScope { .. })
        ));
        assert!(matches!(
            Kind::from_fields("http-token", Some("workspace")),
            Err(KindError::BadScope { .. })
        ));
        assert_eq!(
            Kind::from_fields("api-token", Some("user")),
            Err(KindError::UnexpectedScope("api-token".into()))
        );
        assert_eq!(
            Kind::from_fields("oauth", None),
            Err(KindError::Unknown("oauth".into()))
        );
    }

    #[test]
    fn bearer_only_never_falls_back_to_basic() {
        let user = Kind::HttpToken(HttpScope::User);
        assert_eq!(
            form(user, Some("jdoe"), None, Surface::Git, true, true),
            Ok((Form::Bearer, None))
        );
        assert_eq!(
            form(user, Some("jdoe"), None, Surface::Git, false, true),
            Err(FormError::NoBearer)
        );
        assert_eq!(
            form(user, Some("jdoe"), None, Surface::Git, false, false),
            Ok((Form::Basic("jdoe".into()), None))
        );
    }
}
