#!/bin/sh
# make install / make uninstall into a staging folder (DESTDIR; no root needed): every file in
# its place with its mode and nothing else, the installed programs run, the systemd unit points
# at the installed pokjad and passes `systemd-analyze verify` and a hardening threshold, the
# sysusers.d and tmpfiles.d files work with systemd's own tools, the man pages render without
# warnings and list every command of `pokjactl help` and every key of `pokjad --print-config`,
# man/gen.sh escapes text for roff, and uninstall removes exactly what install put.
# Needs systemd (systemd-analyze, -sysusers, -tmpfiles), groff-base and man-db: when one is
# missing the tests that need it fail and say which package to install.
. tests/cli/lib.sh

# make, from the repository root, on the binaries already built in $BUILD; MAKEFLAGS of an
# outer `make check` (its jobserver, its variables) are not handed down.
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory BUILD="$BUILD" "$@"
}

# need COMMAND PACKAGE: true when COMMAND exists; else records a failure naming the package.
need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	fail "$1 is installed" "$1 is missing: install the Debian package $2 (deploy/install-deps.sh)"
	return 1
}

mode() { stat -c %a "$1"; }

# Renders a man page to plain text (no hyphenation, no bold) on one line, runs of white space
# made single spaces.
render() {
	LC_ALL=C.UTF-8 groff -k -man -Tascii -rLL=250n -rHY=0 -P-c -P-b -P-o -P-u "$1" 2>/dev/null |
		tr -s ' \t\n' '   '
}

R=$T/root
ok "make install DESTDIR=... PREFIX=/usr" mk install DESTDIR="$R" PREFIX=/usr

# ---- the layout: each file, its mode, and nothing more
expect="usr/bin/pokjactl 755
usr/sbin/pokjad 755
usr/share/man/man1/pokjactl.1 644
usr/share/man/man8/pokjad.8 644
usr/share/locale/id/LC_MESSAGES/pokja-sync.mo 644
usr/lib/systemd/system/pokjad.service 644
usr/lib/sysusers.d/pokja-sync.conf 644
usr/lib/tmpfiles.d/pokja-sync.conf 644
usr/share/doc/pokja-sync/README.md 644
usr/share/doc/pokja-sync/SPEC.md 644
usr/share/doc/pokja-sync/pokjad.conf.example 644
usr/share/doc/pokja-sync/wilayah/LICENSE.md 644
usr/share/doc/pokja-sync/wilayah/SOURCE.md 644"
echo "$expect" | while read -r f m; do
	if [ ! -f "$R/$f" ]; then
		echo "$f: missing"
	elif [ "$(mode "$R/$f")" != "$m" ]; then
		echo "$f: mode $(mode "$R/$f"), expected $m"
	fi
done >"$T/layout"
same "every file is installed with its mode" "$(cat "$T/layout")" ""
same "and nothing else is installed" "$(cd "$R" && find . ! -type d | sed 's|^\./||' | sort)" \
	"$(echo "$expect" | cut -d' ' -f1 | sort)"
check "the installed pokjactl is the built one" cmp "$R/usr/bin/pokjactl" "$P"
check "the installed pokjad is the built one" cmp "$R/usr/sbin/pokjad" "$PD"
check "README.md is shipped" cmp "$R/usr/share/doc/pokja-sync/README.md" README.md
check "SPEC.md is shipped" cmp "$R/usr/share/doc/pokja-sync/SPEC.md" proto/SPEC.md
check "the example config is deploy/pokjad.conf.example" \
	cmp "$R/usr/share/doc/pokja-sync/pokjad.conf.example" deploy/pokjad.conf.example
check "the region data's licence (ODbL) is shipped" \
	cmp "$R/usr/share/doc/pokja-sync/wilayah/LICENSE.md" proto/wilayah/LICENSE.md
check "and its source notice" \
	cmp "$R/usr/share/doc/pokja-sync/wilayah/SOURCE.md" proto/wilayah/SOURCE.md
