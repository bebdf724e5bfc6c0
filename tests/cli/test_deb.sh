#!/bin/sh
# The Debian package (make deb, deploy/build-deb.sh, debian/): built from a copy of the tree
# into a temporary folder (the work tree is left as it was), then checked:
#   - its name and version are proto/version.h's (pokjactl --version) and debian/changelog's;
#   - dpkg-deb -c: exactly the expected files, with their modes (binaries in /usr/bin and
#     /usr/sbin, man pages, the unit, sysusers.d and tmpfiles.d files, the docs);
#   - dpkg-deb -f: the Depends line (the shared libraries found by dpkg-shlibdeps, and
#     systemd-sysusers for the postinst, openssl for `pokjactl web cert`); the maintainer
#     scripts parse (sh -n) and have the expected debhelper snippets (the unit is not enabled
#     on installation);
#   - the unpacked files: the programs run, the unit runs /usr/sbin/pokjad, the man pages have
#     no @WORD@ and name the installed example, the docs are the tree's;
#   - lintian (--pedantic, info and experimental tags too) reports nothing but the tags
#     explained in debian/pokja-sync.lintian-overrides;
#   - installation, removal and purge with dpkg in a throwaway root ($T/root with its own dpkg
#     database): dpkg --root --force-script-chrootless runs the maintainer scripts on this
#     machine with DPKG_ROOT set, so the real systemd-sysusers, systemd-tmpfiles and
#     deb-systemd-helper act inside that root (the user pokja in its /etc/passwd, its
#     /var/lib/pokja). --force-depends: the root has none of the libraries in its database.
# Not exercised: apt-get's dependency resolution, and systemd itself (no systemd runs here, so
# the postinst's daemon-reload / deb-systemd-invoke branch, taken only when /run/systemd/system
# exists, is not run here; stand-ins for systemctl and deb-systemd-invoke on PATH record any
# call instead of touching this machine's systemd, and the test checks no systemctl call
# enables or starts pokjad). `systemctl enable --now pokjad` is left to the README's steps.
# Needs dpkg-dev, debhelper, lintian and systemd (deploy/install-deps.sh); a missing one fails
# the tests that need it, saying which package to install.
# not under sanitizers: the package is always a plain build (debian/rules sets SANITIZE=)
. tests/cli/lib.sh

need() { # COMMAND PACKAGE
	command -v "$1" >/dev/null 2>&1 && return 0
	fail "$1 is installed" "$1 is missing: install the Debian package $2 (deploy/install-deps.sh)"
	return 1
}

need dpkg-buildpackage dpkg-dev && need dh debhelper || {
	done_testing
	exit 1
}

version=$("$P" --version | sed -n 's/^pokjactl //p')
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
same "debian/changelog's version is pokjactl --version's (proto/version.h)" \
	"$(dpkg-parsechangelog -S Version)" "$version"

# ---- the build, from a copy: the work tree (tracked and untracked files) is left as it was
before=$(git status --porcelain --untracked-files=all 2>&1)
ls .. >"$T/parent.before"
D=$T/deb
ok "deploy/build-deb.sh builds the package" \
	env DEB_BUILD_OPTIONS="nocheck parallel=2" sh deploy/build-deb.sh "$D"
deb=$D/pokja-sync_${version}_$arch.deb
same "it prints the .deb it made: pokja-sync_VERSION_ARCH.deb" "$(cat "$OUT")" "$deb"
check "the .deb is there" test -f "$deb"
same "the work tree is as it was (git status)" \
	"$(git status --porcelain --untracked-files=all 2>&1)" "$before"
same "nothing is written beside the tree (no ../pokja-sync_*)" "$(ls ..)" "$(cat "$T/parent.before")"
check "the copy of the tree is removed after the build" test ! -e "$D/src"
if [ ! -f "$deb" ]; then
	done_testing
	exit 1
fi

