#!/usr/bin/env bash
# Prints the Debian package's copyright file (DEP-5) for the static Linux
# executable built for TARGET: this project's licence, and every licence
# of what the executable carries — the GNU C Library and libdbus linked
# in statically, the Rust standard library, and the crates cargo builds
# into it (listed from `cargo tree`, so the file follows Cargo.lock).
# Usage: contrib/packaging/debian/copyright.sh TARGET
set -euo pipefail
cd "$(dirname "$0")/../../.."
target=${1:?usage: copyright.sh TARGET}
name=git-credential-bitbucket

crates=$(cargo tree --locked -e normal --target "$target" --prefix none --format '{p}: {l}' |
    sed 's/ (\*)$//' | grep -v "^$name " | sort -u)

cat <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: $name
Comment: /usr/bin/$name is statically linked. Besides this project's own
 code (MIT) it carries:
 .
 - the GNU C Library, from the Debian release it was built on (LGPL-2.1+).
   This project's whole source is public, so the executable can be
   rebuilt (relinked) against a modified C library with
   contrib/build-static.sh, as the LGPL's section 6 asks;
 - libdbus, built from source by the libdbus-sys crate (AFL-2.1 or
   GPL-2+);
 - the Rust standard library (MIT or Apache-2.0);
 - these Rust crates, each under the licence expression it declares:
 .
$(printf '%s\n' "$crates" | sed 's/^/   /')

Files: *
Copyright: The $name authors
License: MIT
$(sed 's/^$/./; s/^/ /' LICENSE)

License: LGPL-2.1+
 On Debian systems, the complete text of the GNU Lesser General Public
 License version 2.1 is in /usr/share/common-licenses/LGPL-2.1.

License: GPL-2+
 On Debian systems, the complete text of the GNU General Public License
 version 2 is in /usr/share/common-licenses/GPL-2.

License: Apache-2.0
 On Debian systems, the complete text of the Apache License 2.0 is in
 /usr/share/common-licenses/Apache-2.0.

License: MPL-2.0
 On Debian systems, the complete text of the Mozilla Public License 2.0 is
 in /usr/share/common-licenses/MPL-2.0.

License: AFL-2.1, BSD-3-Clause, ISC, Unicode-3.0, Unlicense, CDLA-Permissive-2.0
 The texts of these licences are at https://spdx.org/licenses/ under
 their names; each crate also carries its own in its source.
EOF
