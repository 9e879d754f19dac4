#!/bin/sh
# initramfs.sh - the hardware lane's guest root: busybox, tests/hardware/init as
# /init, and FILEs (programs, scripts, folders) in /hw with every shared
# library they need and the arm64 dynamic loader, packed as a gzip'd cpio.
#   initramfs.sh OUT BUSYBOX INIT FILE...
# Libraries come from the multiarch folders of Debian's arm64 packages
# (libc6:arm64 and the others), never from a cross toolchain's own copies: the
# loader must be the one built with the libc.so.6 beside it, or every exec hangs.
# READELF names a readelf that reads arm64 ELF files (default: readelf);
# EXTRA_LIBDIRS, folders searched first (our own not installed libraries).
set -eu
[ $# -ge 4 ] || { echo "usage: initramfs.sh OUT BUSYBOX INIT FILE..." >&2; exit 2; }
out=$1 busybox=$2 init=$3
shift 3
READELF=${READELF:-readelf}
LIBDIRS="${EXTRA_LIBDIRS:-} /lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu"

root=$(mktemp -d "${TMPDIR:-/tmp}/hwlane-root.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/lib" "$root/hw" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"
cp "$busybox" "$root/bin/busybox"
cp "$init" "$root/init"
chmod 755 "$root/bin/busybox" "$root/init"

is_elf() { [ "$(od -A n -t x1 -N 4 "$1" | tr -d ' ')" = 7f454c46 ]; }
needed() { "$READELF" -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
find_lib() {
	for d in $LIBDIRS; do
		[ -e "$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	echo "initramfs.sh: $1 not found in $LIBDIRS (install its :arm64 package)" >&2
	return 1
}

# Copy each FILE (and folder), then the closure of the NEEDED libraries of
# every ELF file among them.
todo=
for f in "$@"; do
	cp -R "$f" "$root/hw/"
done
for f in $(find "$root/hw" -type f); do
	if is_elf "$f"; then
		todo="$todo $f"
	fi
done
seen=" "
while [ -n "$todo" ]; do
	set -- $todo
	f=$1
	shift
	todo="$*"
	for l in $(needed "$f"); do
		case $seen in *" $l "*) continue ;; esac
		seen="$seen$l "
		p=$(find_lib "$l")
		cp -L "$p" "$root/lib/$l"
		todo="$todo $root/lib/$l"
		[ "$l" = libc.so.6 ] && libcdir=${p%/*}
	done
done
if [ -n "${libcdir:-}" ]; then
	# The interpreter the programs name (/lib/ld-linux-aarch64.so.1), from
	# the folder libc.so.6 came from.
	cp -L "$libcdir/ld-linux-aarch64.so.1" "$root/lib/ld-linux-aarch64.so.1"
fi
(cd "$root" && find . | sort | cpio -o -H newc --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
