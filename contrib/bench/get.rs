//! Times whole-process `get` calls of git-credential-bitbucket against git's
//! own `git credential-store`, the same credential set up both ways, in one
//! run on one machine, and prints mean, median and their ratio, and the
//! peak memory of one call. It never fails because a machine is slow.
//!
//! Run it with `contrib/bench/run.sh`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Case {
    title: &'static str,
    config: String,
    files: Vec<(String, String)>,
    store_lines: String,
    request: String,
    env: Vec<(String, String)>,
    target: f64,
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

fn many_entries(secret: &dyn Fn(usize) -> String) -> (String, Vec<(String, String)>, String) {
    let mut config = String::new();
    let mut files = Vec::new();
    let mut store = String::new();
    for host in 0..100 {
        for repo in 0..100 {
            let i = host * 100 + repo;
            let name = format!("e{i:05}");
            config.push_str(&format!(
                "[[credential]]\nname = \"{name}\"\nkind = \"access-token\"\nscope = \"repository\"\nurl = \"https://bb-{host:03}.example.com/team/repo-{repo:03}\"\nsecret = \"{}\"\n\n",
                secret(i)
            ));
            files.push((name, format!("ATCTT-token-{i:05}")));
            store.push_str(&format!("https://x-token-auth:ATCTT-token-{i:05}@bb-{host:03}.example.com/team/repo-{repo:03}.git\n"));
        }
    }
    (config, files, store)
}

fn cases() -> Vec<Case> {
    let one = Case {
        title: "1 entry: Cloud API token, secret in the file store",
        config: "[[credential]]\nname = \"acme\"\nkind = \"api-token\"\nurl = \"https://bitbucket.org/\"\nusername = \"jdoe\"\nsecret = \"file\"\n".into(),
        files: vec![("acme".into(), "ATATT3xFfGF0-bench-token".into())],
        store_lines: "https://jdoe:ATATT3xFfGF0-bench-token@bitbucket.org/acme/widget.git\n".into(),
        request: "protocol=https\nhost=bitbucket.org\npath=acme/widget.git\n\n".into(),
        env: Vec::new(),
        target: 0.8,
    };
    let last = "protocol=https\nhost=bb-099.example.com\npath=team/repo-099.git\n\n".to_owned();
    let (config, files, store) = many_entries(&|_| "file".to_owned());
    let file = Case {
        title: "10,000 entries on 100 hosts, the last one asked for, secrets in the file store",
        config,
        files,
        store_lines: store.clone(),
        request: last.clone(),
        env: Vec::new(),
        target: 0.35,
    };
    let (config, _, _) = many_entries(&|i| {
        if i == 9999 {
            "env:BENCH_TOKEN".into()
        } else {
            "file".into()
        }
    });
    let env = Case {
        title: "10,000 entries on 100 hosts, the last one asked for, its secret in an environment variable",
        config,
        files: Vec::new(),
        store_lines: store,
        request: last,
        env: vec![("BENCH_TOKEN".into(), "ATCTT-token-09999".into())],
        target: 0.35,
    };
    vec![one, file, env]
}