# A changelog that disagrees with proto/version.h stops the build, saying how to fix it.
mkdir "$T/bad"
(tar -c --exclude=./.git --exclude=./build --exclude='./build-*' . | tar -x -C "$T/bad")
sed -i '1s/(.*)/(9.9)/' "$T/bad/debian/changelog"
errs "a debian/changelog version other than proto/version.h's stops the build" \
	"proto/version.h says '$version' but debian/changelog says '9.9': add a changelog entry" \
	sh "$T/bad/deploy/build-deb.sh" "$T/bad-out"
check "before anything is built" test ! -e "$T/bad-out/src"

# ---- dpkg-deb -c: every file with its mode, and nothing else
expect="-rw-r--r-- ./lib/systemd/system/pokjad.service
-rwxr-xr-x ./usr/bin/pokjactl
-rw-r--r-- ./usr/lib/sysusers.d/pokja-sync.conf
-rw-r--r-- ./usr/lib/tmpfiles.d/pokja-sync.conf
-rwxr-xr-x ./usr/sbin/pokjad
-rw-r--r-- ./usr/share/doc/pokja-sync/README.md.gz
-rw-r--r-- ./usr/share/doc/pokja-sync/SPEC.md.gz
-rw-r--r-- ./usr/share/doc/pokja-sync/changelog.gz
-rw-r--r-- ./usr/share/doc/pokja-sync/copyright
-rw-r--r-- ./usr/share/doc/pokja-sync/pokjad.conf.example
-rw-r--r-- ./usr/share/doc/pokja-sync/wilayah/LICENSE.md.gz
-rw-r--r-- ./usr/share/doc/pokja-sync/wilayah/SOURCE.md
-rw-r--r-- ./usr/share/lintian/overrides/pokja-sync
-rw-r--r-- ./usr/share/locale/id/LC_MESSAGES/pokja-sync.mo
-rw-r--r-- ./usr/share/man/man1/pokjactl.1.gz
-rw-r--r-- ./usr/share/man/man8/pokjad.8.gz"
ok "dpkg-deb -c lists the package" dpkg-deb -c "$deb"
same "dpkg-deb -c: exactly these files, with these modes" \
	"$(awk '$1 !~ /^d/ { print $1, $6 }' "$OUT" | sort -k2)" "$expect"
same "every file and folder is owned by root" "$(awk '$2 != "root/root"' "$OUT")" ""

# ---- dpkg-deb -I / -f: the control fields and the maintainer scripts
ok "dpkg-deb -I shows the control file" dpkg-deb -I "$deb"
stdout_has "Package: pokja-sync" "^ Package: pokja-sync$"
stdout_has "Version: $version" "^ Version: $version$"
stdout_has "Architecture: $arch" "^ Architecture: $arch$"
stdout_has "it has a postinst" " postinst .*#!/bin/sh"
stdout_has "a prerm" " prerm .*#!/bin/sh"
stdout_has "a postrm" " postrm .*#!/bin/sh"
depends=$(dpkg-deb -f "$deb" Depends)
n=0
for d in "libc6 (>= " "liblmdb0 (>= " "libnng1 (>= 1.5.2)" "libsodium23 (>= " "libjansson4 (>= " "libzstd1 (>= " "libxlsxwriter4" \
	"systemd | systemd-standalone-sysusers" "openssl"; do
	n=$((n + 1))
	case $depends in
	*"$d"*) pass "Depends names $d" ;;
	*) fail "Depends names $d" "Depends: $depends" ;;
	esac
done
same "Pre-Depends: none" "$(dpkg-deb -f "$deb" Pre-Depends)" ""

mkdir "$T/ctl"
dpkg-deb -e "$deb" "$T/ctl"
for s in postinst prerm postrm; do
	check "the $s parses (sh -n)" sh -n "$T/ctl/$s"
done
check "postinst creates the user pokja (systemd-sysusers)" \
	grep -q 'systemd-sysusers ${DPKG_ROOT:+--root="$DPKG_ROOT"} pokja-sync.conf' "$T/ctl/postinst"
