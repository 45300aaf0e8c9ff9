//! Copies of credentials that another helper left in plain text: the files
//! `git credential-store` writes (`~/.git-credentials`,
//! `$XDG_CONFIG_HOME/git/credentials`, or the `--file` a configured store
//! helper names), searched for lines of the servers the helper serves.
//! Only how many lines and for which server are reported; what a line
//! holds is never kept beyond reading it.

use std::path::{Path, PathBuf};

use crate::remote::Origin;
use crate::url::UrlParts;

/// Lines of one file that hold credentials for one server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainCopies {
    /// The file.
    pub file: PathBuf,
    /// The server, `scheme://host[:port]`.
    pub origin: String,
    /// How many lines.
    pub lines: usize,
}

impl PlainCopies {
    /// The command that removes them, with git's own `credential-store`.
    pub fn removal(&self) -> String {
        let (scheme, host) = self.origin.split_once("://").unwrap_or(("https", ""));
        format!(
            "printf 'protocol={scheme}\\nhost={host}\\n\\n' | git credential-store --file '{}' erase",
            self.file.display()
        )
    }
}

/// The files `git credential-store` writes by default, and those the
/// store helpers in `helpers` (commands as git runs them) name with
/// `--file`.
pub fn files(helpers: &[String]) -> Vec<PathBuf> {
    let home = dirs::home_dir();
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".config")));
    let mut found: Vec<PathBuf> = home
        .iter()
        .map(|h| h.join(".git-credentials"))
        .chain(xdg.map(|x| x.join("git/credentials")))
        .collect();
    for helper in helpers {
        let Some(file) = store_file(helper, home.as_deref()) else {
            continue;
        };
        if !found.contains(&file) {
            found.push(file);
        }
    }
    found
}

/// The `--file` of a `git credential-store` command, `~/` expanded.
fn store_file(command: &str, home: Option<&Path>) -> Option<PathBuf> {
    let words = shell_words::split(command).ok()?;
    let at = words.iter().position(|w| w == "credential-store")?;
    let rest = &words[at + 1..];
    let value = rest.iter().enumerate().find_map(|(i, w)| {
        w.strip_prefix("--file=")
            .map(str::to_owned)
            .or_else(|| (w == "--file").then(|| rest.get(i + 1).cloned()).flatten())
    })?;
    match (value.strip_prefix("~/"), home) {
        (Some(tail), Some(h)) => Some(h.join(tail)),
        _ => Some(PathBuf::from(value)),
    }
}

/// The lines of each of `files` that hold credentials for one of
/// `origins`. A file that cannot be read is left out.
pub fn find(files: &[PathBuf], origins: &[Origin]) -> Vec<PlainCopies> {
    let mut found = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let text = zeroize::Zeroizing::new(text);
        for origin in origins {
            let lines = text.lines().filter(|l| holds_for(l, origin)).count();
            if lines > 0 {
                found.push(PlainCopies {
                    file: file.clone(),
                    origin: origin.display(),
                    lines,
                });
            }
        }
    }
    found
}

/// Whether the credential-store line `line` is for `origin`.
fn holds_for(line: &str, origin: &Origin) -> bool {
    let Some(parts) = UrlParts::parse(line.trim()) else {
        return false;
    };
    parts
        .host
        .as_deref()
        .and_then(|h| Origin::new(parts.protocol, h))
        .is_some_and(|o| &o == origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_counted_per_server_and_files_named_by_store_helpers_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("creds");
        std::fs::write(
            &file,
            "https://x-bitbucket-api-token-auth:ATATT-a@bitbucket.org/acme/w.git\n\
             https://jdoe:ATATT-b@bitbucket.org\n\
             https://u:p@github.com\n\
             https://u:BBDC-c@git.example.com%3a7990\n\
             https://u:BBDC-d@git.example.com:7990/scm/p/r.git\n",
        )
        .unwrap();
        let origins = [
            Origin::new("https", "bitbucket.org").unwrap(),
            Origin::new("https", "git.example.com:7990").unwrap(),
            Origin::new("https", "elsewhere.example").unwrap(),
        ];
        let found = find(std::slice::from_ref(&file), &origins);
        let counts: Vec<(&str, usize)> =
            found.iter().map(|c| (c.origin.as_str(), c.lines)).collect();
        assert_eq!(
            counts,
            [
                ("https://bitbucket.org", 2),
                ("https://git.example.com:7990", 2)
            ]
        );
        assert_eq!(
            found[1].removal(),
            format!("printf 'protocol=https\\nhost=git.example.com:7990\\n\\n' | git credential-store --file '{}' erase", file.display())
        );
        let home = Path::new("/home/jdoe");
        let cases = [
            (
                "git credential-store --file ~/plain",
                Some("/home/jdoe/plain"),
            ),
            ("git credential-store --file=/srv/c", Some("/srv/c")),
            ("git credential-store", None),
            ("git credential-cache --timeout 60", None),
        ];
        for (command, want) in cases {
            assert_eq!(
                store_file(command, Some(home)),
                want.map(PathBuf::from),
                "{command}"
            );
        }
    }
}
