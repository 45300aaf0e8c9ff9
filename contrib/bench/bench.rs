//! Times whole processes of git-credential-bitbucket against git's own
//! `git credential-store`, the same credentials set up both ways, in one
//! interleaved run on one machine: `get` at 1 entry, at 10,000 entries on
//! one host and spread over 100 hosts, the first `get` after a hand edit,
//! `store` and `erase` at 1 and 10,000 entries, and `git credential fill`
//! through git itself with each helper configured the way people configure
//! it. Prints medians, the median of the per-round ratios, and the peak
//! memory of one call. It never fails because a machine is slow.
//!
//! Run it with `contrib/bench/run.sh`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One side of a comparison: how to run it, and what it needs first.
struct Side {
    program: PathBuf,
    args: Vec<String>,
    input: String,
    env: Vec<(String, String)>,
}

/// A scenario, with the files both sides read.
struct Case {
    title: String,
    config: String,
    secrets: Vec<(String, String)>,
    store_lines: String,
    theirs: Side,
    ours: Vec<(String, Side)>,
    /// Rewritten before every run of our side (a hand edit): the same text
    /// with this line appended and removed by turns.
    edit_each_run: bool,
    target: f64,
    /// Whether our side is the helper run by itself (not through git), so
    /// that the floor (`--floor`) compares with it.
    direct: bool,
}

