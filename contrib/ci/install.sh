#!/bin/sh
# Installs git-credential-bitbucket into a CI image and configures git
# system-wide to use it for Bitbucket Cloud (and for any Data Center URL
# given). Needs no keyring: in CI the helper takes its secrets from the
# BITBUCKET_* variables.
#
# Usage: install.sh [--archive FILE|URL [--sha256 HEX]] [--binary PATH]
#                   [--prefix DIR] [DATA_CENTER_URL ...]
#   --archive A   install from a release archive (a file, or an https URL
#                 fetched with curl or wget, following redirects only to
#                 https); it is checked against --sha256, or else against
#                 the SHA256SUMS beside it (which comes from the same place,
#                 so --sha256 from a source you trust is the stronger
#                 check), and only its regular files are unpacked
#   --binary PATH install this binary instead
#   --prefix DIR  install under DIR/bin and DIR/share (default /usr/local)
# With neither, it builds from the source tree this script sits in
# (statically on Linux with glibc, else with cargo install --locked).
# git's system configuration is the file git itself uses: /etc/gitconfig,
# or $GIT_CONFIG_SYSTEM when that is set.
set -eu

name=git-credential-bitbucket
prefix=/usr/local
binary=
archive=
sha256=
while [ $# -gt 0 ]; do
    case "$1" in
        --archive) archive=$2; shift 2 ;;
        --sha256) sha256=$2; shift 2 ;;
        --binary) binary=$2; shift 2 ;;
        --prefix) prefix=$2; shift 2 ;;
        -h|--help) sed -n '2,17s/^# \{0,1\}//p' "$0"; exit 0 ;;
        --) shift; break ;;
        -*) echo "install.sh: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
done

here=$(cd "$(dirname "$0")" && pwd)
source_tree=$(cd "$here/../.." && pwd)
man_page="$source_tree/man/$name.1"
completions="$source_tree/contrib/completions"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Fetches the https URL $1 into $2 with wget, which has no way to keep
# its redirects on https: each redirect is followed here, and one that
# leaves https is refused.
wget_https() {
    url=$1
    hops=0
    while :; do
        if headers=$(wget -q --max-redirect=0 --server-response -O "$2" "$url" 2>&1); then
            return 0
        fi
        location=$(printf '%s\n' "$headers" | sed -n 's/^ *[Ll]ocation: *//p' | tr -d '\r' | tail -n 1)
        if [ -z "$location" ]; then
            echo "install.sh: could not fetch $url" >&2
            exit 1
        fi
        case "$location" in
            https://*) url=$location ;;
            /*) url=$(printf '%s' "$url" | sed 's|^\(https://[^/]*\).*|\1|')$location ;;
            *) echo "install.sh: $url redirects to $location, which is not https; nothing was fetched from there" >&2; exit 1 ;;
        esac
        hops=$((hops + 1))
        if [ "$hops" -gt 5 ]; then
            echo "install.sh: $1 redirects more than 5 times" >&2
            exit 1
        fi
    done
}

# Copies FILE|URL to DEST.
fetch() {
    case "$1" in
        https://*)
            if command -v curl >/dev/null 2>&1; then
                curl --fail --silent --show-error --location --proto '=https' --proto-redir '=https' -o "$2" "$1"
            elif command -v wget >/dev/null 2>&1; then
                wget_https "$1" "$2"
            else
                echo "install.sh: fetching $1 needs curl or wget" >&2
                exit 1
            fi
            ;;
        *://*) echo "install.sh: only https URLs are fetched, not $1" >&2; exit 1 ;;
        *) cp "$1" "$2" ;;
    esac
}

if [ -n "$archive" ]; then
    file=${archive##*/}
    case "$file" in
        "$name"-*.tar.gz) ;;
        *) echo "install.sh: $file is not a release archive ($name-VERSION-TARGET.tar.gz)" >&2; exit 1 ;;
    esac
    fetch "$archive" "$work/$file"
    if [ -z "$sha256" ]; then
        case "$archive" in
            */*) beside=${archive%/*} ;;
            *) beside=. ;;
        esac
        echo "install.sh: checking $file against the SHA256SUMS beside it, which comes from the same place; pass --sha256 HEX from a source you trust for a check that does not" >&2
        fetch "$beside/SHA256SUMS" "$work/SHA256SUMS"
        sha256=$(awk -v f="$file" '$2 == f || $2 == "*" f { print $1 }' "$work/SHA256SUMS")
        if [ -z "$sha256" ]; then
            echo "install.sh: SHA256SUMS beside the archive does not list $file" >&2
            exit 1
        fi
    fi
    actual=$(sha256sum "$work/$file" | cut -d ' ' -f 1)
    if [ "$actual" != "$sha256" ]; then
        echo "install.sh: $file does not match its checksum (expected $sha256, got $actual); nothing was installed" >&2
        exit 1
    fi
    # Only directories and regular files are unpacked: a link (symbolic or
    # hard) could make the copy below read a file outside the archive.
    odd=$(tar -tvzf "$work/$file" | awk '$1 !~ /^[-d]/ { print $NF }' | head -n 1)
    if [ -n "$odd" ]; then
        echo "install.sh: $file holds $odd, which is not a regular file or directory; nothing was installed" >&2
        exit 1
    fi
    outside=$(tar -tzf "$work/$file" | grep -E '^/|(^|/)\.\.(/|$)' | head -n 1 || true)
    if [ -n "$outside" ]; then
        echo "install.sh: $file holds $outside, a path that leaves the archive; nothing was installed" >&2
        exit 1
    fi
    mkdir "$work/unpacked"
    tar -xzf "$work/$file" -C "$work/unpacked" --no-same-owner --no-same-permissions
    unpacked="$work/unpacked/${file%.tar.gz}"
    binary="$unpacked/$name"
    if [ ! -f "$binary" ] || [ -L "$binary" ]; then
        echo "install.sh: $file holds no regular file $name; nothing was installed" >&2
        exit 1
    fi
    man_page="$unpacked/man/$name.1"
    completions="$unpacked/completions"
elif [ -z "$binary" ]; then
    if [ ! -f "$source_tree/Cargo.toml" ]; then
        echo "install.sh: no --archive or --binary given and no source tree at $source_tree" >&2
        exit 1
    fi
    case "$(rustc -vV | sed -n 's/^host: //p')" in
        *-linux-gnu) binary="$source_tree/$("$source_tree/contrib/build-static.sh")" ;;
        *)
            cargo install --locked --root "$prefix" --path "$source_tree"
            binary="$prefix/bin/$name"
            ;;
    esac
fi

mkdir -p "$prefix/bin"
if [ "$binary" != "$prefix/bin/$name" ]; then
    install -m 0755 "$binary" "$prefix/bin/$name"
fi
if [ -f "$man_page" ]; then
    mkdir -p "$prefix/share/man/man1"
    install -m 0644 "$man_page" "$prefix/share/man/man1/"
fi
if [ -f "$completions/$name.bash" ]; then
    mkdir -p "$prefix/share/bash-completion/completions"
    install -m 0644 "$completions/$name.bash" "$prefix/share/bash-completion/completions/$name"
fi

helper="$prefix/bin/$name"
"$helper" setup --system https://bitbucket.org
"$helper" setup --system https://api.bitbucket.org
for url in "$@"; do
    "$helper" setup --system "$url"
done
"$helper" --version
