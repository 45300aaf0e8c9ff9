//! Files that must never be half-written: an exclusive lock beside the file,
//! a temporary file in the same directory, fsync, rename.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Creates `dir` (and its parents) when missing; a directory this creates
/// is private to the user (0700).
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)?;
    set_mode(dir, 0o700)
}

/// Sets the permission bits of `path` (no-op off Unix).
pub fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

/// The permission bits of an open file that let group or others read or
/// write it, if any (always `None` off Unix).
pub fn shared_bits(meta: &fs::Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let bits = meta.permissions().mode() & 0o077;
        (bits != 0).then_some(meta.permissions().mode() & 0o777)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

/// An exclusive lock on `<file>.lock`, held until dropped. The lock file is
/// never removed: removing it would let two writers hold "the" lock at once.
pub struct Lock {
    _file: File,
}

impl Lock {
    /// Blocks until the lock for `target` is held.
    pub fn acquire(target: &Path) -> io::Result<Lock> {
        let path = sibling(target, ".lock");
        let mut options = OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(&path)?;
        file.lock()?;
        Ok(Lock { _file: file })
    }
}

fn sibling(target: &Path, suffix: &str) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    target.with_file_name(name)
}

fn temp_prefix(target: &Path) -> String {
    format!(
        ".{}.tmp.",
        target.file_name().unwrap_or_default().to_string_lossy()
    )
}

/// Replaces `target` with `contents` atomically, with permission bits
/// `mode`. The caller holds the target's [`Lock`], so any temporary file of
/// the target's that is still lying about belongs to a writer that died,
/// and is removed first.
pub fn write_atomically(target: &Path, contents: &[u8], mode: u32, _lock: &Lock) -> io::Result<()> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let prefix = temp_prefix(target);
    if let Ok(listing) = fs::read_dir(&dir) {
        for item in listing.flatten() {
            if item.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = fs::remove_file(item.path());
            }
        }
    }
    let temp = dir.join(format!("{prefix}{}", std::process::id()));
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    let result = (|| {
        let mut file = options.open(&temp)?;
        set_mode(&temp, mode)?;
        file.write_all(contents)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, target)?;
        #[cfg(unix)]
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// What can go wrong with one of the helper's private files (a secret in
/// the file store, the learned credentials, the state file). Messages name
/// the file and the fix, and never quote the file's content.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Group or others could read the file.
    #[error("{path} can be read by other users (mode {mode:o}), so it is not used; run `chmod 600 {path}`")]
    Shared {
        /// The file.
        path: String,
        /// Its permission bits.
        mode: u32,
    },
    /// The file is not valid TOML of the expected shape.
    #[error("{path} is damaged and was left as it is: {reason}")]
    Damaged {
        /// The file.
        path: String,
        /// Where it is damaged.
        reason: String,
    },
    /// Reading or writing failed.
    #[error("could not {action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: String,
        /// The cause.
        source: io::Error,
    },
}

fn io_error<'p>(path: &'p Path, action: &'static str) -> impl FnOnce(io::Error) -> FileError + 'p {
    move |source| FileError::Io {
        action,
        path: path.display().to_string(),
        source,
    }
}

/// The 1-based line number of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Reads a private TOML file; a missing file is `T::default()`. A file that
/// group or others can read is refused. Parse errors give only the line:
/// the parser's own message may quote a value, and values here are secret.
pub fn read_private_toml<T: DeserializeOwned + Default>(path: &Path) -> Result<T, FileError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(T::default()),
        Err(e) => return Err(io_error(path, "read")(e)),
    };
    let meta = file.metadata().map_err(io_error(path, "read"))?;
    if let Some(mode) = shared_bits(&meta) {
        return Err(FileError::Shared {
            path: path.display().to_string(),
            mode,
        });
    }
    let mut text = zeroize::Zeroizing::new(String::new());
    io::Read::read_to_string(&mut &file, &mut text).map_err(io_error(path, "read"))?;
    toml::from_str(&text).map_err(|e| FileError::Damaged {
        path: path.display().to_string(),
        reason: match e.span() {
            Some(span) => format!("it is not valid near line {}", line_of(&text, span.start)),
            None => "it is not valid".to_owned(),
        },
    })
}

/// Changes a private TOML file under its lock: `change` sees the current
/// contents and says whether it changed them; only then is the file
/// rewritten (atomically, mode 0600).
pub fn update_private_toml<T, R>(
    path: &Path,
    change: impl FnOnce(&mut T) -> (bool, R),
) -> Result<R, FileError>
where
    T: DeserializeOwned + Serialize + Default,
{
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        ensure_private_dir(dir).map_err(io_error(path, "create the directory of"))?;
    }
    let lock = Lock::acquire(path).map_err(io_error(path, "lock"))?;
    let mut contents: T = read_private_toml(path)?;
    let (changed, result) = change(&mut contents);
    if changed {
        let text = zeroize::Zeroizing::new(toml::to_string(&contents).map_err(|e| {
            FileError::Damaged {
                path: path.display().to_string(),
                reason: format!("it could not be written ({e})"),
            }
        })?);
        write_atomically(path, text.as_bytes(), 0o600, &lock).map_err(io_error(path, "write"))?;
    }
    Ok(result)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn writes_replace_whole_files_with_the_mode_asked_and_leave_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("state.toml");
        fs::write(dir.path().join(".state.toml.tmp.99999"), "stale").unwrap();
        let lock = Lock::acquire(&target).unwrap();
        write_atomically(&target, b"one", 0o600, &lock).unwrap();
        write_atomically(&target, b"two", 0o600, &lock).unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "two");
        let mode = fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| n.contains(".tmp.")), "{names:?}");
    }

    #[test]
    fn private_dirs_are_0700() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b");
        ensure_private_dir(&nested).unwrap();
        let mode = fs::metadata(&nested).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }
}
