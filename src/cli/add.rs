//! `add URL`: store a new credential — its entry in the configuration, its
//! secret in the keyring or the file store — all or nothing.

use crate::cli::{ask, choose_store, delete_secret, put_secret, read_secret, Context, StoreArg};
use crate::config::{self, RawEntry};
use crate::config_edit;
use crate::credential::kind_of_prefix;
use crate::protocol::UrlParts;
use crate::remote::{Remote, RemoteKind};
use crate::rest;

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
    pub store: Option<StoreArg>,
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
    let base = UrlParts::parse(url)
        .and_then(|u| {
            let host = u.host?;
            let remote = Remote::classify(&u.protocol, &host, u.path.as_deref())?;
            let segs = remote.scope.unwrap_or_default();
            let tail: Vec<String> = match remote.kind {
                RemoteKind::DataCenterScm => segs
                    .iter()
                    .skip_while(|s| *s != "scm")
                    .skip(1)
                    .cloned()
                    .collect(),
                _ => segs,
            };
            let host_label = remote
                .origin
                .host
                .split('.')
                .next()
                .unwrap_or("bitbucket")
                .to_owned();
            Some(if tail.is_empty() {
                host_label
            } else if matches!(remote.kind, RemoteKind::DataCenterScm | RemoteKind::Other) {
                format!("{host_label}-{}", tail.join("-"))
            } else {
                tail.join("-")
            })
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
    let parts = UrlParts::parse(url)?;
    let remote = Remote::classify(&parts.protocol, &parts.host?, parts.path.as_deref())?;
    let segs = remote.scope.unwrap_or_default();
    let after_scm = segs
        .iter()
        .position(|s| s == "scm")
        .map(|i| segs.len() - i - 1);
    let scope = match kind {
        "access-token" if has_repos => "project",
        "access-token" if segs.len() >= 2 => "repository",
        "access-token" => "workspace",
        "http-token" if has_username => "user",
        "http-token" => match after_scm {
            Some(n) if n >= 2 => "repository",
            Some(1) => "project",
            _ => return None,
        },
        _ => return None,
    };
    Some(scope.to_owned())
}

/// Runs `add`.
pub fn run(args: AddArgs) -> Result<bool, String> {
    let ctx = Context::load()?;
    let secret = read_secret(&format!("Token for {}: ", args.url))?;
    let kind = match args.kind.clone().or_else(|| kind_of_prefix(secret.expose()).map(str::to_owned)) {
        Some(k) => k,
        None => return Err("the token's prefix does not say what kind it is; pass --kind app-password, api-token, access-token or http-token".to_owned()),
    };
    if kind == "app-password" && !args.force {
        return Err("Bitbucket removed app passwords on 2026-07-28; create an API token instead (or pass --force to save this one anyway)".to_owned());
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
    let (store, why) = choose_store(args.store, &ctx.config.settings);
    let raw = RawEntry {
        name: name.clone(),
        kind: kind.clone(),
        url: args.url.clone(),
        username,
        email,
        scope,
        repos: (!args.repos.is_empty()).then(|| args.repos.clone()),
        expires: args.expires.clone(),
        secret: Some(store.source().to_owned()),
    };
    let entry = config::validate(raw.clone(), &ctx.config.settings, config::Origin::File)
        .map_err(|m| format!("the new entry '{name}' is not valid: {m}"))?;
    if ctx
        .config
        .entries
        .iter()
        .any(|e| e.name == name && e.origin == config::Origin::File)
    {
        return Err(format!(
            "an entry named '{name}' exists already; pick another --name, or `remove` it first"
        ));
    }
    if args.verify {
        let base = args
            .api_base
            .clone()
            .unwrap_or_else(|| rest::api_base(&entry));
        let url = format!(
            "{}{}",
            base.trim_end_matches('/'),
            rest::verify_path(&entry)
        );
        let form = rest::rest_form(&entry).map_err(|e| format!("cannot verify '{name}': {e}"))?;
        let status = rest::get_status(&rest::agent()?, &url, &rest::authorization(&form, &secret))?;
        if let Some(problem) = rest::explain(entry.kind, status) {
            return Err(format!(
                "not saved: Bitbucket answered {url} with {problem}"
            ));
        }
        eprintln!("Bitbucket accepts it ({url} answered {status}).");
    }
    put_secret(&ctx, store, &name, &secret)?;
    if let Err(e) = config_edit::add_entry(&ctx.config_path, &raw) {
        let undo = delete_secret(&ctx, store, &name);
        return Err(match undo {
            Ok(()) => format!("not saved: {e}"),
            Err(u) => format!(
                "not saved: {e}; and the secret already written could not be removed again: {u}"
            ),
        });
    }
    let _ = ctx.state.forget(&name);
    let place = match store {
        StoreArg::Keyring => "the OS keyring".to_owned(),
        StoreArg::File => ctx.files.secret_path(&name).display().to_string(),
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
