//! Files that must never be half-written, and that only the user may
//! change: an exclusive lock on the directory that holds them, a temporary
//! file in that directory, fsync, rename; and the ownership and permission
//! checks that decide whether a file or directory is the user's own.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Whether `meta` belongs to the user running the helper (off Unix:
/// always).
pub fn owned_by_user(meta: &fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        meta.uid() == rustix::process::geteuid().as_raw()
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        true
    }
}

/// Whether `meta` belongs to the user or to root (a system-wide file).
pub fn owned_by_user_or_root(meta: &fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        owned_by_user(meta) || meta.uid() == 0
    }
    #[cfg(not(unix))]
    {
        owned_by_user(meta)
    }
}

/// The permission bits of `meta` when someone besides its owner may write
/// it: others, or a group that is not the owner's private group (see
/// [`private_group`]); as ssh judges `~/.ssh/config`. Always `None` off
/// Unix.
pub fn writable_by_others(meta: &fs::Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let mode = meta.mode();
        let shared =
            mode & 0o002 != 0 || (mode & 0o020 != 0 && !private_group(meta.uid(), meta.gid()));
        shared.then_some(mode & 0o777)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

/// Whether `gid` is the private group of the user `uid`, the group of one
/// that Debian and Ubuntu make for each user (their default umask 002 then
/// leaves files group-writable): the user's primary group in
/// `/etc/passwd`, no other user's, and listing no member but the user in
/// `/etc/group`. Users and groups from elsewhere (LDAP, NIS) are not
/// looked up, so a group only they define counts as shared.
#[cfg(unix)]
fn private_group(uid: u32, gid: u32) -> bool {
    let read = |p: &str| fs::read_to_string(p).unwrap_or_default();
    private_group_in(&read("/etc/passwd"), &read("/etc/group"), uid, gid)
}

/// [`private_group`] over the text of `passwd` and `group`.
#[cfg(unix)]
fn private_group_in(passwd: &str, group: &str, uid: u32, gid: u32) -> bool {
    let fields = |line: &str| line.split(':').map(str::to_owned).collect::<Vec<_>>();
    // `+`/`-` lines bring in users from NIS, who might share the group.
    if passwd.lines().any(|l| l.starts_with(['+', '-'])) {
        return false;
    }
    let users: Vec<(String, u32, u32)> = passwd
        .lines()
        .map(fields)
        .filter(|f| f.len() >= 4)
        .filter_map(|f| Some((f[0].clone(), f[2].parse().ok()?, f[3].parse().ok()?)))
        .collect();
    let Some((owner, _, primary)) = users.iter().find(|u| u.1 == uid) else {
        return false;
    };
    if *primary != gid || users.iter().any(|u| u.2 == gid && u.1 != uid) {
        return false;
    }
    let entries: Vec<Vec<String>> = group
        .lines()
        .map(fields)
        .filter(|f| f.len() >= 4 && f[2].parse() == Ok(gid))
        .collect();
    !entries.is_empty()
        && entries.iter().all(|f| {
            f[3].split(',')
                .map(str::trim)
                .all(|m| m.is_empty() || m == owner)
        })
}

/// The names of the directories that are the helper's own: its directory
/// in the configuration and cache directories, and the file store's
/// `secrets`. Only these are closed to group and others when they exist;
/// a directory named by `GIT_CREDENTIAL_BITBUCKET_CONFIG` (a home
/// directory, say) keeps its mode.
const OWN_DIRECTORIES: [&str; 2] = [crate::NAME, "secrets"];

/// Makes sure `dir` is a directory of the user's that the helper may
/// write in: created 0700 (with any missing parents) when missing; an
/// existing one must belong to the user, and one of the helper's own (see
/// [`OWN_DIRECTORIES`]) is then closed to group and others. A directory
/// that belongs to someone else is refused, never taken over.
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => {
            if !owned_by_user(&meta) {
                return Err(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    "it belongs to another user",
                ));
            }
            let own = dir.file_name().is_some_and(|n| {
                let n = n.to_string_lossy();
                OWN_DIRECTORIES.iter().any(|o| n == *o)
                    || n.strip_prefix(crate::NAME)
                        .is_some_and(|uid| uid.starts_with('-'))
            });
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                if own && meta.permissions().mode() & 0o077 != 0 {
                    set_mode(dir, 0o700)?;
                }
            }
            #[cfg(not(unix))]
            let _ = own;
            return Ok(());
        }
        Ok(_) => {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "it is not a directory",
            ))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
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

