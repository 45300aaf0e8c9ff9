//! `doctor`: a list of named checks of everything the helper depends on —
//! git, the configuration, what git runs for each server, the keyring, the
//! files' permissions, each entry's findings and the ties — one line per
//! fact, each failure with the command that fixes it; exit status 1 when
//! any fails.

use std::path::{Path, PathBuf};

use crate::calendar;
use crate::cli::{CliError, Context};
use crate::fsutil;
use crate::git;
use crate::health::{self, Facts, Finding, Severity};
use crate::kind::{HttpScope, Kind};
use crate::state::State;
use crate::store::{keyring, Store};

/// What the checks found, line by line.
#[derive(Default)]
struct Report {
    failed: usize,
    warned: usize,
}

impl Report {
    fn ok(&mut self, text: impl AsRef<str>) {
        say!("ok    {}", text.as_ref());
    }
    fn warn(&mut self, text: impl AsRef<str>) {
        self.warned += 1;
        say!("warn  {}", text.as_ref());
    }
    fn fail(&mut self, text: impl AsRef<str>) {
        self.failed += 1;
        say!("FAIL  {}", text.as_ref());
    }
    fn finding(&mut self, finding: &Finding) {
        match finding.severity() {
            Severity::Failure => self.fail(finding.to_string()),
            Severity::Warning => self.warn(finding.to_string()),
        }
    }

    /// The last line: what the lines above add up to.
    fn summary(&self) {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        match (self.failed, self.warned) {
            (0, 0) => say!("Everything checked is in order."),
            (0, w) => say!("{}; nothing failed.", plural(w, "warning", "warnings")),
            (f, 0) => say!("{} failed.", plural(f, "check", "checks")),
            (f, w) => say!(
                "{} failed, and {}.",
                plural(f, "check", "checks"),
                plural(w, "warning", "warnings")
            ),
        }
    }
}

/// One check: its name (for `RUST_LOG=debug`) and what it does.
type Check = (&'static str, fn(&Context, &mut Report));

/// The checks, in the order they are reported.
const CHECKS: [Check; 8] = [
    ("git", check_git),
    ("configuration", check_configuration),
    ("servers", check_servers),
    ("plain-text copies", check_plain_copies),
    ("keyring", check_keyring),
    ("permissions", check_permissions),
    ("entries", check_entries),
    ("ties", check_ties),
];

/// Runs `doctor`.
pub fn run() -> Result<bool, CliError> {
    let mut r = Report::default();
    let ctx = match Context::load() {
        Ok(c) => c,
        Err(e) => {
            r.fail(format!("configuration: {e}"));
            r.summary();
            return Ok(false);
        }
    };
    for (name, check) in CHECKS {
        log::debug!("doctor: checking {name}");
        check(&ctx, &mut r);
    }
    r.summary();
    Ok(r.failed == 0)
}

fn wants_bearer(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::HttpToken(HttpScope::Project | HttpScope::Repository)
    )
}

/// git is there, new enough, and sends Bearer where entries need it.
fn check_git(ctx: &Context, r: &mut Report) {
    let bearer = ctx.config.entries.iter().any(|e| wants_bearer(e.kind));
    match git::version() {
        None => r.fail("git: not found on PATH; install git 2.39 or later"),
        Some(v) if v < (2, 39) => r.fail(format!("git {}.{}: too old; git 2.39 or later is needed", v.0, v.1)),
        Some(v) if v < (2, 46) && bearer => r.warn(format!(
            "git {}.{}: Bearer authentication needs git 2.46; Data Center project and repository tokens are sent as Basic x-token-auth instead",
            v.0, v.1
        )),
        Some(v) => r.ok(format!("git {}.{}", v.0, v.1)),
    }
}

/// The file is there (or only the CI variables give entries), and the CI
/// variables that are set can be used.
fn check_configuration(ctx: &Context, r: &mut Report) {
    let (entries, path) = (&ctx.config.entries, ctx.paths.config());
    if path.exists() {
        r.ok(format!(
            "configuration: {} entr{} ({})",
            entries.len(),
            if entries.len() == 1 { "y" } else { "ies" },
            path.display()
        ));
    } else {
        r.warn(format!(
            "configuration: there is no file at {}; only the CI variables give entries (`git credential-bitbucket add` creates it)",
            path.display()
        ));
    }
    for problem in &ctx.config.ci_problems {
        r.fail(problem.to_string());
    }
}

