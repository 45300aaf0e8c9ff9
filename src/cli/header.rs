//! `header URL`: the `Authorization:` header Bitbucket's REST API wants for
//! URL, from the entry that covers it, for scripts (`curl -H @-`).

use crate::cli::Context;
use crate::protocol::UrlParts;
use crate::remote::Remote;
use crate::resolve::{resolve, Resolution};

/// Runs `header`.
pub fn run(url: &str) -> Result<bool, String> {
    let ctx = Context::load()?;
    let parts = UrlParts::parse(url).ok_or_else(|| format!("{url:?} is not a URL"))?;
    let host = parts
        .host
        .as_deref()
        .ok_or_else(|| format!("{url:?} names no host"))?;
    let remote = Remote::classify(&parts.protocol, host, parts.path.as_deref().or(Some("")))
        .ok_or_else(|| format!("{url:?} has a malformed host"))?;
    if remote.origin.scheme != "https"
        && !ctx
            .config
            .settings
            .allows_http(&remote.origin.host, remote.origin.port)
    {
        return Err(format!(
            "refusing to hand out a credential for plain http ({url})"
        ));
    }
    let entry = match resolve(&ctx.config.entries, &remote, parts.username.as_deref()) {
        Resolution::Found(e) => e,
        Resolution::Tie(tied) => {
            let names: Vec<String> = tied.iter().map(|e| format!("'{}'", e.name)).collect();
            return Err(format!(
                "entries {} have the same scope for {url}, so neither is used",
                names.join(" and ")
            ));
        }
        Resolution::NeedsPath | Resolution::NotFound => {
            return Err(format!("no entry covers {url}"))
        }
    };
    let authorization = ctx.rest_authorization(entry)?;
    println!("Authorization: {}", authorization.expose());
    Ok(true)
}
