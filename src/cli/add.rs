//! `add URL`: store a new credential — its entry in the configuration, its
//! secret in the keyring or the file store — all or nothing.

use crate::calendar::{self, Date, Expiry};
use crate::cli::{ask, check_before_saving, read_secret, setup, CliError, Context};
use crate::config::{self, Config, CredentialTable, DefinedIn, EntryError, Field, Problem};
use crate::config_edit::{self, Change, Companion, EditError};
use crate::credential::{kind_of_prefix, KindError};
use crate::remote::{self, Remote, RemoteKind, CLOUD_API_HOST, CLOUD_HOST};
use crate::resolve;
use crate::secret::Secret;
use crate::store::file::FileStore;
use crate::store::Store;

/// The options of `add`.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The scope of the credential: https://bitbucket.org/WORKSPACE[/REPO], or a Data Center URL such as https://HOST/CONTEXT/scm/PROJECT/.
    pub url: String,
    /// The kind of secret; recognised from the token's prefix when left out.
    #[arg(long, value_parser = ["app-password", "api-token", "access-token", "http-token"])]
    pub kind: Option<String>,
    /// The entry's name (default: made from the URL).
    #[arg(long)]
    pub name: Option<String>,
    /// The Bitbucket username (app passwords, API tokens, Data Center personal tokens).
    #[arg(long)]
    pub username: Option<String>,
    /// The Atlassian account email (API tokens; the REST API needs it).
    #[arg(long)]
    pub email: Option<String>,
    /// What an access or HTTP token was made for.
    #[arg(long, value_parser = ["repository", "project", "workspace", "user"])]
    pub scope: Option<String>,
    /// The repositories of a Cloud project token, WORKSPACE/REPO (repeat or comma-separate).
    #[arg(long, value_delimiter = ',')]
    pub repos: Vec<String>,
    /// The token's expiry date, YYYY-MM-DD.
    #[arg(long)]
    pub expires: Option<String>,
    /// Where the secret goes (default: settings.store; auto means the keyring when it answers).
    #[arg(long, value_enum)]
    pub store: Option<Store>,
    /// Check the credential against Bitbucket's REST API before saving it.
    #[arg(long)]
    pub verify: bool,
    /// The REST API base URL for --verify (default: https://api.bitbucket.org, or the Data Center server).
    #[arg(long, value_name = "URL")]
    pub api_base: Option<String>,
    /// Save an app password even though Bitbucket removed them.
    #[arg(long)]
    pub force: bool,
    /// Replace the entry of the same name, or the one that already covers this URL and username, entry and secret both.
    #[arg(long)]
    pub replace: bool,
    /// Set by `login`, which configures git itself.
    #[arg(skip)]
    pub quiet_setup: bool,
}

fn default_name(url: &str, ctx: &Context) -> String {
    let base = Remote::from_url(url)
        .ok()
        .map(|(remote, _)| {
            let host_label = remote
                .origin
                .host
                .split('.')
                .next()
                .unwrap_or("bitbucket")
                .to_owned();
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
            if tail.is_empty() {
                host_label
            } else if matches!(remote.kind, RemoteKind::DataCenter(_) | RemoteKind::Other) {
                format!("{host_label}-{}", tail.join("-"))
            } else {
                tail.join("-")
            }
        })
        .unwrap_or_else(|| "bitbucket".to_owned());
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
    let taken = |n: &str| ctx.config.entries.iter().any(|e| e.name == n);
    if !taken(&clean) {
        return clean;
    }
    (2..)
        .map(|i| format!("{clean}-{i}"))
        .find(|n| !taken(n))
        .unwrap_or(clean)
}

