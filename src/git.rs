//! Talking to git: its version, what its configuration says for a URL, the
//! helpers it runs (from all its files, in its order), and the lines
//! `setup` writes with `git config`, which finds and locks git's own files
//! by git's own rules.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::process::{self, ProcessError};
use crate::remote::Origin;
use crate::url::UrlParts;

/// The short helper name: git runs `git credential-bitbucket`, which finds
/// `git-credential-bitbucket` on PATH.
pub const HELPER: &str = "bitbucket";

/// How long git may take to say which helpers it runs.
const TRACE_TIMEOUT: Duration = Duration::from_secs(20);

/// Which git configuration file to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The user's (`~/.gitconfig`, or `$GIT_CONFIG_GLOBAL`).
    Global,
    /// The machine's (`/etc/gitconfig`, or `$GIT_CONFIG_SYSTEM`).
    System,
    /// The current repository's.
    Local,
}

impl Level {
    /// The option that makes `git config` use this level's file.
    fn flag(self) -> &'static str {
        match self {
            Level::Global => "--global",
            Level::System => "--system",
            Level::Local => "--local",
        }
    }

    /// The level in words: `global`, `system`, `local`.
    pub fn word(self) -> &'static str {
        &self.flag()[2..]
    }
}

/// Why git could not be asked or could not write.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// git could not be run, or ran past its deadline.
    #[error(transparent)]
    Run(#[from] ProcessError),
    /// git refused to write its configuration.
    #[error("git could not update its {level} configuration: {said}")]
    Config {
        /// `global` or `system`.
        level: &'static str,
        /// The first line git said.
        said: String,
    },
    /// `--local` outside a repository.
    #[error("--local needs to run inside a git repository ({said})")]
    NotRepository {
        /// The first line git said.
        said: String,
    },
    /// The directory of the file that `$GIT_CONFIG_GLOBAL` or
    /// `$GIT_CONFIG_SYSTEM` names could not be made.
    #[error("could not create {path}: {source}")]
    CreateDir {
        /// The directory.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Runs `git ARGS` (no standard input, 20 s at most): its exit status and
/// standard output, and the first line of its standard error.
fn git(args: &[&str]) -> Result<(i32, String, String), GitError> {
    let mut command = Command::new("git");
    command.args(args).stderr(Stdio::piped());
    let out = process::run(&mut command, None, 1 << 20, TRACE_TIMEOUT)?;
    let said = String::from_utf8_lossy(&out.stderr);
    let said = said
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("fatal: ")
        .trim_start_matches("error: ")
        .to_owned();
    Ok((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        said,
    ))
}

/// What `git ARGS` prints when it succeeds, trimmed.
fn git_output(args: &[&str]) -> Option<String> {
    match git(args) {
        Ok((0, out, _)) => Some(out.trim().to_owned()),
        _ => None,
    }
}

/// git's version, `(major, minor)`; `None` when git cannot be run.
pub fn version() -> Option<(u32, u32)> {
    let text = git_output(&["version"])?;
    let mut nums = text
        .trim_start_matches("git version ")
        .split('.')
        .map(|n| n.parse::<u32>().ok());
    Some((nums.next()??, nums.next()??))
}

/// The directory git keeps its own programs in (`git --exec-path`).
pub fn exec_path() -> Option<PathBuf> {
    git_output(&["--exec-path"]).map(PathBuf::from)
}

/// git's `http.*` settings as they apply to `url` (`git config
/// --get-urlmatch http URL`): one `key value` line each, keys in lower
/// case; `None` when git cannot be run.
pub fn http_config_for(url: &str) -> Option<String> {
    match git(&["config", "--get-urlmatch", "http", url]) {
        Ok((0, out, _)) => Some(out),
        Ok((1, _, _)) => Some(String::new()),
        _ => None,
    }
}

/// Whether git sends the repository path to helpers for `url`
/// (`credential.useHttpPath`, as git matches it to the URL).
pub fn sends_paths(url: &str) -> bool {
    git_output(&[
        "config",
        "--type=bool",
        "--get-urlmatch",
        "credential.useHttpPath",
        url,
    ])
    .as_deref()
        == Some("true")
}

/// Whether `helper`, a `credential.helper` value or the command git made of
/// it, is this helper.
pub fn is_this_helper(helper: &str) -> bool {
    let h = helper.trim().trim_matches('\'');
    h == HELPER
        || h == "git credential-bitbucket"
        || h.ends_with(&format!("/{}", crate::NAME))
        || h.ends_with(&format!("\\{}.exe", crate::NAME))
        || h == crate::NAME
}

/// Another helper's command, fit to print: its program, without the
/// arguments (a `credential.helper` line can carry an inline secret, as
/// `!f() { echo password=…; }; f` or `store --file PATH` do), and escaped.
pub fn shown_helper(command: &str) -> String {
    let command = command.trim();
    if command.starts_with('!') {
        return "a shell command (`!…`)".to_owned();
    }
    let words: Vec<&str> = command.split_whitespace().collect();
    // `git credential-store` is how git names its own helpers.
    let program_words = match words.as_slice() {
        ["git", helper, ..] if helper.starts_with("credential-") => 2,
        _ => 1,
    };
    let program = crate::url::printable(&words[..program_words.min(words.len())].join(" "));
    if words.len() > program_words {
        format!("`{program} …`")
    } else {
        format!("`{program}`")
    }
}

/// The helper value `setup` writes. On Unix, this executable's absolute
/// path: git then runs it directly — no `git credential-bitbucket` in
/// between, and no PATH lookup, so programs started without the install
/// directory on PATH (GUI IDEs and `~/.cargo/bin`) still find it. The path
/// is taken from PATH when a directory there leads to this same executable
/// (a package manager's stable link), else from where it runs. On Windows,
/// `bitbucket`: Git for Windows finds the `.exe` on PATH.
pub fn helper_value() -> String {
    if cfg!(windows) {
        return HELPER.to_owned();
    }
    let Ok(me) = std::env::current_exe() else {
        return HELPER.to_owned();
    };
    let real = std::fs::canonicalize(&me).unwrap_or_else(|_| me.clone());
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .filter(|d| d.is_absolute())
            .map(|d| d.join(crate::NAME))
            .find(|p| std::fs::canonicalize(p).is_ok_and(|c| c == real))
    });
    let chosen = on_path.unwrap_or(me);
    let text = chosen.display().to_string();
    // git runs a helper whose value holds a blank or a shell character
    // through the shell: quote it then.
    if text.contains(|c: char| c.is_whitespace() || "|&;<>()$`\\\"'*?[#~=%".contains(c)) {
        format!("'{}'", text.replace('\'', "'\\''"))
    } else {
        text
    }
}

