//! Running another program with a deadline: a secret manager for a
//! `command:` source, git for what it would run. The program gets a process
//! group of its own, and when it has not both exited and closed its output
//! in time, the whole group is killed, so a child it left behind holding
//! the output open cannot hold up the helper either.

use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::kind::KindName;

/// How a program ended, and what it printed (each stream up to the limit
/// given).
#[derive(Debug)]
pub struct Finished {
    /// Its exit status.
    pub status: ExitStatus,
    /// Its standard output (wiped when dropped: it may be a secret).
    pub stdout: Zeroizing<Vec<u8>>,
    /// Its standard error, when it was captured.
    pub stderr: Vec<u8>,
}

/// Why a program could not be run to its end.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// It could not be started.
    #[error("could not run `{program}`: {source}")]
    Start {
        /// The program.
        program: String,
        /// Why.
        source: std::io::Error,
    },
    /// It could not be waited for.
    #[error("could not run `{program}`: could not wait for it: {source}")]
    Wait {
        /// The program.
        program: String,
        /// Why.
        source: std::io::Error,
    },
    /// It ran past the deadline, and its process group was killed.
    #[error("`{program}` did not finish within {seconds} s and was stopped")]
    TimedOut {
        /// The program.
        program: String,
        /// The deadline, in seconds.
        seconds: u64,
    },
}

/// What `run` hears from the threads that watch the program.
enum Event {
    Stdout(Zeroizing<Vec<u8>>),
    Stderr(Vec<u8>),
    Exited(std::io::Result<ExitStatus>),
}

/// Removes the variables that hold the helper's own CI tokens from what
/// `command` will see: a program run for one entry has no business with
/// them.
pub fn without_token_variables(command: &mut Command) -> &mut Command {
    for var in KindName::variables() {
        command.env_remove(var);
    }
    command
}

/// Runs `command` with `input` on its standard input (none: no standard
/// input), reading at most `limit` bytes of its standard output and of its
/// standard error (when the caller asked for it with `Stdio::piped()`),
/// within `timeout`.
pub fn run(
    command: &mut Command,
    input: Option<&[u8]>,
    limit: u64,
    timeout: Duration,
) -> Result<Finished, ProcessError> {
    let program = command.get_program().to_string_lossy().into_owned();
    command
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    let child = command.spawn().map_err(|source| ProcessError::Start {
        program: program.clone(),
        source,
    })?;
    let pid = child.id();
    let deadline = Instant::now() + timeout;
    let mut stderr_pending = child.stderr.is_some();
    let events = watch(child, input, limit);
    let (mut stdout, mut stderr, mut status) = (None, Vec::new(), None);
    while stdout.is_none() || status.is_none() || stderr_pending {
        let left = deadline.saturating_duration_since(Instant::now());
        match events.recv_timeout(left) {
            Ok(Event::Stdout(bytes)) => stdout = Some(bytes),
            Ok(Event::Stderr(bytes)) => {
                stderr = bytes;
                stderr_pending = false;
            }
            Ok(Event::Exited(s)) => {
                status = Some(s.map_err(|source| ProcessError::Wait {
                    program: program.clone(),
                    source,
                })?)
            }
            Err(_) => {
                kill_group(pid);
                return Err(ProcessError::TimedOut {
                    program,
                    seconds: timeout.as_secs(),
                });
            }
        }
    }
    let (Some(stdout), Some(status)) = (stdout, status) else {
        unreachable!("the loop ends with both");
    };
    Ok(Finished {
        status,
        stdout,
        stderr,
    })
}

/// Starts the threads that feed `input` to `child`, read its output and
/// wait for it; each reports on the channel returned.
fn watch(mut child: Child, input: Option<&[u8]>, limit: u64) -> mpsc::Receiver<Event> {
    let (tx, rx) = mpsc::channel();
    if let (Some(mut stdin), Some(input)) = (child.stdin.take(), input) {
        let input = Zeroizing::new(input.to_vec());
        std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
    }
    if let Some(stdout) = child.stdout.take() {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut buf = Zeroizing::new(Vec::new());
            let _ = stdout.take(limit).read_to_end(&mut buf);
            let _ = tx.send(Event::Stdout(buf));
        });
    }
    if let Some(stderr) = child.stderr.take() {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = stderr.take(limit).read_to_end(&mut buf);
            let _ = tx.send(Event::Stderr(buf));
        });
    }
    std::thread::spawn(move || {
        let _ = tx.send(Event::Exited(child.wait()));
    });
    rx
}

/// Kills the process group `pid` leads (off Unix: nothing; the program is
/// left to end by itself).
fn kill_group(pid: u32) {
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