check "postinst creates /var/lib/pokja (systemd-tmpfiles --create)" \
	grep -q 'systemd-tmpfiles .*--create pokja-sync.conf' "$T/ctl/postinst"
check "the user is made before the folder it owns" sh -c \
	'[ "$(grep -n systemd-sysusers "$1" | head -1 | cut -d: -f1)" -lt \
	   "$(grep -n systemd-tmpfiles "$1" | head -1 | cut -d: -f1)" ]' sh "$T/ctl/postinst"
check "postinst does not enable pokjad.service (only re-enables an enabled one on upgrade)" \
	sh -c '! grep -q "was-enabled defaults to true" "$1" && grep -q "debian-installed .pokjad.service" "$1"' \
	sh "$T/ctl/postinst"
check "prerm stops pokjad on removal" grep -q "deb-systemd-invoke stop 'pokjad.service'" \
	"$T/ctl/prerm"

# ---- the unpacked files
X=$T/x
ok "dpkg-deb -x unpacks it" dpkg-deb -x "$deb" "$X"
outputs "the packaged pokjactl runs: --version" "^pokjactl $version$" "$X/usr/bin/pokjactl" --version
outputs "the packaged pokjad runs: --version, the same version" "^pokjad $version$" \
	"$X/usr/sbin/pokjad" --version
outputs "the packaged pokjad runs: --help" "^usage: pokjad " "$X/usr/sbin/pokjad" --help
ok "the packaged pokjad --print-config" "$X/usr/sbin/pokjad" --dir "$T/nothing" --print-config
same "prints the packaged example's settings" "$(cat "$OUT")" \
	"$(sed '1,/^$/d' "$X/usr/share/doc/pokja-sync/pokjad.conf.example")"
# tests/run.sh exports SANITIZE and BUILD for its sanitizer phases: debian/rules overrides
# both, so the package never holds a sanitizer build.
same "the packaged programs are no sanitizer build (no libasan, libubsan, libtsan)" \
	"$(readelf -d "$X/usr/bin/pokjactl" "$X/usr/sbin/pokjad" | grep -E 'lib(a|ub|t)san')" ""
U=$X/lib/systemd/system/pokjad.service
check "the unit runs /usr/sbin/pokjad" grep -qxF "ExecStart=/usr/sbin/pokjad --dir %S/pokja" "$U"
check "and checks with it first" grep -qxF "ExecStartPre=/usr/sbin/pokjad --dir %S/pokja --check" "$U"
check "the unit is the one make install writes" sh -c \
	'sed "s|@SBINDIR@|/usr/sbin|g" deploy/pokjad.service.in | cmp - "$1"' sh "$U"
check "sysusers.d/pokja-sync.conf is deploy/pokja-sync.sysusers" \
	cmp "$X/usr/lib/sysusers.d/pokja-sync.conf" deploy/pokja-sync.sysusers
check "tmpfiles.d/pokja-sync.conf is deploy/pokja-sync.tmpfiles" \
	cmp "$X/usr/lib/tmpfiles.d/pokja-sync.conf" deploy/pokja-sync.tmpfiles
for page in man1/pokjactl.1 man8/pokjad.8; do
	zcat "$X/usr/share/man/$page.gz" >"$T/page"
	same "$page: no @WORD@ left" "$(grep -c '@[A-Z]*@' "$T/page")" 0
	if command -v groff >/dev/null 2>&1; then
		_run env LC_ALL=C.UTF-8 groff -k -man -ww -z "$T/page"
		same "$page: renders without warnings" "$RC:$(cat "$ERR")" "0:"
	fi
done
check "pokjad.8 names the packaged example, uncompressed at that path" sh -c \
	'zcat "$1/usr/share/man/man8/pokjad.8.gz" | grep -q /usr/share/doc/pokja-sync/pokjad.conf.example &&
	 test -f "$1/usr/share/doc/pokja-sync/pokjad.conf.example"' sh "$X"
