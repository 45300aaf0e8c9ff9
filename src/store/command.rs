//! `secret = "command:PROGRAM ARGS"`: run a secret manager (pass, op,
//! vault...) without a shell and take the first line it prints.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::secret::Secret;

/// Why a program gave no secret. Each names the program, never its output.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// It could not be started or waited for.
    #[error("could not run `{program}`: {reason}")]
    Start {
        /// The program.
        program: String,
        /// Why.
        reason: String,
    },
    /// It ran past the deadline and was stopped.
    #[error("`{program}` did not finish within {seconds} s and was stopped")]
    TimedOut {
        /// The program.
        program: String,
        /// The deadline.
        seconds: u64,
    },
    /// It exited with a failure.
    #[error("`{program}` failed ({status})")]
    Failed {
        /// The program.
        program: String,
        /// How it ended.
        status: String,
    },
    /// Its output is not text.
    #[error("`{program}` printed text that is not UTF-8")]
    NotUtf8 {
        /// The program.
        program: String,
    },
    /// Its first line is empty.
    #[error("`{program}` printed no secret")]
    Empty {
        /// The program.
        program: String,
    },
}

/// Runs `words[0]` with the rest as arguments, with no standard input, and
/// returns the first line of its standard output. A program that runs
/// longer than `timeout` is killed. No error holds the program's output.
pub fn run(words: &[String], timeout: Duration) -> Result<Secret, CommandError> {
    let program = words[0].clone();
    let mut child = Command::new(&program)
        .args(&words[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| CommandError::Start {
            program: program.clone(),
            reason: e.to_string(),
        })?;
    let mut stdout = child.stdout.take().ok_or_else(|| CommandError::Start {
        program: program.clone(),
        reason: "no pipe to its output".to_owned(),
    })?;
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
                return Err(CommandError::TimedOut {
                    program,
                    seconds: timeout.as_secs(),
                });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => {
                return Err(CommandError::Start {
                    program,
                    reason: e.to_string(),
                })
            }
        }
    };
    let output = reader.join().map_err(|_| CommandError::Start {
        program: program.clone(),
        reason: "reading its output failed".to_owned(),
    })?;
    if !status.success() {
        return Err(CommandError::Failed {
            program,
            status: status.to_string(),
        });
    }
    let text = std::str::from_utf8(&output).map_err(|_| CommandError::NotUtf8 {
        program: program.clone(),
    })?;
    let first = text.split('\n').next().unwrap_or("").trim_end_matches('\r');
    if first.is_empty() {
        return Err(CommandError::Empty { program });
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
        assert_eq!(
            run(&words(&["true"]), t).unwrap_err(),
            CommandError::Empty {
                program: "true".into()
            }
        );
        assert!(matches!(
            run(&words(&["false"]), t),
            Err(CommandError::Failed { .. })
        ));
        assert!(run(&words(&["/nonexistent/prog"]), t)
            .unwrap_err()
            .to_string()
            .starts_with("could not run `/nonexistent/prog`"));
    }

    #[test]
    fn a_hanging_program_is_stopped() {
        let started = Instant::now();
        let err = run(&words(&["sleep", "30"]), Duration::from_millis(300)).unwrap_err();
        assert!(matches!(err, CommandError::TimedOut { .. }), "{err}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