/// Opens `path` for reading without following a symbolic link and without
/// blocking on a FIFO (off Unix: a plain open).
pub fn open_no_follow(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use rustix::fs::OFlags;
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags((OFlags::NOFOLLOW | OFlags::NONBLOCK).bits() as i32);
    }
    options.open(path)
}

/// A private directory of the user's that can be written whatever the
/// home directory is (read-only, missing): `$XDG_RUNTIME_DIR/NAME` when
/// that variable names a directory of the user's closed to others, else
/// `NAME-UID` in the temporary directory. It is made 0700 when first
/// written ([`ensure_private_dir`]); one that exists already is used only
/// when, opened without following a link, it is the user's and closed to
/// others (`None` otherwise: someone else made it first).
pub fn private_runtime_dir() -> Option<std::path::PathBuf> {
    let private = |dir: &Path| {
        open_dir(dir, false)
            .and_then(|d| d.metadata())
            .is_ok_and(|m| m.is_dir() && owned_by_user(&m) && shared_bits(&m).is_none())
    };
    let runtime = std::env::var_os("XDG_RUNTIME_DIR")
        .map(std::path::PathBuf::from)
        .filter(|d| d.is_absolute() && private(d))
        .map(|d| d.join(crate::NAME));
    let dir = runtime.unwrap_or_else(|| {
        #[cfg(unix)]
        let uid = rustix::process::geteuid().as_raw();
        #[cfg(not(unix))]
        let uid = 0;
        std::env::temp_dir().join(format!("{}-{uid}", crate::NAME))
    });
    let exists = fs::symlink_metadata(&dir).is_ok();
    (!exists || private(&dir)).then_some(dir)
}

/// Opens the directory `dir` for reading, following a symbolic link at its
/// end only when `follow`: what it opened can then be checked with its
/// metadata, and files opened in it ([`open_in`]) are in that very
/// directory, whatever happens to its path meanwhile.
pub fn open_dir(dir: &Path, follow: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use rustix::fs::OFlags;
        use std::os::unix::fs::OpenOptionsExt;
        let mut flags = OFlags::DIRECTORY;
        if !follow {
            flags |= OFlags::NOFOLLOW;
        }
        options.custom_flags(flags.bits() as i32);
    }
    #[cfg(not(unix))]
    let _ = follow;
    options.open(dir)
}

/// Opens the file `name` of the directory `dir` (opened by [`open_dir`],
/// whose path is `dir_path`) for reading, without blocking on a FIFO, and
/// following a symbolic link only when `follow`.
pub fn open_in(
    dir: &File,
    dir_path: &Path,
    name: &std::ffi::OsStr,
    follow: bool,
) -> io::Result<File> {
    #[cfg(unix)]
    {
        use rustix::fs::{Mode, OFlags};
        let _ = dir_path;
        let mut flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC;
        if !follow {
            flags |= OFlags::NOFOLLOW;
        }
        let fd = rustix::fs::openat(dir, name, flags, Mode::empty())?;
        Ok(File::from(fd))
    }
    #[cfg(not(unix))]
    {
        let _ = (dir, follow);
        File::open(dir_path.join(name))
    }
}

/// Whether `e` says that the last component of a path was a symbolic link
/// that [`open_no_follow`] refused.
pub fn is_symlink_refusal(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error())
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
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

/// An exclusive lock on a directory of the helper's, held until dropped:
/// every file in it is written under it. On Unix it is a `flock` of the
/// directory itself (opened without following a link) when only its owner
/// can open it, as the helper's own 0700 directories are, so no lock file
/// is left behind; in a directory others may open (a hand-made 0755 one),
/// it is a `flock` of a 0600 lock file in it, which only its owner can
/// open. Either is waited for at most [`LOCK_WAIT`]: someone who opened
/// the directory before it was closed to them could still hold it.
/// Elsewhere, a `.lock` file.
pub struct Lock {
    _file: File,
}

/// The lock file used where others could open (and lock) the directory.
pub const LOCK_FILE: &str = ".git-credential-bitbucket.lock";

/// How long a lock is waited for: far longer than any write of the
/// helper's takes.
pub const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

impl Lock {
    /// Locks the directory that holds `target` (see [`Lock::directory`]).
    pub fn for_file(target: &Path) -> io::Result<Lock> {
        Lock::directory(parent_or_dot(target))
    }