same "no @PLACEHOLDER@ is left in the unit or the man pages" \
	"$(grep -l '@[A-Z]*@' "$R/usr/lib/systemd/system/pokjad.service" \
		"$R/usr/share/man/man1/pokjactl.1" "$R/usr/share/man/man8/pokjad.8")" ""

# The pages `make` builds (before any install) have their paths filled in too, with the
# defaults of the PREFIX they were built with: no @DOCDIR@ in build/man/.
same "no @PLACEHOLDER@ is left in the man pages make builds ($BUILD/man)" \
	"$(grep -l '@[A-Z]*@' "$BUILD"/man/*.1 "$BUILD"/man/*.8 2>&1)" ""
check "$BUILD/man/pokjad.8 names the example's full path" \
	grep -qE '^\.I R? ?/[^ ]*/share/doc/pokja-sync/pokjad\.conf\.example' "$BUILD/man/pokjad.8"

# ---- the installed programs run
# The staged pokjactl looks for its catalog in the LOCALEDIR it was built with, not under
# DESTDIR: whether it finds one (and speaks Indonesian) depends on this machine, so its text is
# read in English (--lang en), the same everywhere.
outputs "installed pokjactl --help" "^usage: pokjactl " "$R/usr/bin/pokjactl" --lang en --help
outputs "installed pokjad --help" "^usage: pokjad " "$R/usr/sbin/pokjad" --help
same "installed pokjad --version and pokjactl --version say the same version" \
	"$("$R/usr/sbin/pokjad" --version | sed 's/^pokjad //')" \
	"$("$R/usr/bin/pokjactl" --version | sed 's/^pokjactl //')"
ok "installed pokjad --print-config" "$R/usr/sbin/pokjad" --dir "$T/nothing" --print-config
same "prints the shipped example's settings" "$(cat "$OUT")" \
	"$(sed '1,/^$/d' "$R/usr/share/doc/pokja-sync/pokjad.conf.example")"
ok "installed pokjactl init" "$R/usr/bin/pokjactl" --dir "$T/node" init --name Uji
outputs "installed pokjad --check on it" "^configuration OK$" \
	"$R/usr/sbin/pokjad" --dir "$T/node" --check

# ---- the unit
U=$R/usr/lib/systemd/system/pokjad.service
unit_has() { # name, exact line
	if grep -qxF -- "$2" "$U"; then pass "$1"; else fail "$1" "no line '$2' in pokjad.service"; fi
}
unit_has "ExecStart runs the installed pokjad on /var/lib/pokja" \
	"ExecStart=/usr/sbin/pokjad --dir %S/pokja"
unit_has "ExecStartPre checks the config with the installed pokjad" \
	"ExecStartPre=/usr/sbin/pokjad --dir %S/pokja --check"
same "only those two Exec lines" "$(grep -c '^Exec' "$U")" 2
for line in User=pokja Group=pokja StateDirectory=pokja StateDirectoryMode=0700 UMask=0077 \
	ProtectSystem=strict ProtectHome=yes PrivateTmp=yes PrivateDevices=yes NoNewPrivileges=yes \
	CapabilityBoundingSet= "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK" \
	SystemCallFilter=@system-service SystemCallArchitectures=native LockPersonality=yes \
	MemoryDenyWriteExecute=yes RestrictRealtime=yes RestrictNamespaces=yes \
	ProtectKernelTunables=yes ProtectKernelModules=yes ProtectKernelLogs=yes \
	ProtectControlGroups=yes Restart=on-failure RestartSec=5s \
	Wants=network-online.target After=network-online.target WantedBy=multi-user.target; do
	unit_has "unit: $line" "$line"
done
# The node folder of the unit (%S = /var/lib), of tmpfiles.d and of the programs agree.
same "the programs' default folder is the unit's StateDirectory" \
	"$("$R/usr/bin/pokjactl" --lang en help | sed -n 's/.*else \(\/[^)]*\)).*/\1/p')" /var/lib/pokja