fn write_file(path: &Path, text: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// 10,000 repository tokens: on 100 hosts (`spread`), or all on
/// bitbucket.org, one per repository, as Cloud users have them.
fn many(spread: bool) -> (String, Vec<(String, String)>, String, String) {
    let mut config = String::new();
    let mut secrets = Vec::new();
    let mut store = String::new();
    let mut last = String::new();
    for i in 0..10_000 {
        let name = format!("e{i:05}");
        let (host, path) = if spread {
            (
                format!("bb-{:03}.example.com", i / 100),
                format!("team/repo-{:03}", i % 100),
            )
        } else {
            (
                "bitbucket.org".to_owned(),
                format!("ws-{:03}/repo-{i:05}", i / 100),
            )
        };
        config.push_str(&format!(
            "[[credential]]\nname = \"{name}\"\nkind = \"access-token\"\nscope = \"repository\"\nurl = \"https://{host}/{path}\"\nsecret = \"file\"\n\n"
        ));
        secrets.push((name, format!("ATCTT-token-{i:05}")));
        store.push_str(&format!(
            "https://x-token-auth:ATCTT-token-{i:05}@{host}/{path}.git\n"
        ));
        last = format!("protocol=https\nhost={host}\npath={path}.git\n");
    }
    (config, secrets, store, last)
}

fn side(program: &Path, args: &[&str], input: &str) -> Side {
    Side {
        program: program.to_path_buf(),
        args: args.iter().map(|a| a.to_string()).collect(),
        input: input.to_owned(),
        env: Vec::new(),
    }
}

fn cases(git: &Path, helpers: &[(String, PathBuf)]) -> Vec<Case> {
    let store_get = |input: &str| side(git, &["credential-store", "--file", "STORE", "get"], input);
    let ours_all = |args: &[&str], input: &str| -> Vec<(String, Side)> {
        helpers
            .iter()
            .map(|(label, p)| (label.clone(), side(p, args, input)))
            .collect()
    };
    let mut out = Vec::new();
    // 1 entry.
    let one_req = "protocol=https\nhost=bitbucket.org\npath=acme/widget.git\n\n";
    out.push(Case {
        title: "get, 1 entry (a Cloud API token, its secret in the file store)".into(),
        config: "[[credential]]\nname = \"acme\"\nkind = \"api-token\"\nurl = \"https://bitbucket.org/\"\nusername = \"jdoe\"\nsecret = \"file\"\n".into(),
        secrets: vec![("acme".into(), "ATATT3xFfGF0-bench-token".into())],
        store_lines: "https://jdoe:ATATT3xFfGF0-bench-token@bitbucket.org/acme/widget.git\n".into(),
        theirs: store_get(one_req),
        ours: ours_all(&["get"], one_req),
        edit_each_run: false,
        target: 0.8,
        direct: true,
    });
    for spread in [false, true] {
        let (config, secrets, store, last) = many(spread);
        let req = format!("{last}\n");
        let layout = if spread {
            "10,000 entries on 100 hosts"
        } else {
            "10,000 entries on bitbucket.org, one per repository"
        };
        out.push(Case {
            title: format!("get, {layout}, the last one asked for"),
            config: config.clone(),
            secrets: secrets.clone(),
            store_lines: store.clone(),
            theirs: store_get(&req),
            ours: ours_all(&["get"], &req),
            edit_each_run: false,
            target: 0.35,
            direct: true,
        });
        if spread {
            continue;
        }
        out.push(Case {
            title: format!("first get after a hand edit, {layout}"),
            config: config.clone(),
            secrets: secrets.clone(),
            store_lines: store.clone(),
            theirs: store_get(&req),
            ours: ours_all(&["get"], &req),
            edit_each_run: true,
            target: 3.0,
            direct: true,
        });
        // What git sends after a success with the entry (git 2.46+ passes
        // back the state[] the helper gave), and after a 401.
        let with = format!(
            "capability[]=state\n{last}username=x-token-auth\npassword=ATCTT-token-09999\nstate[]=bitbucket:entry=e09999\n\n"
        );
        for (op, target) in [("store", 0.35), ("erase", 0.35)] {
            out.push(Case {
                title: format!("{op}, {layout}"),
                config: config.clone(),
                secrets: secrets.clone(),
                store_lines: store.clone(),
                theirs: side(git, &["credential-store", "--file", "STORE", op], &with),
                ours: ours_all(&[op], &with),
                edit_each_run: false,
                target,
                direct: true,
            });
        }
    }
    let with = "capability[]=state\nprotocol=https\nhost=bitbucket.org\npath=acme/widget.git\nusername=jdoe\npassword=ATATT3xFfGF0-bench-token\nstate[]=bitbucket:entry=acme\n\n";
    for (op, target) in [("store", 1.0), ("erase", 1.2)] {
        out.push(Case {
            title: format!("{op}, 1 entry"),
            config: "[[credential]]\nname = \"acme\"\nkind = \"api-token\"\nurl = \"https://bitbucket.org/\"\nusername = \"jdoe\"\nsecret = \"file\"\n".into(),
            secrets: vec![("acme".into(), "ATATT3xFfGF0-bench-token".into())],
            store_lines: "https://jdoe:ATATT3xFfGF0-bench-token@bitbucket.org/acme/widget.git\n".into(),
            theirs: side(git, &["credential-store", "--file", "STORE", op], with),
            ours: ours_all(&[op], with),
            edit_each_run: false,
            target,
            direct: true,
        });
    }
    // git credential fill, each helper configured as people configure it:
    // ours as `setup` writes it (full path, useHttpPath), credential-store
    // as `credential.helper = store` with ~/.git-credentials.
    let fill = "url=https://bitbucket.org/acme/widget.git\n\n";
    out.push(Case {
        title: "git credential fill through git, 1 entry".into(),
        config: "[[credential]]\nname = \"acme\"\nkind = \"api-token\"\nurl = \"https://bitbucket.org/\"\nusername = \"jdoe\"\nsecret = \"file\"\n".into(),
        secrets: vec![("acme".into(), "ATATT3xFfGF0-bench-token".into())],
        store_lines: "https://jdoe:ATATT3xFfGF0-bench-token@bitbucket.org/acme/widget.git\n".into(),
        theirs: side(
            git,
            &["-c", "credential.helper=store", "-c", "credential.useHttpPath=true", "credential", "fill"],
            fill,
        ),
        ours: helpers
            .iter()
            .map(|(label, p)| {
                let helper = format!("credential.helper={}", p.display());
                (
                    label.clone(),
                    Side {
                        program: git.to_path_buf(),
                        args: vec![
                            "-c".into(),
                            helper,
                            "-c".into(),
                            "credential.useHttpPath=true".into(),
                            "credential".into(),
                            "fill".into(),
                        ],
                        input: fill.into(),
                        env: Vec::new(),
                    },
                )
            })
            .collect(),
        edit_each_run: false,
        target: 1.0,
        direct: false,
    });
    out
}

fn command(side: &Side, home: &Path, config: &Path, store: &Path) -> Command {
    let mut cmd = Command::new(&side.program);
    let args: Vec<String> = side
        .args
        .iter()
        .map(|a| a.replace("STORE", store.to_str().unwrap()))
        .collect();
    cmd.args(args)
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_CREDENTIAL_BITBUCKET_CONFIG", config)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in &side.env {
        cmd.env(k, v);
    }
    cmd
}

