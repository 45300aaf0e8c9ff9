//! Another local user (`nobody`) against the helper run by this one: a
//! cache directory swapped for theirs while the helper reads it, a lock on
//! a configuration directory they can open; and a configuration that the
//! user's group may write, used only when that group is the user's alone.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

const TOKEN: &str = "ATATT3xFfGF0-other-user-token";

/// A command run as `nobody`.
fn as_nobody(program: &str) -> Command {
    let mut cmd = Command::new("setpriv");
    cmd.args([
        "--reuid=nobody",
        "--regid=nogroup",
        "--clear-groups",
        program,
    ]);
    cmd
}

/// The index `real` of a configuration whose one entry is for `url`, made
/// to send that entry to `host` instead: the same format, fingerprint and
/// settings, the entry's record with `host`'s url, filed under `host`.
fn planted_index(real: &str, url: &str, host: &str) -> String {
    let (head, rest) = real.split_once('\n').unwrap();
    let fields: Vec<&str> = head.split('\t').collect();
    let body_len: usize = fields[2].parse().unwrap();
    let settings_len: usize = fields[3].parse().unwrap();
    let record = rest[..body_len].replace(url, &format!("https://{host}/"));
    let settings = &rest[body_len..body_len + settings_len];
    let table = format!("{host}\t\t0\t{}\n", record.len());
    format!(
        "{}\t{}\t{:012}\t{:012}\t{:012}\n{record}{settings}{table}",
        fields[0],
        fields[1],
        record.len(),
        settings.len(),
        table.len()
    )
}

#[test]
fn a_cache_directory_swapped_mid_call_never_hands_out_a_token() {
    // The cache directory's parent is one `nobody` can write (a shared
    // disk, a runner's cache): they can swap the helper's directory for
    // one of theirs, over and over, while the helper reads it.
    let shared = tempfile::Builder::new()
        .prefix("gcb-shared-cache")
        .tempdir_in("/tmp")
        .unwrap();
    std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let mut user = User::new();
    user.env("XDG_CACHE_HOME", shared.path().to_str().unwrap());
    user.env("TOKEN", TOKEN);
    user.write_config(
        r#"[[credential]]
name = "acme"
kind = "api-token"
url = "https://bitbucket.org/acme/"
secret = "env:TOKEN"
"#,
    );
    let own = "protocol=https\nhost=bitbucket.org\npath=acme/widget.git\n\n";
    assert!(stdout(&user.helper(&["get"], own)).contains(TOKEN));
    let cache = shared.path().join("git-credential-bitbucket");
    let index = std::fs::read_dir(&cache).unwrap().flatten().next().unwrap();
    let real = std::fs::read_to_string(index.path()).unwrap();
    // Their directory: the same index name, an entry of the same name for
    // a host of theirs.
    let evil = shared.path().join("evil");
    std::fs::create_dir(&evil).unwrap();
    std::fs::write(
        evil.join(index.file_name()),
        planted_index(&real, "https://bitbucket.org/acme/", "evil.example"),
    )
    .unwrap();
    for path in [&evil, &evil.join(index.file_name())] {
        std::os::unix::fs::chown(path, Some(65534), Some(65534)).unwrap();
    }
    let swapper = r#"
import os, sys, time
os.chdir(sys.argv[1])
end = time.time() + float(sys.argv[2])
while time.time() < end:
    try:
        os.rename("git-credential-bitbucket", "held")
        os.rename("evil", "git-credential-bitbucket")
        os.rename("git-credential-bitbucket", "evil")
        os.rename("held", "git-credential-bitbucket")
    except OSError:
        if os.path.exists("held") and not os.path.exists("git-credential-bitbucket"):
            os.rename("held", "git-credential-bitbucket")
"#;
    let mut swap = as_nobody("/usr/bin/python3")
        .args(["-c", swapper, shared.path().to_str().unwrap(), "60"])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let theirs = "protocol=https\nhost=evil.example\npath=x.git\n\n";
    let started = Instant::now();
    let mut leaks = 0;
    let mut runs = 0;
    while runs < 3000 && started.elapsed() < Duration::from_secs(40) {
        let out = user.helper(&["get"], theirs);
        runs += 1;
        if stdout(&out).contains(TOKEN) || stderr(&out).contains(TOKEN) {
            leaks += 1;
        }
    }
    let _ = swap.kill();
    let _ = swap.wait();
    assert!(runs >= 500, "only {runs} runs");
    assert_eq!(
        leaks, 0,
        "the token went to evil.example in {leaks} of {runs} runs"
    );
}

/// `nobody` holds a `flock` of `dir` (as `flock DIR sleep 60` does) until
/// the returned child is killed.
fn held_by_nobody(dir: &std::path::Path) -> std::process::Child {
    let mut hold = as_nobody("flock")
        .arg(dir)
        .args(["sleep", "60"])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        let free = Command::new("flock")
            .args(["--nonblock", "--shared"])
            .arg(dir)
            .arg("true")
            .status()
            .unwrap();
        if !free.success() {
            return hold;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = hold.kill();
    let _ = hold.wait();
    panic!("nobody's flock of {} did not take", dir.display());
}

/// Runs the helper's `store` of a learned credential for `user`, giving up
/// after 20 s: its exit status (`None`: still waiting) and stderr.
fn store_within(user: &User) -> (Option<std::process::ExitStatus>, String, Duration) {
    use std::io::{Read, Write};
    let started = Instant::now();
    let mut child = user
        .command(helper_exe())
        .arg("store")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            b"protocol=https\nhost=git.other.example\nusername=me\npassword=learned-secret\n\n",
        )
        .unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut err);
    (status, err, started.elapsed())
}

