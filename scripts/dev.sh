#!/bin/sh
# dev.sh - set up a Debian 12 machine for hwprof (packages, build) and then
#   demo   profile the bundled demo workload: top functions, hwprof.pb.gz, hwprof.svg
#   check  run the whole test suite (unit, integration, interop, hardware lane)
#   build  only build
# Run as root (it installs packages with apt-get) from anywhere in the tree.
set -eu
cd "$(dirname "$0")/.."

PACKAGES="build-essential autoconf automake libtool pkg-config libpfm4-dev libdw-dev
libelf-dev libprotobuf-c-dev protobuf-c-compiler zlib1g-dev libcurl4-openssl-dev golang-go
golang-github-google-pprof-dev libxml2-utils
libhdrhistogram-java default-jre-headless default-jdk-headless jq chromium"

deps() {
	missing=
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "dev.sh: installing$missing"
	if [ "$(id -u)" -ne 0 ]; then
		echo "dev.sh: run as root to install packages (or install them yourself):$missing" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq $missing >/dev/null
}

build() {
	deps
	[ -x configure ] && [ configure -nt configure.ac ] && [ Makefile.in -nt Makefile.am ] ||
		autoreconf -fi >/dev/null
	mkdir -p build
	[ -f build/Makefile ] && [ build/Makefile -nt configure ] ||
		(cd build && ../configure --enable-developer >/dev/null)
	make -C build -j"$(nproc)" >/dev/null
}

case "${1:-}" in
build)
	build
	;;
demo)
	build
	./build/hwprof record -o hwprof.pb.gz --svg hwprof.svg -- ./build/tests/workloads/calltree 2
	./build/hwprof report -n 10 hwprof.pb.gz
	echo "wrote hwprof.pb.gz (open with: go tool pprof -http=: hwprof.pb.gz) and hwprof.svg"
	;;
check)
	# The hardware lane's packages (tests/hardware/setup.sh), before anything
	# builds or runs: arm64 libraries can upgrade their amd64 twins.  Without
	# root the lane skips, saying why.
	sh tests/hardware/setup.sh packages || [ $? -eq 77 ]
	build
	make -C build -j"$(nproc)" check
	;;
*)
	echo "usage: scripts/dev.sh build|demo|check" >&2
	exit 2
	;;
esac
