//! Writes the man page and the shell completions from the same clap
//! definitions that `--help` prints, so they cannot drift; `--check`
//! compares instead of writing and fails when a committed file is out of
//! date.
//!
//! `cargo run --example generate [-- --check]`

use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;
use clap_mangen::roff::{bold, italic, roman, Inline, Roff};

use git_credential_bitbucket::cli::args::Cli;

const BIN: &str = "git-credential-bitbucket";
/// The month of the release the page describes (the man page's date).
const DATE: &str = "2026-11";

fn section(roff: &mut Roff, title: &str) {
    roff.control("SH", [title]);
}

fn para(roff: &mut Roff, text: &str) {
    roff.control("PP", []);
    roff.text([roman(text)]);
}

fn item(roff: &mut Roff, term: Vec<Inline>, text: &str) {
    roff.control("TP", []);
    roff.text(term);
    roff.text([roman(text)]);
}

fn example(roff: &mut Roff, lines: &str) {
    roff.control("PP", []);
    roff.control("nf", []);
    roff.control("RS", ["4"]);
    for line in lines.lines() {
        roff.text([roman(line)]);
    }
    roff.control("RE", []);
    roff.control("fi", []);
}

fn commands(roff: &mut Roff, cmd: &mut clap::Command) {
    section(roff, "COMMANDS");
    para(
        roff,
        "git runs get, store and erase; people run the others. Each command takes -h for its help.",
    );
    let names: Vec<String> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in names {
        let usage = cmd
            .find_subcommand_mut(&name)
            .map(|s| s.render_usage().to_string())
            .unwrap_or_default();
        let usage = usage.trim_start_matches("Usage: ").trim().to_owned();
        let sub = cmd.find_subcommand(&name).expect("listed above");
        roff.control("SS", [usage.as_str()]);
        if let Some(about) = sub.get_about() {
            roff.text([roman(about.to_string())]);
        }
        for arg in sub
            .get_arguments()
            .filter(|a| a.get_id() != "help" && !a.is_hide_set())
        {
            let mut term: Vec<Inline> = Vec::new();
            let values: Vec<String> = arg
                .get_value_names()
                .map(|v| v.iter().map(|n| n.to_string()).collect())
                .unwrap_or_default();
            if arg.is_positional() {
                term.push(italic(
                    values
                        .first()
                        .cloned()
                        .unwrap_or_else(|| arg.get_id().to_string().to_uppercase()),
                ));
            } else {
                if let Some(short) = arg.get_short() {
                    term.push(bold(format!("-{short}")));
                    term.push(roman(", "));
                }
                if let Some(long) = arg.get_long() {
                    term.push(bold(format!("--{long}")));
                }
                if arg.get_action().takes_values() {
                    let value = values
                        .first()
                        .cloned()
                        .unwrap_or_else(|| arg.get_id().to_string().to_uppercase());
                    term.push(roman(" "));
                    term.push(italic(value));
                }
            }
            let mut help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            let possible: Vec<String> = arg
                .get_possible_values()
                .iter()
                .map(|p| p.get_name().to_owned())
                .collect();
            if !possible.is_empty() && arg.get_action().takes_values() {
                help = format!(
                    "{}. One of: {}.",
                    help.trim_end_matches('.'),
                    possible.join(", ")
                );
            }
            item(roff, term, &help);
        }
    }
}

