#!/usr/bin/env bash
# The many-class font tables of docs/results.md ("Many classes: glyphs of the installed fonts"): what
# `fonts:/usr/share/fonts` holds for each character set (with the packages README lists), a
# preview image, and `experiment dims` on alnum (K = 62) and lgc (K = 127) with the MLP,
# dl2pa / fixed / psc (etf at d = K − 1), 3 seeds. The two sweeps run side by side (the trainer
# uses one core), then where each method puts look-alike characters (fonts-groups.py: a table and
# the d = 3 sphere picture; rsvg-convert, from librsvg2-bin, makes its PNG). Resumable: finished
# runs are read back. About 40 min on 2 cores.
# Usage: bash docs/results/fonts.sh   (BIN=path uses that dl2pa build)
set -euo pipefail
source "$(dirname "$0")/common.sh"
FONTS="${FONTS:-/usr/share/fonts}"
OUT=experiments/fonts
mkdir -p "$OUT"
sweep() { # CHARS DIMS
  "$BIN" --device cpu experiment dims --data "fonts:$FONTS,chars=$1" --dims "$2" --seeds 3 \
    -o "$OUT/$1" > "$OUT/$1.log" 2>&1
}
sweep alnum 2,3,5,10,32,61 &
sweep lgc 2,3,5,10,32,126 &
wait
{
  echo "Made by \`bash docs/results/fonts.sh\` — $STAMP; fonts from $(dpkg-query -W -f '${Package} ' 'fonts-*' 2>/dev/null | wc -w) Debian fonts-* packages."
  echo
  echo '```'
  for c in alnum lgc cjk; do "$BIN" data --data "fonts:$FONTS,chars=$c"; done
  "$BIN" data --data "fonts:$FONTS,chars=alnum" --preview docs/results/fonts-preview.png --rows 12 | tail -1
  echo '```'
  for c in alnum lgc; do
    echo
    echo "### chars=$c (\`dl2pa experiment dims --data fonts:$FONTS,chars=$c --seeds 3\`)"
    echo
    cat "$OUT/$c/dims.md"
  done
  echo
  echo "### Look-alike characters (\`python3 docs/results/fonts-groups.py $OUT/alnum/runs docs/figures/fonts_alnum_sphere_d3\`)"
  echo
  echo "Mean cosine between the prototypes of two classes of one look-alike group (O 0 o, I l 1, C c, S s 5, U u, V v, W w, X x, Z z 2, K k, P p, B 8, g 9, b 6) minus the mean over all pairs:"
  echo
  python3 docs/results/fonts-groups.py "$OUT/alnum/runs" docs/figures/fonts_alnum_sphere_d3
} > docs/results/fonts.md
for m in dl2pa fixed; do
  if command -v rsvg-convert >/dev/null; then
    rsvg-convert -o "docs/figures/fonts_alnum_sphere_d3_$m.png" "docs/figures/fonts_alnum_sphere_d3_$m.svg"
  fi
done
cp "$OUT/alnum/accuracy_vs_d.png" docs/figures/fonts_alnum_accuracy_vs_d.png
cp "$OUT/lgc/accuracy_vs_d.png" docs/figures/fonts_lgc_accuracy_vs_d.png
cat docs/results/fonts.md
