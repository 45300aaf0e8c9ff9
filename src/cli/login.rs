//! `login [URL]`: a guided sign-in. It says where the token is made and
//! what to tick, reads it without echo, recognises its kind, asks only
//! what the kind and the URL leave open, checks it the way git will use
//! it, saves it (replacing the same account's earlier token), configures
//! git for the server and ends with the clone line that now works. Every
//! question has a flag, for scripts: `login URL --with-token` reads the
//! token from standard input.

use std::io::{IsTerminal, Write};

use crate::cli::entry::{self, Draft};
use crate::cli::{accepted_or, read_secret, setup, CliError, Consequence, Context};
use crate::config::Entry;
use crate::git::Level;
use crate::kind::{KindName, ScopeName, API_TOKEN_GIT_USER};
use crate::remote::{Remote, RemoteKind, CLOUD_HOST};
use crate::rest::{self, Target};
use crate::secret::Secret;
use crate::store::Store;

/// What `login` could not find out or will not do.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Answers that could not be asked for, since standard input holds the
    /// token: each question with what answers it.
    #[error("standard input holds the token, so login asks nothing; give what it would ask: {}", missing_list(.0))]
    Unanswered(Vec<(String, &'static str)>),
    /// The terminal closed before the answer.
    #[error("the terminal closed before \"{0}\" was answered")]
    Closed(String),
    /// The answer could not be read.
    #[error("could not read the answer: {0}")]
    Read(std::io::Error),
    /// The token needs a terminal or `--with-token`.
    #[error(
        "there is no terminal to read the token on; pass it on standard input with --with-token"
    )]
    NoTerminalForToken,
    /// An app password.
    #[error("that is an app password (ATBB…), which Bitbucket no longer accepts; create an API token as above")]
    AppPassword,
    /// A token whose prefix says nothing.
    #[error("the token's prefix does not say what kind it is (API tokens start ATATT, access tokens ATCTT, Data Center tokens BBDC-); an older Data Center token can be added with `git credential-bitbucket add URL --kind {}`", KindName::HttpToken)]
    UnknownPrefix,
    /// A Data Center token for bitbucket.org.
    #[error("a BBDC- token is a Data Center token; log in with the server's URL")]
    DataCenterTokenOnCloud,
    /// A Cloud token for another server.
    #[error("an {kind} (by its prefix) is for Bitbucket Cloud, and {host} is not bitbucket.org")]
    CloudTokenElsewhere {
        /// The kind.
        kind: KindName,
        /// The host.
        host: String,
    },
    /// A project token without its repositories.
    #[error("a project token needs the project's repositories: pass --repo WORKSPACE/REPO,WORKSPACE/REPO")]
    NoRepositories,
}

