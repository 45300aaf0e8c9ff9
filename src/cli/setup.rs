//! `setup [URL]`: tell git to use the helper for a Bitbucket URL and to send
//! it the repository path, idempotently (the writing is [`crate::git`]'s);
//! and put the manual page where `man` finds it.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::{CliError, Context};
use crate::config::Settings;
use crate::git::{self, Level};
use crate::remote::{Remote, UrlError};
use crate::url::{printable, shown, UrlParts};

/// Why `setup` will not configure git for a URL.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// A URL that cannot be a remote.
    #[error("{url} {source}")]
    Url {
        /// The URL.
        url: String,
        /// Why.
        source: UrlError,
    },
    /// A username or password in the URL.
    #[error("{0} must not hold a username or password")]
    UserInUrl(String),
    /// Neither https nor http.
    #[error("{0:?}: only https (and http for hosts in insecure_http_hosts) is supported")]
    Scheme(String),
    /// Plain http to a host the configuration does not allow it for.
    #[error("{0} is plain http, which carries credentials only to hosts listed in settings.insecure_http_hosts; use https")]
    PlainHttp(String),
}

impl From<SetupError> for CliError {
    fn from(e: SetupError) -> CliError {
        CliError::Refused(Box::new(e))
    }
}

/// `url` as the key of a `credential.<url>` section: lower-case scheme and
/// host, no default port, no trailing slash, the path as written.
pub fn normalise_url(url: &str) -> Result<String, SetupError> {
    let (remote, username) = match Remote::from_url(url) {
        Ok(r) => r,
        Err(UrlError::Password) => return Err(SetupError::UserInUrl(shown(url))),
        Err(source) => {
            return Err(SetupError::Url {
                url: shown(url),
                source,
            })
        }
    };
    if username.is_some() {
        return Err(SetupError::UserInUrl(shown(url)));
    }
    let path = UrlParts::parse(url)
        .and_then(|p| p.path)
        .map(|p| format!("/{}", p.trim_end_matches('/')))
        .unwrap_or_default();
    Ok(format!("{}{path}", remote.origin.display()))
}

/// The manual page, as built from the same definitions as `--help`.
const MANUAL: &str = include_str!("../../man/git-credential-bitbucket.1");

/// Where the manual page belongs beside this executable, for an install
/// that no package manager owns: `PREFIX/share/man/man1` for an executable
/// in `PREFIX/bin` (`~/.cargo/bin`, `~/.local/bin`, `/usr/local/bin`),
/// where man-db looks for every `bin` directory on PATH. `None` for
/// `/usr/bin` and `/bin` (the system package's), and for an executable
/// that is not in a `bin` directory.
fn manual_place() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?.canonicalize().ok()?;
    let bin = exe.parent()?;
    if bin.file_name()? != "bin" {
        return None;
    }
    let prefix = bin.parent()?;
    if prefix == Path::new("/") || prefix == Path::new("/usr") {
        return None;
    }
    Some(
        prefix
            .join("share/man/man1")
            .join(format!("{}.1", crate::NAME)),
    )
}

/// Puts the manual page where `man git-credential-bitbucket` and `git
/// credential-bitbucket --help` find it (see [`manual_place`]), when it is
/// missing or out of date; the path when it wrote it. A place it cannot
/// write is left alone.
pub fn install_manual() -> Option<PathBuf> {
    let place = manual_place()?;
    if std::fs::read_to_string(&place).is_ok_and(|t| t == MANUAL) {
        return None;
    }
    let dir = place.parent()?;
    std::fs::create_dir_all(dir).ok()?;
    let lock = crate::fsutil::Lock::directory(dir).ok()?;
    let light = crate::fsutil::Durability::Light;
    match crate::fsutil::replace(&place, 0o644, &lock, light, &mut |f| {
        f.write_all(MANUAL.as_bytes())
    }) {
        Ok(()) => Some(place),
        Err(e) => {
            log::debug!("could not install the manual page {}: {e}", place.display());
            None
        }
    }
}

/// Configures git at `level` to run this helper for `url`, with the
/// repository path; plain http only where `settings` allow it.
pub fn configure(settings: &Settings, level: Level, url: &str) -> Result<(), CliError> {
    let url = normalise_url(url)?;
    let (remote, _) = Remote::from_url(&url).map_err(|source| SetupError::Url {
        url: url.clone(),
        source,
    })?;
    if remote.origin.scheme != "https" && remote.origin.scheme != "http" {
        return Err(SetupError::Scheme(url).into());
    }
    if settings.refuses_plain_http(&remote.origin) {
        return Err(SetupError::PlainHttp(url).into());
    }
    let helper = git::helper_value();
    let written = git::write(level, &url, &helper)?;
    let file = &written.file;
    let url = printable(&url);
    for other in &written.replaced {
        say!(
            "Replaced the helper {} for {url}: it would have stored the tokens git uses, or asked for others.",
            git::shown_helper(other)
        );
    }
    if written.changed {
        say!("git now runs {helper} for {url}, with the repository path ({file}).");
    } else {
        say!("git already runs {helper} for {url} ({file}); nothing changed.");
    }
    for other in &written.others {
        say!(
            "git still runs {} for {url}, set in {}, which git reads after {file}: remove it there, or run this setup at that file's level (--local for a repository's own configuration).",
            git::shown_helper(&other.command),
            other.file
        );
    }
    Ok(())
}

/// Runs `setup`. A configuration that cannot be read allows plain http
/// nowhere, and stops nothing else.
pub fn run(level: Level, url: Option<&str>) -> Result<bool, CliError> {
    let settings = Context::load()
        .map(|ctx| ctx.config.settings)
        .unwrap_or_default();
    configure(&settings, level, url.unwrap_or("https://bitbucket.org"))?;
    Ok(true)
}

/// Runs `setup --remove`: the lines `setup` wrote for the URL at `level`
/// (its empty helper, this helper, `useHttpPath`) go; other helpers and
/// keys of the section stay, and a section left empty goes too.
pub fn remove(level: Level, url: Option<&str>) -> Result<bool, CliError> {
    let url = normalise_url(url.unwrap_or("https://bitbucket.org"))?;
    let shown = printable(&url);
    match git::unwrite(level, &url)? {
        Some(file) => say!("Removed this helper's lines for {shown} from {file}."),
        None => say!("git's configuration at that level has no lines of this helper for {shown}; nothing changed."),
    }
    Ok(true)
}