    /// Locks `dir`, waiting at most [`LOCK_WAIT`]; an error that says so
    /// when someone else holds it longer.
    pub fn directory(dir: &Path) -> io::Result<Lock> {
        #[cfg(unix)]
        let file = {
            use rustix::fs::OFlags;
            use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
            let opened = OpenOptions::new()
                .read(true)
                .custom_flags((OFlags::NOFOLLOW | OFlags::DIRECTORY).bits() as i32)
                .open(dir)?;
            let meta = opened.metadata()?;
            // Reading (opening) a directory needs its read permission.
            if owned_by_user(&meta) && meta.mode() & 0o044 == 0 {
                opened
            } else {
                let file = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .mode(0o600)
                    .custom_flags((OFlags::NOFOLLOW | OFlags::NONBLOCK).bits() as i32)
                    .open(dir.join(LOCK_FILE))?;
                let meta = file.metadata()?;
                if !meta.is_file() || !owned_by_user(&meta) || shared_bits(&meta).is_some() {
                    return Err(io::Error::new(
                        io::ErrorKind::PermissionDenied,
                        format!("{LOCK_FILE} is not a private file of the user's"),
                    ));
                }
                file
            }
        };
        #[cfg(not(unix))]
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(".lock"))?;
        let deadline = std::time::Instant::now() + LOCK_WAIT;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Lock { _file: file }),
                Err(fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(io::Error::new(
                        io::ErrorKind::WouldBlock,
                        format!(
                            "another process has held its lock for over {} s (one of another user who can open the directory could hold it for ever: `chmod 700` it)",
                            LOCK_WAIT.as_secs()
                        ),
                    ))
                }
                Err(fs::TryLockError::Error(e)) => return Err(e),
            }
        }
    }
}

fn temp_prefix(target: &Path) -> String {
    format!(
        ".{}.tmp.",
        target.file_name().unwrap_or_default().to_string_lossy()
    )
}

/// Whether a replaced file must reach the disk before it takes the old
/// one's place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Forced to disk (fsync of the file, then of its directory): secrets,
    /// the configuration, the learned credentials.
    Durable,
    /// Whole or not at all, but not forced to disk: a file whose loss in a
    /// crash costs nothing that matters (the index is rebuilt; the state
    /// forgets a rejection or a note).
    Light,
}

