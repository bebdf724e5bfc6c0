#!/bin/sh
# build-deb.sh: builds the Debian package pokja-sync_VERSION_ARCH.deb (debian/, debhelper) from
# a copy of this source tree, so that the tree itself is not touched: dpkg-buildpackage writes
# into debian/ and puts the .deb in the folder above the sources.
#
#	sh deploy/build-deb.sh OUTDIR       (make deb: OUTDIR is build/deb)
#
# OUTDIR/src is the copy (every file but .git, build/ and build-*/; removed after a successful
# build), OUTDIR/build.log the build's output, and OUTDIR gets the .deb (and the -dbgsym .deb
# with its debug symbols) and the .buildinfo and .changes. The version is
# proto/version.h's PK_VERSION, which must be debian/changelog's too. DEB_BUILD_OPTIONS from the
# environment is used (e.g. parallel=2); the package's own test step is empty (see debian/rules).
# Needs dpkg-dev, debhelper and the -dev packages of debian/control (deploy/install-deps.sh).
set -eu
[ $# -eq 1 ] || {
	echo "usage: sh deploy/build-deb.sh OUTDIR" >&2
	exit 2
}
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
for c in dpkg-buildpackage dh; do
	command -v "$c" >/dev/null 2>&1 || {
		echo "build-deb: $c is missing: install dpkg-dev and debhelper (sh deploy/install-deps.sh)" >&2
		exit 1
	}
done

version=$(sed -n 's/^#define PK_VERSION "\(.*\)"$/\1/p' "$top/proto/version.h")
changelog=$(cd "$top" && dpkg-parsechangelog -S Version)
if [ -z "$version" ] || [ "$version" != "$changelog" ]; then
	echo "build-deb: proto/version.h says '$version' but debian/changelog says '$changelog':" \
		"add a changelog entry for the new version (dch -v $version) or fix PK_VERSION" >&2
	exit 1
fi

rm -rf "$out/src" "$out"/pokja-sync_*
mkdir "$out/src"
(cd "$top" && tar -c --exclude=./.git --exclude=./build --exclude='./build-*' \
	--exclude=./debian/.debhelper --exclude=./debian/pokja-sync --exclude=./debian/files \
	--exclude='./debian/*.substvars' --exclude='./debian/*.debhelper*' --exclude=./debian/tmp \
	--exclude=./debian/debhelper-build-stamp .) |
	(cd "$out/src" && tar -x)

# -b: the binary package only (no source package: the sources are this repository); -us -uc:
# unsigned. Its output goes to build.log, shown when it fails. An outer make's MAKEFLAGS (its
# jobserver, its variables) are not handed down.
if ! (cd "$out/src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL dpkg-buildpackage -b -us -uc) \
	>"$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" >&2
	echo "build-deb: dpkg-buildpackage failed; the whole output is in $out/build.log" >&2
	exit 1
fi
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb=$out/pokja-sync_${version}_$arch.deb
[ -f "$deb" ] || {
	echo "build-deb: dpkg-buildpackage made no $deb (see $out/build.log)" >&2
	exit 1
}
rm -rf "$out/src"
echo "$deb"
