//! A real Secret Service (gnome-keyring in a private D-Bus session) for the
//! keyring tests.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use super::user::User;

/// A D-Bus session with gnome-keyring's Secret Service, unlocked, for the
/// keyring tests. Stopped when dropped.
pub struct KeyringSession {
    pub address: String,
    children: Vec<std::process::Child>,
    _dir: tempfile::TempDir,
}

impl KeyringSession {
    /// Starts the session. Off CI, `None` (and a note) when the daemons are
    /// not installed; on CI (CI=true) a failure to start fails the test.
    pub fn start() -> Option<KeyringSession> {
        KeyringSession::start_with(true)
    }

    /// A session whose keyring has no collection yet, as on a machine where
    /// nobody has logged in to a desktop: it answers, holds nothing, and
    /// has nowhere to store.
    pub fn start_without_collection() -> Option<KeyringSession> {
        KeyringSession::start_with(false)
    }

    fn start_with(login_collection: bool) -> Option<KeyringSession> {
        let on_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        match KeyringSession::try_start(login_collection) {
            Ok(s) => Some(s),
            Err(e) if on_ci => {
                panic!("the Secret Service for the keyring tests could not start: {e}")
            }
            Err(e) => {
                eprintln!("skipping: the Secret Service could not start ({e}); install dbus and gnome-keyring");
                None
            }
        }
    }

    fn try_start(login_collection: bool) -> Result<KeyringSession, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut dbus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("dbus-daemon: {e}"))?;
        let mut address = String::new();
        BufReader::new(dbus.stdout.take().unwrap())
            .read_line(&mut address)
            .map_err(|e| e.to_string())?;
        let address = address.trim().to_owned();
        let mut session = KeyringSession {
            address,
            children: vec![dbus],
            _dir: dir,
        };
        let home = session._dir.path();
        let args: &[&str] = if login_collection {
            &["--foreground", "--unlock", "--components=secrets"]
        } else {
            &["--foreground", "--components=secrets"]
        };
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(args)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_RUNTIME_DIR", home)
            .env("DBUS_SESSION_BUS_ADDRESS", &session.address)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("gnome-keyring-daemon: {e}"))?;
        let mut stdin = keyring.stdin.take().unwrap();
        if login_collection {
            stdin
                .write_all(b"test-password")
                .map_err(|e| e.to_string())?;
        }
        drop(stdin);
        session.children.push(keyring);
        for _ in 0..200 {
            let out = Command::new("dbus-send")
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .env("DBUS_SESSION_BUS_ADDRESS", &session.address)
                .output()
                .map_err(|e| format!("dbus-send: {e}"))?;
            if String::from_utf8_lossy(&out.stdout).contains("boolean true") {
                return Ok(session);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Err("gnome-keyring-daemon did not appear on the session bus".to_owned())
    }

    /// Lets `user`'s commands reach this keyring.
    pub fn admit(&self, user: &mut User) {
        user.env("DBUS_SESSION_BUS_ADDRESS", &self.address);
    }

    /// Whether the keyring holds an item for entry `name` (asked through
    /// D-Bus directly, not through the helper).
    pub fn holds(&self, name: &str) -> bool {
        let out = Command::new("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.secrets",
                "/org/freedesktop/secrets",
                "org.freedesktop.Secret.Service.SearchItems",
                &format!("dict:string:string:service,git-credential-bitbucket,username,{name}"),
            ])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).contains("/org/freedesktop/secrets/collection/")
    }
}

impl Drop for KeyringSession {
    fn drop(&mut self) {
        for child in self.children.iter_mut().rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
