#!/bin/sh
# setup.sh - what the hardware lane needs on a Debian 12 machine (x86-64 or
# aarch64), from Debian's archive only.
#   setup.sh packages     install the packages (root; apt-get); quick once done
#   setup.sh fetch DIR    Debian's arm64 kernel and busybox-static, downloaded
#                         and unpacked into DIR (DIR/Image, DIR/busybox); a
#                         second run finds them there
# Exit status: 0 done; 77 impossible here (the reason on stderr: not root, no
# package archive, another architecture); 1 failure.
set -u

case $(uname -m) in
x86_64)
	# The cross compiler and the arm64 libraries hwprof links (multiarch),
	# their runtime libraries for the guest (from the same libc6:arm64 as its
	# dynamic loader), arm64 pkg-config; qemu-user runs one unit test here.
	PACKAGES="qemu-system-arm qemu-user cpio gcc-aarch64-linux-gnu g++-aarch64-linux-gnu pkgconf:arm64
libc6:arm64 libstdc++6:arm64 libpfm4-dev:arm64 libdw-dev:arm64 libelf-dev:arm64
libprotobuf-c-dev:arm64 zlib1g-dev:arm64 libcurl4-openssl-dev:arm64"
	FOREIGN=arm64 ;;
aarch64)
	PACKAGES="qemu-system-arm cpio"
	FOREIGN= ;;
*)
	echo "the hardware lane runs on x86-64 or aarch64, not $(uname -m)" >&2
	exit 77 ;;
esac

APT="apt-get -q -o DPkg::Lock::Timeout=600"

# apt_failed LOG: 77 when the archive could not be reached, else 1.
apt_failed() {
	if grep -q -E 'Could not (resolve|connect)|Temporary failure|Failed to fetch|Unable to connect' "$1"; then
		echo "Debian's package archive cannot be reached: $(grep -E '^(E|W):' "$1" | head -1)" >&2
		return 77
	fi
	echo "apt-get failed:" >&2
	tail -5 "$1" >&2
	return 1
}

packages() {
	# One dpkg-query for all: the quick answer when everything is there.
	# shellcheck disable=SC2086
	have=$(dpkg-query -W -f='${Status}\n' $PACKAGES 2>/dev/null | grep -c 'install ok installed')
	[ "$have" -eq "$(echo $PACKAGES | wc -w)" ] && return 0
	missing=
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	if [ "$(id -u)" -ne 0 ]; then
		echo "not root, and the lane needs:$missing" >&2
		return 77
	fi
	log=$(mktemp)
	export DEBIAN_FRONTEND=noninteractive
	[ -n "$FOREIGN" ] && dpkg --add-architecture "$FOREIGN"
	# shellcheck disable=SC2086
	if $APT update >"$log" 2>&1 && ! grep -q -E '^(W|E): Failed to fetch' "$log" &&
		$APT install -y --no-install-recommends $PACKAGES >>"$log" 2>&1; then
		rm -f "$log"
		return 0
	fi
	apt_failed "$log"
	r=$?
	rm -f "$log"
	return $r
}

# download DIR PACKAGE...: the packages' .debs into DIR, in one apt-get run.
download() {
	d=$1
	shift
	(cd "$d" && $APT -o APT::Sandbox::User=root download "$@") >"$d/apt.log" 2>&1 || apt_failed "$d/apt.log"
}

fetch() {
	dir=$1
	debs=$dir/debs
	mkdir -p "$debs" || return 1
	arch=
	[ -n "$FOREIGN" ] && arch=":$FOREIGN"
	want=
	# Once unpacked, the kernel stays (remove DIR to take the archive's newest).
	if [ ! -s "$dir/Image" ]; then
		# The metapackage names the current ABI's image (linux-image-6.1.0-N-arm64).
		kpkg=$(apt-cache depends "linux-image-arm64$arch" 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*\).*/\1/p' | head -1)
		if [ -z "$kpkg" ]; then
			echo "apt-cache knows no linux-image-arm64$arch (run apt-get update?)" >&2
			return 1
		fi
		want="$kpkg$arch"
	fi
	[ -x "$dir/busybox" ] || want="$want busybox-static$arch"
	[ -z "$want" ] && return 0
	rm -rf "$debs"/*.deb "$dir/unpack"
	# shellcheck disable=SC2086
	download "$debs" $want || return
	if [ ! -s "$dir/Image" ]; then
		# Only ./boot/vmlinuz-*, which comes first: tar stops there instead
		# of unpacking the modules (dpkg-deb then complains of the closed pipe).
		mkdir -p "$dir/unpack" &&
			dpkg-deb --fsys-tarfile "$debs/${kpkg}"_*.deb 2>/dev/null |
			tar -x -C "$dir/unpack" --occurrence=1 --wildcards './boot/vmlinuz-*' &&
			image_of "$dir"/unpack/boot/vmlinuz-* "$dir/Image" || return 1
		echo "$kpkg" >"$dir/kernel"
	fi
	if [ ! -x "$dir/busybox" ]; then
		# Unpacked, not installed: installing it would replace this machine's busybox.
		dpkg-deb -x "$debs"/busybox-static_*.deb "$dir/unpack" &&
			mv "$dir/unpack/bin/busybox" "$dir/busybox" || return 1
	fi
	rm -rf "$debs"/*.deb "$dir/unpack"
}

# image_of VMLINUZ OUT: the arm64 Image QEMU's -kernel boots.  Debian 12 ships
# it plain (a PE/COFF header for EFI around the Image); gzip-compressed ones are
# unpacked.  An EFI zboot image (newer kernels) would need its payload cut out.
image_of() {
	magic=$(od -A n -t x1 -N 2 "$1" | tr -d ' ')
	if [ "$magic" = 1f8b ]; then
		gzip -dc "$1" >"$2.tmp" || return 1
	else
		cp "$1" "$2.tmp" || return 1
	fi
	# The arm64 Image header's magic "ARM\x64" at offset 56.
	if [ "$(od -A n -t x1 -j 56 -N 4 "$2.tmp" | tr -d ' ')" != 41524d64 ]; then
		echo "$1: not an arm64 Image (an EFI zboot image?): QEMU cannot boot it with -kernel" >&2
		rm -f "$2.tmp"
		return 1
	fi
	mv "$2.tmp" "$2"
}

case "${1:-}:$#" in
packages:1) packages ;;
fetch:2) fetch "$2" ;;
*)
	echo "usage: setup.sh packages | fetch DIR" >&2
	exit 2 ;;
esac
