#!/bin/sh
# tests/fuzz/run.sh [SECONDS] - build the libFuzzer targets with clang and run each
# for SECONDS (default 30).  Needs clang (apt-get install clang); corpora are kept
# in build/fuzz/corpus-NAME so that later runs start where earlier ones stopped.
set -eu
cd "$(dirname "$0")/../.."
SECONDS_EACH=${1:-30}
OUT=build/fuzz
mkdir -p "$OUT"
command -v clang >/dev/null || { echo "fuzz: clang not found (apt-get install clang)"; exit 77; }
protoc-c --proto_path=src --c_out="$OUT" src/profile.proto
FLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc -I$OUT"
clang $FLAGS tests/fuzz/fuzz-perfrec.c src/perfrec.c -o "$OUT/fuzz-perfrec"
clang $FLAGS tests/fuzz/fuzz-pprof.c src/profile.c src/pprof.c src/pprofwrite.c src/hindex.c src/util.c \
	"$OUT/profile.pb-c.c" -lprotobuf-c -lz -o "$OUT/fuzz-pprof"
clang $FLAGS tests/fuzz/fuzz-hdrlog.c src/hdr.c src/hdrlog.c src/util.c -lz -lm -o "$OUT/fuzz-hdrlog"
# What the profiled program controls: its span channel, its JIT map; and the
# kernel's symbols and a process's maps, read as text.
clang $FLAGS -DPACKAGE_VERSION='"fuzz"' tests/fuzz/fuzz-spanchan.c src/spanchan.c src/spanjoin.c \
	src/profile.c src/hindex.c src/util.c src/hdr.c src/hdrlog.c src/tscclock.c -lz -lm -o "$OUT/fuzz-spanchan"
clang $FLAGS tests/fuzz/fuzz-jitmap.c src/jitmap.c src/util.c -o "$OUT/fuzz-jitmap"
clang $FLAGS tests/fuzz/fuzz-kallsyms.c src/kallsyms.c src/util.c -o "$OUT/fuzz-kallsyms"
clang $FLAGS tests/fuzz/fuzz-procmap.c src/procmap.c src/util.c src/hindex.c -o "$OUT/fuzz-procmap"
clang $FLAGS tests/fuzz/fuzz-json.c src/json.c src/gate.c src/stats.c src/util.c -lm -o "$OUT/fuzz-json"
clang $FLAGS tests/fuzz/fuzz-demangle.c src/demangle.c src/profile.c src/hindex.c src/util.c \
	-lstdc++ -o "$OUT/fuzz-demangle"
# FUZZ_TARGETS: run only these (default: all).
for t in ${FUZZ_TARGETS:-perfrec pprof hdrlog spanchan jitmap kallsyms procmap json demangle}; do
	mkdir -p "$OUT/corpus-$t"
	echo "fuzz-$t: ${SECONDS_EACH}s"
	"$OUT/fuzz-$t" -max_total_time="$SECONDS_EACH" -print_final_stats=1 "$OUT/corpus-$t" 2>&1 | tail -3
done
