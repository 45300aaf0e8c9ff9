#!/usr/bin/env bash
# Runs the tests that start no server, as an ordinary user: the unit
# tables, the protocol suite, the hostile-request table and the robustness
# suite (all but its one test that clones through the stand-in). Run as
# root, it drops to the user named by $1 (default: nobody), which shows that
# none of them needs root; run as anyone else, it runs them as that user.
set -euo pipefail
cd "$(dirname "$0")/.."

user=${1:-nobody}
needs_server=trace_logging_never_shows_a_secret_and_only_the_store_holds_it

as_user=()
if [ "$(id -u)" = 0 ]; then
    as_user=(setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups
             env -i PATH=/usr/local/bin:/usr/bin:/bin LANG=C HOME=/nonexistent)
    # The test executables must be reachable by that user; when the
    # checkout is not (a home directory of mode 0700), build them elsewhere.
    if ! "${as_user[@]}" test -r Cargo.toml 2>/dev/null; then
        CARGO_TARGET_DIR=$(mktemp -d)
        chmod 755 "$CARGO_TARGET_DIR"
        export CARGO_TARGET_DIR
    fi
fi

mapfile -t executables < <(
    cargo test --locked --no-run --lib --test helper_protocol --test hostile --test robustness \
        --message-format=json 2>/dev/null |
        grep '"reason":"compiler-artifact"' | grep '"profile":{[^}]*"test":true' |
        sed -n 's/.*"executable":"\([^"]*\)".*/\1/p'
)
if [ ${#executables[@]} -ne 4 ]; then
    echo "expected 4 test executables, found ${#executables[@]}" >&2
    exit 1
fi
cd /tmp
for exe in "${executables[@]}"; do
    echo "== $(basename "$exe") as $(if [ ${#as_user[@]} -gt 0 ]; then echo "$user"; else id -un; fi)"
    "${as_user[@]}" "$exe" -q --skip "$needs_server"
done
