#!/bin/sh
# diffsvg-chromium.sh - the differential flame graph of `hwprof diff --svg`
# opened in headless Chromium, its script run: the frames of NEW's graph and
# of the vanished section, their colours (grew red, new green, gone blue), the
# tooltips with both values, and a click that zooms one graph alone.
#
# Exit 0 pass, 1 fail, 77 skip (with the reason on stdout).
# Environment (set by `make check`): HWPROF, WORKLOADS.
set -u

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || skip "Chromium not found (apt-get install chromium)"
[ -n "${HWPROF:-}" ] && [ -x "$HWPROF" ] || skip "hwprof binary not built (HWPROF=${HWPROF:-unset})"
mix=${WORKLOADS:-}/mix
[ -x "$mix" ] || skip "workload $mix not built"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/diffsvg.XXXXXX") || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# charlie's work doubles, foxtrot's goes, hotel's comes.  At 4999 Hz some
# 1500 samples a side: charlie's growth (15 points of share) is then well
# beyond the noise mark (2 sqrt(n1 + n2) samples), as it was not at 300.
"$HWPROF" record -q -e cpu-clock -F 4999 -m 1024 -o "$tmp/base.pb.gz" -- "$mix" 0.3 alpha=40 charlie=20 foxtrot=20 \
	2>"$tmp/err" || skip "hwprof cannot sample here: $(head -1 "$tmp/err")"
"$HWPROF" record -q -e cpu-clock -F 4999 -m 1024 -o "$tmp/new.pb.gz" -- "$mix" 0.3 alpha=40 charlie=40 hotel=20 ||
	fail "hwprof record (new) failed"
"$HWPROF" diff --normalize share --svg "$tmp/d.svg" "$tmp/base.pb.gz" "$tmp/new.pb.gz" 2>"$tmp/err" ||
	fail "hwprof diff --svg: $(cat "$tmp/err")"

# The page loads the SVG as a document of its own (its script runs), then
# checks it and reports one line per check.
cat >"$tmp/check.html" <<'HTML'
<html><body><pre id="out">running</pre>
<object id="svg" type="image/svg+xml" data="d.svg"></object>
<script>
var out = document.getElementById("out"), lines = [], bad = 0;
function check(what, cond) { lines.push((cond ? "ok - " : "not ok - ") + what); if (!cond) bad++; }
function rgb(el) { return (el.querySelector("rect").getAttribute("fill").match(/\d+/g) || []).map(Number); }
function width(g) { return +g.querySelector("rect").getAttribute("width"); }
// The widest frame of that name: a sample taken in a prologue can add a
// sliver of it elsewhere (main;charlie beside main;run_charlie;charlie).
function frame(sec, name) {
	return [].filter.call(sec.querySelectorAll("g.f"), function (g) {
		return g.querySelector("title").textContent.indexOf(name + " (") === 0;
	}).sort(function (a, b) { return width(b) - width(a); })[0];
}
function hidden(g) { return g.classList.contains("hide"); }
document.getElementById("svg").addEventListener("load", function () {
	try {
		var doc = document.getElementById("svg").contentDocument;
		var secs = doc.querySelectorAll("g.sec"), main = secs[0], gone = secs[1];
		check("two graphs: NEW's and the vanished stacks'", secs.length === 2);
		check("a heading names the vanished section",
		      doc.querySelector("text.heading").textContent.indexOf("Vanished since BASE") === 0);
		var charlie = frame(main, "charlie"), hotel = frame(main, "hotel"), alpha = frame(main, "alpha");
		check("NEW's graph has charlie, hotel and alpha", charlie && hotel && alpha);
		check("NEW's graph has no foxtrot", !frame(main, "foxtrot"));
		var c = rgb(charlie), h = rgb(hotel);
		check("charlie grew: red (" + c + ")", c[0] >= 200 && c[1] < 150 && c[2] < 150);
		check("hotel is new: green (" + h + ")", h[1] > h[0] && h[1] > h[2]);
		var fox = frame(gone, "foxtrot"), fc = fox ? rgb(fox) : [];
		check("foxtrot in the vanished section, blue (" + fc + ")", fox && fc[2] > fc[0] && fc[2] > fc[1]);
		check("the vanished section has no hotel", !frame(gone, "hotel"));
		var t = charlie.querySelector("title").textContent;
		check("charlie's tooltip gives new, base and delta: " + t,
		      /^charlie \(new [0-9.]+%, base [0-9.]+%, delta \+[0-9.]+%/.test(t));
		var w = +charlie.querySelector("rect").getAttribute("width");
		check("frames have widths (charlie " + w + " px)", w > 100);
		charlie.dispatchEvent(new MouseEvent("click", { bubbles: true }));
		check("a click on charlie zooms to it: alpha hidden", hidden(alpha));
		check("charlie then spans the width",
		      +charlie.querySelector("rect").getAttribute("width") > 1100);
		check("the vanished section is not zoomed with it", fox && !hidden(fox));
		check("Reset Zoom offered", !doc.getElementById("reset").classList.contains("hide"));
		doc.getElementById("reset").dispatchEvent(new MouseEvent("click", { bubbles: true }));
		check("Reset Zoom shows alpha again", !hidden(alpha));
	} catch (err) {
		lines.push("not ok - script error: " + err);
		bad++;
	}
	out.textContent = (bad ? "FAILED " + bad : "PASSED") + "\n" + lines.join("\n");
});
</script></body></html>
HTML
timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--allow-file-access-from-files --user-data-dir="$tmp/chromium" --virtual-time-budget=10000 \
	--dump-dom "file://$tmp/check.html" >"$tmp/dom.html" 2>"$tmp/chromium.err"
sed -n '/<pre id="out">/,/<\/pre>/p' "$tmp/dom.html" | sed 's/<[^>]*>//g; s/&amp;/\&/g; s/&lt;/</g; s/&gt;/>/g' \
	>"$tmp/result"
cat "$tmp/result"
if ! grep -q "^PASSED" "$tmp/result"; then
	# What the graph said of each side, for the record of a failure.
	grep -o '<title>[a-z_]* ([^<]*' "$tmp/d.svg" | sed 's/<title>/# frame: /'
	for side in base new; do
		"$HWPROF" report --folded "$tmp/$side.pb.gz" 2>/dev/null | sed "s/^/# $side: /"
	done
	fail "Chromium: $(head -1 "$tmp/result") $(tail -2 "$tmp/chromium.err")"
fi
echo "PASS"
