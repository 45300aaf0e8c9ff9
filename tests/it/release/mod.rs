//! The release files installed as users install them: the archive through
//! `contrib/ci/install.sh`, the `.deb` with dpkg in a fresh Debian root.
//! They read `GCB_TEST_RELEASE_DIR` and `GCB_TEST_DEBIAN_ROOT`.

mod archive;
mod debian;
