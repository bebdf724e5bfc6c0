#!/bin/sh
# Installs the Debian packages pokja-sync needs to build and test, when any is missing.
# Run as root (make check / make demo call it); as another user it prints what to install.
set -eu
need="build-essential pkg-config liblmdb-dev libnng-dev libmsgpack-dev libsodium-dev
libjansson-dev libcmocka-dev lmdb-utils python3"
# clang's libFuzzer runtime, for the bounded fuzz runs in make check.
need="$need clang libclang-rt-dev clang-format"
# make install's checks: systemd-analyze verify of the unit, sysusers/tmpfiles, man page lint.
need="$need systemd groff-base man-db"
# A daemon run with its wall clock moved (libfaketime), for the clock tests.
need="$need libfaketime"
# make deb and its test (tests/cli/test_deb.sh): the Debian package tools and lintian.
need="$need debhelper dpkg-dev fakeroot lintian"
# The PostgreSQL mirror: libpq to build pokjad, a server for its test (tests/cli/test_pgmirror.sh).
need="$need libpq-dev postgresql"
# zstd compression of what crosses a link (proto/compress.c).
need="$need libzstd-dev"
# xlsx workbooks (cli/xlsx.c), and reading them back in the tests (tests/cli/test_spreadsheet.sh).
need="$need libxlsxwriter-dev python3-openpyxl"
# msgfmt (the Indonesian message catalog, cli/po/id.po, built by make all), xgettext and msgmerge
# (make pot).
need="$need gettext"
# The C library's own messages (strerror: "Tidak ada berkas atau direktori seperti itu") in
# Indonesian, inside pokjactl's.
need="$need libc-l10n"
# The openssl command, which `pokjactl web cert` runs to make the web application's HTTPS
# certificate (also a Depends of the .deb), and which tests/cli/test_web_tls.sh reads it with.
need="$need openssl"
# The web application in a browser (tests/web/test_web.py, run by tests/cli/test_web.sh): headless
# chromium through chromedriver, driven by Debian's python3-selenium.
need="$need chromium chromium-driver python3-selenium"
missing=""
for p in $need; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: run as root: apt-get install$missing" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
