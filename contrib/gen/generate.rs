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

/// Text with `**word**` in bold.
fn inline(text: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("**") {
        let after = &rest[start + 2..];
        match after.find("**") {
            Some(end) if end > 0 && !after.starts_with(['*', ' ']) => {
                if start > 0 {
                    out.push(roman(&rest[..start]));
                }
                out.push(bold(&after[..end]));
                rest = &after[end + 2..];
            }
            _ => break,
        }
    }
    if !rest.is_empty() {
        out.push(roman(rest));
    }
    out
}

fn para(roff: &mut Roff, text: &str) {
    roff.control("PP", []);
    roff.text(inline(text));
}

fn item(roff: &mut Roff, term: Vec<Inline>, text: &str) {
    roff.control("TP", []);
    roff.text(term);
    roff.text([roman(text)]);
}

fn example(roff: &mut Roff, lines: &[&str]) {
    roff.control("PP", []);
    roff.control("nf", []);
    roff.control("RS", ["4"]);
    for line in lines {
        roff.text([roman(*line)]);
    }
    roff.control("RE", []);
    roff.control("fi", []);
}

fn commands(roff: &mut Roff, cmd: &mut clap::Command) {
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

/// The man page: clap's title, name and synopsis, then the prose of
/// man/page.txt with the generated commands, options and version in the
/// places it marks.
fn man_page(root: &Path) -> String {
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
    let template = std::fs::read_to_string(root.join("man/page.txt")).unwrap();
    let lines: Vec<&str> = template.lines().filter(|l| !l.starts_with("//")).collect();
    let mut r = Roff::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.is_empty() {
            i += 1;
        } else if let Some(title) = line.strip_prefix("# ") {
            section(&mut r, title);
            i += 1;
        } else if let Some(part) = line.strip_prefix('@') {
            r.to_writer(&mut out).unwrap();
            r = Roff::new();
            match part {
                "commands" => commands(&mut r, &mut cmd),
                "options" => man.render_options_section(&mut out).unwrap(),
                "version" => man.render_version_section(&mut out).unwrap(),
                other => panic!("man/page.txt: unknown part @{other}"),
            }
            i += 1;
        } else if line.starts_with("    ") {
            // Indented lines, and blank lines between them, as they are.
            let mut end = i;
            while end < lines.len()
                && (lines[end].starts_with("    ")
                    || (lines[end].is_empty()
                        && lines.get(end + 1).is_some_and(|l| l.starts_with("    "))))
            {
                end += 1;
            }
            let block: Vec<&str> = lines[i..end]
                .iter()
                .map(|l| l.get(4..).unwrap_or(""))
                .collect();
            example(&mut r, &block);
            i = end;
        } else {
            let mut end = i + 1;
            while end < lines.len() && !lines[end].is_empty() {
                end += 1;
            }
            let words = |ls: &[&str]| ls.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ");
            match line.strip_prefix("- ") {
                Some(term) => item(&mut r, vec![bold(term)], &words(&lines[i + 1..end])),
                None => para(&mut r, &words(&lines[i..end])),
            }
            i = end;
        }
    }
    r.to_writer(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// Appended to the bash completion: it hands the words after `git
/// [options] credential-bitbucket` to the executable's completion.
const BASH_GIT_HOOK: &str = r#"
# `git credential-bitbucket <TAB>`: git's completion loads this file and calls
# this function with the command line in words, cword and cur.
_git_credential_bitbucket() {
    local at="${__git_cmd_idx:-1}"
    local COMP_WORDS=(git-credential-bitbucket "${words[@]:at+1}")
    local COMP_CWORD=$((cword - at))
    local prev="${COMP_WORDS[COMP_CWORD-1]}"
    _git__credential__bitbucket git-credential-bitbucket "$cur" "$prev"
}
"#;

fn completion(shell: Shell) -> String {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, BIN, &mut out);
    let text = String::from_utf8(out).unwrap();
    match shell {
        // clap_complete names the states of a hyphenated program one way
        // where it sets them and another where it reads them, so nothing
        // after a subcommand would complete: use the first spelling in both.
        Shell::Bash => {
            text.replace(
                "git__subcmd__credential__subcmd__bitbucket",
                "git__credential__bitbucket",
            ) + BASH_GIT_HOOK
        }
        _ => text,
    }
}

fn main() {
    let check = std::env::args().any(|a| a == "--check");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = [
        ("man/git-credential-bitbucket.1", man_page(root)),
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
