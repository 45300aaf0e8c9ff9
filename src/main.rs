//! The `git-credential-bitbucket` executable: argv to command, and the exit
//! status.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

use git_credential_bitbucket::calendar;
use git_credential_bitbucket::cli::args::{Cli, Command};
use git_credential_bitbucket::cli::{self};
use git_credential_bitbucket::config::{self, index, ConfigError, Paths, PathsError};
use git_credential_bitbucket::git::Level;
use git_credential_bitbucket::helper::{Call, Helper, HelperError};
use git_credential_bitbucket::protocol::{ProtocolError, Request};

#[derive(Clone, Copy)]
enum Operation {
    Get,
    Store,
    Erase,
}

/// `RUST_LOG` for the helper's own decisions only: other crates' records
/// are capped at `info`, because an HTTP or TLS library at `trace` dumps
/// whole requests, `Authorization` headers included.
struct OwnTrace(env_logger::Logger);

impl log::Log for OwnTrace {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        (metadata.level() <= log::Level::Info
            || metadata.target().starts_with("git_credential_bitbucket"))
            && self.0.enabled(metadata)
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            self.0.log(record);
        }
    }

    fn flush(&self) {
        self.0.flush();
    }
}

/// The statically linked glibc build and the host's NSS modules: a lookup
/// that nsswitch.conf sends past `files` and `dns` (to `systemd`, `sss`,
/// `mdns`, `resolve`, `myhostname`) loads the host's module, built for
/// another glibc, and the process aborts. Before any lookup, the static
/// build confines user and group lookups to `/etc/passwd` and
/// `/etc/group`, and host lookups to `/etc/hosts` and the DNS servers of
/// `/etc/resolv.conf`, which its libc answers itself (as static musl and
/// Go programs resolve). A dynamic build uses the host's own libc and
/// modules, and keeps the host's configuration.
#[cfg(all(target_os = "linux", target_env = "gnu", target_feature = "crt-static"))]
mod static_nss {
    use std::ffi::{c_char, c_int, CStr};

    extern "C" {
        /// glibc's `nss.h`: replaces the service line of one database.
        fn __nss_configure_lookup(db: *const c_char, service_line: *const c_char) -> c_int;
    }

    /// Confines the databases the helper (and libdbus) may look up.
    pub fn confine() {
        let lines: [(&CStr, &CStr); 3] = [
            (c"hosts", c"files dns"),
            (c"passwd", c"files"),
            (c"group", c"files"),
        ];
        for (db, line) in lines {
            // SAFETY: both arguments are NUL-terminated constants that live
            // for the whole program; glibc reads them and keeps no pointer
            // it may write through. No other thread runs yet.
            let failed = unsafe { __nss_configure_lookup(db.as_ptr(), line.as_ptr()) } != 0;
            if failed {
                log::debug!("could not confine NSS lookups of {db:?}");
            }
        }
    }
}

