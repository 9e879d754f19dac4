#!/bin/sh
# record --off-cpu --timeline writes X.timeline beside X.pb.gz; report --timeline
# turns it into Chrome trace event JSON, which jq and Chromium's own JSON.parse
# read, with the structure of the trace event format and pipewait's rhythm
# (runs and sleeps of about 5 ms on the main thread) in it.
. "$(dirname "$0")/lib.sh"
require_sampling
command -v jq >/dev/null 2>&1 || skip "jq not found (apt-get install jq)"
"$HWPROF" record -q --off-cpu --timeline -o "$TMP/p.pb.gz" -- "$WORKLOADS/pipewait" 0.5 \
	>/dev/null 2>"$TMP/err.txt" || fail "record exited $?: $(cat "$TMP/err.txt")"
grep -q "no context-switch records" "$TMP/err.txt" && skip "$(cat "$TMP/err.txt")"
[ -s "$TMP/p.timeline" ] || fail "no side file p.timeline"
"$HWPROF" report --timeline "$TMP/t.json" "$TMP/p.pb.gz" || fail "report --timeline failed"
jq -e '.traceEvents | length > 0' "$TMP/t.json" >/dev/null || fail "jq: no traceEvents"
bad=$(jq '[.traceEvents[] | select((.ph | type) != "string" or (.pid | type) != "number" or
	(.tid | type) != "number" or (.name | type) != "string" or
	(.ph != "M" and (.ts | type) != "number") or
	(.ph == "X" and ((.dur | type) != "number" or .dur < 0)))] | length' "$TMP/t.json")
[ "$bad" = 0 ] || fail "$bad events lack ph/pid/tid/name/ts (or dur for X)"
tid=$(jq '.traceEvents[] | select(.ph == "M" and .args.name == "pipewait") | .tid' "$TMP/t.json" | head -1)
[ -n "$tid" ] || fail "no thread_name metadata for pipewait"
# About 50 cycles in 0.5 s, one blocking read each: fewer on a loaded machine,
# where the cycles take longer (9 seen under make -j16 check on two CPUs; and
# preemption splits the running time into more intervals, not the sleeps).
# The median sleep of the main thread about 5 ms; more where it waits for a CPU
# once woken (12 ms seen with four busy loops per CPU), since a wait lasts
# until the thread runs again.
n=$(jq --argjson t "$tid" '[.traceEvents[] | select(.tid == $t and .name == "sleeping")] | length' "$TMP/t.json")
within "$n" 5 60 || fail "$n sleeping intervals on the main thread, expected about 50"
med=$(jq --argjson t "$tid" '[.traceEvents[] | select(.tid == $t and .name == "sleeping") | .dur] | sort |
	.[length / 2 | floor]' "$TMP/t.json")
within "$med" 4000 15000 || fail "median sleep of the main thread ${med} us, expected about 5000"
s=$(jq '[.traceEvents[] | select(.ph == "i")] | length' "$TMP/t.json")
# About 250 on an idle machine (5 ms of every 10 on CPU, 1 kHz); a loaded one
# leaves the main thread a fraction of that (34 seen under make -j16 check on
# two CPUs).
within "$s" 10 100000 || fail "$s sample events"

# Chromium's JSON.parse, in a page that loads the file like a trace viewer.
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$CHROMIUM" ]; then
	cat >"$TMP/check.html" <<'HTML'
<html><body><pre id="out">running</pre><script>
var out = document.getElementById("out");
try {
	var x = new XMLHttpRequest();
	x.open("GET", "t.json", false);
	x.send();
	var t = JSON.parse(x.responseText), n = 0, bad = 0;
	t.traceEvents.forEach(function (e) {
		n++;
		if (typeof e.ph !== "string" || typeof e.pid !== "number" || typeof e.tid !== "number")
			bad++;
		else if (e.ph === "X" && !(typeof e.ts === "number" && e.dur >= 0))
			bad++;
	});
	out.textContent = bad ? "BAD " + bad : "OK " + n;
} catch (err) {
	out.textContent = "ERROR " + err;
}
</script></body></html>
HTML
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--allow-file-access-from-files --user-data-dir="$TMP/chromium" \
		--dump-dom "file://$TMP/check.html" >"$TMP/dom.txt" 2>"$TMP/chromium.err"
	grep -q ">OK [0-9]" "$TMP/dom.txt" ||
		fail "Chromium: $(grep -o '<pre[^<]*' "$TMP/dom.txt") $(tail -2 "$TMP/chromium.err")"
	viewer="; Chromium JSON.parse OK"
else
	viewer="; Chromium not found (apt-get install chromium), jq only"
fi
pass "$n sleeps, median ${med} us, $s samples on the timeline$viewer"