/// For every server an entry is for: what git runs, and whether it sends
/// the path.
fn check_servers(ctx: &Context, r: &mut Report) {
    let mut origins: Vec<(String, bool)> = Vec::new();
    for e in &ctx.config.entries {
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
    for (origin, narrow) in origins {
        check_helpers(r, &origin);
        if git::sends_paths(&format!("{origin}/")) {
            r.ok(format!("git sends the repository path for {origin}"));
        } else {
            r.finding(&Finding::NoPaths { origin, narrow });
        }
    }
}

/// The servers entries are for (bitbucket.org when there are none).
fn servers(ctx: &Context) -> Vec<crate::remote::Origin> {
    let mut origins: Vec<crate::remote::Origin> = Vec::new();
    for e in &ctx.config.entries {
        if !origins.contains(&e.remote.origin) {
            origins.push(e.remote.origin.clone());
        }
    }
    let cloud = crate::remote::Origin::new("https", "bitbucket.org");
    origins.extend(cloud.filter(|c| !origins.contains(c)));
    origins
}

/// No file of `git credential-store`'s holds a credential for a server
/// the helper serves: a helper git ran beside this one (or before it was
/// set up) would have left it there in plain text.
fn check_plain_copies(ctx: &Context, r: &mut Report) {
    let origins = servers(ctx);
    let helpers: Vec<String> = origins
        .iter()
        .flat_map(|o| git::helpers_run_for(&format!("{}/", o.display())).unwrap_or_default())
        .map(|h| h.command)
        .collect();
    let copies = crate::plain::find(&crate::plain::files(&helpers), &origins);
    if copies.is_empty() {
        r.ok(
            "no plain-text copy of a credential for these servers in git credential-store's files",
        );
    }
    for c in copies {
        r.fail(format!(
            "{} holds {} for {} in plain text, left by another helper git ran; remove {} with `{}`, and replace the tokens it held if others could read the file",
            c.file.display(),
            if c.lines == 1 { "a credential".to_owned() } else { format!("{} credentials", c.lines) },
            c.origin,
            if c.lines == 1 { "it" } else { "them" },
            c.removal()
        ));
    }
}

/// Checks what git runs for `origin`: this helper, found without the
/// user's PATH, and no other helper that would keep or hand out tokens.
fn check_helpers(r: &mut Report, origin: &str) {
    let helpers = match git::helpers_run_for(origin) {
        Ok(h) => h,
        Err(e) => {
            r.fail(format!(
                "could not ask git which helpers it runs for {origin}: {e}"
            ));
            return;
        }
    };
    let Some(ours) = helpers.iter().position(|h| git::is_this_helper(&h.command)) else {
        r.finding(&Finding::GitNotSetUp {
            origin: origin.to_owned(),
            others: helpers.into_iter().map(|h| h.command).collect(),
        });
        return;
    };
    for (i, other) in helpers.iter().enumerate().filter(|(i, _)| *i != ours) {
        r.finding(&Finding::OtherHelper {
            origin: origin.to_owned(),
            helper: other.command.clone(),
            file: other.file.clone(),
            before: i < ours,
        });
    }
    check_how_found(r, origin, &helpers[ours].command, helpers.len() == 1);
}

/// How git finds the helper for `origin` (`command` is what git runs).
fn check_how_found(r: &mut Report, origin: &str, command: &str, alone: bool) {
    if command == "git credential-bitbucket" {
        // `helper = bitbucket`: git looks the executable up in its own
        // directory and on PATH, and starts one more process for it.
        let found = git::exec_path()
            .into_iter()
            .chain(["/usr/local/bin", "/usr/bin", "/bin"].map(PathBuf::from))
            .any(|d| d.join(crate::NAME).is_file());
        if found {
            r.warn(format!(
                "git runs the helper for {origin} by its short name, which costs one more process on every call; run `git credential-bitbucket setup {origin}` to give git its full path"
            ));
        } else {
            r.fail(format!(
                "git finds the helper for {origin} only through your PATH, so programs started without it (GUI IDEs, services) fail with \"'credential-bitbucket' is not a git command\"; run `git credential-bitbucket setup {origin}` to give git its full path"
            ));
        }
        return;
    }
    let path = command.trim_matches('\'');
    if Path::new(path).is_absolute() && !Path::new(path).is_file() {
        r.fail(format!(
            "git runs {path} for {origin}, which does not exist; run `git credential-bitbucket setup {origin}`"
        ));
    } else if alone {
        r.ok(format!(
            "git runs the helper for {origin}, and no other: {command}"
        ));
    } else {
        r.ok(format!("git runs the helper for {origin}: {command}"));
    }
}

/// The keyring answers, where entries keep secrets in it or new ones may
/// go there.
fn check_keyring(ctx: &Context, r: &mut Report) {
    let uses_keyring = ctx
        .config
        .entries
        .iter()
        .any(|e| e.secret.store() == Some(Store::Keyring));
    if !uses_keyring && ctx.config.settings.store == Some(Store::File) {
        return;
    }
    match keyring::probe() {
        Ok(()) => r.ok("the OS keyring answers"),
        Err(keyring::KeyringError::Unreachable(why)) if uses_keyring => r.fail(format!(
            "the OS keyring cannot be used ({why}); start your desktop's keyring (on Linux: gnome-keyring or KeePassXC's Secret Service, in a D-Bus session), or move the secrets with `remove` and `add --store file`"
        )),
        Err(keyring::KeyringError::Unreachable(why)) => r.warn(format!("the OS keyring cannot be used ({why}); new secrets go to the file store")),
    }
}

/// The secret, learned and state files are private, and so is the
/// secrets' directory.
fn check_permissions(ctx: &Context, r: &mut Report) {
    let mut private_files = vec![ctx.paths.learned(), ctx.paths.state()];
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
    if let Ok(meta) = std::fs::metadata(secrets_dir) {
        if fsutil::shared_bits(&meta).is_some() {
            r.fail(format!(
                "{} can be listed by other users; run `chmod 700 {}`",
                secrets_dir.display(),
                secrets_dir.display()
            ));
        }
    }
}

/// Each entry's findings: its secret, its kind, its expiry, its last
/// rejection.
fn check_entries(ctx: &Context, r: &mut Report) {
    let state = ctx.state.read().unwrap_or_else(|_| State::default());
    let sources = ctx.sources();
    let facts = Facts {
        now: calendar::now(),
        warning_days: ctx.config.settings.expiry_warning_days,
        state: &state,
        git: None,
        secrets: Some(&sources),
    };
    for e in &ctx.config.entries {
        for finding in health::of(e, &facts) {
            r.finding(&finding);
        }
    }
}

/// Entries that tie: git gets neither.
fn check_ties(ctx: &Context, r: &mut Report) {
    for tie in crate::health::ties(&ctx.config.entries) {
        r.finding(&tie);
    }
}