/// Replaces `target` atomically with what `contents` writes (through a
/// buffer, as it is made, so a large file need not be held in memory),
/// with permission bits `mode`. The caller holds the target's [`Lock`], so
/// any temporary file of the target's still lying about belongs to a
/// writer that died, and is removed first. An error, from `contents` or
/// the disk, leaves the old file as it was and no temporary file behind.
pub fn replace(
    target: &Path,
    mode: u32,
    _lock: &Lock,
    durability: Durability,
    contents: &mut dyn FnMut(&mut io::BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let dir = parent_or_dot(target);
    let prefix = temp_prefix(target);
    if let Ok(listing) = fs::read_dir(dir) {
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
    let durable = durability == Durability::Durable;
    let result = (|| {
        let file = options.open(&temp)?;
        set_mode(&temp, mode)?;
        let mut buffered = io::BufWriter::with_capacity(1 << 16, file);
        contents(&mut buffered)?;
        let file = buffered
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        if durable {
            file.sync_all()?;
        }
        drop(file);
        if durable || !exchanged(&temp, target) {
            fs::rename(&temp, target)?;
        }
        #[cfg(unix)]
        if durable {
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// The directory that holds `path`: its parent, or `.` for a bare name.
pub fn parent_or_dot(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// The 64-bit FNV-1a hash of `bytes`: a short, stable name for a path, a
/// quick check for repeated names.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Reads exactly `buf.len()` bytes of `file` at `offset`, without moving a
/// shared position.
pub fn read_at(file: &File, offset: u64, buf: &mut [u8]) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        file.read_exact_at(buf, offset)
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::FileExt;
        let mut done = 0;
        while done < buf.len() {
            match file.seek_read(&mut buf[done..], offset + done as u64)? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => done += n,
            }
        }
        Ok(())
    }
}

/// Puts `temp` in the place of `target` by exchanging the two atomically,
/// then removes the old file (now at `temp`); `false`, with nothing done,
/// where the system cannot (no `target` yet, another system, a file
/// system without the exchange).
///
/// For a file not forced to disk, this is what a rename over `target`
/// does, without its cost on ext4: a rename over an existing file makes
/// ext4 start writing the new one out at once (its `auto_da_alloc` rule),
/// a wait of a few hundred microseconds for a small file and about a
/// millisecond for a 10,000-entry index, where an exchange does not.
fn exchanged(temp: &Path, target: &Path) -> bool {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        // Only over a file: a rename refuses to replace a directory, where
        // an exchange would swap it away.
        let file = fs::symlink_metadata(target).is_ok_and(|m| m.is_file());
        if file && renameat_with(CWD, temp, CWD, target, RenameFlags::EXCHANGE).is_ok() {
            let _ = fs::remove_file(temp);
            return true;
        }
    }
    let _ = (temp, target);
    false
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
    /// A link, a FIFO, a directory or anything else that is not a plain
    /// file.
    #[error("{path} is not a regular file, so it is not used")]
    NotRegular {
        /// The file.
        path: String,
    },
    /// The file belongs to another user.
    #[error("{path} belongs to another user, so it is not used")]
    NotOwn {
        /// The file.
        path: String,
    },
    /// The file is empty.
    #[error("{path} is empty, so it is not used")]
    Empty {
        /// The file.
        path: String,
    },
    /// The file is larger than anything the helper keeps in it.
    #[error("{path} is larger than {limit} bytes, so it is not used")]
    TooLarge {
        /// The file.
        path: String,
        /// The most it may hold.
        limit: u64,
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

/// The most a private TOML file of the helper's may hold.
const MAX_PRIVATE_TOML: u64 = 16 * 1024 * 1024;

/// Reads a private file of the user's: not through a link, a regular file
/// that belongs to the user and that group and others cannot read, at most
/// `limit` bytes. `None` when it does not exist.
pub fn read_private(
    path: &Path,
    limit: u64,
) -> Result<Option<zeroize::Zeroizing<Vec<u8>>>, FileError> {
    let shown = || path.display().to_string();
    let file = match open_no_follow(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) if is_symlink_refusal(&e) => return Err(FileError::NotRegular { path: shown() }),
        Err(e) => return Err(io_error(path, "read")(e)),
    };
    let meta = file.metadata().map_err(io_error(path, "read"))?;
    if !meta.is_file() {
        return Err(FileError::NotRegular { path: shown() });
    }
    if !owned_by_user(&meta) {
        return Err(FileError::NotOwn { path: shown() });
    }
    if let Some(mode) = shared_bits(&meta) {
        return Err(FileError::Shared {
            path: shown(),
            mode,
        });
    }
    if meta.len() > limit {
        return Err(FileError::TooLarge {
            path: shown(),
            limit,
        });
    }
    let mut bytes = zeroize::Zeroizing::new(Vec::new());
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error(path, "read"))?;
    if bytes.len() as u64 > limit {
        return Err(FileError::TooLarge {
            path: shown(),
            limit,
        });
    }
    Ok(Some(bytes))
}

/// Reads a private TOML file (see [`read_private`]); a missing file is
/// `T::default()`. Parse errors give only the line: the parser's own
/// message may quote a value, and values here are secret.
pub fn read_private_toml<T: DeserializeOwned + Default>(path: &Path) -> Result<T, FileError> {
    let Some(bytes) = read_private(path, MAX_PRIVATE_TOML)? else {
        return Ok(T::default());
    };
    let text = std::str::from_utf8(&bytes).map_err(|_| FileError::Damaged {
        path: path.display().to_string(),
        reason: "it is not UTF-8 text".to_owned(),
    })?;
    toml::from_str(text).map_err(|e| FileError::Damaged {
        path: path.display().to_string(),
        reason: match e.span() {
            Some(span) => format!("it is not valid near line {}", line_of(text, span.start)),
            None => "it is not valid".to_owned(),
        },
    })
}

/// Changes a private TOML file under its lock: `change` sees the current
/// contents and says whether it changed them; only then is the file
/// rewritten (atomically, mode 0600, as `durability` says).
pub fn update_private_toml<T, R>(
    path: &Path,
    durability: Durability,
    change: impl FnOnce(&mut T) -> (bool, R),
) -> Result<R, FileError>
where
    T: DeserializeOwned + Serialize + Default,
{
    ensure_private_dir(parent_or_dot(path)).map_err(io_error(path, "use the directory of"))?;
    let lock = Lock::for_file(path).map_err(io_error(path, "lock"))?;
    let mut contents: T = read_private_toml(path)?;
    let (changed, result) = change(&mut contents);
    if changed {
        let text = zeroize::Zeroizing::new(toml::to_string(&contents).map_err(|e| {
            FileError::Damaged {
                path: path.display().to_string(),
                reason: format!("it could not be written ({e})"),
            }
        })?);
        replace(path, 0o600, &lock, durability, &mut |f| {
            f.write_all(text.as_bytes())
        })
        .map_err(io_error(path, "write"))?;
    }
    Ok(result)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_private_group_has_the_owner_alone() {
        let passwd = "root:x:0:0::/root:/bin/sh\njdoe:x:1000:1000::/home/jdoe:/bin/sh\nanna:x:1001:1001::/home/anna:/bin/sh\nguest:x:1002:100::/:/bin/sh\n";
        let group = "root:x:0:\njdoe:x:1000:\nanna:x:1001:anna\nusers:x:100:\nteam:x:2000:jdoe,anna\nself:x:2001:jdoe\n";
        let cases = [
            (1000, 1000, true, "the user's own group, no members listed"),
            (1001, 1001, true, "listing only its owner"),
            (1000, 2000, false, "a team"),
            (1000, 2001, false, "not the user's primary group"),
            (1002, 100, true, "a primary group nobody else has"),
            (1000, 1001, false, "another user's group"),
            (1000, 3000, false, "a group /etc/group does not know"),
            (4000, 1000, false, "an owner /etc/passwd does not know"),
        ];
        for (uid, gid, want, what) in cases {
            assert_eq!(private_group_in(passwd, group, uid, gid), want, "{what}");
        }
        // Another user whose primary group it is: shared.
        let shared = format!("{passwd}jdoe2:x:1003:1000::/:/bin/sh\n");
        assert!(!private_group_in(&shared, group, 1000, 1000));
        // Users from NIS might have it too.
        let nis = format!("{passwd}+::::::\n");
        assert!(!private_group_in(&nis, group, 1000, 1000));
        // A second line for the gid that lists someone else.
        let twice = format!("{group}jdoe:x:1000:anna\n");
        assert!(!private_group_in(passwd, &twice, 1000, 1000));
    }

    #[test]
    fn writes_replace_whole_files_with_the_mode_asked_and_leave_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("state.toml");
        fs::write(dir.path().join(".state.toml.tmp.99999"), "stale").unwrap();
        let lock = Lock::for_file(&target).unwrap();
        replace(&target, 0o600, &lock, Durability::Durable, &mut |f| {
            f.write_all(b"one")
        })
        .unwrap();
        replace(&target, 0o600, &lock, Durability::Durable, &mut |f| {
            f.write_all(b"two")
        })
        .unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "two");
        let mode = fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // Not forced to disk: into a free name by a rename, over the old
        // file by an exchange; either way the old one is gone, and a reader
        // holding it open still reads it whole.
        let held = File::open(&target).unwrap();
        replace(&target, 0o600, &lock, Durability::Light, &mut |f| {
            f.write_all(b"three")
        })
        .unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "three");
        assert_eq!(io::read_to_string(held).unwrap(), "two");
        let light = dir.path().join("index");
        replace(&light, 0o600, &lock, Durability::Light, &mut |f| {
            f.write_all(b"first")
        })
        .unwrap();
        assert_eq!(fs::read_to_string(&light).unwrap(), "first");
        // A directory in the way is refused, as a rename refuses it.
        let in_the_way = dir.path().join("taken");
        fs::create_dir(&in_the_way).unwrap();
        assert!(
            replace(&in_the_way, 0o600, &lock, Durability::Light, &mut |f| f
                .write_all(b"x"))
            .is_err()
        );
        assert!(in_the_way.is_dir());
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| n.contains(".tmp.")), "{names:?}");
    }

    #[test]
    fn only_the_helpers_own_directories_are_closed() {
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let own = dir.path().join("git-credential-bitbucket");
        let other = dir.path().join("home");
        for d in [&own, &other] {
            fs::create_dir(d).unwrap();
            set_mode(d, 0o755).unwrap();
            ensure_private_dir(d).unwrap();
        }
        assert_eq!(mode(&own), 0o700);
        assert_eq!(
            mode(&other),
            0o755,
            "a directory that is not the helper's keeps its mode"
        );
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
