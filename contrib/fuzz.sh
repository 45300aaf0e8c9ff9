#!/usr/bin/env bash
# Runs each fuzz target for a while (libFuzzer, via cargo fuzz on the
# nightly toolchain). New inputs that reach new code stay in
# fuzz/corpus/TARGET; a crash is saved in fuzz/artifacts/TARGET and ends the
# run with a non-zero status.
# Usage: contrib/fuzz.sh [SECONDS_PER_TARGET] [TARGET ...]   (default 60, all)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(protocol config remote)
command -v cargo-fuzz >/dev/null 2>&1 || cargo install --locked cargo-fuzz
for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$t"
    echo "fuzzing $t for ${seconds}s"
    cargo +nightly fuzz run "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" "fuzz/regressions/$t" -- \
        -max_total_time="$seconds" -max_len=70000 -print_final_stats=1 2>&1 |
        grep -E "^(#|Done|stat::number_of_executed_units|stat::peak_rss|==|SUMMARY|thread|panicked|assert)" | tail -8
    test "${PIPESTATUS[0]}" -eq 0
done
