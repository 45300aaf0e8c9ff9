//! Real clients cloning and pushing through the helper against the
//! stand-in: git (2.47, and 2.39 with `GCB_TEST_GIT=/usr/bin/git`), a
//! libgit2 program as cargo is, and git-lfs.

mod git;
mod lfs;
mod libgit2;
