//! `add URL`: store a new credential — its entry in the configuration, its
//! secret in the keyring or the file store — all or nothing.

use crate::cli::{ask, read_secret, CliError, Context};
use crate::config::{self, CredentialTable, DefinedIn};
use crate::config_edit;
use crate::credential::kind_of_prefix;
use crate::remote::{Remote, RemoteKind};
use crate::rest;
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

/// Runs `add`.
pub fn run(args: AddArgs) -> Result<bool, CliError> {
    let ctx = Context::load()?;
    let secret = read_secret(&format!("Token for {}: ", args.url))?;
    let kind = match args.kind.clone().or_else(|| kind_of_prefix(secret.expose()).map(str::to_owned)) {
        Some(k) => k,
        None => return Err("the token's prefix does not say what kind it is; pass --kind app-password, api-token, access-token or http-token".to_owned().into()),
    };
    if kind == "app-password" && !args.force {
        return Err("Bitbucket removed app passwords on 2026-07-28; create an API token instead (or pass --force to save this one anyway)".to_owned().into());
    }
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
        None => guess_scope(&kind, &args.url, !args.repos.is_empty(), username.is_some()),
    };
    if kind == "http-token" && scope.as_deref() == Some("user") && username.is_none() {
        username = ask("Bitbucket username");
    }
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| default_name(&args.url, &ctx));
    let (store, why) = Store::choose(args.store, ctx.config.settings.store);
    let table = CredentialTable {
        name: name.clone(),
        kind: kind.clone(),
        url: args.url.clone(),
        username,
        email,
        scope,
        repos: (!args.repos.is_empty()).then(|| args.repos.clone()),
        expires: args.expires.clone(),
        secret: Some(store.as_str().to_owned()),
        auth: None,
    };
    let entry = config::validate(table.clone(), &ctx.config.settings, DefinedIn::File)
        .map_err(|e| format!("the new entry '{name}' is not valid: {e}"))?;
    if ctx
        .config
        .entries
        .iter()
        .any(|e| e.name == name && e.defined_in == DefinedIn::File)
    {
        return Err(format!(
            "an entry named '{name}' exists already; pick another --name, or `remove` it first"
        )
        .into());
    }
    if args.verify {
        let checked = rest::verify(&rest::agent()?, &entry, &secret, args.api_base.as_deref())?;
        if let Some(problem) = checked.problem {
            return Err(format!(
                "not saved: Bitbucket answered {} with {problem}",
                checked.url
            )
            .into());
        }
        eprintln!(
            "Bitbucket accepts it ({} answered {}).",
            checked.url, checked.status
        );
    }
    store.put(&ctx.files, &name, &secret)?;
    if let Err(e) = config_edit::add_entry(&ctx.config_path, &table) {
        let undo = store.take(&ctx.files, &name);
        return Err(match undo {
            Ok(_) => format!("not saved: {e}"),
            Err(u) => format!(
                "not saved: {e}; and the secret already written could not be removed again: {u}"
            ),
        }
        .into());
    }
    let _ = ctx.state.forget(&name);
    let place = match store {
        Store::Keyring => store.describe().to_owned(),
        Store::File => ctx.files.secret_path(&name).display().to_string(),
    };
    println!(
        "Added entry '{name}' ({}) for {}; its secret is in {place} ({why}).",
        entry.kind, args.url
    );
    Ok(true)
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
