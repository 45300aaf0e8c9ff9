//! The kinds of Bitbucket secret: their words (written here and nowhere
//! else), their scopes, the kind a token's prefix announces, and what each
//! kind sends — which username, or Bearer — to git and to the REST API.

use std::fmt;

use crate::remote::Surface;

/// The fixed git username for Cloud API tokens when the Bitbucket username
/// is not configured.
pub const API_TOKEN_GIT_USER: &str = "x-bitbucket-api-token-auth";
/// The fixed username for access tokens sent as Basic.
pub const ACCESS_TOKEN_USER: &str = "x-token-auth";

/// The four kinds, as `kind =` and `--kind` name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum KindName {
    /// A Cloud app password (ATBB…), removed on 2026-07-28.
    AppPassword,
    /// An Atlassian API token with Bitbucket scopes (ATATT…).
    ApiToken,
    /// A Cloud repository, project or workspace access token (ATCTT…).
    AccessToken,
    /// A Data Center HTTP access token (BBDC-…).
    HttpToken,
}

impl KindName {
    /// Every kind, in the order they are listed to people.
    pub const ALL: [KindName; 4] = [
        KindName::AppPassword,
        KindName::ApiToken,
        KindName::AccessToken,
        KindName::HttpToken,
    ];

    /// The word for the kind: `kind = "api-token"`.
    pub fn word(self) -> &'static str {
        match self {
            KindName::AppPassword => "app-password",
            KindName::ApiToken => "api-token",
            KindName::AccessToken => "access-token",
            KindName::HttpToken => "http-token",
        }
    }

    /// The kind a word names.
    pub fn from_word(word: &str) -> Option<KindName> {
        KindName::ALL.into_iter().find(|k| k.word() == word)
    }

    /// Every word, as a list for people: `app-password, api-token, …`.
    pub fn list() -> String {
        let words: Vec<&str> = KindName::ALL.iter().map(|k| k.word()).collect();
        words.join(", ")
    }

    /// How a token of this kind starts.
    pub fn prefix(self) -> &'static str {
        match self {
            KindName::AppPassword => "ATBB",
            KindName::ApiToken => "ATATT",
            KindName::AccessToken => "ATCTT",
            KindName::HttpToken => "BBDC-",
        }
    }

    /// The kind a token's prefix announces: `ATBB` app password, `ATATT`
    /// API token, `ATCTT` Cloud access token, `BBDC-` Data Center HTTP
    /// token.
    pub fn of_token(token: &str) -> Option<KindName> {
        KindName::ALL
            .into_iter()
            .find(|k| token.starts_with(k.prefix()))
    }

    /// The kind in words, with its article and prefix: "an API token
    /// (ATATT…)".
    pub fn described(self) -> &'static str {
        match self {
            KindName::AppPassword => "an app password (ATBB…)",
            KindName::ApiToken => "an API token (ATATT…)",
            KindName::AccessToken => "an access token (ATCTT…)",
            KindName::HttpToken => "a Data Center HTTP token (BBDC-…)",
        }
    }

    /// The CI variable that holds a token of this kind (none for app
    /// passwords, which Bitbucket removed).
    pub fn variable(self) -> Option<&'static str> {
        match self {
            KindName::AppPassword => None,
            KindName::ApiToken => Some("BITBUCKET_API_TOKEN"),
            KindName::AccessToken => Some("BITBUCKET_ACCESS_TOKEN"),
            KindName::HttpToken => Some("BITBUCKET_HTTP_TOKEN"),
        }
    }

    /// The CI variables that hold tokens: a program the helper starts has
    /// no business seeing them.
    pub fn variables() -> impl Iterator<Item = &'static str> {
        KindName::ALL.into_iter().filter_map(KindName::variable)
    }

    /// Whether the kind is Bitbucket Cloud's (else Data Center's).
    pub fn is_cloud(self) -> bool {
        self != KindName::HttpToken
    }

    /// The scopes a token of this kind is made with; empty for the
    /// account's own tokens.
    pub fn scopes(self) -> &'static [ScopeName] {
        match self {
            KindName::AppPassword | KindName::ApiToken => &[],
            KindName::AccessToken => &[
                ScopeName::Repository,
                ScopeName::Project,
                ScopeName::Workspace,
            ],
            KindName::HttpToken => &[ScopeName::User, ScopeName::Project, ScopeName::Repository],
        }
    }

    /// The scopes of [`KindName::scopes`] for people: "repository, project
    /// or workspace".
    pub fn scope_list(self) -> String {
        let words: Vec<&str> = self.scopes().iter().map(|s| s.word()).collect();
        match words.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => words.concat(),
        }
    }
}