/// The scope a token of `kind` most likely has, judged from the URL.
fn guess_scope(kind: &str, url: &str, has_repos: bool, has_username: bool) -> Option<String> {
    let (remote, _) = Remote::from_url(url).ok()?;
    let scm = remote.data_center_scm();
    let scope = match kind {
        "access-token" if has_repos => "project",
        "access-token" if remote.segments.as_ref().is_some_and(|s| s.len() >= 2) => "repository",
        "access-token" => "workspace",
        "http-token" if has_username => "user",
        "http-token" => match scm {
            Some(p) if p.repo.is_some() => "repository",
            Some(p) if p.owner.is_some() => "project",
            _ => return None,
        },
        _ => return None,
    };
    Some(scope.to_owned())
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
        Problem::Kind(KindError::MissingScope { kind, valid }) => format!("an {kind} needs --scope: {valid}"),
        Problem::Kind(KindError::BadScope { scope, valid }) => format!("--scope {scope} is not one of {valid}"),
        Problem::Kind(KindError::Unknown(kind)) => format!("--kind {kind} is not one of app-password, api-token, access-token, http-token"),
        other => format!("{flag}: {other}"),
    }
}

/// The Bitbucket the URL is on, and whether a credential of `kind` can
/// ever work there.
fn check_kind_fits_host(kind: &str, remote: &Remote) -> Result<(), String> {
    let cloud = matches!(remote.origin.host.as_str(), CLOUD_HOST | CLOUD_API_HOST);
    match (kind, cloud) {
        ("api-token" | "access-token" | "app-password", false) => Err(format!(
            "an {kind} is a Bitbucket Cloud credential, and {} is not bitbucket.org; a Data Center server takes HTTP access tokens (--kind http-token)",
            remote.origin.host
        )),
        ("http-token", true) => Err("an http-token is a Bitbucket Data Center credential; bitbucket.org takes API tokens (ATATT…) and access tokens (ATCTT…)".to_owned()),
        _ => Ok(()),
    }
}

/// The secret's side of `add`, under the configuration's lock: refuses a
/// name that exists or a tie the new entry would make, then writes the
/// secret; put back as it was if the configuration cannot be written.
struct AddSecret<'a> {
    files: &'a FileStore,
    store: Store,
    name: &'a str,
    secret: &'a Secret,
    /// The entry this one replaces, if any.
    replacing: Option<&'a str>,
    /// What the store held under the name before (to put back).
    previous: Option<Option<Secret>>,
}

impl Companion for AddSecret<'_> {
    fn apply(&mut self, before: &Config, after: &Config) -> Result<(), EditError> {
        if self.replacing.is_none() && before.entries.iter().any(|e| e.name == self.name) {
            return Err(EditError::Refused(format!("an entry named '{}' exists already; to put a new token in it run `git credential-bitbucket rotate {}`, or pass --replace to replace it", self.name, self.name)));
        }
        if let Some(tie) = resolve::ties(&after.entries)
            .into_iter()
            .find(|t| t.names.iter().any(|n| n == self.name))
        {
            let others: Vec<String> = tie.names.into_iter().filter(|n| n != self.name).collect();
            let other = others.first().cloned().unwrap_or_default();
            return Err(EditError::Refused(format!(
                "entry '{other}' already covers {} for this username, and a second entry would make git get neither; to put a new token in it run `git credential-bitbucket rotate {other}`, or pass --replace to replace it",
                tie.url
            )));
        }
        self.previous = Some(
            self.store
                .get(self.files, self.name)
                .map_err(|e| EditError::Refused(e.to_string()))?,
        );
        self.store
            .put(self.files, self.name, self.secret)
            .map_err(|e| EditError::Refused(e.to_string()))
    }

    fn undo(&mut self) {
        let _ = match self.previous.take() {
            Some(Some(old)) => self.store.put(self.files, self.name, &old),
            Some(None) => self.store.take(self.files, self.name).map(|_| ()),
            None => Ok(()),
        };
    }
}

/// Runs `add`.
/// Runs `add`.
pub fn run(args: AddArgs) -> Result<bool, CliError> {
    save(args, None, None).map(|_| true)
}

/// What `add` saved.
pub struct Saved {
    /// The entry, as saved.
    pub entry: config::Entry,
    /// Whether it replaced an entry.
    pub replaced: bool,
}

