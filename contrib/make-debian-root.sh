#!/usr/bin/env bash
# Makes a minimal Debian root with git in DIR (for the package test): this
# machine's Debian release, from the package mirror its apt sources name,
# read at run time. Needs root and debootstrap.
# Usage: contrib/make-debian-root.sh DIR
set -euo pipefail
dir=${1:?usage: contrib/make-debian-root.sh DIR}
# shellcheck source=/dev/null
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:?this is not a Debian release with a codename}")

# The first mirror whose sources list this suite: deb822 files
# (sources.list.d/*.sources), then one-line lists.
mirror=$(
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && awk -v suite="$suite" '
            BEGIN { RS = ""; FS = "\n" }
            {
                uris = ""; ok = 0; deb = 0
                for (i = 1; i <= NF; i++) {
                    if ($i ~ /^URIs:/) { uris = $i; sub(/^URIs:[ \t]*/, "", uris) }
                    if ($i ~ /^Types:/ && $i ~ /(^|[ \t])deb([ \t]|$)/) deb = 1
                    if ($i ~ /^Suites:/) {
                        n = split(substr($i, 8), s, /[ \t]+/)
                        for (j = 1; j <= n; j++) if (s[j] == suite) ok = 1
                    }
                }
                if (ok && deb && uris != "") { split(uris, u, /[ \t]+/); print u[1] }
            }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] && awk -v suite="$suite" '$1 == "deb" {
            i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
            if ($(i + 1) == suite) print $i }' "$f"
    done
    true
)
mirror=$(printf '%s\n' "$mirror" | sed -n '/./{p;q}')
if [ -z "$mirror" ]; then
    echo "make-debian-root.sh: no apt source for $suite found in /etc/apt" >&2
    exit 1
fi
debootstrap --variant=minbase --include=git,ca-certificates "$suite" "$dir" "$mirror" >&2
