//! The release files installed as users install them: the archive through
//! `contrib/ci/install.sh`, the `.deb` with dpkg in a fresh Debian root.
//! The tests that need the release files read `GCB_TEST_RELEASE_DIR` and
//! `GCB_TEST_DEBIAN_ROOT`, and are ignored unless asked for (`--ignored`).

mod archive;
mod debian;
mod portable;
