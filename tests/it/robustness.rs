//! Concurrency, crashes, permissions, secret hygiene and runaway secret
//! programs: the helper as many processes at once, killed at random, under
//! a careless umask, with trace logging on.

use std::collections::BTreeSet;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

const TOKEN: &str = "ATATT3xFfGF0-robustness-token";

fn config() -> String {
    r#"[[credential]]
name = "acme"
kind = "api-token"
url = "https://bitbucket.org/acme/"
username = "jdoe"
email = "jdoe@example.com"
secret = "file"
"#
    .to_owned()
}

fn spawn_helper(user: &User, op: &str, input: &str) -> Child {
    let mut cmd = Command::new(helper_exe());
    cmd.arg(op)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", user.home.path())
        .env("XDG_CONFIG_HOME", user.home.path().join(".config"))
        .env("XDG_CACHE_HOME", user.home.path().join(".cache"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child
}

/// The (host, username, password) triples in learned.toml; panics if the
/// file does not parse.
fn learned_set(path: &Path) -> BTreeSet<(String, String, String)> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return BTreeSet::new();
    };
    let value: toml::Value =
        toml::from_str(&text).unwrap_or_else(|e| panic!("learned.toml does not parse: {e}"));
    value
        .get("learned")
        .and_then(|l| l.as_array())
        .map(|list| {
            list.iter()
                .map(|t| {
                    let f = |k: &str| {
                        t.get(k)
                            .and_then(|v| v.as_str())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    (f("host"), f("username"), f("password"))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn store_input(host: &str, user: &str, password: &str) -> String {
    format!("protocol=https\nhost={host}\nusername={user}\npassword={password}\n\n")
}

fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|l| {
            l.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains(".tmp."))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn thirty_two_helpers_storing_and_erasing_at_once_lose_nothing() {
    let user = User::new();
    user.write_config(&config());
    user.write_secrets(&[("acme", TOKEN)]);
    let learned = user.learned_path();
    let mut expected = BTreeSet::new();
    const ROUNDS: usize = 10;
    for round in 0..ROUNDS {
        // Four credentials this round will erase, stored beforehand.
        for j in 0..4 {
            let host = format!("gone-{round}-{j}.example.com");
            let out = spawn_helper(
                &user,
                "store",
                &store_input(&host, "u", &format!("old-{j}")),
            )
            .wait_with_output()
            .unwrap();
            assert!(out.status.success());
            expected.insert((host, "u".to_owned(), format!("old-{j}")));
        }
        let config_before = std::fs::read_to_string(user.config_path()).unwrap();
        let mut children = Vec::new();
        for i in 0..32 {
            let child = match i {
                0..=23 => {
                    let host = format!("new-{round}-{i}.example.com");
                    expected.insert((host.clone(), format!("user{i}"), format!("pw-{i}")));
                    spawn_helper(&user, "store", &store_input(&host, &format!("user{i}"), &format!("pw-{i}")))
                }
                24..=27 => {
                    let j = i - 24;
                    let host = format!("gone-{round}-{j}.example.com");
                    expected.remove(&(host.clone(), "u".to_owned(), format!("old-{j}")));
                    spawn_helper(&user, "erase", &store_input(&host, "u", &format!("old-{j}")))
                }
                // The user's own token rejected: recorded, never deleted.
                _ => spawn_helper(&user, "erase", &format!("protocol=https\nhost=bitbucket.org\npath=acme/r{i}.git\nusername=jdoe\npassword={TOKEN}\n\n")),
            };
            children.push(child);
        }
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert_eq!(learned_set(&learned), expected, "round {round}");
        assert_eq!(
            std::fs::read_to_string(user.config_path()).unwrap(),
            config_before
        );
        assert_eq!(
            std::fs::read_to_string(user.secret_file("acme")).unwrap(),
            TOKEN
        );
        let state: toml::Value = toml::from_str(
            &std::fs::read_to_string(user.config_path().with_file_name("state.toml")).unwrap(),
        )
        .unwrap();
        assert!(state.get("rejected").and_then(|r| r.get("acme")).is_some());
        assert!(temp_files(learned.parent().unwrap()).is_empty());
    }
    eprintln!(
        "concurrency: {ROUNDS} rounds of 32 helpers at once, {} credentials checked",
        expected.len()
    );
}

#[test]
fn a_get_racing_a_store_sees_the_old_or_the_new_credential() {
    let user = User::new();
    let input = |pw: &str| store_input("race.example.com", "u", pw);
    assert!(spawn_helper(&user, "store", &input("first"))
        .wait_with_output()
        .unwrap()
        .status
        .success());
    let home = user.home.path().to_path_buf();
    std::thread::scope(|s| {
        let writer = s.spawn(|| {
            for i in 0..150 {
                let pw = if i % 2 == 0 { "second" } else { "first" };
                assert!(spawn_helper(&user, "store", &input(pw))
                    .wait_with_output()
                    .unwrap()
                    .status
                    .success());
            }
        });
        let mut seen = BTreeSet::new();
        while !writer.is_finished() {
            let out = spawn_helper(&user, "get", "protocol=https\nhost=race.example.com\n\n")
                .wait_with_output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            assert!(
                text == "username=u\npassword=first\n" || text == "username=u\npassword=second\n",
                "torn read: {text:?}"
            );
            seen.insert(text);
        }
        eprintln!(
            "get racing store: saw {} distinct answers in {}",
            seen.len(),
            home.display()
        );
    });
}

#[test]
fn killing_a_store_at_random_leaves_the_old_or_the_new_file() {
    let user = User::new();
    let learned = user.learned_path();
    std::fs::create_dir_all(learned.parent().unwrap()).unwrap();
    // A large file, so that the write takes long enough to be interrupted.
    let mut text = String::new();
    for i in 0..2000 {
        text.push_str(&format!("[[learned]]\nprotocol = \"https\"\nhost = \"h{i}.example.com\"\nusername = \"u\"\npassword = \"p{i}\"\n\n"));
    }
    std::fs::write(&learned, text).unwrap();
    std::fs::set_permissions(&learned, std::fs::Permissions::from_mode(0o600)).unwrap();
    // How long one store takes here, so that the kills land anywhere in it
    // (and sometimes just after it).
    let started = Instant::now();
    let out = spawn_helper(&user, "store", &store_input("timing.example.com", "u", "t"))
        .wait_with_output()
        .unwrap();
    assert!(out.status.success());
    let mut window = (started.elapsed().as_micros() as u64 * 5 / 4).max(1000);
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let (mut killed, mut finished, mut kept) = (0, 0, 0);
    let mut recent_killed = 0;
    for i in 0..200 {
        // A busy machine makes stores slower or faster than the first one
        // timed: every 25 rounds, widen the window when nearly every store
        // was killed, narrow it when nearly none was.
        if i % 25 == 0 && i > 0 {
            if recent_killed > 22 {
                window = window * 3 / 2;
            } else if recent_killed < 3 {
                window = (window * 2 / 3).max(1000);
            }
            recent_killed = 0;
        }
        let before = learned_set(&learned);
        let new = (
            format!("k{i}.example.com"),
            "u".to_owned(),
            format!("secret-{i}"),
        );
        let mut child = spawn_helper(&user, "store", &store_input(&new.0, &new.1, &new.2));
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_micros(seed % window));
        let _ = child.kill();
        let status = child.wait().unwrap();
        if status.code().is_some() {
            finished += 1;
        } else {
            killed += 1;
            recent_killed += 1;
        }
        let after = learned_set(&learned);
        let mut with_new = before.clone();
        with_new.insert(new);
        assert!(
            after == before || after == with_new,
            "iteration {i}: the file is neither the old nor the new version"
        );
        if after == with_new {
            kept += 1;
        }
        let temps = temp_files(learned.parent().unwrap());
        assert!(temps.len() <= 1, "temporary files pile up: {temps:?}");
    }
    let out = spawn_helper(&user, "store", &store_input("last.example.com", "u", "p"))
        .wait_with_output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        temp_files(learned.parent().unwrap()).is_empty(),
        "the next store cleans up after a killed one"
    );
    eprintln!("crash safety: 200 stores, {killed} killed by SIGKILL, {finished} finished, {kept} of the new credentials kept, file always whole");
    assert!(killed > 20 && kept > 5, "the kills must land before and after the write often enough to test anything ({killed} killed, {kept} kept)");
}

#[test]
fn files_are_private_whatever_the_umask() {
    let user = User::new();
    let run = |args: &str, input: &str| {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(format!("umask 000; exec \"{}\" {args}", helper_exe()))
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", user.home.path())
            .env("XDG_CONFIG_HOME", user.home.path().join(".config"))
            .env("XDG_CACHE_HOME", user.home.path().join(".cache"))
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(
        "add https://bitbucket.org/acme/ --name acme",
        &format!("{TOKEN}\n"),
    );
    run("store", &store_input("h.example.com", "u", "p"));
    run("erase", &format!("protocol=https\nhost=bitbucket.org\npath=acme/x.git\nusername=x-bitbucket-api-token-auth\npassword={TOKEN}\n\n"));
    run(
        "get",
        "protocol=https\nhost=bitbucket.org\npath=acme/x.git\n\n",
    );
    let mode = |p: &Path| {
        std::fs::metadata(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .permissions()
            .mode()
            & 0o777
    };
    let dir = user.config_path().parent().unwrap().to_path_buf();
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("secrets")), 0o700);
    for file in ["secrets/acme", "learned.toml", "state.toml", "config.toml"] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
    let cache = user.home.path().join(".cache/git-credential-bitbucket");
    assert_eq!(mode(&cache), 0o700);
    for index in std::fs::read_dir(&cache).unwrap().flatten() {
        assert_eq!(mode(&index.path()) & 0o077, 0, "{}", index.path().display());
    }
}

#[test]
fn a_secret_program_that_hangs_is_stopped_and_one_that_prints_nothing_is_an_error() {
    let user = User::new();
    user.write_config(
        r#"[settings]
command_timeout_seconds = 1
[[credential]]
name = "slow"
kind = "api-token"
url = "https://bitbucket.org/slow"
secret = "command:sleep 30"
[[credential]]
name = "mute"
kind = "api-token"
url = "https://bitbucket.org/mute"
secret = "command:true"
"#,
    );
    let started = Instant::now();
    let out = user.helper(
        &["get"],
        "protocol=https\nhost=bitbucket.org\npath=slow/r.git\n\n",
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!((out.status.code(), stdout(&out)), (Some(1), String::new()));
    assert!(
        stderr(&out).contains("entry 'slow': `sleep` did not finish within 1 s and was stopped"),
        "{}",
        stderr(&out)
    );
    let out = user.helper(
        &["get"],
        "protocol=https\nhost=bitbucket.org\npath=mute/r.git\n\n",
    );
    assert_eq!((out.status.code(), stdout(&out)), (Some(1), String::new()));
    assert!(
        stderr(&out).contains("entry 'mute': `true` printed no secret"),
        "{}",
        stderr(&out)
    );
}
