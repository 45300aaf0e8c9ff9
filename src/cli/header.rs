//! `header URL`: the `Authorization:` header Bitbucket's REST API wants for
//! URL, from the entry that covers it, for scripts (`curl -H @-`).

use crate::cli::Context;
use crate::protocol::UrlParts;
use crate::remote::Remote;
use crate::resolve::{resolve, Resolution};
use crate::{rest, secret};

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
    let secret = secret::load(
        &entry.name,
        &entry.secret,
        &ctx.files,
        ctx.config.settings.command_timeout,
    )
    .map_err(|e| e.to_string())?;
    let form = rest::rest_form(entry).map_err(|e| format!("entry '{}': {e}", entry.name))?;
    println!(
        "Authorization: {}",
        rest::authorization(&form, &secret).expose()
    );
    Ok(true)
}
