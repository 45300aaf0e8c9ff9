//! `secret = "command:PROGRAM ARGS"`: run a secret manager (pass, op,
//! vault...) without a shell and take the first line it prints.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::process::{self, ProcessError};
use crate::secret::Secret;

/// Why a program gave no secret. Each names the program, never its output.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// It could not be run to its end: not started, or stopped at the
    /// deadline.
    #[error(transparent)]
    Run(#[from] ProcessError),
    /// It exited with a failure.
    #[error("`{program}` failed ({status})")]
    Failed {
        /// The program.
        program: String,
        /// How it ended.
        status: std::process::ExitStatus,
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

/// The most output read from the program.
const MAX_OUTPUT: u64 = 1024 * 1024;

/// Runs `words[0]` with the rest as arguments, with no standard input and
/// without the helper's CI token variables, and returns the first line of
/// its standard output; the program and what it started are stopped when
/// they run past `timeout` (see [`process::run`]). No error holds the
/// program's output.
pub fn run(words: &[String], timeout: Duration) -> Result<Secret, CommandError> {
    let program = words[0].clone();
    let mut command = Command::new(&program);
    command.args(&words[1..]).stderr(Stdio::inherit());
    process::without_token_variables(&mut command);
    let finished = process::run(&mut command, None, MAX_OUTPUT, timeout)?;
    if !finished.status.success() {
        return Err(CommandError::Failed {
            program,
            status: finished.status,
        });
    }
    let text = std::str::from_utf8(&finished.stdout).map_err(|_| CommandError::NotUtf8 {
        program: program.clone(),
    })?;
    let first = text.split('\n').next().unwrap_or("");
    let first = first.strip_suffix('\r').unwrap_or(first);
    if first.is_empty() {
        return Err(CommandError::Empty { program });
    }
    Ok(Secret::from(first))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

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
        assert!(matches!(
            run(&words(&["true"]), t).unwrap_err(),
            CommandError::Empty { program } if program == "true"
        ));
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
        assert!(
            matches!(err, CommandError::Run(ProcessError::TimedOut { .. })),
            "{err}"
        );
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
        assert!(
            matches!(err, CommandError::Run(ProcessError::TimedOut { .. })),
            "{err}"
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