impl fmt::Display for KindName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// What a token was made for, as `scope =` and `--scope` name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum ScopeName {
    /// One repository.
    Repository,
    /// A project (Cloud: the repositories listed in `repos`).
    Project,
    /// A Cloud workspace.
    Workspace,
    /// A Data Center user's own token.
    User,
}

impl ScopeName {
    /// The word for the scope: `scope = "project"`.
    pub fn word(self) -> &'static str {
        match self {
            ScopeName::Repository => "repository",
            ScopeName::Project => "project",
            ScopeName::Workspace => "workspace",
            ScopeName::User => "user",
        }
    }

    /// The scope a word names.
    pub fn from_word(word: &str) -> Option<ScopeName> {
        [
            ScopeName::Repository,
            ScopeName::Project,
            ScopeName::Workspace,
            ScopeName::User,
        ]
        .into_iter()
        .find(|s| s.word() == word)
    }
}

impl fmt::Display for ScopeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

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
    /// The kind of `name` made for `scope`.
    pub fn new(name: KindName, scope: Option<ScopeName>) -> Result<Kind, KindError> {
        use ScopeName as S;
        match (name, scope) {
            (KindName::AppPassword | KindName::ApiToken, Some(_)) => {
                Err(KindError::UnexpectedScope(name))
            }
            (KindName::AppPassword, None) => Ok(Kind::AppPassword),
            (KindName::ApiToken, None) => Ok(Kind::ApiToken),
            (_, None) => Err(KindError::MissingScope(name)),
            (KindName::AccessToken, Some(S::Repository)) => {
                Ok(Kind::AccessToken(AccessScope::Repository))
            }
            (KindName::AccessToken, Some(S::Project)) => {
                Ok(Kind::AccessToken(AccessScope::Project))
            }
            (KindName::AccessToken, Some(S::Workspace)) => {
                Ok(Kind::AccessToken(AccessScope::Workspace))
            }
            (KindName::HttpToken, Some(S::User)) => Ok(Kind::HttpToken(HttpScope::User)),
            (KindName::HttpToken, Some(S::Project)) => Ok(Kind::HttpToken(HttpScope::Project)),
            (KindName::HttpToken, Some(S::Repository)) => {
                Ok(Kind::HttpToken(HttpScope::Repository))
            }
            (_, Some(scope)) => Err(KindError::BadScope {
                scope: scope.word().to_owned(),
                kind: name,
            }),
        }
    }

    /// Builds a kind from the `kind` and `scope` fields.
    pub fn from_fields(kind: &str, scope: Option<&str>) -> Result<Kind, KindError> {
        let name = KindName::from_word(kind).ok_or_else(|| KindError::Unknown(kind.to_owned()))?;
        let scope = match scope {
            None => None,
            Some(_) if name.scopes().is_empty() => return Err(KindError::UnexpectedScope(name)),
            Some(word) => Some(
                ScopeName::from_word(word).ok_or_else(|| KindError::BadScope {
                    scope: word.to_owned(),
                    kind: name,
                })?,
            ),
        };
        Kind::new(name, scope)
    }

    /// The kind's name, without its scope.
    pub fn name(self) -> KindName {
        match self {
            Kind::AppPassword => KindName::AppPassword,
            Kind::ApiToken => KindName::ApiToken,
            Kind::AccessToken(_) => KindName::AccessToken,
            Kind::HttpToken(_) => KindName::HttpToken,
        }
    }

    /// The `kind` field's value.
    pub fn word(self) -> &'static str {
        self.name().word()
    }

    /// The scope, for kinds that have one.
    pub fn scope(self) -> Option<ScopeName> {
        match self {
            Kind::AccessToken(AccessScope::Repository) | Kind::HttpToken(HttpScope::Repository) => {
                Some(ScopeName::Repository)
            }
            Kind::AccessToken(AccessScope::Project) | Kind::HttpToken(HttpScope::Project) => {
                Some(ScopeName::Project)
            }
            Kind::AccessToken(AccessScope::Workspace) => Some(ScopeName::Workspace),
            Kind::HttpToken(HttpScope::User) => Some(ScopeName::User),
            Kind::AppPassword | Kind::ApiToken => None,
        }
    }

    /// The `scope` field's value, for kinds that have one.
    pub fn scope_name(self) -> Option<&'static str> {
        self.scope().map(ScopeName::word)
    }

    /// Whether the kind's git username is the user's own (`username =`
    /// means something for it).
    pub fn takes_username(self) -> bool {
        matches!(
            self,
            Kind::AppPassword | Kind::ApiToken | Kind::HttpToken(HttpScope::User)
        )
    }

    /// Whether the kind needs the user's own username: it has no fixed one
    /// to fall back on.
    pub fn needs_username(self) -> bool {
        matches!(self, Kind::AppPassword | Kind::HttpToken(HttpScope::User))
    }

    /// The kind with its article: "an api-token", "an http-token (user)".
    pub fn with_article(self) -> String {
        // Every kind's word starts with a vowel sound ("http" is said
        // "aitch").
        format!("an {self}")
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.scope_name() {
            Some(scope) => write!(f, "{} ({scope})", self.word()),
            None => f.write_str(self.word()),
        }
    }
}