same "tmpfiles.d makes that folder, 0700, owned by pokja" \
	"$(grep -v '^#' "$R/usr/lib/tmpfiles.d/pokja-sync.conf" | tr -s ' \t' ' ')" \
	"d /var/lib/pokja 0700 pokja pokja -"

# systemd-analyze verify on the installed unit, within a root that holds the staged files and
# this machine's own units (for sysinit.target, network-online.target, ...): the ExecStart
# binary is looked up in that root, and the Documentation= man pages through MANPATH.
hostunits=""
for d in /usr/lib/systemd/system /lib/systemd/system; do
	[ -f "$d/sysinit.target" ] && hostunits=$d && break
done
if [ -z "$hostunits" ]; then
	fail "this machine's systemd units are found" "no sysinit.target in /usr/lib/systemd/system or /lib/systemd/system: install the Debian package systemd"
elif need systemd-analyze systemd && need man man-db; then
	V=$T/vroot
	cp -a "$R" "$V" && mkdir -p "$V/lib/systemd/system" &&
		cp -a "$hostunits/." "$V/lib/systemd/system/"
	ok "systemd-analyze verify of the installed unit" \
		env MANPATH="$V/usr/share/man" systemd-analyze verify --root="$V" pokjad.service
	check "says nothing (no warning)" test ! -s "$ERR" -a ! -s "$OUT"
	ok "systemd-analyze security: exposure at most 2.0 (of 10)" \
		env MANPATH="$V/usr/share/man" systemd-analyze security --offline=yes --root="$V" \
		--threshold=20 --no-pager pokjad.service
	stdout_has "and it says so" "Overall exposure level for pokjad.service: (0|1)\\.[0-9]|2\\.0"
	mv "$V/usr/sbin/pokjad" "$V/usr/sbin/pokjad.moved"
	errs "verify does look for the ExecStart binary in that root" \
		"/usr/sbin/pokjad is not executable" \
		env MANPATH="$V/usr/share/man" systemd-analyze verify --root="$V" pokjad.service
fi

# sysusers.d and tmpfiles.d with systemd's tools, on a copy of the staged tree.
if need systemd-sysusers systemd && need systemd-tmpfiles systemd; then
	S=$T/sroot
	cp -a "$R" "$S" && mkdir -p "$S/etc"
	ok "systemd-sysusers --root finds sysusers.d/pokja-sync.conf and creates the user" \
		systemd-sysusers --root="$S"
	check "user pokja: a system user, home /var/lib/pokja, no login shell" grep -Eq \
		'^pokja:x:[0-9]+:[0-9]+:pokja-sync node:/var/lib/pokja:/usr/sbin/nologin$' \
		"$S/etc/passwd"
	check "group pokja" grep -q '^pokja:x:[0-9]*:' "$S/etc/group"
	uid=$(sed -n 's/^pokja:x:\([0-9]*\):.*/\1/p' "$S/etc/passwd")
	_run systemd-tmpfiles --root="$S" --create --prefix=/var/lib/pokja
	same "systemd-tmpfiles --create makes /var/lib/pokja with mode 0700" \
		"$(mode "$S/var/lib/pokja" 2>&1)" 700
	if [ "$(id -u)" = 0 ]; then
		same "owned by the user pokja (running as root)" \
			"$(stat -c %u "$S/var/lib/pokja" 2>&1)/$RC" "$uid/0"
	else
		# Not root: the directory is made, only handing it to pokja is refused.
		same "only the chown to pokja is refused (not root)" \
			"$(grep -v 'fchownat() of .*/var/lib/pokja failed: Operation not permitted' "$ERR")" ""
	fi
fi

