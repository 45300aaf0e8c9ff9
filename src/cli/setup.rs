//! `setup [URL]`: tell git to use the helper for a Bitbucket URL and to send
//! it the repository path, idempotently; and what git really runs for a
//! URL, as `doctor` and `add` need to know.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::cli::{process_env, CliError};
use crate::config::{self, Config};
use crate::remote::{Remote, UrlError};
use crate::url::UrlParts;

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

/// The short helper name: git runs `git credential-bitbucket`, which finds
/// `git-credential-bitbucket` on PATH.
pub const HELPER: &str = "bitbucket";

/// The executable's name.
pub const EXECUTABLE: &str = "git-credential-bitbucket";

/// The helper value `setup` writes. On Unix, this executable's absolute
/// path: git then runs it directly — no shell, no `git credential-bitbucket`
/// in between, and no PATH lookup, so programs started without the
/// install directory on PATH (GUI IDEs and `~/.cargo/bin`) still find it.
/// The path is taken from PATH when a directory there leads to this same
/// executable (a package manager's stable link), else from where it runs.
/// On Windows, `bitbucket`: Git for Windows finds the `.exe` on PATH.
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
            .map(|d| d.join(EXECUTABLE))
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

/// Whether `helper`, a `credential.helper` value or the command git made of
/// it, is this helper.
pub fn is_this_helper(helper: &str) -> bool {
    let h = helper.trim().trim_matches('\'');
    h == HELPER
        || h == "git credential-bitbucket"
        || h.ends_with(&format!("/{EXECUTABLE}"))
        || h.ends_with(&format!("\\{EXECUTABLE}.exe"))
        || h == EXECUTABLE
}

/// `url` as the key of a `credential.<url>` section: lower-case scheme and
/// host, no default port, no trailing slash, the path as written.
pub fn normalise_url(url: &str) -> Result<String, String> {
    let (remote, username) = match Remote::from_url(url) {
        Ok(r) => r,
        Err(UrlError::Password) => {
            return Err(format!("{url:?} must not hold a username or password"))
        }
        Err(e) => return Err(format!("{url:?} {e}")),
    };
    if username.is_some() {
        return Err(format!("{url:?} must not hold a username or password"));
    }
    let path = UrlParts::parse(url)
        .and_then(|p| p.path)
        .map(|p| format!("/{}", p.trim_end_matches('/')))
        .unwrap_or_default();
    Ok(format!("{}{path}", remote.origin.display()))
}

/// The helpers git runs for `url`, in order, as git itself resolves them
/// from all its configuration files: read from the trace of a `git
/// credential fill` in which this helper answers nothing (it is pointed at
/// an empty configuration, and the CI variables are removed). The list
/// ends early when a helper answers; nothing is prompted for and nothing
/// is stored.
pub fn helpers_git_runs(url: &str) -> Result<Vec<String>, String> {
    let empty = tempfile_dir()?;
    let traced = trace_fill(url, &empty);
    let _ = std::fs::remove_dir_all(&empty);
    let trace = traced?;
    Ok(trace
        .lines()
        .filter_map(|l| l.split_once("trace: run_command: '"))
        .filter_map(|(_, rest)| rest.strip_suffix(" get'"))
        .map(str::to_owned)
        .collect())
}

/// The trace (standard error) of `git credential fill` for `url`, with
/// this helper's configuration in the empty directory `empty`; git and
/// what it started are stopped after 20 s.
fn trace_fill(url: &str, empty: &Path) -> Result<String, String> {
    let mut command = Command::new("git");
    command
        .args(["-c", "core.askPass=", "credential", "fill"])
        .env("GIT_TRACE", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "")
        .env("GCM_INTERACTIVE", "never")
        .env(config::CONFIG_ENV, empty.join("config.toml"))
        .env_remove("BITBUCKET_API_TOKEN")
        .env_remove("BITBUCKET_ACCESS_TOKEN")
        .env_remove("BITBUCKET_HTTP_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("could not run git: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        let _ = writeln!(stdin, "url={url}\n");
    }
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(Ok(out)) => Ok(String::from_utf8_lossy(&out.stderr).into_owned()),
        Ok(Err(e)) => Err(format!("could not run git: {e}")),
        Err(_) => {
            crate::store::command::kill_group(pid);
            Err("git credential fill did not finish within 20 s".to_owned())
        }
    }
}

/// A private, empty directory for the probe's configuration.
fn tempfile_dir() -> Result<PathBuf, String> {
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
    Err("could not make a temporary directory".to_owned())
}

/// Whether git runs this helper for `url` (and which command stands for
/// it).
pub fn git_runs_helper(url: &str) -> bool {
    helpers_git_runs(url).is_ok_and(|list| list.iter().any(|h| is_this_helper(h)))
}

fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
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
}

/// `git config LEVEL ARGS`: git itself finds and writes the file of
/// `level` (`$GIT_CONFIG_GLOBAL`, `~/.gitconfig` or the XDG file,
/// `$GIT_CONFIG_SYSTEM` or the system file of that git, the repository's),
/// under its own lock. The exit status and standard output, or what git
/// said when it failed for another reason than a missing key (status 1).
fn git_config(level: Level, args: &[&str]) -> Result<(i32, String), String> {
    let out = Command::new("git")
        .arg("config")
        .arg(level.flag())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("could not run git: {e}"))?;
    let code = out.status.code().unwrap_or(-1);
    if code == 0 || code == 1 {
        return Ok((code, String::from_utf8_lossy(&out.stdout).into_owned()));
    }
    let said = String::from_utf8_lossy(&out.stderr);
    let said = said
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("fatal: ")
        .trim_start_matches("error: ");
    Err(match level {
        Level::Local => format!("--local needs to run inside a git repository ({said})"),
        _ => format!(
            "git could not update its {} configuration: {said}",
            &level.flag()[2..]
        ),
    })
}

/// What `write` did.
pub struct Written {
    /// Whether the file changed.
    pub changed: bool,
    /// Other helpers that were set for the URL and are no longer.
    pub replaced: Vec<String>,
    /// The file git wrote (or read, when nothing changed).
    pub file: String,
}

/// Writes the lines for `url` into git's configuration at `level`: an
/// empty helper (which clears the helpers configured before it for every
/// URL), then `helper`, and `useHttpPath = true`.
pub fn write(level: Level, url: &str, helper: &str) -> Result<Written, String> {
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
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("could not create {}: {e}", dir.display()))?;
    }
    let helper_key = format!("credential.{url}.helper");
    let path_key = format!("credential.{url}.useHttpPath");
    let (_, listed) = git_config(level, &["--get-all", &helper_key])?;
    let current: Vec<&str> = listed.lines().collect();
    let (_, path_on) = git_config(level, &["--type=bool", "--get", &path_key])?;
    let changed = !(current == ["", helper] && path_on.trim() == "true");
    let replaced: Vec<String> = current
        .iter()
        .filter(|h| !h.is_empty() && !is_this_helper(h))
        .map(|h| (*h).to_owned())
        .collect();
    if changed {
        if !current.is_empty() {
            git_config(level, &["--unset-all", &helper_key])?;
        }
        git_config(level, &["--add", &helper_key, ""])?;
        git_config(level, &["--add", &helper_key, helper])?;
        git_config(level, &[&path_key, "true"])?;
    }
    let (_, origin) = git_config(level, &["--show-origin", "--get", &path_key])?;
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
            .join(format!("{EXECUTABLE}.1")),
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
    match crate::fsutil::replace_file(&place, MANUAL.as_bytes(), 0o644, &lock, false) {
        Ok(()) => Some(place),
        Err(e) => {
            log::debug!("could not install the manual page {}: {e}", place.display());
            None
        }
    }
}

/// Runs `setup`.
pub fn run(level: Level, url: Option<&str>) -> Result<bool, CliError> {
    let url = normalise_url(url.unwrap_or("https://bitbucket.org"))?;
    let (remote, _) = Remote::from_url(&url).map_err(|e| format!("{url:?} {e}"))?;
    if remote.origin.scheme != "https" && remote.origin.scheme != "http" {
        return Err(format!(
            "{url:?}: only https (and http for hosts in insecure_http_hosts) is supported"
        )
        .into());
    }
    // Plain http only where the configuration allows it; a configuration
    // that cannot be read allows it nowhere.
    let settings = config::default_path()
        .ok()
        .and_then(|p| Config::load(&p, &process_env).ok())
        .map(|c| c.settings)
        .unwrap_or_default();
    if settings.refuses_plain_http(&remote.origin) {
        return Err(format!("{url} is plain http, which carries credentials only to hosts listed in settings.insecure_http_hosts; use https").into());
    }
    let helper = helper_value();
    let written = write(level, &url, &helper)?;
    let file = &written.file;
    for other in &written.replaced {
        println!("Replaced the helper {other:?} for {url}: it would have stored the tokens git uses, or asked for others.");
    }
    if written.changed {
        println!("git now runs {helper} for {url}, with the repository path ({file}).");
    } else {
        println!("git already runs {helper} for {url} ({file}); nothing changed.");
    }
    if let Some(page) = install_manual() {
        println!(
            "Installed the manual page as {}: `git credential-bitbucket --help` shows it.",
            page.display()
        );
    }
    Ok(true)
}
