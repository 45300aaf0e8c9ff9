#!/usr/bin/env bash
# Benchmark: git-credential-bitbucket against git's git-credential-store in
# every layout contrib/bench/bench.rs lists (get at 1 and 10,000 entries in
# two layouts, the first get after a hand edit, store and erase, git
# credential fill through git); prints times, ratios and peak memory for the
# ordinary release build (what `cargo install` makes) and the static build
# (contrib/build-static.sh, what contrib/ci/install.sh makes).
# Usage: contrib/bench/run.sh [--runs N] [--warmup N] [--only WORD]
# Needs: cargo, git, and /usr/bin/time (Debian package `time`) for memory.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --locked --quiet
static=$(contrib/build-static.sh --quiet)
# Peak memory counts the executable's pages as mapped, and a file written
# moments ago can sit in the page cache in larger pieces than one read from
# disk: as root, the cache is emptied first, so every build is mapped alike.
if [ "$(id -u)" = 0 ]; then
    sync
    echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
fi
# `true`, a dynamically linked program that does nothing, is timed beside
# them: no dynamically linked helper can start faster.
cargo run --release --locked --quiet --example bench -- \
    --helper "helper (release build)=target/release/git-credential-bitbucket" \
    --helper "helper (static build)=$static" --floor "$(type -P true)" "$@"
if [ -r /proc/cpuinfo ]; then
    echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores, $(uname -sr)"
fi