/// Adds the entry `args` describe, with `secret` (read from the terminal or
/// standard input when `None`) and `auth` (the entry's `auth` field): the
/// work of `add`, and of `login` once it has asked its questions.
pub fn save(
    args: AddArgs,
    secret: Option<Secret>,
    auth: Option<String>,
) -> Result<Saved, CliError> {
    let ctx = Context::load()?;
    let url = remote::clone_scope(&args.url).ok_or_else(|| {
        format!(
            "{:?} is not a URL such as https://bitbucket.org/WORKSPACE/",
            args.url
        )
    })?;
    let (remote, _) = Remote::from_url(&url).map_err(|e| format!("{url:?} {e}"))?;
    if let Some(text) = &args.expires {
        let date = Date::parse(text)
            .ok_or_else(|| format!("--expires {text:?} is not a date of the form YYYY-MM-DD"))?;
        if Expiry::of(date, calendar::now(), 0) == Expiry::Expired {
            return Err(format!("--expires {text} is not in the future: that token no longer works; create a new one").into());
        }
    }
    let secret = match secret {
        Some(s) => s,
        None => read_secret(&format!("Token for {url}: "))?,
    };
    let prefix_kind = kind_of_prefix(secret.expose());
    let kind = match (args.kind.clone(), prefix_kind) {
        (Some(k), Some(p)) if k != p => {
            return Err(format!("the token starts like an {p}, not an {k} (--kind {k}); check that you pasted the right token, or leave out --kind").into())
        }
        (Some(k), _) => k,
        (None, Some(p)) => p.to_owned(),
        (None, None) => return Err("the token's prefix does not say what kind it is; pass --kind app-password, api-token, access-token or http-token".to_owned().into()),
    };
    if kind == "app-password" && !args.force {
        return Err("Bitbucket removed app passwords on 2026-07-28; create an API token instead (or pass --force to save this one anyway)".to_owned().into());
    }
    check_kind_fits_host(&kind, &remote)?;
    let mut username = args.username.clone();
    let mut email = args.email.clone();
    let needs_username =
        kind == "app-password" || (kind == "http-token" && args.scope.as_deref() == Some("user"));
    if username.is_none() && needs_username {
        username = ask("Bitbucket username");
    }
    if kind == "api-token" && email.is_none() {
        email = ask("Atlassian account email, for the REST API (empty to skip)");
    }
    let scope = match args.scope.clone() {
        Some(s) => Some(s),
        None => guess_scope(&kind, &url, !args.repos.is_empty(), username.is_some()),
    };
    if kind == "http-token" && scope.as_deref() == Some("user") && username.is_none() {
        username = ask("Bitbucket username");
    }
    // With --replace and no --name, the entry that covers the same URL
    // and username keeps its name; it is found below.
    let mut name = args
        .name
        .clone()
        .unwrap_or_else(|| default_name(&url, &ctx));
    let (store, why) = Store::choose(args.store, ctx.config.settings.store);
    let mut table = CredentialTable {
        name: name.clone(),
        kind: kind.clone(),
        url: url.clone(),
        username,
        email,
        scope,
        repos: (!args.repos.is_empty()).then(|| args.repos.clone()),
        expires: args.expires.clone(),
        secret: Some(store.as_str().to_owned()),
        auth,
    };
    let entry =
        config::validate(table.clone(), &ctx.config.settings, DefinedIn::File).map_err(|e| {
            match &args.name {
                Some(n) => format!("entry '{n}' cannot be added: {}", in_flag_words(&e)),
                None => format!("{url} cannot be added: {}", in_flag_words(&e)),
            }
        })?;
    // Which entry --replace replaces: the one of the same name, else the
    // one the new entry would tie with.
    let file_entries: Vec<config::Entry> = ctx
        .config
        .entries
        .iter()
        .filter(|e| e.defined_in == DefinedIn::File)
        .cloned()
        .collect();
    let mut replacing = None;
    if !args.replace && file_entries.iter().any(|e| e.name == name) {
        return Err(format!("an entry named '{name}' exists already; to put a new token in it run `git credential-bitbucket rotate {name}`, or pass --replace to replace it").into());
    }
    if args.replace {
        if file_entries.iter().any(|e| e.name == name) {
            replacing = Some(name.clone());
        } else {
            let mut with_new = file_entries.clone();
            with_new.push(entry.clone());
            let partners: Vec<String> = resolve::ties(&with_new)
                .into_iter()
                .filter(|t| t.names.contains(&name))
                .flat_map(|t| t.names)
                .filter(|n| *n != name)
                .collect();
            match partners.as_slice() {
                [] => {}
                [one] => {
                    if args.name.is_none() {
                        name = one.clone();
                        table.name = one.clone();
                    }
                    replacing = Some(one.clone());
                }
                many => {
                    return Err(format!(
                        "--replace would replace {}; remove the ones not needed with `git credential-bitbucket remove NAME` first",
                        resolve::quoted_list(many)
                    )
                    .into())
                }
            }
        }
    }
    if args.verify {
        check_before_saving(
            &entry,
            &secret,
            crate::rest::Target {
                repo: None,
                api_base: args.api_base.as_deref(),
            },
            "not saved",
        )?;
    }
    let old_store = replacing.as_ref().and_then(|r| {
        file_entries
            .iter()
            .find(|e| e.name == *r)
            .and_then(|e| e.secret.store().map(|s| (r.clone(), s)))
    });
    let mut companion = AddSecret {
        files: &ctx.files,
        store,
        name: &name,
        secret: &secret,
        replacing: replacing.as_deref(),
        previous: None,
    };
    let change = match &replacing {
        Some(old) => Change::Replace(old, &table),
        None => Change::Add(&table),
    };
    config_edit::apply(&ctx.config_path, change, &mut companion).map_err(|e| match e {
        EditError::Refused(why) => CliError::Said(why),
        other => CliError::Said(format!("not saved: {other}")),
    })?;
    // A replaced entry's secret that lived elsewhere, or under its old
    // name, goes with it.
    if let Some((old_name, old)) = old_store {
        if old_name != name || old != store {
            let _ = old.take(&ctx.files, &old_name);
        }
    }
    let _ = ctx.state.forget(&name);
    let place = match store {
        Store::Keyring => store.describe().to_owned(),
        Store::File => ctx.files.secret_path(&name).display().to_string(),
    };
    let verb = if replacing.is_some() {
        "Replaced"
    } else {
        "Added"
    };
    println!(
        "{verb} entry '{name}' ({}) for {url}; its secret is in {place} ({why}).",
        entry.kind.with_article()
    );
    if url.trim_end_matches('/') != args.url.trim_end_matches('/') {
        println!(
            "The URL given, {}, names the scope {url}: that is what the entry covers.",
            args.url
        );
    }
    let base = entry.remote.origin.display();
    if !args.quiet_setup && !setup::git_runs_helper(&format!("{base}/")) {
        println!(
            "git does not run this helper for {base} yet; run `git credential-bitbucket setup {base}`."
        );
    }
    Ok(Saved {
        entry,
        replaced: replacing.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_guessed_from_the_url() {
        let cases = [
            (
                "access-token",
                "https://bitbucket.org/acme/widget",
                false,
                false,
                Some("repository"),
            ),
            (
                "access-token",
                "https://bitbucket.org/acme/",
                false,
                false,
                Some("workspace"),
            ),
            (
                "access-token",
                "https://bitbucket.org/acme/",
                true,
                false,
                Some("project"),
            ),
            (
                "http-token",
                "https://h/bitbucket/scm/PROJ/repo.git",
                false,
                false,
                Some("repository"),
            ),
            (
                "http-token",
                "https://h/bitbucket/scm/PROJ",
                false,
                false,
                Some("project"),
            ),
            (
                "http-token",
                "https://h/bitbucket/",
                false,
                true,
                Some("user"),
            ),
            ("http-token", "https://h/bitbucket/", false, false, None),
            ("api-token", "https://bitbucket.org/", false, false, None),
        ];
        for (kind, url, repos, user, want) in cases {
            assert_eq!(
                guess_scope(kind, url, repos, user).as_deref(),
                want,
                "{kind} {url}"
            );
        }
    }
}
