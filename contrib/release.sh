#!/usr/bin/env bash
# Builds the release files for this platform into dist/:
#   git-credential-bitbucket-VERSION-TARGET.tar.gz  the static binary, the
#       man page, the three completion files, README.md and LICENSE
#   git-credential-bitbucket_VERSION_ARCH.deb       (Linux) the same, where
#       Debian puts them; Depends: git (>= 1:2.39); changes no git
#       configuration, and says on removal how to undo setup --system
#   SHA256SUMS                                      both files' checksums
#
# The same commit gives the same bytes, wherever the tree and cargo's
# caches sit: SOURCE_DATE_EPOCH is the commit's time (or what the caller
# set), build paths are remapped in Rust and C code alike, and the archives
# are written in name order with numeric owners and fixed times.
#
# The .deb is made with dpkg-deb, which every Debian system has and which
# honours SOURCE_DATE_EPOCH: the package is a few files in fixed places, so
# a packaging tool that must itself be compiled first (cargo-deb) would add
# minutes to every release build and nothing to the package.
#
# Usage: contrib/release.sh [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

out=dist
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out=$2; shift 2 ;;
        -h|--help) sed -n '2,19s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) echo "release.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

name=git-credential-bitbucket
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
target=$(rustc -vV | sed -n 's/^host: //p')
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
    SOURCE_DATE_EPOCH=$(git -C "$root" log -1 --format=%ct 2>/dev/null || true)
fi
if [ -z "$SOURCE_DATE_EPOCH" ]; then
    echo "release.sh: not a git checkout; set SOURCE_DATE_EPOCH to the release's time (seconds since 1970)" >&2
    exit 1
fi
export SOURCE_DATE_EPOCH
export TZ=UTC LC_ALL=C

# Paths that would otherwise end up in the binary (panic locations, C
# assertions): this tree, cargo's home (dependency sources) and the target
# directory (generated sources).
cargo_home=${CARGO_HOME:-$HOME/.cargo}
target_dir=${CARGO_TARGET_DIR:-$root/target}
remap="--remap-path-prefix=$root=/build/$name --remap-path-prefix=$cargo_home=/cargo --remap-path-prefix=$target_dir=/target"
prefix_map="-ffile-prefix-map=$root=/build/$name -ffile-prefix-map=$cargo_home=/cargo -ffile-prefix-map=$target_dir=/target"
export RUSTFLAGS="${RUSTFLAGS:-} $remap"
export CFLAGS="${CFLAGS:-} $prefix_map"

exe=
case "$target" in
    *-windows-*) exe=.exe ;;
esac
case "$target" in
    *-linux-gnu) binary=$(contrib/build-static.sh) ;;
    *)
        cargo build --release --locked >&2
        binary=target/release/$name$exe
        ;;
esac
# GNU tar (gtar where the system's tar is another: macOS).
tar=$(command -v gtar || command -v tar)
sha256() {
    if command -v sha256sum >/dev/null 2>&1; then sha256sum "$@"; else shasum -a 256 "$@"; fi
}
case "$binary" in /*) ;; *) binary="$target_dir/${binary#target/}" ;; esac

mkdir -p "$out"
out=$(cd "$out" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# Every file the same mode, whatever the umask and checkout (the archives
# set the times).
normalise() {
    find "$1" -type d -exec chmod 0755 {} +
    find "$1" -type f -exec chmod 0644 {} +
    chmod 0755 "$2"
}

# The archive.
dir="$name-$version-$target"
mkdir -p "$stage/$dir/man" "$stage/$dir/completions"
cp "$binary" "$stage/$dir/$name$exe"
cp man/$name.1 "$stage/$dir/man/"
cp contrib/completions/$name.bash contrib/completions/_$name contrib/completions/$name.fish "$stage/$dir/completions/"
cp README.md LICENSE "$stage/$dir/"
normalise "$stage/$dir" "$stage/$dir/$name$exe"
tarball="$dir.tar.gz"
"$tar" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
    --format=gnu -C "$stage" -cf - "$dir" | gzip -n -9 > "$out/$tarball"
files=("$tarball")

# The Debian package.
if [ "$(uname -s)" = Linux ] && command -v dpkg-deb >/dev/null 2>&1; then
    case "$target" in
        x86_64-*) arch=amd64 ;;
        aarch64-*) arch=arm64 ;;
        *) arch=$(dpkg --print-architecture) ;;
    esac
    pkg="$stage/deb"
    mkdir -p "$pkg/DEBIAN" "$pkg/usr/bin" "$pkg/usr/share/man/man1" \
        "$pkg/usr/share/bash-completion/completions" "$pkg/usr/share/zsh/vendor-completions" \
        "$pkg/usr/share/fish/vendor_completions.d" "$pkg/usr/share/doc/$name"
    cp "$binary" "$pkg/usr/bin/$name"
    gzip -n -9 -c man/$name.1 > "$pkg/usr/share/man/man1/$name.1.gz"
    # bash-completion loads this file for `git-credential-bitbucket`, and
    # git's completion loads it (by the same name) for `git
    # credential-bitbucket`.
    cp contrib/completions/$name.bash "$pkg/usr/share/bash-completion/completions/$name"
    cp contrib/completions/_$name "$pkg/usr/share/zsh/vendor-completions/"
    cp contrib/completions/$name.fish "$pkg/usr/share/fish/vendor_completions.d/"
    gzip -n -9 -c README.md > "$pkg/usr/share/doc/$name/README.md.gz"
    maintainer="The $name authors <maintainers@$name.invalid>"
    {
        echo "$name ($version) unstable; urgency=medium"
        echo
        echo "  * Release $version; what changed is in the project's history."
        echo
        echo " -- $maintainer  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
    } | gzip -n -9 > "$pkg/usr/share/doc/$name/changelog.gz"
    contrib/packaging/debian/copyright.sh "$target" > "$pkg/usr/share/doc/$name/copyright"
    # Static on purpose (see the README's install section); lintian's
    # rule is for libraries Debian would rather share.
    mkdir -p "$pkg/usr/share/lintian/overrides"
    echo "$name: statically-linked-binary [usr/bin/$name]" > "$pkg/usr/share/lintian/overrides/$name"
    cp contrib/packaging/debian/postrm "$pkg/DEBIAN/postrm"
    size=$(du -k -s "$pkg/usr" | cut -f1)
    cat > "$pkg/DEBIAN/control" <<EOF
Package: $name
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: git (>= 1:2.39)
Section: vcs
Priority: optional
Description: git credential helper for Bitbucket Cloud and Data Center
 git runs it for each HTTPS Bitbucket remote; it hands over the one
 credential stored for that remote (API token, access token, Data Center
 HTTP access token) in the form Bitbucket accepts for that kind and that
 endpoint. Installing it changes no git configuration: run
 "git-credential-bitbucket setup --system" (or "setup" per user).
EOF
    normalise "$pkg" "$pkg/usr/bin/$name"
    chmod 0755 "$pkg/DEBIAN/postrm"
    (cd "$pkg" && find usr -type f | sort | xargs md5sum) > "$pkg/DEBIAN/md5sums"
    chmod 0644 "$pkg/DEBIAN/md5sums"
    find "$pkg" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
    deb="${name}_${version}_${arch}.deb"
    dpkg-deb --root-owner-group -Zxz --build "$pkg" "$out/$deb" >&2
    files+=("$deb")
fi

(cd "$out" && sha256 "${files[@]}" > SHA256SUMS)
for f in "${files[@]}" SHA256SUMS; do
    echo "$out/$f"
done
