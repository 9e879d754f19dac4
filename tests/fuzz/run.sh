#!/bin/sh
# tests/fuzz/run.sh [SECONDS [NAME...]] - build the libFuzzer targets with clang and
# run each (or the NAMEd ones: events, unwind, ...) for SECONDS (default 30), then
# say for each: executions, corpus size, result.
# Needs clang (apt-get install clang libclang-rt-14-dev); corpora are kept in
# build/fuzz/corpus-NAME so that later runs start where earlier ones stopped,
# logs in build/fuzz/NAME.log, crashes as build/fuzz/crash-* (exit status 1).
set -eu
cd "$(dirname "$0")/../.."
SECONDS_EACH=${1:-30}
[ $# -gt 0 ] && shift
ONLY="$*"
OUT=build/fuzz
mkdir -p "$OUT"
command -v clang >/dev/null || { echo "fuzz: clang not found (apt-get install clang)"; exit 77; }
protoc-c --proto_path=src --c_out="$OUT" src/profile.proto
FLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc -I$OUT"
TARGETS=
build() {
	name=$1
	shift
	clang $FLAGS "tests/fuzz/fuzz-$name.c" "$@" -o "$OUT/fuzz-$name"
	TARGETS="$TARGETS $name"
}
build perfrec src/perfrec.c src/perfrecwrite.c
build pprof src/profile.c src/pprof.c src/pprofwrite.c src/hindex.c src/util.c src/outfile.c \
	"$OUT/profile.pb-c.c" -lprotobuf-c -lz
build hdrlog src/hdr.c src/hdrlog.c src/util.c -lz -lm
build events src/events.c src/suggest.c src/preset.c src/pmu.c src/sysfspmu.c src/tracepoint.c src/util.c \
	src/arch-x86_64.c -lpfm
build latparse src/latparse.c src/hdr.c src/hdrco.c src/util.c -lm
build timeline src/timeline.c src/offcpu.c src/profile.c src/hindex.c src/fmt.c src/util.c -lm
build unwind src/unwind.c src/vdso.c src/procmap.c src/hindex.c src/util.c src/arch-x86_64.c \
	src/debuginfo.c src/elfsection.c -ldw -lelf -lz
# What the profiled program controls: its span channel, its JIT map; and the
# kernel's symbols and a process's maps, read as text.
build spanchan src/spanchan.c src/spanjoin.c src/profile.c src/hindex.c \
	src/util.c src/hdr.c src/hdrlog.c src/tscclock.c src/arch-x86_64.c -lz -lm
build jitmap src/jitmap.c src/util.c
build kallsyms src/kallsyms.c src/util.c
build procmap src/procmap.c src/util.c src/hindex.c
build json src/json.c src/gate.c src/stats.c src/util.c -lm
build demangle src/demangle.c src/profile.c src/hindex.c src/util.c -lstdc++
# A profiled program's unwind tables (.eh_frame_hdr, .eh_frame).
build cfi src/cfiread.c src/cfilibdw.c src/cfirows.c -ldw -lelf
build cfitable src/cfitable.c src/cfiread.c src/cfilibdw.c src/cfirows.c src/debuginfo.c src/elfsection.c src/util.c \
	-ldw -lelf -lz
# fuzz-unwind walks through the CFI of a workload built without frame pointers
# and of libc; fuzz-cfitable changes the first one's.
gcc -g -O2 -fomit-frame-pointer -fno-inline -fno-optimize-sibling-calls \
	tests/workloads/calltree.c -o "$OUT/unwind-elf"
HWPROF_FUZZ_ELF="$OUT/unwind-elf:$(readlink -f "$(gcc -print-file-name=libc.so.6)")"
export HWPROF_FUZZ_ELF

found=0
for t in ${ONLY:-$TARGETS}; do
	corpus="$OUT/corpus-$t"
	mkdir -p "$corpus"
	echo "fuzz-$t: ${SECONDS_EACH}s"
	if "$OUT/fuzz-$t" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
		-artifact_prefix="$OUT/" "$corpus" >"$OUT/$t.log" 2>&1; then
		result="no finding"
	else
		result="FINDING (see $OUT/$t.log)"
		found=1
	fi
	execs=$(awk '/^stat::number_of_executed_units:/ { print $2 }' "$OUT/$t.log")
	files=$(find "$corpus" -type f | wc -l)
	bytes=$(find "$corpus" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
	echo "fuzz-$t: ${execs:-?} executions, corpus $files inputs ($bytes bytes), $result"
done
exit $found