fn main() -> ExitCode {
    let logger = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("off"))
        .target(env_logger::Target::Stderr)
        .build();
    log::set_max_level(logger.filter());
    let _ = log::set_boxed_logger(Box::new(OwnTrace(logger)));
    #[cfg(all(target_os = "linux", target_env = "gnu", target_feature = "crt-static"))]
    static_nss::confine();
    // git runs `git-credential-bitbucket get|store|erase` on every fetch
    // and push: answer those without building the whole command line.
    let mut args = std::env::args_os().skip(1);
    if let (Some(op), None) = (args.next(), args.next()) {
        let op = match op.to_str() {
            Some("get") => Some(Operation::Get),
            Some("store") => Some(Operation::Store),
            Some("erase") => Some(Operation::Erase),
            _ => None,
        };
        if let Some(op) = op {
            return exit(protocol(op).map(|()| true));
        }
    }
    // The first command run by hand after `cargo install` (the README's
    // `--version` included) puts the manual page where `man` and `git
    // credential-bitbucket --help` look; `header` runs in scripts, and
    // stays quiet.
    if std::env::args_os().nth(1).is_some_and(|a| a != "header") {
        if let Some(page) = cli::setup::install_manual() {
            eprintln!(
                "Installed the manual page as {}: `git credential-bitbucket --help` shows it.",
                page.display()
            );
        }
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Get => return exit(protocol(Operation::Get).map(|()| true)),
        Command::Store => return exit(protocol(Operation::Store).map(|()| true)),
        Command::Erase => return exit(protocol(Operation::Erase).map(|()| true)),
        Command::Login(args) => cli::login::run(args),
        Command::Add(args) => cli::add::run(args),
        Command::List { json: false } => cli::list::run(),
        Command::List { json: true } => cli::status::list_json(),
        Command::Status { verify, json } => cli::status::run(verify, json),
        Command::Remove(args) => cli::remove::run(args),
        Command::Rotate(args) => cli::rotate::run(args),
        Command::Verify {
            name,
            repo,
            api_base,
        } => cli::verify::run(
            name.as_deref(),
            git_credential_bitbucket::rest::Target {
                repo: repo.as_deref(),
                api_base: api_base.as_deref(),
            },
        ),
        Command::Setup(a) => {
            let level = if a.system {
                Level::System
            } else if a.local {
                Level::Local
            } else {
                Level::Global
            };
            if a.remove {
                cli::setup::remove(level, a.url.as_deref())
            } else {
                cli::setup::run(level, a.url.as_deref())
            }
        }
        Command::Doctor => cli::doctor::run(),
        Command::Migrate(args) => cli::migrate::run(args),
        Command::Header { url } => cli::header::run(&url),
        Command::Other(words) => {
            // git asks helpers to ignore operations they do not know; a
            // person at a terminal gets told.
            if std::io::stdin().is_terminal() {
                eprintln!(
                    "git-credential-bitbucket: unknown command '{}'; see `git credential-bitbucket -h`",
                    words.first().map(String::as_str).unwrap_or_default()
                );
                return ExitCode::from(2);
            }
            Ok(true)
        }
    };
    exit(result)
}

fn exit<E: std::fmt::Display>(result: Result<bool, E>) -> ExitCode {
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("git-credential-bitbucket: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Why `get`, `store` or `erase` failed: one sentence for git's stderr.
#[derive(Debug, thiserror::Error)]
enum Failure {
    /// The request.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// The configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Where the configuration is.
    #[error(transparent)]
    Paths(#[from] PathsError),
    /// The operation.
    #[error(transparent)]
    Helper(#[from] HelperError),
    /// Standard output.
    #[error("could not write the answer to git: {0}")]
    Write(std::io::Error),
}

/// Reads git's request, checks it once, and answers it.
fn protocol(op: Operation) -> Result<(), Failure> {
    let request = Request::read_from(std::io::stdin().lock())?;
    request.require_origin()?;
    // Only the entries that can serve the request are read (from the
    // index); a request for no remote the helper could serve gets nothing.
    let Some(call) = Call::new(&request) else {
        return Ok(());
    };
    let paths = Paths::for_git()?;
    let env = cli::process_env;
    // Asked to explain itself, the helper reads every entry, so that it can
    // say why each one does not serve the request.
    let config = if log::log_enabled!(log::Level::Debug) {
        config::Config::load(paths.config(), &env)?
    } else {
        index::load_for(&paths, &call.remote, &env)?
    };
    let helper = Helper::new(
        config,
        paths.file_store(),
        paths.state_file(),
        calendar::now(),
        &env,
    );
    let say = |notes: &[git_credential_bitbucket::helper::Note]| {
        let mut err = std::io::stderr().lock();
        for note in notes {
            let _ = writeln!(err, "git-credential-bitbucket: {note}");
        }
    };
    let result = match op {
        Operation::Get => {
            let answer = helper.get(&call);
            say(&answer.notes);
            let response = answer.response?;
            let mut out = std::io::stdout().lock();
            response
                .write_to(&mut out)
                .and_then(|()| out.flush())
                .map_err(Failure::Write)
        }
        Operation::Store => helper
            .store(&call)
            .map(|notes| say(&notes))
            .map_err(Failure::from),
        Operation::Erase => helper
            .erase(&call)
            .map(|notes| say(&notes))
            .map_err(Failure::from),
    };
    // The process ends now: freeing the configuration (no secret in it)
    // piece by piece would only cost time. Secrets were dropped, and wiped,
    // with the answer.
    std::mem::forget(helper);
    result
}