check "README.md is shipped" sh -c 'zcat "$1" | cmp - README.md' sh \
	"$X/usr/share/doc/pokja-sync/README.md.gz"
check "SPEC.md is shipped" sh -c 'zcat "$1" | cmp - proto/SPEC.md' sh \
	"$X/usr/share/doc/pokja-sync/SPEC.md.gz"
check "the region data's licence (ODbL) is shipped" sh -c 'zcat "$1" | cmp - proto/wilayah/LICENSE.md' \
	sh "$X/usr/share/doc/pokja-sync/wilayah/LICENSE.md.gz"
check "and its source notice" cmp "$X/usr/share/doc/pokja-sync/wilayah/SOURCE.md" \
	proto/wilayah/SOURCE.md
C=$X/usr/share/doc/pokja-sync/copyright
check "copyright is machine-readable (DEP-5)" grep -qx \
	"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/" "$C"
check "and has the region data's ODbL notice" sh -c \
	'grep -qx "Files: proto/wilayah/\*.csv" "$1" && grep -qx "License: ODbL-1.0" "$1" &&
	 grep -q "idn-area-data 4.0.1" "$1"' sh "$C"

# ---- lintian: nothing but the explained tags
if need lintian lintian; then
	_run lintian --pedantic --display-info --display-experimental "$deb"
	same "lintian reports no tag that is not explained in debian/pokja-sync.lintian-overrides" \
		"$RC:$(cat "$OUT")" "0:"
	_run lintian --pedantic --display-info --display-experimental --show-overrides "$deb"
	same "and each override is used" \
		"$(sed -n 's/^O: pokja-sync: \([a-z0-9-]*\) .*/\1/p' "$OUT" | sort -u)" \
		"$(sed -n 's/^pokja-sync: \([a-z0-9-]*\) .*/\1/p' debian/pokja-sync.lintian-overrides |
			sort -u)"
fi