/// A helper git runs, and the file that sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Configured {
    /// The command, as git runs it (`git credential-store` for `store`).
    pub command: String,
    /// The configuration file that sets it.
    pub file: String,
}

/// The command git runs for the `credential.helper` value `value`: a
/// shell command (`!…`) or an absolute path as it is, anything else
/// `x …` as `git credential-x …`.
fn as_run(value: &str) -> String {
    let v = value.trim();
    let absolute = Path::new(v.split_whitespace().next().unwrap_or_default()).is_absolute();
    if v.starts_with('!') || absolute {
        v.to_owned()
    } else {
        format!("git credential-{v}")
    }
}

/// Whether the `credential.<url>` section `section` applies to requests
/// for the origin `origin`: the same scheme, host (a `*` matching one
/// label) and port, no path beyond `/`, no username.
fn section_applies(section: &str, origin: &Origin) -> bool {
    let Some(parts) = UrlParts::parse(section) else {
        return false;
    };
    if parts.username.is_some() || parts.path.as_deref().is_some_and(|p| p != "/") {
        return false;
    }
    let Some(theirs) = Origin::new(parts.protocol, parts.host.as_deref().unwrap_or("")) else {
        return false;
    };
    let labels = |h: &str| h.split('.').map(str::to_owned).collect::<Vec<_>>();
    let (want, have) = (labels(&theirs.host), labels(&origin.host));
    theirs.scheme == origin.scheme
        && theirs.port == origin.port
        && want.len() == have.len()
        && want.iter().zip(&have).all(|(w, h)| w == "*" || w == h)
}

