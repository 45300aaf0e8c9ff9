#!/usr/bin/env bash
# Runs the tests that start no server, as an ordinary user: the unit
# tables, and the modules of the integration binary that need no server —
# protocol, hostile and robustness. Run as root, it drops to the user named
# by $1 (default: nobody), which shows that none of them needs root; run as
# anyone else, it runs them as that user.
set -euo pipefail
cd "$(dirname "$0")/.."

user=${1:-nobody}
serverless=(protocol:: hostile:: robustness::)

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

executable() {
    cargo test --locked --no-run "$@" --message-format=json 2>/dev/null |
        grep '"reason":"compiler-artifact"' | grep '"profile":{[^}]*"test":true' |
        sed -n 's/.*"executable":"\([^"]*\)".*/\1/p'
}
unit=$(executable --lib)
it=$(executable --test it)
if [ -z "$unit" ] || [ -z "$it" ]; then
    echo "could not build the test executables" >&2
    exit 1
fi
who=$(if [ ${#as_user[@]} -gt 0 ]; then echo "$user"; else id -un; fi)
cd /tmp
echo "== unit tests as $who"
"${as_user[@]}" "$unit" -q
echo "== ${serverless[*]} as $who"
"${as_user[@]}" "$it" -q "${serverless[@]}"