# ---- install, remove, purge with dpkg in a throwaway root
if need systemd-sysusers systemd && need deb-systemd-helper init-system-helpers; then
	R=$T/root
	mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/etc" "$T/shim"
	: >"$R/var/lib/dpkg/status"
	for c in systemctl deb-systemd-invoke; do
		printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\n' "$c" "$T" >"$T/shim/$c"
		chmod +x "$T/shim/$c"
	done
	pkgdpkg() {
		env PATH="$T/shim:$PATH" dpkg --root="$R" --log="$T/dpkg.log" --force-not-root \
			--force-script-chrootless --force-depends "$@"
	}
	status() { dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${Status}' pokja-sync 2>/dev/null; }

	ok "dpkg --root ... -i installs it" pkgdpkg -i "$deb"
	same "dpkg says it is installed" "$(status)" "install ok installed"
	stdout_has "postinst says what to do next" "pokjad is installed but not enabled"
	stdout_has "pokjactl init" "sudo -u pokja pokjactl init --join TOKEN"
	stdout_has "systemctl enable --now pokjad" "systemctl enable --now pokjad"
	for f in usr/bin/pokjactl usr/sbin/pokjad lib/systemd/system/pokjad.service \
		usr/share/man/man8/pokjad.8.gz usr/share/doc/pokja-sync/copyright; do
		check "installs /$f" test -f "$R/$f"
	done
	check "the postinst made the user pokja (in the root's /etc/passwd)" grep -Eq \
		'^pokja:x:[0-9]+:[0-9]+:pokja-sync node:/var/lib/pokja:/usr/sbin/nologin$' "$R/etc/passwd"
	uid=$(sed -n 's/^pokja:x:\([0-9]*\):.*/\1/p' "$R/etc/passwd")
	same "and /var/lib/pokja, mode 0700, owned by pokja" \
		"$(stat -c '%a %u' "$R/var/lib/pokja" 2>&1)" "700 $uid"
	check "pokjad.service is not enabled" test ! -e \
		"$R/etc/systemd/system/multi-user.target.wants/pokjad.service"
	check "deb-systemd-helper recorded the unit in the root's state" \
		test -e "$R/var/lib/systemd/deb-systemd-helper-enabled/pokjad.service.dsh-also"
	# Where systemd runs, the postinst calls deb-systemd-invoke start, which does nothing for a
	# unit that is not enabled; systemctl itself is only asked to reload.
	same "no systemctl call enables or starts pokjad" \
		"$(grep -E '^systemctl .*(enable|start)' "$T/calls" 2>/dev/null)" ""

	# The node, as `sudo -u pokja pokjactl init` makes it: as the folder's owner (pokja's uid
	# in the root; when this test does not run as root, the chown was refused and the owner
	# is this user). setpriv (util-linux) switches to it; $T is opened to it for that.
	as_owner() {
		if [ "$(stat -c %u "$R/var/lib/pokja")" = "$(id -u)" ]; then
			"$@"
		else
			setpriv --reuid="$uid" --regid="$(stat -c %g "$R/var/lib/pokja")" --clear-groups "$@"
		fi
	}
	chmod 711 "$T"
	ok "the installed pokjactl, as pokja, makes a node in /var/lib/pokja" \
		as_owner "$R/usr/bin/pokjactl" --dir "$R/var/lib/pokja" init --name Uji
	outputs "the installed pokjad --check, as pokja, accepts it" "^configuration OK$" \
		as_owner "$R/usr/sbin/pokjad" --dir "$R/var/lib/pokja" --check
	ok "dpkg --root ... -i again (a reinstall)" pkgdpkg -i "$deb"
	check "says nothing about a first node this time" sh -c \
		'! grep -q "not enabled" "$1"' sh "$OUT"

	ok "dpkg --root ... --remove removes it" pkgdpkg --remove pokja-sync
	same "dpkg keeps its postrm for the purge (config-files)" "$(status)" \
		"deinstall ok config-files"
	for f in usr/bin/pokjactl usr/sbin/pokjad lib/systemd/system/pokjad.service \
		usr/lib/sysusers.d/pokja-sync.conf usr/share/man/man8/pokjad.8.gz; do
		check "removes /$f" test ! -e "$R/$f"
	done
	check "keeps /var/lib/pokja/node.key" test -f "$R/var/lib/pokja/node.key"
	check "keeps the store" test -d "$R/var/lib/pokja/store"
	check "keeps the user pokja" grep -q '^pokja:' "$R/etc/passwd"

	ok "dpkg --root ... --purge purges it" pkgdpkg --purge pokja-sync
	same "dpkg no longer knows it" "$(status)" ""
	stdout_has "purge says it kept /var/lib/pokja and why" \
		"purge kept /var/lib/pokja: it holds this node's secret key"
	stdout_has "and how to delete it" "rm -rf /var/lib/pokja"
	check "the node key is still there" test -f "$R/var/lib/pokja/node.key"
	check "deb-systemd-helper's state for the unit is gone" test ! -e \
		"$R/var/lib/systemd/deb-systemd-helper-enabled/pokjad.service.dsh-also"
	same "no file of the package is left" \
		"$(cd "$R" && find lib usr -type f 2>/dev/null)" ""

	# A purge where no node was ever made removes the empty folder, silently.
	rm -rf "$R/var/lib/pokja"
	ok "install again" pkgdpkg -i "$deb"
	check "the postinst made /var/lib/pokja again" test -d "$R/var/lib/pokja"
	ok "purge with no node made" pkgdpkg --purge pokja-sync
	check "removes the empty /var/lib/pokja" test ! -e "$R/var/lib/pokja"
	check "without a message about it" sh -c '! grep -q "purge kept" "$1"' sh "$OUT"
	same "dpkg no longer knows it" "$(status)" ""
fi

done_testing
