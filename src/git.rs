//! Talking to git: its version, what its configuration says for a URL, the
//! helpers it really runs (as git itself resolves them from all its
//! files), and the lines `setup` writes with `git config`, which finds and
//! locks git's own files by git's own rules.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::config::CONFIG_ENV;
use crate::process::{self, ProcessError};

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
    /// No private temporary directory could be made for the probe.
    #[error("could not make a temporary directory in {path}")]
    TempDir {
        /// Where it was tried.
        path: String,
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

/// The helpers git runs for `url`, in order, as git itself resolves them
/// from all its configuration files: read from the trace of a `git
/// credential fill` in which this helper answers nothing (it is pointed at
/// an empty configuration, and the CI variables are removed). The list
/// ends early when a helper answers; nothing is prompted for and nothing
/// is stored.
pub fn helpers_run_for(url: &str) -> Result<Vec<String>, GitError> {
    let empty = private_temp_dir()?;
    let traced = trace_fill(url, &empty);
    let _ = std::fs::remove_dir_all(&empty);
    Ok(traced?
        .lines()
        .filter_map(|l| l.split_once("trace: run_command: '"))
        .filter_map(|(_, rest)| rest.strip_suffix(" get'"))
        .map(str::to_owned)
        .collect())
}

/// Whether git runs this helper for `url`.
pub fn runs_this_helper(url: &str) -> bool {
    helpers_run_for(url).is_ok_and(|list| list.iter().any(|h| is_this_helper(h)))
}

/// The trace (standard error) of `git credential fill` for `url`, with
/// this helper's configuration in the empty directory `empty`.
fn trace_fill(url: &str, empty: &Path) -> Result<String, GitError> {
    let mut command = Command::new("git");
    command
        .args(["-c", "core.askPass=", "credential", "fill"])
        .env("GIT_TRACE", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "")
        .env("GCM_INTERACTIVE", "never")
        .env(CONFIG_ENV, empty.join("config.toml"))
        .stderr(Stdio::piped());
    process::without_token_variables(&mut command);
    let input = format!("url={url}\n\n");
    let out = process::run(&mut command, Some(input.as_bytes()), 1 << 20, TRACE_TIMEOUT)?;
    Ok(String::from_utf8_lossy(&out.stderr).into_owned())
}

/// A private, empty directory for the probe's configuration.
fn private_temp_dir() -> Result<PathBuf, GitError> {
    let base = std::env::temp_dir();
    for n in 0..100u32 {
        let dir = base.join(format!("gcb-probe-{}-{n}", std::process::id()));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        if builder.create(&dir).is_ok() {
            return Ok(dir);
        }
    }
    Err(GitError::TempDir {
        path: base.display().to_string(),
    })
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
}

fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Writes the lines for `url` into git's configuration at `level`: an
/// empty helper (which clears the helpers configured before it for every
/// URL), then `helper`, and `useHttpPath = true`.
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
    let changed = !(current == ["", helper] && path_on.trim() == "true");
    let replaced: Vec<String> = current
        .iter()
        .filter(|h| !h.is_empty() && !is_this_helper(h))
        .map(|h| (*h).to_owned())
        .collect();
    if changed {
        if !current.is_empty() {
            config(level, &["--unset-all", &helper_key])?;
        }
        config(level, &["--add", &helper_key, ""])?;
        config(level, &["--add", &helper_key, helper])?;
        config(level, &[&path_key, "true"])?;
    }
    let (_, origin) = config(level, &["--show-origin", "--get", &path_key])?;
    let file = origin
        .split('\t')
        .next()
        .unwrap_or_default()
        .trim_start_matches("file:")
        .to_owned();
    Ok(Written {
        changed,
        replaced: if changed { replaced } else { Vec::new() },
        file,
    })
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
