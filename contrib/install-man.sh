#!/bin/sh
# Installs the man page where man (and so `git help credential-bitbucket`
# and `git credential-bitbucket --help`) finds it.
# Usage: contrib/install-man.sh [PREFIX]   (default: ~/.local; /usr/local needs root)
set -eu
prefix=${1:-$HOME/.local}
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$prefix/share/man/man1"
install -m 0644 "$here/man/git-credential-bitbucket.1" "$prefix/share/man/man1/"
echo "installed $prefix/share/man/man1/git-credential-bitbucket.1"
case ":$(manpath 2>/dev/null || true):" in
    *":$prefix/share/man:"*) ;;
    *) echo "add $prefix/share/man to MANPATH if man does not find it" ;;
esac
