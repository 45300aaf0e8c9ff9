//! The house rules of `src/`, read from the source: no two modules import
//! each other (directly or round a circle), no function outside tests is
//! longer than 100 lines, the four kind words are written in at most two
//! files, no error of the library is a bare `String`, and there are at most
//! three integration test binaries. No server.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const KIND_WORDS: [&str; 4] = ["app-password", "api-token", "access-token", "http-token"];
const LONGEST_FUNCTION: usize = 100;

/// One source file of the library: its module path, its code with string
/// literals and comments blanked (lines kept), and its string literals.
struct Source {
    file: String,
    module: Vec<String>,
    code: String,
    strings: Vec<String>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The text of a file without its `#[cfg(test)]` module (always its last
/// item here).
fn without_tests(text: &str) -> &str {
    let mut offset = 0;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    for (i, line) in lines.iter().enumerate() {
        let next = lines.get(i + 1).map_or("", |l| l.trim_start());
        if line.trim_start().starts_with("#[cfg(")
            && line.contains("test")
            && next.starts_with("mod ")
        {
            return &text[..offset];
        }
        offset += line.len();
    }
    text
}

/// `text` with every string literal, char literal and comment replaced by
/// blanks (newlines kept, so lines still count), and the string literals.
fn lex(text: &str) -> (String, Vec<String>) {
    let b = text.as_bytes();
    let mut code = String::with_capacity(text.len());
    let mut strings = Vec::new();
    let blank = |code: &mut String, s: &str| {
        code.extend(s.chars().map(|c| if c == '\n' { '\n' } else { ' ' }));
    };
    let mut i = 0;
    while i < b.len() {
        let rest = &text[i..];
        let prev_ident = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        if rest.starts_with("//") {
            let end = rest.find('\n').unwrap_or(rest.len());
            blank(&mut code, &rest[..end]);
            i += end;
        } else if rest.starts_with("/*") {
            let end = rest.find("*/").map_or(rest.len(), |e| e + 2);
            blank(&mut code, &rest[..end]);
            i += end;
        } else if !prev_ident && (rest.starts_with("r#") || rest.starts_with("r\"")) {
            let hashes = rest[1..].bytes().take_while(|&c| c == b'#').count();
            let open = 1 + hashes + 1;
            let close = format!("\"{}", "#".repeat(hashes));
            let end = open + rest[open..].find(&close).unwrap() + close.len();
            strings.push(rest[open..end - close.len()].to_owned());
            blank(&mut code, &rest[..end]);
            i += end;
        } else if rest.starts_with('"') {
            let mut j = 1;
            while rest.as_bytes()[j] != b'"' {
                j += if rest.as_bytes()[j] == b'\\' { 2 } else { 1 };
            }
            strings.push(rest[1..j].to_owned());
            blank(&mut code, &rest[..=j]);
            i += j + 1;
        } else if let Some(after) = rest.strip_prefix('\'') {
            // A char literal ('x', '\n', '\u{1}'), or a lifetime.
            let len = if let Some(escaped) = after.strip_prefix('\\') {
                escaped.find('\'').map(|e| e + 3)
            } else {
                let c = after.chars().next().map_or(0, char::len_utf8);
                (after.get(c..c + 1) == Some("'")).then_some(c + 2)
            };
            match len {
                Some(n) => {
                    blank(&mut code, &rest[..n]);
                    i += n;
                }
                None => {
                    code.push('\'');
                    i += 1;
                }
            }
        } else {
            let c = rest.chars().next().unwrap();
            code.push(c);
            i += c.len_utf8();
        }
    }
    (code, strings)
}

fn sources() -> Vec<Source> {
    let src = root().join("src");
    let mut out = Vec::new();
    let mut pending = vec![src.clone()];
    while let Some(dir) = pending.pop() {
        for item in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = item.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap();
            if rel == Path::new("main.rs") {
                continue;
            }
            let mut module: Vec<String> = rel
                .with_extension("")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if module.last().is_some_and(|m| m == "mod" || m == "lib") {
                module.pop();
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let (code, strings) = lex(without_tests(&text));
            out.push(Source {
                file: format!("src/{}", rel.display()),
                module,
                code,
                strings,
            });
        }
    }
    out.sort_by(|a, b| a.file.cmp(&b.file));
    out
}

/// The paths a file names: every `crate::…`, `super::…` and `child::…`
/// path, with `{…}` groups spread out, as lists of segments relative to
/// the crate root.
fn paths_named(source: &Source, modules: &BTreeSet<Vec<String>>) -> Vec<Vec<String>> {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let code = &source.code;
    let mut out = Vec::new();
    let mut i = 0;
    while i < code.len() {
        let rest = &code[i..];
        let start_ok = i == 0 || !code[..i].ends_with(|c: char| is_ident(c) || c == ':');
        let word: String = rest.chars().take_while(|&c| is_ident(c)).collect();
        if !start_ok || word.is_empty() || !rest[word.len()..].starts_with("::") {
            i += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        }
        let base: Option<Vec<String>> = match word.as_str() {
            "crate" => Some(Vec::new()),
            "super" => Some(source.module[..source.module.len().saturating_sub(1)].to_vec()),
            "self" => Some(source.module.clone()),
            w => {
                let mut child = source.module.clone();
                child.push(w.to_owned());
                modules
                    .contains(&child)
                    .then(|| source.module.clone())
                    .map(|_| {
                        let mut m = source.module.clone();
                        m.push(w.to_owned());
                        m
                    })
            }
        };
        let Some(base) = base else {
            i += word.len();
            continue;
        };
        let (paths, used) = spread(&rest[word.len() + 2..]);
        for p in paths {
            let mut full = base.clone();
            full.extend(p);
            out.push(full);
        }
        i += word.len() + 2 + used;
    }
    out
}

/// The paths at the start of `text` (after a `::`): `a::b`, or a group
/// `{a, b::{c, d}}`; and how many bytes they took.
fn spread(text: &str) -> (Vec<Vec<String>>, usize) {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut segs = Vec::new();
    let mut i = 0;
    loop {
        let rest = &text[i..];
        if rest.starts_with('{') {
            let mut out = Vec::new();
            i += 1;
            loop {
                let trimmed = text[i..].trim_start();
                i = text.len() - trimmed.len();
                if trimmed.starts_with('}') {
                    i += 1;
                    break;
                }
                let (inner, used) = spread(&text[i..]);
                for p in inner {
                    let mut full = segs.clone();
                    full.extend(p);
                    out.push(full);
                }
                i += used;
                let trimmed = text[i..].trim_start();
                i = text.len() - trimmed.len();
                if trimmed.starts_with(',') {
                    i += 1;
                }
            }
            return (out, i);
        }
        let word: String = rest.chars().take_while(|&c| is_ident(c)).collect();
        if word.is_empty() {
            return (vec![segs], i);
        }
        segs.push(word.clone());
        i += word.len();
        if text[i..].starts_with("::") {
            i += 2;
        } else {
            return (vec![segs], i);
        }
    }
}

/// The module a path leads to: as deep as its segments name modules.
fn target(path: &[String], modules: &BTreeSet<Vec<String>>) -> Vec<String> {
    let mut at = Vec::new();
    for seg in path {
        let mut next = at.clone();
        next.push(seg.clone());
        if !modules.contains(&next) {
            break;
        }
        at = next;
    }
    at
}

#[test]
fn no_two_modules_import_each_other() {
    let sources = sources();
    let modules: BTreeSet<Vec<String>> = sources.iter().map(|s| s.module.clone()).collect();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for s in &sources {
        for p in paths_named(s, &modules) {
            let t = target(&p, &modules);
            // The crate root only names the modules; a module naming its
            // own items is no edge.
            if !t.is_empty() && t != s.module {
                edges.entry(s.module.clone()).or_default().insert(t);
            }
        }
    }
    assert!(
        edges.contains_key(&vec!["config".to_owned()]),
        "the reader of paths found nothing: {edges:?}"
    );
    // Every circle shows as a path from a module back to itself.
    let mut circles = Vec::new();
    for start in edges.keys() {
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((at, trail)) = stack.pop() {
            for next in edges.get(&at).into_iter().flatten() {
                if next == start {
                    circles.push(trail.iter().map(|m| m.join("::")).collect::<Vec<_>>());
                } else if seen.insert(next.clone()) {
                    let mut t = trail.clone();
                    t.push(next.clone());
                    stack.push((next.clone(), t));
                }
            }
        }
    }
    assert!(circles.is_empty(), "import circles: {circles:?}");
}

#[test]
fn no_function_outside_tests_is_longer_than_100_lines() {
    let mut long = Vec::new();
    for s in sources() {
        let lines: Vec<&str> = s.code.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let t = line.trim_start();
            let t = ["pub(crate) ", "pub(super) ", "pub "]
                .iter()
                .find_map(|p| t.strip_prefix(p))
                .unwrap_or(t);
            let t = t.strip_prefix("const ").unwrap_or(t);
            if !t.starts_with("fn ") {
                continue;
            }
            // The body ends at the first line that closes it, at the
            // indentation the signature starts at (rustfmt's layout).
            let indent = line.len() - line.trim_start().len();
            if line.trim_end().ends_with(';') {
                continue;
            }
            let close = format!("{}}}", " ".repeat(indent));
            let end = lines[i..]
                .iter()
                .position(|l| l.trim_end() == close)
                .map_or(0, |n| n + 1);
            if end > LONGEST_FUNCTION {
                long.push(format!("{}:{} ({end} lines)", s.file, i + 1));
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions over {LONGEST_FUNCTION} lines: {long:?}"
    );
}

/// Whether `text` holds `word` as a word of its own: not inside a longer
/// one (`api-tokens`, `x-bitbucket-api-token-auth`).
fn holds_word(text: &str, word: &str) -> bool {
    let part = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    text.match_indices(word)
        .any(|(at, _)| !text[..at].ends_with(part) && !text[at + word.len()..].starts_with(part))
}

#[test]
fn the_kind_words_are_written_in_at_most_two_files() {
    let holding: Vec<String> = sources()
        .into_iter()
        .filter(|s| {
            s.strings
                .iter()
                .any(|text| KIND_WORDS.iter().any(|w| holds_word(text, w)))
        })
        .map(|s| s.file)
        .collect();
    assert!(holding.contains(&"src/kind.rs".to_owned()), "{holding:?}");
    assert!(
        holding.len() <= 2,
        "the kind words are written in {holding:?}"
    );
}

#[test]
fn no_error_of_the_library_is_a_bare_string() {
    let mut found = Vec::new();
    for s in sources() {
        let flat: String = s.code.split_whitespace().collect::<Vec<_>>().join(" ");
        if flat.contains(", String>") {
            found.push(format!("{}: a Result whose error is a String", s.file));
        }
        for (at, _) in flat.match_indices("From<String> for ") {
            let target: String = flat[at + 17..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if target.ends_with("Error") {
                found.push(format!("{}: {target} from a String", s.file));
            }
        }
    }
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn there_are_at_most_three_integration_test_binaries() {
    let tests = root().join("tests");
    let binaries: Vec<String> = std::fs::read_dir(&tests)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs") || p.join("main.rs").is_file())
        .map(|p| p.display().to_string())
        .collect();
    assert!(!binaries.is_empty() && binaries.len() <= 3, "{binaries:?}");
}

#[test]
fn the_reader_of_the_source_sees_what_is_there() {
    // The checks above read the source through `lex`, `spread` and
    // `without_tests`: each on a case it must get right.
    let (code, strings) = lex("let a = \"x // y\"; // comment\nlet c = '\\'';\nr#\"raw\"#;\n");
    assert_eq!(strings, ["x // y", "raw"]);
    assert!(!code.contains("comment") && !code.contains("raw") && code.lines().count() == 3);
    assert!(holds_word("kind = \"api-token\"", "api-token"));
    assert!(!holds_word("/security/api-tokens", "api-token"));
    assert!(!holds_word("x-bitbucket-api-token-auth", "api-token"));
    let (paths, _) = spread("{a, b::{c, d}, e::f}");
    assert_eq!(
        paths,
        [vec!["a"], vec!["b", "c"], vec!["b", "d"], vec!["e", "f"]]
    );
    assert_eq!(
        without_tests("fn a() {}\n#[cfg(test)]\nmod tests {\n}\n"),
        "fn a() {}\n"
    );
}