/// Why `kind`/`scope` could not be understood.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum KindError {
    /// An unknown `kind`.
    #[error("kind {0:?} is not one of {list}", list = KindName::list())]
    Unknown(String),
    /// `scope` given for a kind that has none.
    #[error("kind \"{0}\" takes no scope")]
    UnexpectedScope(KindName),
    /// `scope` missing.
    #[error("kind \"{0}\" needs a scope: {scopes}", scopes = .0.scope_list())]
    MissingScope(KindName),
    /// An unknown `scope`, or one the kind is not made with.
    #[error("scope {scope:?} is not one of {scopes}", scopes = kind.scope_list())]
    BadScope {
        /// The scope given.
        scope: String,
        /// The kind.
        kind: KindName,
    },
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
    #[error("the entry is set to `auth = \"bearer\"`, and the program asking cannot send Bearer (it offered no `capability[]=authtype`: git before 2.46, libgit2, git-lfs before 3.6); nothing was sent")]
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
            ("ATATT3xFfGF0abc", Some(KindName::ApiToken)),
            ("ATCTT3xFfGN0abc", Some(KindName::AccessToken)),
            ("ATBBa1b2c3", Some(KindName::AppPassword)),
            ("BBDC-MzE0NjQ5", Some(KindName::HttpToken)),
            ("NzE0NjQ5OTA0ODk2", None),
            ("", None),
        ];
        for (token, want) in cases {
            assert_eq!(KindName::of_token(token), want, "{token}");
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
            Err(KindError::UnexpectedScope(KindName::ApiToken))
        );
        assert_eq!(
            Kind::from_fields("oauth", None),
            Err(KindError::Unknown("oauth".into()))
        );
        // Every word reads back as its kind, and the messages list them.
        for name in KindName::ALL {
            assert_eq!(KindName::from_word(name.word()), Some(name));
        }
        assert_eq!(
            Kind::from_fields("oauth", None).unwrap_err().to_string(),
            "kind \"oauth\" is not one of app-password, api-token, access-token, http-token"
        );
        assert_eq!(
            Kind::from_fields("access-token", None)
                .unwrap_err()
                .to_string(),
            "kind \"access-token\" needs a scope: repository, project or workspace"
        );
        assert_eq!(
            Kind::from_fields("http-token", Some("team"))
                .unwrap_err()
                .to_string(),
            "scope \"team\" is not one of user, project or repository"
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
