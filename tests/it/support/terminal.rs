//! A person at a terminal: a command run on a real pseudo-terminal (made
//! by util-linux `script`, which also makes it the controlling terminal,
//! as a login shell's is), read as it prints and answered line by line.

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running session.
pub struct Terminal {
    child: Child,
    input: Option<ChildStdin>,
    screen: Arc<Mutex<Vec<u8>>>,
}

impl Terminal {
    /// Runs `line` (a shell command line, no secret in it) on a fresh
    /// pseudo-terminal; `script` is a command for the `script` program
    /// with the user's environment (see `User::command`/`User::resolving`).
    pub fn run(mut script: Command, line: &str) -> Terminal {
        let mut child = script
            .args([
                "--quiet",
                "--return",
                "--flush",
                "--command",
                line,
                "/dev/null",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("util-linux script runs");
        let mut out = child.stdout.take().unwrap();
        let screen = Arc::new(Mutex::new(Vec::new()));
        let sink = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Terminal {
            input: child.stdin.take(),
            child,
            screen,
        }
    }

    /// Everything shown so far.
    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.screen.lock().unwrap()).into_owned()
    }

    /// Waits (up to 20 s) until the screen shows `text`; panics with the
    /// screen if it does not.
    #[track_caller]
    pub fn expect(&self, text: &str) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if self.screen().contains(text) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "the terminal never showed {text:?}; it shows:\n{}",
            self.screen()
        );
    }

    /// Types `line` and Enter.
    pub fn type_line(&mut self, line: &str) {
        let input = self.input.as_mut().unwrap();
        input.write_all(format!("{line}\r").as_bytes()).unwrap();
        input.flush().unwrap();
    }

    /// Waits for the program to end (up to 60 s); its exit status and the
    /// whole screen.
    pub fn finish(mut self) -> (Option<i32>, String) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // The reader thread drains what is left.
                std::thread::sleep(Duration::from_millis(100));
                drop(self.input.take());
                return (status.code(), self.screen());
            }
            if start.elapsed() > Duration::from_secs(60) {
                let _ = self.child.kill();
                panic!(
                    "the program did not end; the terminal shows:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
