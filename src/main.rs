//! The `git-credential-bitbucket` executable: argv to operation, and the
//! exit status.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use git_credential_bitbucket::calendar;
use git_credential_bitbucket::config::{self, Config};
use git_credential_bitbucket::helper::Helper;
use git_credential_bitbucket::protocol::Request;
use git_credential_bitbucket::secret::file::FileStore;
use git_credential_bitbucket::state::StateFile;

/// A git credential helper for Bitbucket Cloud and Data Center.
#[derive(Parser)]
#[command(name = "git-credential-bitbucket", version, about, long_about = None)]
#[command(allow_external_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Answer git's request for a credential (run by git).
    Get,
    /// Hear from git that a credential worked (run by git).
    Store,
    /// Hear from git that a credential was rejected (run by git).
    Erase,
    #[command(external_subcommand)]
    Other(Vec<String>),
}

#[derive(Clone, Copy)]
enum Operation {
    Get,
    Store,
    Erase,
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("off"))
        .target(env_logger::Target::Stderr)
        .init();
    let cli = Cli::parse();
    let op = match cli.command {
        Command::Get => Operation::Get,
        Command::Store => Operation::Store,
        Command::Erase => Operation::Erase,
        Command::Other(words) => {
            // git asks helpers to ignore operations they do not know; a
            // person at a terminal gets told.
            if std::io::stdin().is_terminal() {
                eprintln!(
                    "git-credential-bitbucket: unknown command '{}'; see `git credential-bitbucket --help`",
                    words.first().map(String::as_str).unwrap_or_default()
                );
                return ExitCode::from(2);
            }
            return ExitCode::SUCCESS;
        }
    };
    match run(op) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("git-credential-bitbucket: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(op: Operation) -> Result<(), String> {
    let request = Request::read_from(std::io::stdin().lock()).map_err(|e| e.to_string())?;
    request.require_origin().map_err(|e| e.to_string())?;
    let path = config::default_path().map_err(|e| e.to_string())?;
    let config =
        Config::load(&path, &|name| std::env::var(name).ok()).map_err(|e| e.to_string())?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut stderr = std::io::stderr();
    let mut helper = Helper {
        config,
        files: FileStore::new(dir.join("secrets.toml")),
        state: StateFile::new(dir.join("state.toml")),
        now: calendar::now(),
        notes: &mut stderr,
    };
    match op {
        Operation::Get => {
            let response = helper.get(&request).map_err(|e| e.to_string())?;
            let mut out = std::io::stdout().lock();
            response
                .write_to(&mut out)
                .and_then(|()| out.flush())
                .map_err(|e| format!("could not write the answer to git: {e}"))
        }
        Operation::Store => helper.store(&request).map_err(|e| e.to_string()),
        Operation::Erase => helper.erase(&request).map_err(|e| e.to_string()),
    }
}
