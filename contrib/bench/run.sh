#!/usr/bin/env bash
# Benchmark: git-credential-bitbucket get vs git's git-credential-store get,
# at 1 and 10,000 entries; prints times, ratios and peak memory.
# Usage: contrib/bench/run.sh [--runs N] [--warmup N]
# Needs: cargo, git, and /usr/bin/time (Debian package `time`) for memory.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --locked --quiet
cargo run --release --locked --quiet --example bench_get -- --helper target/release/git-credential-bitbucket "$@"
if [ -r /proc/cpuinfo ]; then
    echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores, $(uname -sr)"
fi