fn man_page() -> String {
    let mut cmd = Cli::command();
    cmd.build();
    let man = clap_mangen::Man::new(cmd.clone())
        .title("GIT-CREDENTIAL-BITBUCKET")
        .section("1")
        .date(DATE)
        .manual("Git Manual");
    let mut out = Vec::new();
    man.render_title(&mut out).unwrap();
    man.render_name_section(&mut out).unwrap();
    man.render_synopsis_section(&mut out).unwrap();
    let mut r = Roff::new();
    section(&mut r, "DESCRIPTION");
    para(&mut r, "git-credential-bitbucket is a git credential helper for Bitbucket Cloud and Bitbucket Data Center. git runs it for each HTTPS remote it is configured for (see gitcredentials(7)); it picks the one credential stored for that remote by scheme, host, port and repository path, and answers in the form Bitbucket accepts for that kind of credential and that endpoint:");
    item(&mut r, vec![bold("api-token")], "Atlassian API token (ATATT...). git: Basic with the Bitbucket username, or x-bitbucket-api-token-auth; never the email, which git is refused with. REST API: Basic with the Atlassian account email.");
    item(&mut r, vec![bold("access-token")], "Cloud repository, project or workspace access token (ATCTT...). git: Basic x-token-auth. REST API: Bearer.");
    item(&mut r, vec![bold("http-token")], "Data Center HTTP access token (BBDC-...). A personal (user) token is sent as Basic with its user's username; project and repository tokens as Bearer, which needs git 2.46 or later (capability authtype). For older gits and libgit2 programs such as cargo, which cannot send Bearer, they are sent as Basic x-token-auth with a one-line note.");
    item(&mut r, vec![bold("app-password")], "Cloud app password (ATBB...), removed by Bitbucket on 2026-07-28. Still served, with a warning naming the migrate command on every use.");
    para(&mut r, "A credential is never sent to a scheme, host, port or path outside its url (and repos) scope. Plain http is refused except for hosts listed in insecure_http_hosts. Nothing is ever prompted for while git runs the helper.");
    para(&mut r, "git sends the repository path only when credential.useHttpPath is true for the URL; without it only host-wide entries can answer, and the helper prints the git config command to run. The setup command writes both lines.");
    let mut rest = Vec::new();
    r.to_writer(&mut rest).unwrap();
    out.extend(rest);

    let mut r = Roff::new();
    commands(&mut r, &mut cmd);
    r.to_writer(&mut out).unwrap();
    man.render_options_section(&mut out).unwrap();

    let mut r = Roff::new();
    section(&mut r, "CONFIGURATION");
    para(&mut r, "The configuration file is TOML and holds no secret. Unknown fields are an error; an invalid file stops the helper with one line naming the file, the entry and the field.");
    example(
        &mut r,
        r#"[settings]                           # all optional
store = "auto"                       # auto | keyring | file: where add puts secrets
insecure_http_hosts = ["localhost"]  # plain http is refused for every other host
expiry_warning_days = 14
command_timeout_seconds = 10         # how long a command: source may run

[[credential]]
name = "acme"           # unique; letters, digits and . _ - @ +
kind = "api-token"      # app-password | api-token | access-token | http-token
url = "https://bitbucket.org/acme/"  # scheme, host[:port], optional path prefix
username = "jdoe"       # app-password, api-token, http-token with scope user
email = "jdoe@example.com"           # api-token: the REST API's username
scope = "workspace"     # access-token: repository | project | workspace
                        # http-token: user | project | repository
repos = ["acme/api"]    # access-token with scope project
expires = "2027-06-01"  # sent to git as password_expiry_utc
secret = "keyring"      # keyring | file | env:VAR | command:PROGRAM ARGS"#,
    );
    para(&mut r, "Matching: scheme, host (case-insensitive) and port must be equal; entries for bitbucket.org also serve api.bitbucket.org (a host-wide entry the whole API, narrower entries the matching /2.0/repositories/WORKSPACE/REPO paths). The entry's path must be a prefix of the remote's on segment boundaries, after removing .git, a trailing / and the /wiki of a wiki remote, and resolving . and .. segments. The longest prefix wins; an entry naming the repository wins over a project token that lists it. Equally specific entries are an error unless the username in the remote URL equals the username of exactly one of them. Data Center entries such as https://HOST/CONTEXT/scm/PROJECT/ also cover the REST paths under CONTEXT/rest/api/1.0/projects/PROJECT/; project keys are case-insensitive.");
    para(&mut r, "Secret sources: keyring is the OS keyring (Secret Service, Keychain, Credential Manager) under the service git-credential-bitbucket with the entry's name as account; file is the file store beside the configuration; env:VAR reads an environment variable; command:PROGRAM ARGS runs the program without a shell and takes the first line it prints.");
    para(&mut r, "store and erase: a credential that one of the entries supplied is never stored again nor deleted; a rejection is recorded and the next get prints when it happened and which command checks it. Any other credential git asks to store is learned, like git-credential-store does, keyed by protocol, host, path and username.");

    section(&mut r, "ENVIRONMENT");
    for (name, text) in [
        ("GIT_CREDENTIAL_BITBUCKET_CONFIG", "The configuration file to use instead of the default."),
        ("BITBUCKET_API_TOKEN", "CI: an API token for https://bitbucket.org/ and the API, with BITBUCKET_USERNAME and BITBUCKET_EMAIL."),
        ("BITBUCKET_ACCESS_TOKEN", "CI: an access token for https://bitbucket.org/ and the API."),
        ("BITBUCKET_HTTP_TOKEN", "CI: a Data Center token for the server in BITBUCKET_SERVER_URL; a personal token when BITBUCKET_USERNAME is set, else a project or repository token."),
        ("BITBUCKET_SERVER_URL", "CI: the Data Center server, with its context path, e.g. https://git.example.com/bitbucket."),
        ("BITBUCKET_USERNAME", "CI: the Bitbucket username for BITBUCKET_API_TOKEN or a personal BITBUCKET_HTTP_TOKEN."),
        ("BITBUCKET_EMAIL", "CI: the Atlassian account email for BITBUCKET_API_TOKEN."),
        ("GIT_SSL_CAINFO, SSL_CERT_FILE", "Certificates the REST client (verify, add --verify, migrate) trusts instead of the public roots."),
        ("GIT_CONFIG_GLOBAL, GIT_CONFIG_SYSTEM", "The git configuration files setup --global and setup --system write, as git reads them."),
        ("XDG_CONFIG_HOME, XDG_CACHE_HOME, HOME", "Where the configuration and the index live by default."),
        ("RUST_LOG", "debug or trace: explain which entry matched a remote and why. Never prints a secret."),
    ] {
        item(&mut r, vec![bold(name)], text);
    }
    para(&mut r, "The CI variables act as entries of the lowest priority: an entry of the configuration file that covers a remote comes first.");

    section(&mut r, "FILES");
    for (name, text) in [
        ("~/.config/git-credential-bitbucket/config.toml", "The configuration (the platform's configuration directory elsewhere)."),
        ("~/.config/git-credential-bitbucket/secrets/NAME", "The secret of entry NAME when it says secret = \"file\"; mode 0600, in a 0700 directory."),
        ("~/.config/git-credential-bitbucket/learned.toml", "Credentials git asked the helper to store; mode 0600."),
        ("~/.config/git-credential-bitbucket/state.toml", "Rejections and expiry notices; mode 0600."),
        ("~/.cache/git-credential-bitbucket/*.index", "An index of the configuration by host, rebuilt whenever the configuration changes."),
    ] {
        item(&mut r, vec![bold(name)], text);
    }

    section(&mut r, "EXIT STATUS");
    item(&mut r, vec![bold("0")], "Success. For get this includes having no credential for the remote, in which case nothing at all is printed.");
    item(&mut r, vec![bold("1")], "A refused request (a NUL or carriage return in a value, a line over 64 KiB, more than 1 MiB of input, no protocol or host), an unusable configuration or secret, or a check of verify or doctor that failed. One line on standard error says why.");
    item(
        &mut r,
        vec![bold("2")],
        "A command line that could not be understood.",
    );

    section(&mut r, "EXAMPLES");
    para(
        &mut r,
        "Bitbucket Cloud with an API token, for every repository of the workspace acme:",
    );
    example(&mut r, "git credential-bitbucket setup\ngit credential-bitbucket add https://bitbucket.org/acme/ --username jdoe --email jdoe@example.com --verify\ngit clone https://bitbucket.org/acme/widget.git");
    para(
        &mut r,
        "A repository access token, which also serves the repository's wiki:",
    );
    example(&mut r, "git credential-bitbucket add https://bitbucket.org/acme/widget --scope repository\ngit clone https://bitbucket.org/acme/widget.git/wiki");
    para(
        &mut r,
        "Bitbucket Data Center under the context path /bitbucket, with a project token:",
    );
    example(&mut r, "git credential-bitbucket setup https://git.example.com:7990\ngit credential-bitbucket add https://git.example.com:7990/bitbucket/scm/PROJ/\ngit clone https://git.example.com:7990/bitbucket/scm/PROJ/repo.git");
    para(&mut r, "CI, with no file and no keyring:");
    example(&mut r, "git credential-bitbucket setup --system\nexport BITBUCKET_ACCESS_TOKEN=...   # from a secured variable\ngit clone https://bitbucket.org/acme/other-repo.git");
    para(&mut r, "A script calling the REST API:");
    example(&mut r, "git credential-bitbucket header https://api.bitbucket.org/2.0/user |\n    curl -sf -H @- https://api.bitbucket.org/2.0/user");

    section(&mut r, "SECURITY");
    para(&mut r, "Secrets are never taken from the command line and never written to logs or error messages; the secret type prints *** and is wiped from memory when dropped. The files that hold secrets are mode 0600, written whole (a temporary file, fsync, rename) under a lock, and a file other users can read is refused with the chmod command that fixes it. Input from git is checked as git itself checks it. A command: source that runs longer than command_timeout_seconds is stopped.");

    section(&mut r, "SEE ALSO");
    r.text([
        bold("gitcredentials"),
        roman("(7), "),
        bold("git-credential"),
        roman("(1), "),
        bold("git-credential-store"),
        roman("(1), "),
        bold("git-config"),
        roman("(1)"),
    ]);
    r.to_writer(&mut out).unwrap();
    man.render_version_section(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn completion(shell: Shell) -> String {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, BIN, &mut out);
    String::from_utf8(out).unwrap()
}

fn main() {
    let check = std::env::args().any(|a| a == "--check");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = [
        ("man/git-credential-bitbucket.1", man_page()),
        (
            "contrib/completions/git-credential-bitbucket.bash",
            completion(Shell::Bash),
        ),
        (
            "contrib/completions/_git-credential-bitbucket",
            completion(Shell::Zsh),
        ),
        (
            "contrib/completions/git-credential-bitbucket.fish",
            completion(Shell::Fish),
        ),
    ];
    let mut stale = Vec::new();
    for (rel, text) in &files {
        let path = root.join(rel);
        if check {
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                stale.push(*rel);
            }
        } else {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            println!("wrote {rel}");
        }
    }
    if !stale.is_empty() {
        eprintln!(
            "out of date: {}; run `cargo run --example generate` and commit the result",
            stale.join(", ")
        );
        std::process::exit(1);
    }
}