/// Opens `path` and its parents up to `top` for others to traverse.
fn open_up_to(path: &std::path::Path, top: &std::path::Path) {
    let mut at = path.to_path_buf();
    loop {
        std::fs::set_permissions(&at, std::fs::Permissions::from_mode(0o755)).unwrap();
        if at == top || !at.pop() {
            break;
        }
    }
}

#[test]
fn another_user_cannot_hold_the_lock_of_a_configuration_directory_they_can_open() {
    // A hand-made configuration directory, 0755, named by the variable:
    // others may open it, so the helper locks a 0600 file in it instead.
    let mut user = User::new();
    let dir = user.path("dotfiles/bitbucket");
    std::fs::create_dir_all(&dir).unwrap();
    open_up_to(&dir, user.home.path());
    let config = dir.join("config.toml");
    std::fs::write(&config, "").unwrap();
    user.env("GIT_CREDENTIAL_BITBUCKET_CONFIG", config.to_str().unwrap());
    let mut hold = held_by_nobody(&dir);
    let (status, err, _) = store_within(&user);
    let _ = hold.kill();
    let _ = hold.wait();
    assert!(
        status
            .expect("store hung on a lock another user holds")
            .success(),
        "{err}"
    );
    assert_eq!(
        stdout(&user.helper(&["get"], "protocol=https\nhost=git.other.example\n\n")),
        "username=me\npassword=learned-secret\n"
    );
    let lock = dir.join(".git-credential-bitbucket.lock");
    let mode = std::fs::metadata(&lock).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let theirs = as_nobody("flock")
        .args(["--nonblock"])
        .arg(&lock)
        .arg("true")
        .output()
        .unwrap();
    assert!(!theirs.status.success(), "nobody could open the lock file");

    // The helper's own directory, opened by them while it was still 0755
    // and held since: the helper closes it (0700) and locks it, waits a
    // few seconds, then fails with a sentence naming it.
    let user = User::new();
    let own = user.config_path().parent().unwrap().to_path_buf();
    std::fs::create_dir_all(&own).unwrap();
    open_up_to(&own, user.home.path());
    user.write_config("");
    let mut hold = held_by_nobody(&own);
    let (status, err, took) = store_within(&user);
    let _ = hold.kill();
    let _ = hold.wait();
    let status = status.expect("store waited for ever");
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "could not lock {}",
            own.join("learned.toml").display()
        )) && err.contains("another process has held its lock for over 5 s"),
        "{err}"
    );
    assert!(took < Duration::from_secs(15), "{took:?}");
}

/// Runs `get` for acme/x as root in a private mount namespace whose
/// `/etc/passwd` and `/etc/group` are `passwd` and `group`.
fn get_with_accounts(user: &User, passwd: &str, group: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("passwd"), passwd).unwrap();
    std::fs::write(dir.path().join("group"), group).unwrap();
    let mut cmd = user.command("unshare");
    cmd.args([
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        "mount --bind \"$0/passwd\" /etc/passwd && mount --bind \"$0/group\" /etc/group && exec \"$@\"",
    ])
    .arg(dir.path())
    .args([helper_exe(), "get"]);
    user.run_input(
        &mut cmd,
        "protocol=https\nhost=bitbucket.org\npath=acme/x.git\n\n",
    )
}

#[test]
fn a_group_writable_configuration_is_used_when_the_group_is_the_owners_own() {
    // Debian's and Ubuntu's umask 002 leaves what the user writes by hand
    // group-writable, for a group of one: the user's own.
    let user = User::new();
    user.write_config(
        r#"[[credential]]
name = "acme"
kind = "api-token"
url = "https://bitbucket.org/acme/"
username = "jdoe"
secret = "file"
"#,
    );
    user.write_secrets(&[("acme", TOKEN)]);
    let file = user.config_path();
    let dir = file.parent().unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o664)).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o775)).unwrap();
    let chgrp = |gid: u32| {
        for p in [&file, &dir.to_path_buf()] {
            std::os::unix::fs::chown(p, None, Some(gid)).unwrap();
        }
    };
    let passwd = "root:x:0:0:root:/root:/bin/sh\nanna:x:1001:1001::/home/anna:/bin/sh\n";
    let group = "root:x:0:\nanna:x:1001:\nteam:x:2000:root,anna\n";
    chgrp(0);
    let out = get_with_accounts(&user, passwd, group);
    assert_ok(&out);
    assert!(
        stdout(&out).contains(&format!("password={TOKEN}")),
        "{}",
        stderr(&out)
    );
    // A group someone else is in: refused, and said.
    chgrp(2000);
    let out = get_with_accounts(&user, passwd, group);
    assert!(!stdout(&out).contains("password="));
    assert!(
        stderr(&out).contains("can be changed by other users (mode 775), so it is not used"),
        "{}",
        stderr(&out)
    );
    // The owner's primary group, but another account's primary group too.
    chgrp(0);
    let shared = format!("{passwd}backup:x:34:0::/var/backups:/bin/sh\n");
    let out = get_with_accounts(&user, &shared, group);
    assert!(!stdout(&out).contains("password="));
    assert!(
        stderr(&out).contains("can be changed by other users"),
        "{}",
        stderr(&out)
    );
}
