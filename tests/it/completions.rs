//! The completion files complete, in the real shells with their own git
//! completion loaded: `git-credential-bitbucket <TAB>` and, through git's
//! completion, `git credential-bitbucket <TAB>` (the form every message
//! uses). A shell that is not installed is skipped, except with `CI=true`.

use std::path::{Path, PathBuf};
use std::process::Command;

const BASH_COMPLETION: &str = "/usr/share/bash-completion/bash_completion";

/// A directory holding the helper on PATH (as installed) and the
/// completion files where each shell looks for a user's own.
struct Installed {
    dir: tempfile::TempDir,
}

impl Installed {
    fn new() -> Installed {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::os::unix::fs::symlink(
            env!("CARGO_BIN_EXE_git-credential-bitbucket"),
            bin.join("git-credential-bitbucket"),
        )
        .unwrap();
        let copy = |from: &str, to: &Path| {
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(Path::new("contrib/completions").join(from), to).unwrap();
        };
        let home = dir.path();
        copy(
            "git-credential-bitbucket.bash",
            &home.join(".local/share/bash-completion/completions/git-credential-bitbucket"),
        );
        copy(
            "git-credential-bitbucket.fish",
            &home.join(".config/fish/completions/git-credential-bitbucket.fish"),
        );
        copy(
            "_git-credential-bitbucket",
            &home.join("zfunc/_git-credential-bitbucket"),
        );
        Installed { dir }
    }

    fn home(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `shell ARGS` as the user, in a clean environment.
    fn run(&self, shell: &str, args: &[&str]) -> String {
        let path = format!(
            "{}:/usr/local/bin:/usr/bin:/bin",
            self.home().join("bin").display()
        );
        let out = Command::new(shell)
            .args(args)
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.home())
            .env("TERM", "dumb")
            .current_dir(self.home())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{shell} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn script(&self, name: &str, text: &str) -> PathBuf {
        let path = self.home().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

/// Whether `program` can be tested here; with `CI=true` it must be.
fn available(program: &str) -> bool {
    let found = Path::new(program).exists();
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{program} is missing; .ci/run installs it"
        );
        eprintln!("skipped: {program} is not installed");
    }
    found
}

/// Each line of `lines` completed at its end; the answers, one line each,
/// as `[LINE] => CANDIDATES`.
fn complete_in_bash(installed: &Installed, lines: &[&str]) -> String {
    // The way bash calls a completion function: COMP_* set from the line,
    // then the function that `complete -p` names for the command, loaded
    // on demand by bash-completion as an interactive shell would.
    let mut script = format!(
        r#"source {BASH_COMPLETION}
complete_line() {{
    local line="$1" cmd func
    COMP_LINE="$line"; COMP_POINT=${{#line}}
    read -ra COMP_WORDS <<< "$line"
    [[ "$line" == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
    cmd="${{COMP_WORDS[0]}}"
    complete -p "$cmd" >/dev/null 2>&1 || _completion_loader "$cmd"
    func=$(complete -p "$cmd" | sed -E 's/.* -F ([^ ]+) .*/\1/')
    COMPREPLY=()
    "$func" "$cmd" "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
    echo "[$line] => ${{COMPREPLY[*]}}"
}}
"#
    );
    for line in lines {
        script.push_str(&format!("complete_line '{line}'\n"));
    }
    let path = installed.script("complete.bash", &script);
    installed.run("bash", &["--norc", "--noprofile", path.to_str().unwrap()])
}

#[test]
fn bash_completes_subcommands_and_their_options_with_gits_completion() {
    if !available(BASH_COMPLETION) {
        return;
    }
    let installed = Installed::new();
    let got = complete_in_bash(
        &installed,
        &[
            "git credential-bitbucket ad",
            "git credential-bitbucket add --k",
            "git -C . credential-bitbucket rem",
            "git credential-bitbucket setup --sy",
            "git-credential-bitbucket ad",
            "git-credential-bitbucket add --k",
            "git-credential-bitbucket remove --le",
        ],
    );
    assert_eq!(
        got,
        "[git credential-bitbucket ad] => add\n\
         [git credential-bitbucket add --k] => --kind\n\
         [git -C . credential-bitbucket rem] => remove\n\
         [git credential-bitbucket setup --sy] => --system\n\
         [git-credential-bitbucket ad] => add\n\
         [git-credential-bitbucket add --k] => --kind\n\
         [git-credential-bitbucket remove --le] => --learned\n"
    );
}

#[test]
fn zsh_completes_subcommands_and_their_options_with_gits_completion() {
    if !available("/usr/bin/zsh") {
        return;
    }
    let installed = Installed::new();
    // An interactive zsh in a pseudo-terminal (zsh/zpty) gets the line and
    // TAB as keystrokes, then ^X, bound to a widget that writes what the
    // line became.
    let out = installed.home().join("line");
    let script = format!(
        r#"zmodload zsh/zpty
complete_line() {{
    rm -f {out}
    zpty -b z 'zsh -f -i'
    zpty -w z "fpath=({zfunc} \$fpath); autoload -U compinit; compinit -u -D"
    zpty -w z "dump() {{ print -r -- \"\$BUFFER\" > {out}; }}; zle -N dump; bindkey '^X' dump"
    zpty -w -n z "$1"$'\t\x18'
    for i in {{1..200}}; do [[ -s {out} ]] && break; sleep 0.1; done
    zpty -d z
    print -r -- "[$1] => [$(<{out})]"
}}
complete_line 'git credential-bitbucket ad'
complete_line 'git credential-bitbucket add --k'
complete_line 'git-credential-bitbucket ad'
complete_line 'git-credential-bitbucket setup --sy'
"#,
        out = out.display(),
        zfunc = installed.home().join("zfunc").display(),
    );
    let path = installed.script("complete.zsh", &script);
    let got = installed.run("zsh", &["-f", path.to_str().unwrap()]);
    assert_eq!(
        got,
        "[git credential-bitbucket ad] => [git credential-bitbucket add ]\n\
         [git credential-bitbucket add --k] => [git credential-bitbucket add --kind=]\n\
         [git-credential-bitbucket ad] => [git-credential-bitbucket add ]\n\
         [git-credential-bitbucket setup --sy] => [git-credential-bitbucket setup --system ]\n"
    );
}

#[test]
fn fish_completes_subcommands_and_their_options() {
    if !available("/usr/bin/fish") {
        return;
    }
    let installed = Installed::new();
    let complete = |line: &str| -> Vec<String> {
        installed
            .run("fish", &["-c", &format!("complete -C '{line}'")])
            .lines()
            .map(|l| l.split('\t').next().unwrap().to_owned())
            .collect()
    };
    assert_eq!(complete("git-credential-bitbucket ad"), ["add"]);
    assert_eq!(complete("git-credential-bitbucket add --k"), ["--kind"]);
    assert_eq!(
        complete("git-credential-bitbucket setup --sy"),
        ["--system"]
    );
    // `git credential-bitbucket <TAB>` is fish's own git completion's to
    // hand over; fish 3.6 (Debian 12) looks the command up under a wrong
    // name, which no completion file of ours can change.
}