fn command(program: &str, args: &[&str], env: &[(String, String)], config: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", config.parent().unwrap())
        .env("GIT_CREDENTIAL_BITBUCKET_CONFIG", config)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn run_once(cmd: &mut Command, input: &[u8]) -> (Duration, Vec<u8>) {
    let started = Instant::now();
    let mut child = cmd.stdin(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (took, out.stdout)
}

fn peak_kib(cmd: &mut Command, input: &[u8]) -> Option<u64> {
    let program = cmd.get_program().to_owned();
    let args: Vec<_> = cmd.get_args().map(|a| a.to_owned()).collect();
    let mut timed = Command::new("/usr/bin/time");
    timed.arg("-f").arg("%M").arg(program).args(args);
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => timed.env(k, v),
            None => timed.env_remove(k),
        };
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

fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let ms: Vec<f64> = v.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    let mean = ms.iter().sum::<f64>() / ms.len() as f64;
    let median = if ms.len() % 2 == 1 {
        ms[ms.len() / 2]
    } else {
        (ms[ms.len() / 2 - 1] + ms[ms.len() / 2]) / 2.0
    };
    (mean, median)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut helpers: Vec<(String, PathBuf)> = Vec::new();
    let mut runs = 300usize;
    let mut warmup = 30usize;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--helper" => {
                let spec = args.next().expect("--helper LABEL=PATH");
                let (label, path) = spec.split_once('=').unwrap_or(("git-credential-bitbucket", &spec));
                let path = std::fs::canonicalize(path).unwrap_or_else(|_| panic!("{path} does not exist; build it first"));
                helpers.push((label.to_owned(), path));
            }
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).expect("--runs N"),
            "--warmup" => {
                warmup = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--warmup N")
            }
            other => panic!("unknown argument {other}; use --helper LABEL=PATH (repeatable) --runs N --warmup N"),
        }
    }
    assert!(
        !helpers.is_empty(),
        "name at least one helper: --helper LABEL=PATH"
    );
    let git = ["/usr/local/bin/git", "/usr/bin/git"]
        .into_iter()
        .find(|g| Path::new(g).exists())
        .unwrap_or("git");
    let git_version = Command::new(git)
        .arg("version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    println!("git-credential-bitbucket get vs `git credential-store get` ({git_version}), {runs} runs each after {warmup} warm-up runs, interleaved");
    println!();
    for case in cases() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("cfg/config.toml");
        write_file(&config, &case.config, 0o600);
        for (name, secret) in &case.files {
            write_file(&config.with_file_name("secrets").join(name), secret, 0o600);
        }
        let store = dir.path().join("store");
        write_file(&store, &case.store_lines, 0o600);
        let input = case.request.as_bytes();
        let mut theirs = command(
            git,
            &["credential-store", "--file", store.to_str().unwrap(), "get"],
            &[],
            &config,
        );
        let answer = |o: &[u8]| {
            String::from_utf8_lossy(o)
                .lines()
                .find(|l| l.starts_with("password="))
                .map(str::to_owned)
        };
        let (_, expected) = run_once(&mut theirs, input);
        let mut ours: Vec<Command> = helpers
            .iter()
            .map(|(_, p)| command(p.to_str().unwrap(), &["get"], &case.env, &config))
            .collect();
        for cmd in &mut ours {
            let (_, got) = run_once(cmd, input);
            assert!(
                answer(&got).is_some() && answer(&got) == answer(&expected),
                "both must give the same password"
            );
        }
        for _ in 0..warmup {
            run_once(&mut theirs, input);
            for cmd in &mut ours {
                run_once(cmd, input);
            }
        }
        let mut t_theirs = Vec::with_capacity(runs);
        let mut t_ours: Vec<Vec<Duration>> = vec![Vec::with_capacity(runs); ours.len()];
        for _ in 0..runs {
            t_theirs.push(run_once(&mut theirs, input).0);
            for (cmd, times) in ours.iter_mut().zip(&mut t_ours) {
                times.push(run_once(cmd, input).0);
            }
        }
        let (tm, tmed) = stats(t_theirs);
        let kib = |v: Option<u64>| {
            v.map_or("n/a (install the Debian package `time`)".to_owned(), |k| {
                format!("{:.1} MiB", k as f64 / 1024.0)
            })
        };
        println!("{}", case.title);
        println!(
            "  {:<34} mean {tm:7.3} ms  median {tmed:7.3} ms  peak memory {}",
            "git credential-store",
            kib(peak_kib(&mut theirs, input))
        );
        for (((label, _), cmd), times) in helpers.iter().zip(&mut ours).zip(t_ours) {
            let (om, omed) = stats(times);
            let ratio = omed / tmed;
            println!(
                "  {label:<34} mean {om:7.3} ms  median {omed:7.3} ms  peak memory {}",
                kib(peak_kib(cmd, input))
            );
            println!(
                "  {:<34} ratio to credential-store: mean {:.2}x  median {ratio:.2}x  (target {:.2}x: {})",
                "",
                om / tm,
                case.target,
                if ratio <= case.target { "met" } else { "not met" }
            );
        }
        println!();
    }
}
