//! `doctor`: one line per check of everything the helper depends on, each
//! failure with the command that fixes it; exit status 1 when any fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::calendar::{self, Expiry};
use crate::cli::{setup, CliError, Context};
use crate::config::{DefinedIn, Entry};
use crate::credential::{HttpScope, Kind};
use crate::fsutil;
use crate::fsutil::FileError;
use crate::resolve;
use crate::store::{keyring, SecretSource, Store, StoreError};
use crate::url::printable;

#[derive(Default)]
struct Report {
    failed: usize,
    warned: usize,
}

impl Report {
    fn ok(&mut self, text: impl AsRef<str>) {
        println!("ok    {}", text.as_ref());
    }
    fn warn(&mut self, text: impl AsRef<str>) {
        self.warned += 1;
        println!("warn  {}", text.as_ref());
    }
    fn fail(&mut self, text: impl AsRef<str>) {
        self.failed += 1;
        println!("FAIL  {}", text.as_ref());
    }

    /// The last line: what the lines above add up to.
    fn summary(&self) {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        match (self.failed, self.warned) {
            (0, 0) => println!("Everything checked is in order."),
            (0, w) => println!("{}; nothing failed.", plural(w, "warning", "warnings")),
            (f, 0) => println!("{} failed.", plural(f, "check", "checks")),
            (f, w) => println!(
                "{} failed, and {}.",
                plural(f, "check", "checks"),
                plural(w, "warning", "warnings")
            ),
        }
    }
}

/// Checks what git runs for `url`: this helper, found without the user's
/// PATH, and no other helper that would keep or hand out tokens.
fn check_helpers(r: &mut Report, url: &str) {
    let helpers = match setup::helpers_git_runs(url) {
        Ok(h) => h,
        Err(e) => {
            r.fail(format!(
                "could not ask git which helpers it runs for {url}: {e}"
            ));
            return;
        }
    };
    let Some(ours) = helpers.iter().position(|h| setup::is_this_helper(h)) else {
        let others = if helpers.is_empty() {
            String::new()
        } else {
            format!(" (it runs {})", quoted(&helpers))
        };
        r.fail(format!(
            "git does not run the helper for {url}{others}; run `git credential-bitbucket setup {url}`"
        ));
        return;
    };
    let alone = helpers.len() == 1;
    for (i, other) in helpers.iter().enumerate().filter(|(i, _)| *i != ours) {
        let place = if i < ours { "before" } else { "after" };
        let why = if other.contains("credential-store") {
            "it writes every token git uses to ~/.git-credentials, in plain text"
        } else if other.contains("credential-cache") {
            "it keeps every token git uses in memory and hands it out again"
        } else {
            "it is asked for Bitbucket credentials too, and is told every token git uses"
        };
        r.fail(format!(
            "git also runs `{other}` for {url}, {place} this helper: {why}; run `git credential-bitbucket setup {url}` (which clears the helpers configured before it) and remove the others configured for this URL"
        ));
    }
    let command = &helpers[ours];
    if command == "git credential-bitbucket" {
        // `helper = bitbucket`: git looks the executable up in its own
        // directory and on PATH, and starts one more process for it.
        let exec_path = git(&["--exec-path"]).map(PathBuf::from);
        let found = exec_path
            .into_iter()
            .chain(["/usr/local/bin", "/usr/bin", "/bin"].map(PathBuf::from))
            .any(|d| d.join(setup::EXECUTABLE).is_file());
        if found {
            r.warn(format!(
                "git runs the helper for {url} by its short name, which costs one more process on every call; run `git credential-bitbucket setup {url}` to give git its full path"
            ));
        } else {
            r.fail(format!(
                "git finds the helper for {url} only through your PATH, so programs started without it (GUI IDEs, services) fail with \"'credential-bitbucket' is not a git command\"; run `git credential-bitbucket setup {url}` to give git its full path"
            ));
        }
    } else {
        let path = command.trim_matches('\'');
        if Path::new(path).is_absolute() && !Path::new(path).is_file() {
            r.fail(format!(
                "git runs {path} for {url}, which does not exist; run `git credential-bitbucket setup {url}`"
            ));
        } else if alone {
            r.ok(format!(
                "git runs the helper for {url}, and no other: {command}"
            ));
        } else {
            r.ok(format!("git runs the helper for {url}: {command}"));
        }
    }
}