/// The helpers git runs for requests to the origin of `url`, in the order
/// it runs them, as its configuration (every file git reads, in git's
/// order) says: an empty value clears those before it. Read from `git
/// config`, so a helper that answers first does not hide the ones after
/// it.
pub fn helpers_run_for(url: &str) -> Result<Vec<Configured>, GitError> {
    let Some(origin) =
        UrlParts::parse(url).and_then(|p| Origin::new(p.protocol, p.host.as_deref()?))
    else {
        return Ok(Vec::new());
    };
    let (code, out, said) = git(&[
        "config",
        "--null",
        "--show-origin",
        "--get-regexp",
        r"^credential\..*helper$",
    ])?;
    if code != 0 && code != 1 {
        return Err(GitError::Config {
            level: "merged",
            said,
        });
    }
    let mut helpers = Vec::new();
    // Each item: `file:PATH` NUL `KEY` LF `VALUE` NUL.
    let mut fields = out.split('\0');
    while let (Some(file), Some(item)) = (fields.next(), fields.next()) {
        let (key, value) = item.split_once('\n').unwrap_or((item, ""));
        let section = key
            .strip_prefix("credential.")
            .and_then(|k| k.strip_suffix(".helper"));
        let applies = match section {
            None => key == "credential.helper",
            Some(url) => section_applies(url, &origin),
        };
        if !applies {
            continue;
        }
        if value.trim().is_empty() {
            helpers.clear();
        } else {
            helpers.push(Configured {
                command: as_run(value),
                file: absolute_origin(file.trim_start_matches("file:")),
            });
        }
    }
    Ok(helpers)
}

/// A file `git config --show-origin` names, as an absolute path: git
/// names a repository's own file relative to the repository's top (or, in
/// a bare repository, to the repository itself).
fn absolute_origin(file: &str) -> String {
    if Path::new(file).is_absolute() {
        return file.to_owned();
    }
    let base = ["--show-toplevel", "--absolute-git-dir"]
        .iter()
        .find_map(|ask| match git(&["rev-parse", ask]) {
            Ok((0, out, _)) if !out.trim().is_empty() => Some(PathBuf::from(out.trim())),
            _ => None,
        });
    match base {
        Some(dir) => dir.join(file).display().to_string(),
        None => file.to_owned(),
    }
}

/// Whether git runs this helper for `url`.
pub fn runs_this_helper(url: &str) -> bool {
    helpers_run_for(url).is_ok_and(|list| list.iter().any(|h| is_this_helper(&h.command)))
}

/// `git config LEVEL ARGS`: git itself finds and writes the file of
/// `level` (`$GIT_CONFIG_GLOBAL`, `~/.gitconfig` or the XDG file,
/// `$GIT_CONFIG_SYSTEM` or the system file of that git, the repository's),
/// under its own lock. The exit status (0, or 1 for a missing key) and
/// standard output.
fn config(level: Level, args: &[&str]) -> Result<(i32, String), GitError> {
    let mut all = vec!["config", level.flag()];
    all.extend_from_slice(args);
    let (code, out, said) = git(&all)?;
    match (code, level) {
        (0 | 1, _) => Ok((code, out)),
        (_, Level::Local) => Err(GitError::NotRepository { said }),
        _ => Err(GitError::Config {
            level: level.word(),
            said,
        }),
    }
}

/// What [`write`] did.
pub struct Written {
    /// Whether the file changed.
    pub changed: bool,
    /// Other helpers that were set for the URL and are no longer.
    pub replaced: Vec<String>,
    /// The file git wrote (or read, when nothing changed).
    pub file: String,
    /// Other helpers git still runs for the URL: set in a file git reads
    /// after this one (a repository's own configuration, say).
    pub others: Vec<Configured>,
}

/// `text` as a literal in a `git config --get-regexp` pattern.
fn regex_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Puts the section `credential.URL` of the file at `level` last in the
/// file, with its other keys kept, its helpers `"" , helper` and
/// `useHttpPath = true`: after every `credential.helper` line of the file,
/// which its empty helper then clears for the URL, whichever was written
/// first.
fn rewrite_last(level: Level, url: &str, helper: &str) -> Result<(), GitError> {
    let section = format!("credential.{url}");
    let pattern = format!("^{}\\.", regex_literal(&section));
    let (_, listed) = config(level, &["--null", "--get-regexp", &pattern])?;
    let kept: Vec<(String, String)> = listed
        .split('\0')
        .filter_map(|item| item.split_once('\n'))
        .filter(|(key, _)| {
            let var = key
                .rsplit('.')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            var != "helper" && var != "usehttppath"
        })
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    if !listed.is_empty() {
        config(level, &["--remove-section", &section])?;
    }
    for (key, value) in &kept {
        config(level, &["--add", key, value])?;
    }
    let helper_key = format!("{section}.helper");
    config(level, &["--add", &helper_key, ""])?;
    config(level, &["--add", &helper_key, helper])?;
    config(level, &[&format!("{section}.useHttpPath"), "true"])?;
    Ok(())
}

fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Writes the lines for `url` into git's configuration at `level`: an
/// empty helper (which clears the helpers configured before it for every
/// URL), then `helper`, and `useHttpPath = true`; rewritten last in the
/// file whenever git would run another helper for the URL, so a general
/// `credential.helper` added after them is cleared too.
pub fn write(level: Level, url: &str, helper: &str) -> Result<Written, GitError> {
    // A file named by the environment may sit in a directory that does
    // not exist yet (a CI image's first configuration).
    let named = match level {
        Level::Global => env_path("GIT_CONFIG_GLOBAL"),
        Level::System => env_path("GIT_CONFIG_SYSTEM"),
        Level::Local => None,
    };
    if let Some(dir) = named
        .as_deref()
        .and_then(Path::parent)
        .filter(|d| !d.as_os_str().is_empty() && !d.exists())
    {
        std::fs::create_dir_all(dir).map_err(|source| GitError::CreateDir {
            path: dir.display().to_string(),
            source,
        })?;
    }
    let helper_key = format!("credential.{url}.helper");
    let path_key = format!("credential.{url}.useHttpPath");
    let (_, listed) = config(level, &["--get-all", &helper_key])?;
    let current: Vec<&str> = listed.lines().collect();
    let (_, path_on) = config(level, &["--type=bool", "--get", &path_key])?;
    let origin_url = format!("{}/", url.trim_end_matches('/'));
    let file_written = || -> Result<String, GitError> {
        let (_, origin) = config(level, &["--show-origin", "--get", &path_key])?;
        let file = origin.split('\t').next().unwrap_or_default();
        Ok(absolute_origin(file.trim_start_matches("file:")))
    };
    // In place, the lines need moving only when another helper of the same
    // file comes after them (one before them is cleared by their reset);
    // one in a file git reads later is out of this file's reach.
    let changed = if current == ["", helper] && path_on.trim() == "true" {
        let ours = file_written()?;
        helpers_run_for(&origin_url)?
            .iter()
            .any(|h| !is_this_helper(&h.command) && h.file == ours)
    } else {
        true
    };
    let replaced: Vec<String> = current
        .iter()
        .filter(|h| !h.is_empty() && !is_this_helper(h))
        .map(|h| (*h).to_owned())
        .collect();
    if changed {
        rewrite_last(level, url, helper)?;
    }
    let others: Vec<Configured> = helpers_run_for(&origin_url)?
        .into_iter()
        .filter(|h| !is_this_helper(&h.command))
        .collect();
    let file = file_written()?;
    Ok(Written {
        changed,
        replaced: if changed { replaced } else { Vec::new() },
        file,
        others,
    })
}

/// Takes out of the file at `level` the lines [`write`] puts in the
/// section `credential.URL`: the empty helper and this helper's, and
/// `useHttpPath`; other helpers and keys stay, and an empty section goes.
/// The file it changed, or `None` when the section runs no helper of this
/// executable's.
pub fn unwrite(level: Level, url: &str) -> Result<Option<String>, GitError> {
    let section = format!("credential.{url}");
    let helper_key = format!("{section}.helper");
    let (_, listed) = config(level, &["--get-all", &helper_key])?;
    if !listed.lines().any(is_this_helper) {
        return Ok(None);
    }
    let (_, origin) = config(level, &["--show-origin", "--get-all", &helper_key])?;
    let file = origin.split('\t').next().unwrap_or_default();
    let file = absolute_origin(file.trim_start_matches("file:"));
    let kept: Vec<&str> = listed
        .lines()
        .filter(|h| !h.is_empty() && !is_this_helper(h))
        .collect();
    config(level, &["--unset-all", &helper_key])?;
    for other in kept {
        config(level, &["--add", &helper_key, other])?;
    }
    let path_key = format!("{section}.useHttpPath");
    let _ = config(level, &["--unset-all", &path_key]);
    let pattern = format!("^{}\\.", regex_literal(&section));
    let (_, left) = config(level, &["--get-regexp", &pattern])?;
    if left.trim().is_empty() {
        let _ = config(level, &["--remove-section", &section]);
    }
    Ok(Some(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_helpers_are_named_without_their_arguments() {
        let cases = [
            ("git credential-store", "`git credential-store`"),
            (
                "git credential-store --file /home/u/creds",
                "`git credential-store …`",
            ),
            ("cache --timeout 300", "`cache …`"),
            (
                "!f() { echo password=hunter2; }; f",
                "a shell command (`!…`)",
            ),
            ("/opt/helper\u{1b}[2J", "`/opt/helper%1B[2J`"),
        ];
        for (command, want) in cases {
            assert_eq!(shown_helper(command), want, "{command}");
        }
    }
}
