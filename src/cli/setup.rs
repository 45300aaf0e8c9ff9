//! `setup [URL]`: tell git to use the helper for a Bitbucket URL and to send
//! it the repository path, idempotently.

use std::path::PathBuf;

use crate::cli::CliError;
use crate::remote::{Remote, UrlError};

/// Which git configuration file `setup` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The user's (`~/.gitconfig`, or `$GIT_CONFIG_GLOBAL`).
    Global,
    /// The machine's (`/etc/gitconfig`, or `$GIT_CONFIG_SYSTEM`).
    System,
    /// The current repository's.
    Local,
}

/// The helper name git is given: `bitbucket` runs `git-credential-bitbucket`
/// from PATH.
pub const HELPER: &str = "bitbucket";

fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The file git reads for `level`.
pub fn config_file(level: Level) -> Result<PathBuf, String> {
    match level {
        Level::Global => {
            if let Some(p) = env_path("GIT_CONFIG_GLOBAL") {
                return Ok(p);
            }
            let home = dirs::home_dir().ok_or("no home directory was found")?;
            let dot = home.join(".gitconfig");
            let xdg = env_path("XDG_CONFIG_HOME")
                .unwrap_or_else(|| home.join(".config"))
                .join("git/config");
            Ok(if !dot.exists() && xdg.exists() {
                xdg
            } else {
                dot
            })
        }
        Level::System => Ok(env_path("GIT_CONFIG_SYSTEM")
            .or_else(|| git2::Config::find_system().ok())
            .unwrap_or_else(|| PathBuf::from("/etc/gitconfig"))),
        Level::Local => {
            let repo = git2::Repository::open_from_env().map_err(|e| {
                format!(
                    "--local needs to run inside a git repository ({})",
                    e.message()
                )
            })?;
            Ok(repo.path().join("config"))
        }
    }
}

/// Writes the lines for `url` into `file`; `false` when they were there
/// already and nothing changed.
pub fn write(file: &std::path::Path, url: &str) -> Result<bool, String> {
    let fail = |e: git2::Error| format!("could not update {}: {}", file.display(), e.message());
    if let Some(dir) = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.exists())
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("could not create {}: {e}", dir.display()))?;
    }
    let mut cfg = git2::Config::open(file).map_err(fail)?;
    let helper_key = format!("credential.{url}.helper");
    let path_key = format!("credential.{url}.useHttpPath");
    let mut current = Vec::new();
    if let Ok(mut values) = cfg.multivar(&helper_key, None) {
        while let Some(v) = values.next() {
            current.push(v.map_err(fail)?.value().unwrap_or_default().to_owned());
        }
    }
    let wanted = ["", HELPER];
    let path_on = cfg.get_bool(&path_key).unwrap_or(false);
    if current == wanted && path_on {
        return Ok(false);
    }
    if !current.is_empty() {
        cfg.remove_multivar(&helper_key, ".*").map_err(fail)?;
    }
    // An empty helper first clears helpers configured for every URL (a
    // general `credential.helper`), so that only this one answers here.
    cfg.set_multivar(&helper_key, "^$", "").map_err(fail)?;
    cfg.set_multivar(&helper_key, &format!("^{HELPER}$"), HELPER)
        .map_err(fail)?;
    cfg.set_bool(&path_key, true).map_err(fail)?;
    Ok(true)
}

/// Runs `setup`.
pub fn run(level: Level, url: Option<&str>) -> Result<bool, CliError> {
    let url = url.unwrap_or("https://bitbucket.org").trim_end_matches('/');
    match Remote::from_url(url) {
        Ok((_, None)) => {}
        Ok((_, Some(_))) | Err(UrlError::Password) => {
            return Err(format!("{url:?} must not hold a username or password").into())
        }
        Err(e) => return Err(format!("{url:?} {e}").into()),
    }
    let file = config_file(level)?;
    if write(&file, url)? {
        println!(
            "git now uses git-credential-bitbucket for {url}, with the repository path ({}).",
            file.display()
        );
    } else {
        println!(
            "git already uses git-credential-bitbucket for {url} ({}); nothing changed.",
            file.display()
        );
    }
    Ok(true)
}
