//! `login [URL]`: a guided sign-in. It says where the token is made and
//! what to tick, reads it without echo, recognises its kind, asks only
//! what the kind and the URL leave open, checks it the way git will use
//! it, saves it (replacing the same account's earlier token), configures
//! git for the server and ends with the clone line that now works. Every
//! question has a flag, for scripts: `login URL --with-token` reads the
//! token from standard input.

use std::io::{IsTerminal, Write};

use crate::cli::add::{self, AddArgs};
use crate::cli::setup::{self, Level};
use crate::cli::{accepted_or, read_secret, CliError, Context};
use crate::config::{self, CredentialTable, DefinedIn};
use crate::credential::kind_of_prefix;
use crate::remote::{self, Remote, RemoteKind, CLOUD_HOST};
use crate::rest::{self, Target};
use crate::secret::Secret;
use crate::store::Store;

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
    #[arg(long, value_parser = ["repository", "project", "workspace", "user"])]
    pub scope: Option<String>,
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

/// Asks on the terminal, or says which flag answers the question when
/// there is none. An empty answer is `None`.
struct Asker {
    terminal: bool,
}

impl Asker {
    fn ask(&self, question: &str, flag: &str) -> Result<Option<String>, CliError> {
        if !self.terminal {
            return Err(
                format!("{question}? — there is no terminal to ask on; pass {flag}").into(),
            );
        }
        eprint!("{question}: ");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        let read = std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| format!("could not read the answer: {e}"))?;
        if read == 0 {
            return Err(format!("the terminal closed before \"{question}\" was answered").into());
        }
        let answer = line.trim();
        Ok((!answer.is_empty()).then(|| answer.to_owned()))
    }

    /// Like [`Asker::ask`], but an answer is required.
    fn must(&self, question: &str, flag: &str) -> Result<String, CliError> {
        loop {
            if let Some(answer) = self.ask(question, flag)? {
                return Ok(answer);
            }
        }
    }

    /// One of `choices`, by its first letters.
    fn choose(&self, question: &str, flag: &str, choices: &[&str]) -> Result<String, CliError> {
        loop {
            let answer = self.must(&format!("{question} [{}]", choices.join("/")), flag)?;
            let lower = answer.to_lowercase();
            if let Some(c) = choices.iter().find(|c| c.starts_with(lower.as_str())) {
                return Ok((*c).to_owned());
            }
            eprintln!("Answer one of: {}.", choices.join(", "));
        }
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

/// What `login` decided to save.
struct Plan {
    url: String,
    kind: &'static str,
    scope: Option<String>,
    username: Option<String>,
    email: Option<String>,
    repos: Vec<String>,
    /// The repository to check and to print the clone line for.
    check: Option<String>,
}

fn plan(
    kind: &'static str,
    url: &str,
    remote: &Remote,
    args: &LoginArgs,
    asker: &Asker,
) -> Result<Plan, CliError> {
    let mut p = Plan {
        url: url.to_owned(),
        kind,
        scope: args.scope.clone(),
        username: args.username.clone(),
        email: args.email.clone(),
        repos: Vec::new(),
        check: args.repo.first().cloned(),
    };
    let cloud_repo = remote.cloud_repository();
    let segments = remote.segments.clone().unwrap_or_default();
    let optional_repo = |asker: &Asker, example: &str| -> Result<Option<String>, CliError> {
        if asker.terminal {
            asker.ask(
                &format!("A repository to check clone and push on, {example} (Enter to skip)"),
                "--repo",
            )
        } else {
            Ok(None)
        }
    };
    match kind {
        "api-token" => {
            // An API token is the account's, for every workspace it can
            // see: one entry for the whole site (and its API), whatever
            // repository the URL named.
            p.url = format!("https://{CLOUD_HOST}/");
            if p.email.is_none() {
                p.email = Some(asker.must(
                    "Your Atlassian account email (the REST API's username)",
                    "--email",
                )?);
            }
            p.check = p.check.or(cloud_repo);
            if p.check.is_none() {
                p.check = optional_repo(asker, "WORKSPACE/REPO")?;
            }
        }
        "access-token" => {
            if p.scope.is_none() {
                p.scope = Some(if cloud_repo.is_some() {
                    "repository".to_owned()
                } else {
                    asker.choose(
                        "Was the token made for a repository, a project or a workspace",
                        "--scope",
                        &["repository", "project", "workspace"],
                    )?
                });
            }
            match p.scope.as_deref() {
                Some("repository") => {
                    let repo = match (cloud_repo, p.check.clone()) {
                        (Some(r), _) | (None, Some(r)) => r,
                        (None, None) => asker
                            .must("Which repository, WORKSPACE/REPO", "--repo WORKSPACE/REPO")?,
                    };
                    p.url = format!("https://{CLOUD_HOST}/{repo}");
                    p.check = Some(repo);
                }
                Some("project") => {
                    p.repos = if args.repo.is_empty() {
                        asker
                            .must(
                                "The project's repositories, WORKSPACE/REPO, comma-separated",
                                "--repo WORKSPACE/REPO,WORKSPACE/REPO",
                            )?
                            .split(',')
                            .map(|r| r.trim().to_owned())
                            .filter(|r| !r.is_empty())
                            .collect()
                    } else {
                        args.repo.clone()
                    };
                    let Some(first) = p.repos.first() else {
                        return Err("a project token needs the project's repositories: pass --repo WORKSPACE/REPO,WORKSPACE/REPO".to_owned().into());
                    };
                    let workspace = first.split('/').next().unwrap_or_default().to_owned();
                    p.url = format!("https://{CLOUD_HOST}/{workspace}/");
                    p.check = p.repos.first().cloned();
                }
                _ => {
                    let workspace = match segments.first().cloned().or_else(|| {
                        p.check
                            .as_deref()
                            .and_then(|r| r.split('/').next())
                            .map(str::to_owned)
                    }) {
                        Some(w) => w,
                        None => asker.must(
                            "Which workspace (its name in the URL)",
                            "the URL https://bitbucket.org/WORKSPACE/",
                        )?,
                    };
                    p.url = format!("https://{CLOUD_HOST}/{workspace}/");
                    if p.check.is_none() {
                        p.check = optional_repo(asker, "WORKSPACE/REPO")?;
                    }
                }
            }
        }
        _ => {
            // http-token
            let base = server_base(remote, url);
            let scm = remote.data_center_scm();
            let project = scm.and_then(|s| s.owner.as_ref()).map(|o| o.path_segment());
            let repo = scm.and_then(|s| s.repo.clone());
            if p.scope.is_none() {
                p.scope = Some(match (&project, &repo) {
                    (Some(_), Some(_)) if p.username.is_none() => "repository".to_owned(),
                    (Some(_), None) if p.username.is_none() => "project".to_owned(),
                    _ if p.username.is_some() => "user".to_owned(),
                    _ => asker.choose(
                        "Was the token made for your user, a project or a repository",
                        "--scope",
                        &["user", "project", "repository"],
                    )?,
                });
            }
            let from_url = project
                .as_ref()
                .zip(repo.as_ref())
                .map(|(o, r)| format!("{o}/{r}"));
            match p.scope.as_deref() {
                Some("user") => {
                    if p.username.is_none() {
                        p.username = Some(
                            asker.must("Your Bitbucket username (not the email)", "--username")?,
                        );
                    }
                    p.url = format!("{base}/");
                    p.check = p.check.or(from_url);
                    if p.check.is_none() {
                        p.check = optional_repo(asker, "PROJECT/REPO")?;
                    }
                }
                Some("project") => {
                    let key = match project.or_else(|| {
                        p.check
                            .as_deref()
                            .and_then(|r| r.split('/').next())
                            .map(str::to_owned)
                    }) {
                        Some(k) => k,
                        None => asker.must("Which project (its key)", "--repo PROJECT/REPO")?,
                    };
                    p.url = format!("{base}/scm/{key}/");
                    p.check = p.check.or(from_url);
                    if p.check.is_none() {
                        p.check = optional_repo(asker, "PROJECT/REPO")?;
                    }
                }
                _ => {
                    let full = match from_url.or(p.check.clone()) {
                        Some(r) => r,
                        None => {
                            asker.must("Which repository, PROJECT/REPO", "--repo PROJECT/REPO")?
                        }
                    };
                    p.url = format!("{base}/scm/{full}");
                    p.check = Some(full);
                }
            }
        }
    }
    Ok(p)
}

/// Runs `login`.
pub fn run(args: LoginArgs) -> Result<bool, CliError> {
    let asker = Asker {
        terminal: !args.with_token && std::io::stdin().is_terminal(),
    };
    let given = match &args.url {
        Some(u) => u.clone(),
        None => asker
            .ask("Bitbucket Cloud, or a Data Center server? Enter for https://bitbucket.org, else the server's URL", "the URL: `git credential-bitbucket login https://bitbucket.org`")?
            .unwrap_or_else(|| format!("https://{CLOUD_HOST}")),
    };
    let url = remote::clone_scope(&given)
        .ok_or_else(|| format!("{given:?} is not a URL such as https://bitbucket.org"))?;
    let (remote, _) = Remote::from_url(&url).map_err(|e| format!("{url:?} {e}"))?;
    let cloud = remote.origin.host == CLOUD_HOST;
    if !args.with_token && !asker.terminal {
        return Err("there is no terminal to read the token on; pass it on standard input with --with-token".to_owned().into());
    }
    eprintln!("{}", guidance(cloud, &server_base(&remote, &url)));
    let secret = read_secret("Token (not shown): ")?;
    let kind = match kind_of_prefix(secret.expose()) {
        Some("app-password") => return Err("that is an app password (ATBB…), which Bitbucket no longer accepts; create an API token as above".to_owned().into()),
        Some(k) => k,
        None => return Err("the token's prefix does not say what kind it is (API tokens start ATATT, access tokens ATCTT, Data Center tokens BBDC-); an older Data Center token can be added with `git credential-bitbucket add URL --kind http-token`".to_owned().into()),
    };
    match (kind, cloud) {
        ("http-token", true) => {
            return Err(
                "a BBDC- token is a Data Center token; log in with the server's URL"
                    .to_owned()
                    .into(),
            )
        }
        ("api-token" | "access-token", false) => {
            return Err(format!(
                "an {kind} (by its prefix) is for Bitbucket Cloud, and {} is not bitbucket.org",
                remote.origin.host
            )
            .into())
        }
        _ => {}
    }
    eprintln!(
        "That is {} token.",
        match kind {
            "api-token" => "an Atlassian API",
            "access-token" => "a Bitbucket Cloud access",
            _ => "a Data Center HTTP access",
        }
    );
    let plan = plan(kind, &url, &remote, &args, &asker)?;
    let mut auth = None;
    let checked = check(&plan, &secret, &mut auth)?;
    let username = plan.username.clone().or(match kind {
        "api-token" => checked.username.clone(),
        _ => None,
    });
    let saved = add::save(
        AddArgs {
            url: plan.url.clone(),
            kind: Some(kind.to_owned()),
            name: args.name.clone(),
            username,
            email: plan.email.clone(),
            scope: plan.scope.clone(),
            repos: plan.repos.clone(),
            expires: args.expires.clone(),
            store: args.store,
            verify: false,
            api_base: None,
            force: false,
            replace: true,
            quiet_setup: true,
        },
        Some(secret),
        auth,
    )?;
    let origin = saved.entry.remote.origin.display();
    setup::run(Level::Global, Some(&origin))?;
    let clone = match (&plan.check, cloud) {
        (Some(r), true) => format!("https://{CLOUD_HOST}/{r}.git"),
        (Some(r), false) => format!("{}/scm/{r}.git", server_base(&remote, &url)),
        (None, true) => format!("https://{CLOUD_HOST}/WORKSPACE/REPO.git"),
        (None, false) => format!("{}/scm/PROJECT/REPO.git", server_base(&remote, &url)),
    };
    println!("Done. Clone with:\n    git clone {clone}");
    Ok(true)
}

/// Checks the plan's credential as `verify` does, before anything is
/// saved; a Data Center server that takes the token only as Bearer gets
/// `auth = "bearer"`, and the check is made again in that form.
fn check(
    plan: &Plan,
    secret: &Secret,
    auth: &mut Option<String>,
) -> Result<rest::Verification, CliError> {
    let settings = Context::load()?.config.settings;
    let entry_with = |auth: Option<String>| {
        let table = CredentialTable {
            name: "login".to_owned(),
            kind: plan.kind.to_owned(),
            url: plan.url.clone(),
            username: plan.username.clone(),
            email: plan.email.clone(),
            scope: plan.scope.clone(),
            repos: (!plan.repos.is_empty()).then(|| plan.repos.clone()),
            expires: None,
            secret: Some("file".to_owned()),
            auth,
        };
        config::validate(table, &settings, DefinedIn::File)
            .map_err(|e| CliError::Said(format!("{} cannot be saved: {e}", plan.url)))
    };
    let target = Target {
        repo: plan.check.as_deref(),
        api_base: None,
    };
    let agent = rest::agent()?;
    let mut checked = rest::verify(&agent, &entry_with(None)?, secret, target)?;
    if checked.needs_bearer {
        eprintln!("The server refuses Basic authentication for tokens and accepts Bearer: the entry will send Bearer (auth = \"bearer\"; git 2.46 or later).");
        *auth = Some("bearer".to_owned());
        checked = rest::verify(&agent, &entry_with(auth.clone())?, secret, target)?;
    }
    let checked = accepted_or(checked, "nothing was saved")?;
    if let Some(user) = &checked.username {
        eprintln!("Your Bitbucket username is {user}.");
    }
    Ok(checked)
}
