//! `add URL`: store a new credential — its entry in the configuration, its
//! secret in the keyring or the file store — all or nothing.

use crate::cli::entry::{self, Draft, Saved};
use crate::cli::{ask, check_before_saving, read_secret, CliError, Consequence, Context};
use crate::config::Entry;
use crate::kind::{KindName, ScopeName};
use crate::store::{Chosen, Store};

/// The options of `add`.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The scope of the credential: https://bitbucket.org/WORKSPACE[/REPO], or a Data Center URL such as https://HOST/CONTEXT/scm/PROJECT/.
    pub url: String,
    /// The kind of secret; recognised from the token's prefix when left out.
    #[arg(long, value_enum)]
    pub kind: Option<KindName>,
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
    #[arg(long, value_enum)]
    pub scope: Option<ScopeName>,
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
}

/// Says what [`entry::save`] did with `entry`, and why its secret went
/// where it did.
pub fn announce(entry: &Entry, saved: &Saved, why: &Chosen) {
    let verb = if saved.replaced.is_some() {
        "Replaced"
    } else {
        "Added"
    };
    say!(
        "{verb} entry '{}' ({}) for {}; its secret is in {} ({why}).",
        entry.name,
        entry.kind.with_article(),
        entry.url,
        saved.place
    );
}

/// Runs `add`.
pub fn run(args: AddArgs) -> Result<bool, CliError> {
    let ctx = Context::load()?;
    let mut draft = Draft {
        url: args.url.clone(),
        kind: args.kind,
        scope: args.scope,
        name: args.name.clone(),
        username: args.username.clone(),
        email: args.email.clone(),
        repos: args.repos.clone(),
        expires: args.expires.clone(),
        bearer: false,
        force: args.force,
    };
    let (url, _) = entry::scope_of(&draft.url)?;
    if let Some(text) = &draft.expires {
        entry::future_date(text, crate::calendar::now())?;
    }
    let secret = read_secret(&format!("Token for {url}: "))?;
    let kind = entry::kind_of(draft.kind, &secret)?;
    // Checked before any question is asked.
    entry::infer(&draft, kind, &|n| ctx.has(n))?;
    let user_scope = draft.scope == Some(ScopeName::User);
    if draft.username.is_none() && (kind == KindName::AppPassword || user_scope) {
        draft.username = ask("Bitbucket username");
    }
    if kind == KindName::ApiToken && draft.email.is_none() {
        draft.email = ask("Atlassian account email, for the REST API (empty to skip)");
    }
    let inferred = entry::infer(&draft, kind, &|n| ctx.has(n))?;
    draft.scope = inferred.scope;
    let (store, why) = Store::choose(args.store, ctx.config.settings.store);
    let name = inferred.name;
    let mut new = draft.entry(&url, kind, &name, store, &ctx.config)?;
    let in_file = |n: &str| {
        ctx.config
            .entries
            .iter()
            .any(|e| e.name == n && e.defined_in == crate::config::DefinedIn::File)
    };
    if !args.replace && in_file(&name) {
        return Err(entry::SaveError::NameTaken(name).into());
    }
    // With --replace and no --name, the entry that covers the same URL and
    // username keeps its name.
    let replacing = if args.replace {
        entry::replaced_by(&ctx.config, &new)?
    } else {
        None
    };
    if let (Some(old), None) = (&replacing, &draft.name) {
        new.name.clone_from(old);
    }
    if args.verify {
        let target = crate::rest::Target {
            repo: None,
            api_base: args.api_base.as_deref(),
        };
        check_before_saving(&ctx, &new, &secret, target, Consequence::NotSaved)?;
    }
    let saved = entry::save(&ctx, &new, &secret, replacing.as_deref())?;
    announce(&new, &saved, &why);
    if url.trim_end_matches('/') != args.url.trim_end_matches('/') {
        say!(
            "The URL given, {}, names the scope {url}: that is what the entry covers.",
            args.url
        );
    }
    let base = new.remote.origin.display();
    if !crate::git::runs_this_helper(&format!("{base}/")) {
        say!(
            "git does not run this helper for {base} yet; run `git credential-bitbucket setup {base}`."
        );
    }
    Ok(true)
}