# ---- the man pages
if need groff groff-base && need man man-db; then
	for page in man1/pokjactl.1 man8/pokjad.8; do
		_run env LC_ALL=C.UTF-8 groff -k -man -ww -z "$R/usr/share/man/$page"
		same "$page: groff -ww renders it without warnings" "$RC:$(cat "$ERR")" "0:"
		_run env LC_ALL=C.UTF-8 MANROFFSEQ='' man --warnings -l "$R/usr/share/man/$page"
		same "$page: man --warnings renders it without warnings" "$RC:$(cat "$ERR")" "0:"
	done

	# Every command of `pokjactl help`, with its usage line and its help text, in English: the
	# language of the man page (man/gen.sh).
	page=$(render "$R/usr/share/man/man1/pokjactl.1")
	"$P" --lang en help | sed -n '/^Commands:$/,/^$/s/^  pokjactl //p' >"$T/usages"
	check "pokjactl help lists commands" test -s "$T/usages"
	missing=""
	while IFS= read -r usage; do
		name=${usage%% *}
		u=$(printf 'pokjactl %s' "$usage" | tr -s ' ')
		h=$("$P" --lang en help "$name" | sed '1,2d' | tr -s ' \t\n' '   ' | sed 's/ $//')
		case $page in *"$u"*) ;; *) missing="$missing
usage of $name: $u" ;; esac
		case $page in *"$h"*) ;; *) missing="$missing
