//! A person at a machine: an empty HOME, a git configuration of their own,
//! and the helper on PATH. A user needs no server; one made with
//! [`User::reaching`] has git pointed at the stand-in.

use std::io::Write;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use super::pki::ca_file;
use super::server::Bitbucket;
use super::{default_git, DC_HOST, DC_PORT};

/// A person at a machine: an empty HOME, a git configuration of their own,
/// the helper on PATH.
pub struct User {
    pub home: tempfile::TempDir,
    pub git: String,
    extra_env: Vec<(String, String)>,
    unset_env: Vec<String>,
    /// Where the helper is found on PATH (default: the build's).
    pub helper_dir: PathBuf,
    /// git's system configuration file, when the user has one (a CI image).
    pub system_config: Option<PathBuf>,
}

/// The helper executable under test.
pub fn helper_exe() -> &'static str {
    env!("CARGO_BIN_EXE_git-credential-bitbucket")
}

impl User {
    /// A user of their own machine, who reaches no server.
    pub fn new() -> User {
        let user = User {
            home: tempfile::tempdir().unwrap(),
            git: default_git(),
            extra_env: Vec::new(),
            unset_env: Vec::new(),
            helper_dir: Path::new(helper_exe()).parent().unwrap().to_path_buf(),
            system_config: None,
        };
        user.write_gitconfig("[user]\n\tname = Test User\n\temail = user@example.com\n[init]\n\tdefaultBranch = main\n");
        user
    }

    /// A user whose git resolves the stand-in's host names to `bb`.
    pub fn reaching(bb: &Bitbucket) -> User {
        let user = User::new();
        let ip = bb.ip;
        user.write_gitconfig(&format!(
            "[http]\n\tcurloptResolve = bitbucket.org:443:{ip}\n\tcurloptResolve = api.bitbucket.org:443:{ip}\n\tcurloptResolve = {DC_HOST}:{DC_PORT}:{ip}\n"
        ));
        user
    }

    /// A user whose git runs the helper (with paths) for `url`.
    pub fn with_helper_for(bb: &Bitbucket, url: &str) -> User {
        let user = User::reaching(bb);
        user.use_helper_for(url);
        user
    }

    /// Appends `text` to `~/.gitconfig`.
    pub fn write_gitconfig(&self, text: &str) {
        let path = self.home.path().join(".gitconfig");
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        f.write_all(text.as_bytes()).unwrap();
    }

    /// Configures the helper for `url` as `setup` does: the executable by
    /// its full path, and the repository path sent.
    pub fn use_helper_for(&self, url: &str) {
        self.write_gitconfig(&format!(
            "[credential \"{url}\"]\n\thelper =\n\thelper = {}\n\tuseHttpPath = true\n",
            helper_exe()
        ));
    }

    /// The helper's configuration file.
    pub fn config_path(&self) -> PathBuf {
        self.home
            .path()
            .join(".config/git-credential-bitbucket/config.toml")
    }

    /// The directory of the file store's secrets.
    pub fn secrets_dir(&self) -> PathBuf {
        self.config_path().with_file_name("secrets")
    }

    /// The file that holds entry `name`'s secret in the file store.
    pub fn secret_file(&self, name: &str) -> PathBuf {
        self.secrets_dir().join(name)
    }

    /// The file of learned credentials.
    pub fn learned_path(&self) -> PathBuf {
        self.config_path().with_file_name("learned.toml")
    }

    /// Writes the helper's configuration file.
    pub fn write_config(&self, text: &str) {
        let path = self.config_path();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Writes secrets into the file store (as `add` will), mode 0600.
    pub fn write_secrets(&self, pairs: &[(&str, &str)]) {
        use std::os::unix::fs::PermissionsExt;
        let dir = self.secrets_dir();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        for (name, secret) in pairs {
            let path = self.secret_file(name);
            std::fs::write(&path, secret).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }

    /// Sets an environment variable for every command this user runs.
    pub fn env(&mut self, key: &str, value: &str) {
        self.unset_env.retain(|k| k != key);
        self.extra_env.push((key.to_owned(), value.to_owned()));
    }

    /// Leaves `key` out of every command this user runs, even one this
    /// file sets for all users (`GIT_SSL_CAINFO`).
    pub fn unset(&mut self, key: &str) {
        self.extra_env.retain(|(k, _)| k != key);
        self.unset_env.push(key.to_owned());
    }

    /// A command run as this user: their HOME, PATH and environment.
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env(
                "PATH",
                format!("{}:/usr/local/bin:/usr/bin:/bin", self.helper_dir.display()),
            )
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join(".config"))
            .env("XDG_CACHE_HOME", self.home.path().join(".cache"))
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_SSL_CAINFO", ca_file())
            .env("LANG", "C")
            .current_dir(self.home.path())
            .stdin(Stdio::null());
        match &self.system_config {
            Some(file) => cmd.env("GIT_CONFIG_SYSTEM", file),
            None => cmd.env("GIT_CONFIG_NOSYSTEM", "1"),
        };
        for (k, v) in &self.extra_env {
            cmd.env(k, v);
        }
        for k in &self.unset_env {
            cmd.env_remove(k);
        }
        cmd
    }

