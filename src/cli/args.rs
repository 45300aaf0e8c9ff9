//! The command line, defined once: `--help`, the man page and the shell
//! completions are all made from these definitions.

use clap::{Args, Parser, Subcommand};

use crate::cli::{
    add::AddArgs, login::LoginArgs, migrate::MigrateArgs, remove::RemoveArgs, rotate::RotateArgs,
};

/// A git credential helper for Bitbucket Cloud and Data Center: each remote
/// gets the one credential stored for it, in the form Bitbucket accepts for
/// that kind of credential and that endpoint.
#[derive(Parser)]
#[command(name = "git-credential-bitbucket", version, about, long_about = None)]
#[command(allow_external_subcommands = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Subcommand)]
pub enum Command {
    /// Answer git's request for a credential (run by git).
    Get,
    /// Hear from git that a credential worked (run by git).
    Store,
    /// Hear from git that a credential was rejected (run by git).
    Erase,
    /// Sign in: says where to make the token, reads it, checks it, saves it and configures git.
    Login(LoginArgs),
    /// Store a new credential for a URL; the secret is read from a prompt or standard input.
    Add(AddArgs),
    /// Show the configured credentials, where their secrets live, expiry and rejections.
    List {
        /// One JSON document instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// Each credential's state: kind, scope, secret, expiry, last rejection, whether git runs the helper for it; exit status 1 when one has a problem.
    Status {
        /// Also ask Bitbucket whether each one works, as verify does.
        #[arg(long)]
        verify: bool,
        /// One JSON document instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Remove a credential: its entry and its secret (or, with --learned, what git asked to keep for a URL).
    Remove(RemoveArgs),
    /// Replace an entry's secret where it lives (a new token after one expired or was revoked); the entry stays.
    Rotate(RotateArgs),
    /// Ask Bitbucket whether each credential (or the one named) clones and pushes, as git will use it.
    Verify {
        /// Only this entry.
        name: Option<String>,
        /// A repository in the entry's scope to check git access on (WORKSPACE/REPO, or PROJECT/REPO on Data Center); default: the entry's own.
        #[arg(long, value_name = "REPO", requires = "name")]
        repo: Option<String>,
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
    /// An operation this version does not know (git may add some).
    #[command(external_subcommand)]
    Other(Vec<String>),
}

/// The options of `setup`.
#[derive(Args)]
pub struct SetupArgs {
    /// Write the user's git configuration (the default).
    #[arg(long, group = "level")]
    pub global: bool,
    /// Write the machine's git configuration.
    #[arg(long, group = "level")]
    pub system: bool,
    /// Write the current repository's git configuration.
    #[arg(long, group = "level")]
    pub local: bool,
    /// Take out the lines setup wrote for the URL (before uninstalling), and nothing else.
    #[arg(long)]
    pub remove: bool,
    /// The Bitbucket URL (default: https://bitbucket.org), e.g. https://git.example.com:7990.
    pub url: Option<String>,
}
