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

/// The variables that hold the helper's own CI tokens: a secret manager
/// run for one entry has no business seeing them.
const TOKEN_VARIABLES: [&str; 3] = [
    "BITBUCKET_API_TOKEN",
    "BITBUCKET_ACCESS_TOKEN",
    "BITBUCKET_HTTP_TOKEN",
];

/// The most output read from the program.
const MAX_OUTPUT: u64 = 1024 * 1024;

enum Event {
    Output(zeroize::Zeroizing<Vec<u8>>),
    Exited(std::io::Result<std::process::ExitStatus>),
}

/// Runs `words[0]` with the rest as arguments, with no standard input and
/// without the helper's CI token variables, and returns the first line of
/// its standard output. The program runs in a process group of its own;
/// when it has not both exited and closed its output within `timeout`, the
/// whole group is killed, so a child it left behind holding the output
/// open cannot hold up the helper either. No error holds the program's
/// output.
pub fn run(words: &[String], timeout: Duration) -> Result<Secret, CommandError> {
    let program = words[0].clone();
    let start_error = |reason: String| CommandError::Start {
        program: program.clone(),
        reason,
    };
    let mut command = Command::new(&program);
    command
        .args(&words[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for var in TOKEN_VARIABLES {
        command.env_remove(var);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    let mut child = command.spawn().map_err(|e| start_error(e.to_string()))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| start_error("no pipe to its output".to_owned()))?;
    let pid = child.id();
    let deadline = Instant::now() + timeout;
    let (tx, rx) = std::sync::mpsc::channel();
    let output_tx = tx.clone();
    std::thread::spawn(move || {
        let mut buf = zeroize::Zeroizing::new(Vec::new());
        let _ = stdout.take(MAX_OUTPUT).read_to_end(&mut buf);
        let _ = output_tx.send(Event::Output(buf));
    });
    std::thread::spawn(move || {
        let _ = tx.send(Event::Exited(child.wait()));
    });
    let (mut output, mut status) = (None, None);
    while output.is_none() || status.is_none() {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(Event::Output(bytes)) => output = Some(bytes),
            Ok(Event::Exited(s)) => {
                status = Some(s.map_err(|e| start_error(format!("could not wait for it: {e}")))?)
            }
            Err(_) => {
                kill_group(pid);
                return Err(CommandError::TimedOut {
                    program,
                    seconds: timeout.as_secs(),
                });
            }
        }
    }
    let (Some(output), Some(status)) = (output, status) else {
        unreachable!("the loop ends with both");
    };
    if !status.success() {
        return Err(CommandError::Failed {
            program,
            status: status.to_string(),
        });
    }
    let text = std::str::from_utf8(&output).map_err(|_| CommandError::NotUtf8 {
        program: program.clone(),
    })?;
    let first = text.split('\n').next().unwrap_or("");
    let first = first.strip_suffix('\r').unwrap_or(first);
    if first.is_empty() {
        return Err(CommandError::Empty { program });
    }
    Ok(Secret::from(first))
}

/// Kills the process group `pid` leads (off Unix: nothing; the program is
/// left to end by itself).
pub(crate) fn kill_group(pid: u32) {
    #[cfg(unix)]
    if let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    #[cfg(not(unix))]
    let _ = pid;
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

    #[test]
    fn a_child_that_keeps_the_output_open_is_stopped_with_its_group() {
        let started = Instant::now();
        // The shell exits at once; its child keeps stdout open for 30 s.
        let err = run(
            &words(&["sh", "-c", "sleep 30 & echo tok"]),
            Duration::from_millis(500),
        )
        .unwrap_err();
        assert!(matches!(err, CommandError::TimedOut { .. }), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
