#!/usr/bin/env bash
# Makes a minimal Debian root with git in DIR (for the package and
# portability tests): SUITE (default: this machine's Debian release), from
# the package mirror this machine's apt sources name for its own release,
# read at run time, with PACKAGES added. Needs root and debootstrap.
# Usage: contrib/make-debian-root.sh DIR [SUITE [PACKAGES...]]
set -euo pipefail
dir=${1:?usage: contrib/make-debian-root.sh DIR [SUITE [PACKAGES...]]}
# shellcheck source=/dev/null
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:?this is not a Debian release with a codename}")
want=${2:-$suite}
shift $(($# < 2 ? $# : 2))

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
debootstrap --variant=minbase --include=git,ca-certificates "$want" "$dir" "$mirror" >&2
# The extra packages with apt inside the root, which follows their
# dependencies (debootstrap's --include does not), in a private mount
# namespace with /proc for their maintainer scripts; no service starts.
if [ $# -gt 0 ]; then
    printf '#!/bin/sh\nexit 101\n' > "$dir/usr/sbin/policy-rc.d"
    chmod 755 "$dir/usr/sbin/policy-rc.d"
    # shellcheck disable=SC2016 # expanded by the inner shell
    unshare --mount --propagation private sh -c '
        root=$1; shift
        mount -t proc proc "$root/proc"
        chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
            sh -c "apt-get update -q && apt-get install -y -q --no-install-recommends \"\$@\"" sh "$@"
    ' sh "$dir" "$@" >&2
    rm -f "$dir/usr/sbin/policy-rc.d"
fi
