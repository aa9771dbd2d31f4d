#!/bin/sh
# Score a segmentation mask against the ground truth, COVALIC-style.
# usage: score.sh SUBMISSION.pgm TRUTH.pgm
# Both masks are plain PGM (P2): a non-zero pixel is foreground. Prints one JSON object on stdout:
#   {"dice": 0.8, "jaccard": 0.666667, "pixels": 64}
# and reports progress through Girder Worker's progress pipe when it exists.
progress=/mnt/girder_worker/data/.girder_progress
report() { [ -p "$progress" ] && printf '{"message": "%s", "current": %s, "total": 2}\n' "$1" "$2" > "$progress"; return 0; }
[ $# -eq 2 ] || { echo "usage: score.sh SUBMISSION.pgm TRUTH.pgm" >&2; exit 2; }
report "reading masks" 1
awk '
  FNR == 1 { f++; n = 0 }
  {
    sub(/#.*/, "")
    for (i = 1; i <= NF; i++) {
      n++
      if (n == 1 && $i != "P2") { print FILENAME ": expected a plain PGM (P2), got " $i | "cat 1>&2"; bad = 1; exit }
      if (n == 2) w[f] = $i; else if (n == 3) h[f] = $i; else if (n > 4) v[f, n - 4] = ($i > 0)
    }
  }
  END {
    if (bad) exit 3
    if (f != 2) { print "expected two masks, got " f | "cat 1>&2"; exit 3 }
    if (w[1] != w[2] || h[1] != h[2]) { print "mask sizes differ: " w[1] "x" h[1] " and " w[2] "x" h[2] | "cat 1>&2"; exit 3 }
    total = w[1] * h[1]
    for (k = 1; k <= total; k++) { a += v[1, k]; b += v[2, k]; if (v[1, k] && v[2, k]) both++ }
    dice = (a + b) ? 2 * both / (a + b) : 1
    union = a + b - both
    jaccard = union ? both / union : 1
    printf "{\"dice\": %.6f, \"jaccard\": %.6f, \"pixels\": %d}\n", dice, jaccard, total
  }
' "$1" "$2" || exit $?
report "scored" 2
