//! The `git-credential-bitbucket` executable: argv to command, and the exit
//! status.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use git_credential_bitbucket::calendar;
use git_credential_bitbucket::cli::{self, add::AddArgs, migrate::MigrateArgs, setup::Level};
use git_credential_bitbucket::config;
use git_credential_bitbucket::helper::Helper;
use git_credential_bitbucket::index;
use git_credential_bitbucket::protocol::Request;
use git_credential_bitbucket::remote::Origin;
use git_credential_bitbucket::secret::file::FileStore;
use git_credential_bitbucket::state::StateFile;

/// A git credential helper for Bitbucket Cloud and Data Center: each remote
/// gets the one credential stored for it, in the form Bitbucket accepts for
/// that kind of credential and that endpoint.
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
    /// Store a new credential for a URL; the secret is read from a prompt or standard input.
    Add(AddArgs),
    /// Show the configured credentials, where their secrets live, expiry and rejections.
    List,
    /// Remove a credential: its entry and its secret.
    Remove {
        /// The entry's name.
        name: String,
    },
    /// Ask Bitbucket's REST API whether each credential (or the one named) works.
    Verify {
        /// Only this entry.
        name: Option<String>,
        /// The REST API base URL (default: https://api.bitbucket.org, or the Data Center server).
        #[arg(long, value_name = "URL")]
        api_base: Option<String>,
    },
    /// Configure git to use this helper (and send repository paths) for a Bitbucket URL.
    Setup(SetupArgs),
    /// Check git, the configuration, the stores, expiry and permissions.
    Doctor,
    /// Replace app-password entries by API tokens for the same scope.
    Migrate(MigrateArgs),
    /// Print the Authorization header Bitbucket's REST API wants for URL.
    Header {
        /// A REST URL, such as https://api.bitbucket.org/2.0/repositories/WORKSPACE/REPO.
        url: String,
    },
    #[command(external_subcommand)]
    Other(Vec<String>),
}

#[derive(Args)]
struct SetupArgs {
    /// Write the user's git configuration (the default).
    #[arg(long, group = "level")]
    global: bool,
    /// Write the machine's git configuration.
    #[arg(long, group = "level")]
    system: bool,
    /// Write the current repository's git configuration.
    #[arg(long, group = "level")]
    local: bool,
    /// The Bitbucket URL (default: https://bitbucket.org), e.g. https://git.example.com:7990.
    url: Option<String>,
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
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Get => protocol(Operation::Get).map(|()| true),
        Command::Store => protocol(Operation::Store).map(|()| true),
        Command::Erase => protocol(Operation::Erase).map(|()| true),
        Command::Add(args) => cli::add::run(args),
        Command::List => cli::list::run(),
        Command::Remove { name } => cli::remove::run(&name),
        Command::Verify { name, api_base } => {
            cli::verify::run(name.as_deref(), api_base.as_deref())
        }
        Command::Setup(a) => {
            let level = if a.system {
                Level::System
            } else if a.local {
                Level::Local
            } else {
                Level::Global
            };
            cli::setup::run(level, a.url.as_deref())
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

fn exit(result: Result<bool, String>) -> ExitCode {
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("git-credential-bitbucket: {message}");
            ExitCode::FAILURE
        }
    }
}

fn protocol(op: Operation) -> Result<(), String> {
    let request = Request::read_from(std::io::stdin().lock()).map_err(|e| e.to_string())?;
    request.require_origin().map_err(|e| e.to_string())?;
    // Only the entries of the request's host are read (from the index).
    let config_path = config::default_path().map_err(|e| e.to_string())?;
    let host = Origin::new(
        request.protocol.as_deref().unwrap_or_default(),
        request.host.as_deref().unwrap_or_default(),
    )
    .map_or_else(|| request.host.clone().unwrap_or_default(), |o| o.host);
    let config = index::load_for_host(&config_path, &host, &|n| std::env::var(n).ok())
        .map_err(|e| e.to_string())?;
    let mut stderr = std::io::stderr();
    let mut helper = Helper {
        config,
        files: FileStore::new(config::store_dir(&config_path)),
        state: StateFile::new(config::state_path(&config_path)),
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