help of $name: $h" ;; esac
	done <"$T/usages"
	same "pokjactl.1 has every command's usage line and help text" "$missing" ""
	same "and as many entries as commands" \
		"$(grep -c '^\\fBpokjactl ' "$R/usr/share/man/man1/pokjactl.1")" "$(wc -l <"$T/usages")"

	# Every key of pokjad --print-config under its section, every option, every log tag.
	page=$(render "$R/usr/share/man/man8/pokjad.8")
	logsec=${page#*LOGGING }
	logsec=${logsec%%EXIT STATUS*}
	"$PD" --dir "$T/nothing" --print-config | awk '
		/^\[/ { sec = $0; next }
		/^[a-z_]+ =/ { print sec " " $1 " =" }' >"$T/keys"
	check "pokjad --print-config lists keys" test -s "$T/keys"
	missing=""
	while read -r sec key eq; do
		case $page in *"$sec "*"$key $eq"*) ;; *) missing="$missing $sec$key" ;; esac
	done <"$T/keys"
	same "pokjad.8 has every configuration key under its section" "$missing" ""
	missing=""
	for o in $("$PD" --help | grep -oE -- '--[a-z-]+' | sort -u); do
		case $page in *"$o"*) ;; *) missing="$missing $o" ;; esac
	done
	same "pokjad.8 has every option of pokjad --help" "$missing" ""
	missing=""
	for t in $(grep -ohE '(log_(info|warnx?|error|debug)|fatalx)\("[a-z-]+"' daemon/*.c |
		sed 's/.*("//; s/"$//' | sort -u); do
		case $logsec in *" $t "* | *" $t, "*) ;; *) missing="$missing $t" ;; esac
	done
	same "pokjad.8 explains every log tag of daemon/*.c (section LOGGING)" "$missing" ""
	case $page in
	*"/usr/share/doc/pokja-sync/pokjad.conf.example"*) pass "pokjad.8 names the installed example" ;;
	*) fail "pokjad.8 names the installed example" ;;
	esac

	# man/gen.sh escapes what the programs print: a fake pokjactl whose help has roff's
	# special characters, and the page must render them as typed, without warnings.
	mkdir "$T/fake"
	cat >"$T/fake/pokjactl" <<'EOF'
#!/bin/sh
case "$*" in
--version) echo "pokjactl 9.9" ;;
help) printf 'usage: pokjactl x\n\nCommands:\n  pokjactl zap [--dir DIR] \\fB-x\n  pokjactl dot\n\nmore\n' ;;
"help zap") printf 'usage: pokjactl zap [--dir DIR] \\fB-x\n\n.TH a line that starts with a dot\n'"'"'quoted'"'"' at the start, C:\\path\\n, `tick`\n\n  --indented option\n' ;;
"help dot") printf 'usage: pokjactl dot\n\n.\n' ;;
*) exit 2 ;;
esac
EOF
	chmod +x "$T/fake/pokjactl"
	ok "man/gen.sh on a pokjactl whose help has roff specials" \
		sh man/gen.sh man/pokjactl.1.in "$T/fake/pokjactl" "$PD"
	cp "$OUT" "$T/fake.1"
	_run env LC_ALL=C.UTF-8 groff -k -man -ww -z "$T/fake.1"
	same "renders without warnings" "$RC:$(cat "$ERR")" "0:"
	page=$(render "$T/fake.1")
	n=0
	for s in 'pokjactl zap [--dir DIR] \fB-x' '.TH a line that starts with a dot' \
		"'quoted' at the start, C:\\path\\n, \`tick\`" '--indented option' 'pokjactl dot .' \
		'pokja-sync 9.9'; do
		n=$((n + 1))
		case $page in
		*"$s"*) pass "renders as typed ($n: backslash, dot, quotes, hyphen, version)" ;;
		*) fail "renders as typed ($n: backslash, dot, quotes, hyphen, version)" \
			"not found: $s" ;;
		esac
	done
	printf '#!/bin/sh\n[ "$1" = --version ] && echo "pokjactl 1" && exit 0\necho nothing\n' \
		>"$T/fake/pokjactl"
	errs "man/gen.sh fails when pokjactl help lists no commands" "lists no commands" \
		sh man/gen.sh man/pokjactl.1.in "$T/fake/pokjactl" "$PD"
fi

# ---- uninstall: removes exactly what install put
mkdir -p "$R/usr/share/doc/other" && : >"$R/usr/bin/other" && : >"$R/usr/share/doc/other/x"
ok "make uninstall DESTDIR=... PREFIX=/usr" mk uninstall DESTDIR="$R" PREFIX=/usr
same "leaves only the files it did not install" \
	"$(cd "$R" && find . ! -type d | sort)" "./usr/bin/other
./usr/share/doc/other/x"
check "and removes the doc folder" test ! -e "$R/usr/share/doc/pokja-sync"
ok "make uninstall again: nothing left to remove is not an error" \
	mk uninstall DESTDIR="$R" PREFIX=/usr

# ---- the default PREFIX, /usr/local: paths follow it, and systemd looks there
L=$T/local
ok "make install DESTDIR=... (PREFIX defaults to /usr/local)" mk install DESTDIR="$L"
for f in usr/local/bin/pokjactl usr/local/sbin/pokjad usr/local/share/man/man8/pokjad.8 \
	usr/local/lib/systemd/system/pokjad.service usr/local/lib/sysusers.d/pokja-sync.conf \
	usr/local/lib/tmpfiles.d/pokja-sync.conf usr/local/share/doc/pokja-sync/pokjad.conf.example; do
	check "installs $f" test -f "$L/$f"
done
check "the unit runs /usr/local/sbin/pokjad" grep -qxF \
	"ExecStart=/usr/local/sbin/pokjad --dir %S/pokja" "$L/usr/local/lib/systemd/system/pokjad.service"
check "pokjad.8 names /usr/local's example" grep -qF \
	/usr/local/share/doc/pokja-sync/pokjad.conf.example "$L/usr/local/share/man/man8/pokjad.8"
if need systemd-analyze systemd; then
	outputs "systemd looks for units in /usr/local/lib/systemd/system" \
		"^/usr/local/lib/systemd/system$" systemd-analyze unit-paths
fi
if need systemd-sysusers systemd && need systemd-tmpfiles systemd; then
	outputs "systemd-sysusers reads /usr/local/lib/sysusers.d" \
		"^# $L/usr/local/lib/sysusers.d/pokja-sync.conf$" \
		systemd-sysusers --root="$L" --cat-config --no-pager
	outputs "systemd-tmpfiles reads /usr/local/lib/tmpfiles.d" \
		"^# $L/usr/local/lib/tmpfiles.d/pokja-sync.conf$" \
		systemd-tmpfiles --root="$L" --cat-config --no-pager
fi
ok "make uninstall DESTDIR=..." mk uninstall DESTDIR="$L"
same "leaves no file" "$(find "$L" ! -type d)" ""

done_testing
