# medians.awk - for the bench scripts' summaries: reads rows "MODE V2 V3 ...",
# one per run and mode, and gives the script's own END block
#	sorted(mode, col)	fills a[1..n] with column col of mode's rows, sorted; returns n
#	median(mode, col)	their median
# Use: awk -f bench/medians.awk -f /dev/stdin ROWS <<'EOF' ... EOF
{ rows++; m[rows] = $1; for (c = 2; c <= NF; c++) v[rows, c] = $c }

function sorted(mode, col,   n, i, j, t) {
	split("", a)
	n = 0
	for (i = 1; i <= rows; i++) if (m[i] == mode) a[++n] = v[i, col]
	for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j > 0 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
	return n
}

function median(mode, col,   n) {
	n = sorted(mode, col)
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