    /// A command that runs `program` in a private mount namespace whose
    /// `/etc/hosts` leads Bitbucket's host names to `bb`: for clients that
    /// resolve names themselves and ignore `http.curloptResolve` (git-lfs,
    /// libgit2, gix). Nothing changes outside the namespace; it needs root.
    pub fn resolving(&self, bb: &Bitbucket, program: &str) -> Command {
        self.in_namespace(bb.ip, &[], program)
    }

    /// A command that runs `program` in a private mount namespace where
    /// Bitbucket's host names lead to `ip`, and each `(file, over)` of
    /// `mounts` is bind-mounted over the file `over` (a CA bundle over the
    /// system's, say).
    pub fn in_namespace(&self, ip: Ipv4Addr, mounts: &[(&Path, &str)], program: &str) -> Command {
        let hosts = self.home.path().join(".hosts");
        std::fs::write(
            &hosts,
            format!("127.0.0.1 localhost\n{ip} bitbucket.org api.bitbucket.org {DC_HOST}\n"),
        )
        .unwrap();
        let mut cmd = self.command("unshare");
        cmd.args([
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            "while [ \"$1\" != -- ]; do mount --bind \"$1\" \"$2\" || exit 125; shift 2; done; shift; exec \"$@\"",
            "sh",
        ])
        .arg(&hosts)
        .arg("/etc/hosts");
        for (file, over) in mounts {
            cmd.arg(file).arg(over);
        }
        cmd.arg("--").arg(program);
        cmd
    }

    /// Runs git (this user's version) with `args`.
    pub fn git(&self, args: &[&str]) -> Output {
        self.command(&self.git).args(args).output().unwrap()
    }

    /// Runs a given git binary with `args`.
    pub fn git_with(&self, git: &str, args: &[&str]) -> Output {
        self.command(git).args(args).output().unwrap()
    }

    /// Runs `cmd` (made with [`User::command`]) with `input` on its
    /// standard input.
    pub fn run_input(&self, cmd: &mut Command, input: &str) -> Output {
        run_with_input(cmd, input.as_bytes())
    }

    /// Runs git with `input` on its standard input.
    pub fn git_input(&self, args: &[&str], input: &str) -> Output {
        run_with_input(self.command(&self.git).args(args), input.as_bytes())
    }

    /// Runs the helper directly with `input` on its standard input.
    pub fn helper(&self, args: &[&str], input: &str) -> Output {
        run_with_input(self.command(helper_exe()).args(args), input.as_bytes())
    }

    /// Runs the helper with raw bytes on its standard input.
    pub fn helper_bytes(&self, args: &[&str], input: &[u8]) -> Output {
        run_with_input(self.command(helper_exe()).args(args), input)
    }

    /// Every file under HOME that holds `needle`, relative to HOME.
    pub fn files_holding(&self, needle: &str) -> Vec<String> {
        let home = self.home.path();
        let mut found = Vec::new();
        let mut pending = vec![home.to_path_buf()];
        while let Some(dir) = pending.pop() {
            for item in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = item.path();
                if path.is_dir() {
                    pending.push(path);
                } else if std::fs::read(&path)
                    .is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
                {
                    found.push(path.strip_prefix(home).unwrap().display().to_string());
                }
            }
        }
        found.sort();
        found
    }

    /// A path inside HOME.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.home.path().join(rel)
    }
}

fn run_with_input(cmd: &mut Command, input: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    let _ = writer.join();
    out
}