fn quoted(list: &[String]) -> String {
    let q: Vec<String> = list.iter().map(|h| format!("`{h}`")).collect();
    q.join(", ")
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn git_version() -> Option<(u32, u32)> {
    let text = git(&["version"])?;
    let mut nums = text
        .trim_start_matches("git version ")
        .split('.')
        .map(|n| n.parse::<u32>().ok());
    Some((nums.next()??, nums.next()??))
}

fn wants_bearer(e: &Entry) -> bool {
    matches!(
        e.kind,
        Kind::HttpToken(HttpScope::Project | HttpScope::Repository)
    )
}

/// Runs `doctor`.
pub fn run() -> Result<bool, CliError> {
    let mut r = Report::default();
    let ctx = match Context::load() {
        Ok(c) => c,
        Err(e) => {
            r.fail(format!("configuration: {e}"));
            return Ok(false);
        }
    };
    let entries = &ctx.config.entries;
    match git_version() {
        None => r.fail("git: not found on PATH; install git 2.39 or later"),
        Some(v) if v < (2, 39) => r.fail(format!("git {}.{}: too old; git 2.39 or later is needed", v.0, v.1)),
        Some(v) if v < (2, 46) && entries.iter().any(wants_bearer) => r.warn(format!(
            "git {}.{}: Bearer authentication needs git 2.46; Data Center project and repository tokens are sent as Basic x-token-auth instead",
            v.0, v.1
        )),
        Some(v) => r.ok(format!("git {}.{}", v.0, v.1)),
    }
    if ctx.config_path.exists() {
        r.ok(format!(
            "configuration: {} entr{} ({})",
            entries.len(),
            if entries.len() == 1 { "y" } else { "ies" },
            ctx.config_path.display()
        ));
    } else {
        r.warn(format!(
            "configuration: there is no file at {}; only the CI variables give entries (`git credential-bitbucket add` creates it)",
            ctx.config_path.display()
        ));
    }
    for problem in &ctx.config.ci_problems {
        r.fail(problem);
    }

    // For every URL an entry is for: what git runs, and whether it sends
    // the path.
    let mut origins: Vec<(String, bool)> = Vec::new();
    for e in entries {
        let url = e.remote.origin.display();
        let narrow = !e.prefix().is_empty() || !e.repos.is_empty();
        match origins.iter_mut().find(|(u, _)| *u == url) {
            Some((_, n)) => *n |= narrow,
            None => origins.push((url, narrow)),
        }
    }
    if origins.is_empty() {
        origins.push(("https://bitbucket.org".to_owned(), false));
    }
    for (base, narrow) in &origins {
        check_helpers(&mut r, base);
        let url = format!("{base}/");
        let with_path = git(&[
            "config",
            "--type=bool",
            "--get-urlmatch",
            "credential.useHttpPath",
            &url,
        ])
        .as_deref()
            == Some("true");
        match (with_path, *narrow) {
            (true, _) => r.ok(format!("git sends the repository path for {base}")),
            (false, true) => r.fail(format!(
                "git does not send the repository path for {base}, so entries for single repositories, projects or workspaces cannot be used; run `git config --global credential.{base}.useHttpPath true`"
            )),
            (false, false) => r.warn(format!("git does not send the repository path for {base}; run `git config --global credential.{base}.useHttpPath true` before adding narrower entries")),
        }
    }

    let uses_keyring = entries
        .iter()
        .any(|e| e.secret.store() == Some(Store::Keyring));
    if uses_keyring || ctx.config.settings.store != Some(Store::File) {
        match keyring::probe() {
            Ok(()) => r.ok("the OS keyring answers"),
            Err(keyring::KeyringError::Unreachable(why)) if uses_keyring => r.fail(format!(
                "the OS keyring cannot be reached ({why}); start your desktop's keyring (on Linux: gnome-keyring or KeePassXC's Secret Service, in a D-Bus session), or move the secrets with `remove` and `add --store file`"
            )),
            Err(keyring::KeyringError::Unreachable(why)) => r.warn(format!("the OS keyring cannot be reached ({why}); new secrets go to the file store")),
        }
    }

    let mut private_files = vec![ctx.files.learned_path(), ctx.state.path().to_path_buf()];
    if let Ok(listing) = std::fs::read_dir(ctx.files.secrets_dir()) {
        private_files.extend(listing.flatten().map(|f| f.path()).filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        }));
    }
    let mut shared = 0;
    for path in &private_files {
        if let Ok(meta) = std::fs::metadata(path) {
            if let Some(mode) = fsutil::shared_bits(&meta) {
                shared += 1;
                r.fail(format!(
                    "{} has mode {mode:o}: other users can read it; run `chmod 600 {}`",
                    path.display(),
                    path.display()
                ));
            }
        }
    }
    if shared == 0 && private_files.iter().any(|p| p.exists()) {
        r.ok("the secret and state files are private (0600)");
    }
    let secrets_dir = ctx.files.secrets_dir();
    if let Ok(meta) = std::fs::metadata(&secrets_dir) {
        if fsutil::shared_bits(&meta).is_some() {
            r.fail(format!(
                "{} can be listed by other users; run `chmod 700 {}`",
                secrets_dir.display(),
                secrets_dir.display()
            ));
        }
    }

    let state = ctx.state.read().unwrap_or_default();
    let now = calendar::now();
    for e in entries {
        let who = format!("entry '{}'", e.name);
        let present = match &e.secret {
            SecretSource::Stored(store) => match store.get(&ctx.files, &e.name) {
                Ok(Some(_)) => Ok(()),
                // Said by the permission check above.
                Err(StoreError::File(FileError::Shared { .. })) => Ok(()),
                Ok(None) => Err(format!("{who}: {} holds no secret for it; store it with `git credential-bitbucket rotate {}`", store.describe(), e.name)),
                Err(err) => Err(format!("{who}: {err}")),
            },
            SecretSource::Env(var) => match std::env::var(var) {
                Ok(v) if !v.is_empty() => Ok(()),
                _ if e.defined_in == DefinedIn::Environment => Ok(()),
                _ => Err(format!("{who}: ${var} is not set here")),
            },
            SecretSource::Command(_) => Ok(()),
        };
        if let Err(problem) = present {
            r.fail(problem);
        }
        if e.kind == Kind::AppPassword {
            r.fail(format!("{who} is an app password; Bitbucket removed them on 2026-07-28; run `git credential-bitbucket migrate {}`", e.name));
        }
        if let Some(date) = e.expires {
            match Expiry::of(date, now, ctx.config.settings.expiry_warning_days) {
                Expiry::Expired => r.fail(format!(
                    "{who} expired on {date}; create a new token and store it with `git credential-bitbucket rotate {}`", e.name
                )),
                soon @ Expiry::Soon(_) => {
                    r.warn(format!("{who} expires on {date} ({})", soon.in_days()))
                }
                Expiry::Later(_) => {}
            }
        }
        if let Some(rej) = state.rejected.get(&e.name) {
            r.fail(format!(
                "{who} was rejected by {} at {}; check it with `git credential-bitbucket verify {}`, or store a new token with `git credential-bitbucket rotate {}`",
                printable(&rej.url),
                calendar::format_utc(rej.at),
                e.name,
                e.name
            ));
        }
    }
    for tie in resolve::ties(entries) {
        r.fail(tie.to_string());
    }
    r.summary();
    Ok(r.failed == 0)
}
