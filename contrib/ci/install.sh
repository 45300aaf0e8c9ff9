#!/bin/sh
# Installs git-credential-bitbucket into a CI image and configures git
# system-wide to use it for Bitbucket Cloud (and for any Data Center URL
# given). Needs no keyring: in CI the helper takes its secrets from the
# BITBUCKET_* variables.
#
# Usage: install.sh [--binary PATH] [--prefix DIR] [DATA_CENTER_URL ...]
#   --binary PATH  install this release binary instead of building one
#   --prefix DIR   install under DIR/bin and DIR/share/man (default /usr/local)
# Without --binary it builds from the source tree this script sits in
# (statically on Linux with glibc, else with cargo install --locked).
# git's system configuration is the file git itself uses: /etc/gitconfig,
# or $GIT_CONFIG_SYSTEM when that is set.
set -eu

prefix=/usr/local
binary=
while [ $# -gt 0 ]; do
    case "$1" in
        --binary) binary=$2; shift 2 ;;
        --prefix) prefix=$2; shift 2 ;;
        -h|--help) sed -n '2,14s/^# \{0,1\}//p' "$0"; exit 0 ;;
        --) shift; break ;;
        -*) echo "install.sh: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
done

here=$(cd "$(dirname "$0")" && pwd)
source_tree=$(cd "$here/../.." && pwd)

if [ -z "$binary" ]; then
    if [ ! -f "$source_tree/Cargo.toml" ]; then
        echo "install.sh: no --binary given and no source tree at $source_tree" >&2
        exit 1
    fi
    case "$(rustc -vV | sed -n 's/^host: //p')" in
        *-linux-gnu) binary="$source_tree/$("$source_tree/contrib/build-static.sh")" ;;
        *)
            cargo install --locked --root "$prefix" --path "$source_tree"
            binary="$prefix/bin/git-credential-bitbucket"
            ;;
    esac
fi

mkdir -p "$prefix/bin"
if [ "$binary" != "$prefix/bin/git-credential-bitbucket" ]; then
    install -m 0755 "$binary" "$prefix/bin/git-credential-bitbucket"
fi
if [ -f "$source_tree/man/git-credential-bitbucket.1" ]; then
    mkdir -p "$prefix/share/man/man1"
    install -m 0644 "$source_tree/man/git-credential-bitbucket.1" "$prefix/share/man/man1/"
fi

helper="$prefix/bin/git-credential-bitbucket"
"$helper" setup --system https://bitbucket.org
"$helper" setup --system https://api.bitbucket.org
for url in "$@"; do
    "$helper" setup --system "$url"
done
"$helper" --version
