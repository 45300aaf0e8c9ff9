//! `secret = "command:PROGRAM ARGS"`: run a secret manager (pass, op,
//! vault...) without a shell and take the first line it prints.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::Secret;

/// Runs `words[0]` with the rest as arguments, with no standard input, and
/// returns the first line of its standard output. A program that runs
/// longer than `timeout` is killed. The error is a sentence without the
/// program's output in it.
pub fn run(words: &[String], timeout: Duration) -> Result<Secret, String> {
    let program = &words[0];
    let mut child = Command::new(program)
        .args(&words[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("could not run `{program}`: {e}"))?;
    let mut stdout = child.stdout.take().ok_or("no pipe to the program")?;
    let reader = std::thread::spawn(move || {
        let mut buf = zeroize::Zeroizing::new(Vec::new());
        let _ = stdout.by_ref().take(1024 * 1024).read_to_end(&mut buf);
        buf
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "`{program}` did not finish within {} s and was stopped",
                    timeout.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("could not wait for `{program}`: {e}")),
        }
    };
    let output = reader
        .join()
        .map_err(|_| "reading the program's output failed")?;
    if !status.success() {
        return Err(format!("`{program}` failed ({status})"));
    }
    let text = std::str::from_utf8(&output)
        .map_err(|_| format!("`{program}` printed text that is not UTF-8"))?;
    let first = text.split('\n').next().unwrap_or("").trim_end_matches('\r');
    if first.is_empty() {
        return Err(format!("`{program}` printed no secret"));
    }
    Ok(Secret::from(first))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn takes_the_first_line() {
        let s = run(
            &words(&["printf", "tok-1\\nsecond\\n"]),
            Duration::from_secs(5),
        )
        .unwrap();
        assert_eq!(s.expose(), "tok-1");
    }

    #[test]
    fn empty_output_failure_and_missing_program_are_errors() {
        let t = Duration::from_secs(5);
        assert!(run(&words(&["true"]), t)
            .unwrap_err()
            .contains("printed no secret"));
        assert!(run(&words(&["false"]), t).unwrap_err().contains("failed"));
        assert!(run(&words(&["/nonexistent/prog"]), t)
            .unwrap_err()
            .contains("could not run"));
    }

    #[test]
    fn a_hanging_program_is_stopped() {
        let started = Instant::now();
        let err = run(&words(&["sleep", "30"]), Duration::from_millis(300)).unwrap_err();
        assert!(err.contains("did not finish"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