/// `question (flag)`, joined.
fn missing_list(missing: &[(String, &'static str)]) -> String {
    let items: Vec<String> = missing
        .iter()
        .map(|(question, flag)| format!("{} ({flag})", question.to_lowercase()))
        .collect();
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{}; and {last}", rest.join("; ")),
        _ => items.concat(),
    }
}

impl From<LoginError> for CliError {
    fn from(e: LoginError) -> CliError {
        CliError::Refused(Box::new(e))
    }
}

/// The options of `login`.
#[derive(Debug, clap::Args)]
pub struct LoginArgs {
    /// Bitbucket Cloud (https://bitbucket.org, or a workspace or repository under it) or a Data Center server's URL; asked when left out.
    pub url: Option<String>,
    /// Read the token from standard input instead of a prompt (for scripts).
    #[arg(long)]
    pub with_token: bool,
    /// The Atlassian account email (API tokens: the REST API's username).
    #[arg(long)]
    pub email: Option<String>,
    /// The Bitbucket username (Data Center personal tokens; an API token's is learned when its scopes allow).
    #[arg(long)]
    pub username: Option<String>,
    /// The repository to check clone and push on, WORKSPACE/REPO (PROJECT/REPO on Data Center); a project token's repositories, comma-separated.
    #[arg(long, value_name = "REPO", value_delimiter = ',')]
    pub repo: Vec<String>,
    /// What an access or HTTP token was made for.
    #[arg(long, value_enum)]
    pub scope: Option<ScopeName>,
    /// Where the secret goes (default: settings.store; auto means the keyring when it answers).
    #[arg(long, value_enum)]
    pub store: Option<Store>,
    /// The token's expiry date, YYYY-MM-DD.
    #[arg(long)]
    pub expires: Option<String>,
    /// The entry's name (default: made from the URL).
    #[arg(long)]
    pub name: Option<String>,
}

/// Asks on the terminal. Without one (the token on standard input), it
/// notes each question with the flag that answers it, so that all of them
/// are named at once ([`Asker::finish`]); a noted answer is `-`, which
/// nothing outlives. An empty answer is `None`.
struct Asker {
    terminal: bool,
    unanswered: std::cell::RefCell<Vec<(String, &'static str)>>,
}

/// What a question without a terminal answers until [`Asker::finish`].
const UNANSWERED: &str = "-";

impl Asker {
    fn new(terminal: bool) -> Asker {
        Asker {
            terminal,
            unanswered: std::cell::RefCell::new(Vec::new()),
        }
    }

    /// The questions noted without a terminal, as one error.
    fn finish(&self) -> Result<(), LoginError> {
        let missing = self.unanswered.take();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(LoginError::Unanswered(missing))
        }
    }

    fn note(&self, question: &str, flag: &'static str) {
        self.unanswered
            .borrow_mut()
            .push((question.to_owned(), flag));
    }

    fn ask(&self, question: &str, flag: &'static str) -> Result<Option<String>, LoginError> {
        if !self.terminal {
            self.note(question, flag);
            return Ok(None);
        }
        eprint!("{question}: ");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        let read = std::io::stdin()
            .read_line(&mut line)
            .map_err(LoginError::Read)?;
        if read == 0 {
            return Err(LoginError::Closed(question.to_owned()));
        }
        let answer = line.trim();
        Ok((!answer.is_empty()).then(|| answer.to_owned()))
    }

    /// Like [`Asker::ask`], but an answer is required.
    fn must(&self, question: &str, flag: &'static str) -> Result<String, LoginError> {
        if !self.terminal {
            self.note(question, flag);
            return Ok(UNANSWERED.to_owned());
        }
        loop {
            if let Some(answer) = self.ask(question, flag)? {
                return Ok(answer);
            }
        }
    }

    /// One of `choices`, by its first letters.
    fn choose(
        &self,
        question: &str,
        flag: &'static str,
        choices: &[ScopeName],
    ) -> Result<ScopeName, LoginError> {
        let words: Vec<&str> = choices.iter().map(|c| c.word()).collect();
        if !self.terminal {
            // What comes after depends on the answer: stop here.
            self.note(question, flag);
            self.finish()?;
        }
        loop {
            let answer = self.must(&format!("{question} [{}]", words.join("/")), flag)?;
            let lower = answer.to_lowercase();
            if let Some(c) = choices
                .iter()
                .find(|c| c.word().starts_with(lower.as_str()))
            {
                return Ok(*c);
            }
            eprintln!("Answer one of: {}.", words.join(", "));
        }
    }

    /// A repository to check, asked on a terminal only (it may be skipped).
    fn optional_repo(&self, example: &str) -> Result<Option<String>, LoginError> {
        if !self.terminal {
            return Ok(None);
        }
        self.ask(
            &format!("A repository to check clone and push on, {example} (Enter to skip)"),
            "--repo",
        )
    }
}

/// Where the token is made and what to tick, for Cloud or a Data Center
/// server at `base`.
fn guidance(cloud: bool, base: &str) -> String {
    if cloud {
        "Create a token for git, then paste it here:\n\
         - an API token: https://id.atlassian.com/manage-profile/security/api-tokens → \"Create API token with scopes\", app Bitbucket, scopes read:repository:bitbucket and write:repository:bitbucket (add read:user:bitbucket to let this helper learn your username);\n\
         - or a repository, project or workspace access token: that repository's, project's or workspace's settings → Access tokens, with Repositories: Read and Write.".to_owned()
    } else {
        format!(
            "Create an HTTP access token, then paste it here:\n\
             - your own: on {base}, profile picture → Manage account → HTTP access tokens → Create token;\n\
             - or a project's or repository's: its settings → HTTP access tokens → Create token.\n\
             Give it the Repository read and Repository write permissions."
        )
    }
}

/// The server's base URL (scheme, host, port and context path) of a Data
/// Center URL.
fn server_base(remote: &Remote, url: &str) -> String {
    match &remote.kind {
        RemoteKind::DataCenter(path) => {
            let context: String = path.context.iter().map(|c| format!("/{c}")).collect();
            format!("{}{context}", remote.origin.display())
        }
        _ => url.trim_end_matches('/').to_owned(),
    }
}

/// What `login` decided to save: the draft (its url the scope's), and
/// the repository to check and to print the clone line for.
struct Plan {
    draft: Draft,
    check: Option<String>,
}

/// The first segment of `WORKSPACE/REPO` or `PROJECT/REPO`.
fn owner_of(repo: Option<&str>) -> Option<String> {
    repo.and_then(|r| r.split('/').next()).map(str::to_owned)
}

/// An API token is the account's, for every workspace it can see: one
/// entry for the whole site (and its API), whatever repository the URL
/// named.
fn plan_api_token(remote: &Remote, p: &mut Plan, asker: &Asker) -> Result<(), LoginError> {
    p.draft.url = format!("https://{CLOUD_HOST}/");
    if p.draft.email.is_none() {
        p.draft.email = Some(asker.must(
            "Your Atlassian account email (the REST API's username)",
            "--email",
        )?);
    }
    p.check = p.check.take().or(remote.cloud_repository());
    if p.check.is_none() {
        p.check = asker.optional_repo("WORKSPACE/REPO")?;
    }
    Ok(())
}

/// A Cloud access token: a repository's (the URL's, or asked), a
/// project's (its repositories listed), or a workspace's.
fn plan_access_token(
    remote: &Remote,
    args: &LoginArgs,
    p: &mut Plan,
    asker: &Asker,
) -> Result<(), LoginError> {
    let cloud_repo = remote.cloud_repository();
    let scope = match (p.draft.scope, &cloud_repo) {
        (Some(s), _) => s,
        (None, Some(_)) => ScopeName::Repository,
        (None, None) => asker.choose(
            "Was the token made for a repository, a project or a workspace",
            "--scope",
            KindName::AccessToken.scopes(),
        )?,
    };
    p.draft.scope = Some(scope);
    match scope {
        ScopeName::Repository => {
            let repo = match cloud_repo.or(p.check.clone()) {
                Some(r) => r,
                None => asker.must("Which repository, WORKSPACE/REPO", "--repo WORKSPACE/REPO")?,
            };
            p.draft.url = format!("https://{CLOUD_HOST}/{repo}");
            p.check = Some(repo);
        }
        ScopeName::Project => {
            p.draft.repos = if args.repo.is_empty() {
                let list = asker.must(
                    "The project's repositories, WORKSPACE/REPO, comma-separated",
                    "--repo WORKSPACE/REPO,WORKSPACE/REPO",
                )?;
                list.split(',')
                    .map(|r| r.trim().to_owned())
                    .filter(|r| !r.is_empty())
                    .collect()
            } else {
                args.repo.clone()
            };
            let first = p.draft.repos.first().ok_or(LoginError::NoRepositories)?;
            let workspace = owner_of(Some(first)).unwrap_or_default();
            p.draft.url = format!("https://{CLOUD_HOST}/{workspace}/");
            p.check = Some(first.clone());
        }
        _ => {
            let segments = remote.segments.as_deref().unwrap_or_default();
            let workspace = match segments.first().cloned().or(owner_of(p.check.as_deref())) {
                Some(w) => w,
                None => asker.must(
                    "Which workspace (its name in the URL)",
                    "the URL https://bitbucket.org/WORKSPACE/",
                )?,
            };
            p.draft.url = format!("https://{CLOUD_HOST}/{workspace}/");
            if p.check.is_none() {
                p.check = asker.optional_repo("WORKSPACE/REPO")?;
            }
        }
    }
    Ok(())
}

/// A Data Center token: the user's own (with the username), a project's or
/// a repository's, each scope's URL under the server's base.
fn plan_http_token(
    remote: &Remote,
    base: &str,
    p: &mut Plan,
    asker: &Asker,
) -> Result<(), LoginError> {
    let scm = remote.data_center_scm();
    let project = scm.and_then(|s| s.owner.as_ref()).map(|o| o.path_segment());
    let repo = scm.and_then(|s| s.repo.clone());
    let has_user = p.draft.username.is_some();
    let scope = match (p.draft.scope, &project, &repo) {
        (Some(s), _, _) => s,
        (None, _, _) if has_user => ScopeName::User,
        (None, Some(_), Some(_)) => ScopeName::Repository,
        (None, Some(_), None) => ScopeName::Project,
        _ => asker.choose(
            "Was the token made for your user, a project or a repository",
            "--scope",
            KindName::HttpToken.scopes(),
        )?,
    };
    p.draft.scope = Some(scope);
    let from_url = project
        .as_ref()
        .zip(repo.as_ref())
        .map(|(o, r)| format!("{o}/{r}"));
    match scope {
        ScopeName::User => {
            if p.draft.username.is_none() {
                let user = asker.must("Your Bitbucket username (not the email)", "--username")?;
                p.draft.username = Some(user);
            }
            p.draft.url = format!("{base}/");
        }
        ScopeName::Project => {
            let key = match project.or(owner_of(p.check.as_deref())) {
                Some(k) => k,
                None => asker.must("Which project (its key)", "--repo PROJECT/REPO")?,
            };
            p.draft.url = format!("{base}/scm/{key}/");
        }
        _ => {
            let full = match from_url.clone().or(p.check.clone()) {
                Some(r) => r,
                None => asker.must("Which repository, PROJECT/REPO", "--repo PROJECT/REPO")?,
            };
            p.draft.url = format!("{base}/scm/{full}");
            p.check = Some(full);
        }
    }
    p.check = p.check.take().or(from_url);
    if p.check.is_none() {
        p.check = asker.optional_repo("PROJECT/REPO")?;
    }
    Ok(())
}

/// What `login` will save for a token of `kind`, asking what the kind and
/// the URL leave open.
fn plan(
    kind: KindName,
    url: &str,
    remote: &Remote,
    args: &LoginArgs,
    asker: &Asker,
) -> Result<Plan, LoginError> {
    let mut p = Plan {
        draft: Draft {
            url: url.to_owned(),
            kind: Some(kind),
            scope: args.scope,
            name: args.name.clone(),
            username: args.username.clone(),
            email: args.email.clone(),
            repos: Vec::new(),
            expires: args.expires.clone(),
            bearer: false,
            force: false,
        },
        check: args.repo.first().cloned(),
    };
    match kind {
        KindName::ApiToken => plan_api_token(remote, &mut p, asker)?,
        KindName::AccessToken => plan_access_token(remote, args, &mut p, asker)?,
        _ => plan_http_token(remote, &server_base(remote, url), &mut p, asker)?,
    }
    Ok(p)
}

/// The kind of `secret`, by its prefix, if `login` can sign in with it at
/// `remote`.
fn kind_for(secret: &Secret, remote: &Remote) -> Result<KindName, LoginError> {
    let cloud = remote.origin.host == CLOUD_HOST;
    let kind = match KindName::of_token(secret.expose()) {
        Some(KindName::AppPassword) => return Err(LoginError::AppPassword),
        Some(k) => k,
        None => return Err(LoginError::UnknownPrefix),
    };
    match (kind.is_cloud(), cloud) {
        (false, true) => Err(LoginError::DataCenterTokenOnCloud),
        (true, false) => Err(LoginError::CloudTokenElsewhere {
            kind,
            host: remote.origin.host.clone(),
        }),
        _ => Ok(kind),
    }
}

/// Runs `login`.
pub fn run(args: LoginArgs) -> Result<bool, CliError> {
    let ctx = Context::load()?;
    let asker = Asker::new(!args.with_token && std::io::stdin().is_terminal());
    let given = match &args.url {
        Some(u) => u.clone(),
        None => asker
            .ask("Bitbucket Cloud, or a Data Center server? Enter for https://bitbucket.org, else the server's URL", "the URL: `git credential-bitbucket login https://bitbucket.org`")?
            .unwrap_or_else(|| format!("https://{CLOUD_HOST}")),
    };
    let (url, remote) = entry::scope_of(&given)?;
    let cloud = remote.origin.host == CLOUD_HOST;
    if !args.with_token && !asker.terminal {
        return Err(LoginError::NoTerminalForToken.into());
    }
    let base = server_base(&remote, &url);
    eprintln!("{}", guidance(cloud, &base));
    let secret = read_secret("Token (not shown): ")?;
    // Without the URL, a Data Center token cannot be placed: say what is
    // missing rather than that it is no Cloud token.
    let kind = match kind_for(&secret, &remote) {
        Ok(kind) => kind,
        Err(e) => {
            asker.finish()?;
            return Err(e.into());
        }
    };
    eprintln!(
        "That is {} token.",
        match kind {
            KindName::ApiToken => "an Atlassian API",
            KindName::AccessToken => "a Bitbucket Cloud access",
            _ => "a Data Center HTTP access",
        }
    );
    let mut plan = plan(kind, &url, &remote, &args, &asker)?;
    asker.finish()?;
    let (store, why) = Store::choose(args.store, ctx.config.settings.store);
    let checked = check(&ctx, &mut plan, kind, store, &secret)?;
    if kind == KindName::ApiToken && plan.draft.username.is_none() {
        plan.draft.username = checked.username;
    }
    let mut new = entry_of(&ctx, &plan, kind, store)?;
    let replacing = entry::replaced_by(&ctx.config, &new)?;
    if let (Some(old), None) = (&replacing, &plan.draft.name) {
        new.name.clone_from(old);
    }
    let saved = entry::save(&ctx, &new, &secret, replacing.as_deref())?;
    super::add::announce(&new, &saved, &why);
    setup::configure(
        &ctx.config.settings,
        Level::Global,
        &new.remote.origin.display(),
    )?;
    let clone = match (&plan.check, cloud) {
        (Some(r), true) => format!("https://{CLOUD_HOST}/{r}.git"),
        (Some(r), false) => format!("{base}/scm/{r}.git"),
        (None, true) => format!("https://{CLOUD_HOST}/WORKSPACE/REPO.git"),
        (None, false) => format!("{base}/scm/PROJECT/REPO.git"),
    };
    say!("Done. Clone with:\n    git clone {clone}");
    Ok(true)
}

/// The entry the plan makes, named as asked or after its URL.
fn entry_of(ctx: &Context, plan: &Plan, kind: KindName, store: Store) -> Result<Entry, CliError> {
    let url = &plan.draft.url;
    let name = match &plan.draft.name {
        Some(n) => n.clone(),
        None => {
            let (_, remote) = entry::scope_of(url)?;
            entry::default_name(&remote, &|n| ctx.has(n))
        }
    };
    Ok(plan.draft.entry(url, kind, &name, store, &ctx.config)?)
}

/// Checks the plan's credential as `verify` does, before anything is
/// saved; a Data Center server that takes the token only as Bearer gets
/// `auth = "bearer"`, and the check is made again in that form.
fn check(
    ctx: &Context,
    plan: &mut Plan,
    kind: KindName,
    store: Store,
    secret: &Secret,
) -> Result<rest::Verification, CliError> {
    let target = Target {
        repo: plan.check.as_deref(),
        api_base: None,
    };
    let client = crate::https::Client::new();
    let mut checked = rest::verify(
        &client,
        &entry_of(ctx, plan, kind, store)?,
        secret,
        target,
        &ctx.config.settings,
    )?;
    if checked.needs_bearer {
        eprintln!("The server refuses Basic authentication for tokens and accepts Bearer: the entry will send Bearer (auth = \"bearer\"; git 2.46 or later).");
        plan.draft.bearer = true;
        let target = Target {
            repo: plan.check.as_deref(),
            api_base: None,
        };
        checked = rest::verify(
            &client,
            &entry_of(ctx, plan, kind, store)?,
            secret,
            target,
            &ctx.config.settings,
        )?;
    }
    let checked = accepted_or(checked, Consequence::NothingSaved)?;
    if let Some(user) = &checked.username {
        eprintln!("Your Bitbucket username is {user}.");
    }
    if let Some(odd) = &checked.odd_username {
        eprintln!("Note: the REST API answered a username Bitbucket does not make ({odd}); it is not used, and git is sent {API_TOKEN_GIT_USER}.");
    }
    Ok(checked)
}
