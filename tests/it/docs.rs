//! The README and the man page tell the truth: every configuration block in
//! them is accepted by the helper exactly as a user would paste it, and the
//! debug log explains a remote that no entry serves, as the troubleshooting
//! section promises.

use git_credential_bitbucket::config::Config;
use std::path::Path;

use crate::support::*;

/// The fenced ```toml blocks of a Markdown file.
fn markdown_toml(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```toml") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), l) => {
                block.push_str(l);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(current.is_none(), "a ```toml block is not closed");
    blocks
}

/// The verbatim blocks of the man page's source (lines indented by four
/// spaces) that are configuration: those that open a TOML table.
fn man_toml(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current = String::new();
    for line in text.lines().chain(std::iter::once("")) {
        if let Some(l) = line.strip_prefix("    ") {
            current.push_str(l);
            current.push('\n');
        } else if line.trim().is_empty() && !current.is_empty() && !line.starts_with("//") {
            // A blank line inside a verbatim block continues it when the
            // next line is indented again; a paragraph ends it.
            current.push('\n');
        } else {
            if current.trim_start().starts_with('[') {
                blocks.push(current.trim_end().to_owned() + "\n");
            }
            current.clear();
        }
    }
    if current.trim_start().starts_with('[') {
        blocks.push(current);
    }
    blocks
}

fn check(source: &str, blocks: &[String]) {
    assert!(!blocks.is_empty(), "{source} has no configuration block");
    for (i, block) in blocks.iter().enumerate() {
        if let Err(e) = Config::parse(block, Path::new("config.toml")) {
            panic!(
                "{source}, configuration block {} is refused: {e}\n{block}",
                i + 1
            );
        }
    }
}

#[test]
fn every_toml_block_in_the_readme_is_accepted_as_pasted() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let blocks = markdown_toml(&readme);
    assert!(blocks.len() >= 4, "found {} blocks", blocks.len());
    check("README.md", &blocks);
}

#[test]
fn the_configuration_in_the_man_page_is_accepted_as_pasted() {
    let page = std::fs::read_to_string("man/page.txt").unwrap();
    check("man/page.txt", &man_toml(&page));
}

#[test]
fn a_refused_block_is_reported() {
    // The check itself can fail: a block with a field its kind does not
    // take is refused.
    let bad = r#"[[credential]]
name = "a"
kind = "api-token"
scope = "workspace"
url = "https://bitbucket.org/"
secret = "file"
"#;
    assert!(Config::parse(bad, Path::new("config.toml")).is_err());
    let doc = format!("text\n\n```toml\n{bad}```\n");
    assert_eq!(markdown_toml(&doc), vec![bad.to_owned()]);
    let page = format!(
        "A paragraph.\n\n    {}\n\nMore.\n",
        bad.trim_end().replace('\n', "\n    ")
    );
    assert_eq!(man_toml(&page), vec![bad.to_owned()]);
}

#[test]
fn debug_log_says_why_no_entry_serves_a_remote() {
    let mut user = User::new();
    user.write_config(
        r#"[[credential]]
name = "acme"
kind = "api-token"
url = "https://bitbucket.org/acme/"
secret = "file"
"#,
    );
    user.env("RUST_LOG", "debug");
    let out = user.helper(
        &["get"],
        "protocol=https\nhost=bitbucket.org\npath=other/tool.git\n\n",
    );
    assert_ok(&out);
    assert!(out.stdout.is_empty(), "answered: {}", stdout(&out));
    let log = stderr(&out);
    assert!(
        log.contains("no entry covers https://bitbucket.org/other/tool.git")
            && log.contains("entry 'acme' (https://bitbucket.org/acme/) does not: its path /acme is not a prefix of /other/tool"),
        "{log}"
    );
}
