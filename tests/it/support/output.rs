//! What a finished command printed, and how it ended.

use std::process::Output;

/// Text of a command's stderr.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Text of a command's stdout.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts that a command succeeded, showing its output when it did not.
#[track_caller]
pub fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "command failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        stdout(out),
        stderr(out)
    );
}

/// Runs `cmd` (its output captured) in a process group of its own,
/// killing the whole group when it has not ended within `limit`; `None`
/// then.
pub fn run_with_deadline(
    cmd: &mut std::process::Command,
    limit: std::time::Duration,
) -> Option<Output> {
    use std::os::unix::process::CommandExt;
    use std::process::Stdio;
    let child = cmd
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    let watcher = std::thread::spawn(move || {
        if rx.recv_timeout(limit).is_err() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .status();
            return true;
        }
        false
    });
    let out = child.wait_with_output().unwrap();
    let _ = tx.send(());
    let killed = watcher.join().unwrap();
    (!killed).then_some(out)
}

/// Whether `text` gives `token` away, in any form a log could show it:
/// as it is, in base64 (alone, and as the `user:token` of a Basic header
/// for each of `users`), or in hex — also when a dump cuts it into rows of
/// a few bytes, as an HTTP library's trace of a request does. Any run of
/// twelve characters of one of those forms (twelve bytes, in hex) is
/// enough. Says which form it found.
pub fn token_leak(text: &str, token: &str, users: &[&str]) -> Option<String> {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let mut forms = vec![("the token".to_owned(), token.to_owned())];
    forms.push(("the token in base64".to_owned(), b64(token)));
    for u in users {
        forms.push((format!("{u}:token in base64"), b64(&format!("{u}:{token}"))));
    }
    // Each line with its blanks squeezed out, in lower case, for hex.
    let squeezed: String = text
        .lines()
        .map(|l| l.split_whitespace().collect::<String>().to_lowercase())
        .collect::<Vec<_>>()
        .join("\n");
    const RUN: usize = 12;
    for (name, form) in &forms {
        let chars: Vec<char> = form.chars().collect();
        let runs = chars.len().saturating_sub(RUN) + 1;
        // A base64 run is taken only past the part that depends on the
        // user alone (the first bytes of `user:`).
        let skip = if name.contains(':') {
            chars.len() / 3
        } else {
            0
        };
        for i in skip..runs {
            let run: String = chars[i..(i + RUN).min(chars.len())].iter().collect();
            if text.contains(&run) {
                return Some(format!("{name} ({run:?})"));
            }
            let hex: String = run.bytes().map(|b| format!("{b:02x}")).collect();
            if squeezed.contains(&hex) {
                return Some(format!("{name} in hex ({hex})"));
            }
        }
    }
    None
}