fn run_once(cmd: &mut Command, input: &[u8]) -> (Duration, Vec<u8>) {
    let started = Instant::now();
    let mut child = cmd.stdin(Stdio::piped()).spawn().unwrap();
    // A program that does not read its input may be gone before it is
    // written.
    match child.stdin.take().unwrap().write_all(input) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => panic!("{e}"),
        _ => {}
    }
    let out = child.wait_with_output().unwrap();
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (took, out.stdout)
}

fn peak_kib(cmd: &Command, input: &[u8]) -> Option<u64> {
    let mut timed = Command::new("/usr/bin/time");
    timed
        .arg("-f")
        .arg("%M")
        .arg(cmd.get_program())
        .args(cmd.get_args());
    timed.env_clear();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            timed.env(k, v);
        }
    }
    let mut child = timed
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(input).ok()?;
    let out = child.wait_with_output().ok()?;
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()?
        .trim()
        .parse()
        .ok()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.len() % 2 == 1 {
        v[v.len() / 2]
    } else {
        (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut helpers: Vec<(String, PathBuf)> = Vec::new();
    let mut runs = 200usize;
    let mut warmup = 20usize;
    let mut only: Option<String> = None;
    let mut floor: Option<PathBuf> = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--helper" => {
                let spec = args.next().expect("--helper LABEL=PATH");
                let (label, path) = spec
                    .split_once('=')
                    .unwrap_or(("git-credential-bitbucket", &spec));
                let path = std::fs::canonicalize(path)
                    .unwrap_or_else(|_| panic!("{path} does not exist; build it first"));
                helpers.push((label.to_owned(), path));
            }
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).expect("--runs N"),
            "--warmup" => {
                warmup = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--warmup N")
            }
            "--only" => only = args.next(),
            "--floor" => floor = args.next().map(PathBuf::from),
            other => panic!("unknown argument {other}; use --helper LABEL=PATH (repeatable) --runs N --warmup N --only WORD --floor PROGRAM"),
        }
    }
    assert!(
        !helpers.is_empty(),
        "name at least one helper: --helper LABEL=PATH"
    );
    let git = ["/usr/local/bin/git", "/usr/bin/git"]
        .into_iter()
        .map(PathBuf::from)
        .find(|g| g.exists())
        .unwrap_or_else(|| PathBuf::from("git"));
    let git_version = Command::new(&git)
        .arg("version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    println!("git-credential-bitbucket against git credential-store ({git_version}): {runs} rounds after {warmup} warm-up rounds, each side once a round, interleaved; ratio = median of the per-round ratios");
    println!();
    for case in cases(&git, &helpers) {
        if only
            .as_ref()
            .is_some_and(|w| !case.title.contains(w.as_str()))
        {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        let config = home.join("cfg/config.toml");
        write_file(&config, &case.config, 0o600);
        for (name, secret) in &case.secrets {
            write_file(&config.with_file_name("secrets").join(name), secret, 0o600);
        }
        let store = home.join(".git-credentials");
        write_file(&store, &case.store_lines, 0o600);
        let mut theirs = command(&case.theirs, home, &config, &store);
        // Each helper keeps its index in a cache of its own: two versions
        // compared in one run may write indexes of different formats, and
        // would rebuild each other's at every call.
        let mut ours: Vec<(String, Command, String)> = case
            .ours
            .iter()
            .enumerate()
            .map(|(i, (label, s))| {
                let mut cmd = command(s, home, &config, &store);
                cmd.env("XDG_CACHE_HOME", home.join(format!(".cache-{i}")));
                (label.clone(), cmd, s.input.clone())
            })
            .collect();
        let mut edits = 0u64;
        let mut edit = || {
            edits += 1;
            let text = if edits.is_multiple_of(2) {
                case.config.clone()
            } else {
                format!("{}# edited\n", case.config)
            };
            write_file(&config, &text, 0o600);
        };
        // Both sides must answer alike (for get and fill).
        let password = |o: &[u8]| {
            String::from_utf8_lossy(o)
                .lines()
                .find(|l| l.starts_with("password="))
                .map(str::to_owned)
        };
        let (_, expected) = run_once(&mut theirs, case.theirs.input.as_bytes());
        for (label, cmd, input) in &mut ours {
            let (_, got) = run_once(cmd, input.as_bytes());
            assert_eq!(
                password(&got),
                password(&expected),
                "{label}: {}",
                case.title
            );
        }
        let mut t_theirs = Vec::new();
        let mut t_ours: Vec<Vec<f64>> = vec![Vec::new(); ours.len()];
        let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); ours.len()];
        // A program that does nothing, given the same input: what starting
        // any process of its kind costs on this machine.
        let mut floor_cmd = floor.as_ref().filter(|_| case.direct).map(|p| {
            let mut c = Command::new(p);
            c.env_clear().stdout(Stdio::piped()).stderr(Stdio::piped());
            c
        });
        let (mut t_floor, mut floor_ratios) = (Vec::new(), Vec::new());
        for round in 0..warmup + runs {
            let (t, _) = run_once(&mut theirs, case.theirs.input.as_bytes());
            let t = t.as_secs_f64() * 1000.0;
            if let Some(cmd) = floor_cmd.as_mut() {
                let (f, _) = run_once(cmd, case.theirs.input.as_bytes());
                let f = f.as_secs_f64() * 1000.0;
                if round >= warmup {
                    t_floor.push(f);
                    floor_ratios.push(f / t);
                }
            }
            // Each round starts with another of our helpers: a run can pay
            // for what the one before it left (a file just replaced, say),
            // so no helper always comes second.
            let n = ours.len();
            for i in (0..n).map(|k| (k + round) % n) {
                let (_, cmd, input) = &mut ours[i];
                if case.edit_each_run {
                    edit();
                }
                let (o, _) = run_once(cmd, input.as_bytes());
                let o = o.as_secs_f64() * 1000.0;
                if round >= warmup {
                    t_ours[i].push(o);
                    ratios[i].push(o / t);
                }
            }
            if round >= warmup {
                t_theirs.push(t);
            }
            // credential-store's own store and erase change its file:
            // every round starts from the same file.
            write_file(&store, &case.store_lines, 0o600);
        }
        let kib = |v: Option<u64>| {
            v.map_or("n/a (install the Debian package `time`)".to_owned(), |k| {
                format!("{:.1} MiB", k as f64 / 1024.0)
            })
        };
        println!("{}", case.title);
        println!(
            "  {:<28} median {:7.3} ms  peak memory {}",
            "git credential-store",
            median(t_theirs),
            kib(peak_kib(&theirs, case.theirs.input.as_bytes()))
        );
        for (i, (label, cmd, input)) in ours.iter().enumerate() {
            if case.edit_each_run {
                edit();
            }
            let peak = kib(peak_kib(cmd, input.as_bytes()));
            let ratio = median(ratios[i].clone());
            println!(
                "  {label:<28} median {:7.3} ms  peak memory {peak}  ratio {ratio:.2}x (target {:.2}x: {})",
                median(t_ours[i].clone()),
                case.target,
                if ratio <= case.target { "met" } else { "not met" }
            );
        }
        if let Some(p) = floor.as_ref().filter(|_| case.direct) {
            println!(
                "  {:<28} median {:7.3} ms  ratio {:.2}x (does nothing: the floor for a program linked as it is)",
                p.display(),
                median(t_floor),
                median(floor_ratios)
            );
        }
        println!();
    }
}
