#!/usr/bin/env bash
# Draw the README images (docs/img/*.png) from a fresh baseline run, at 150 dpi and page width.
# Usage: tools/make-readme-images.sh [OUT_DIR, default docs/img]
# Environment: PACTSIM (the CLI, default build/pactsim).
# CTest (py.test_readme_images) draws them into the build tree and fails when the committed
# ones differ: after a change to the model or the plots, run this and commit docs/img/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out=$(realpath -m "${1:-$root/docs/img}")
cli=$(realpath -m "${PACTSIM:-$root/build/pactsim}")
[ -x "$cli" ] || { echo "make-readme-images.sh: no pactsim CLI at $cli (build first, or set PACTSIM)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"
"$cli" run configs/baseline_2022.yaml -o "$tmp/baseline_2022.h5" --quiet
/usr/bin/python3 analysis/plot_run.py "$tmp/baseline_2022.h5" -o "$tmp/fig" --dpi 150 \
    --width page >/dev/null 2>"$tmp/notes"
mkdir -p "$out"
for f in rus_irn_dashboard actor_series; do
  cp "$tmp/fig/$f.png" "$out/$f.png.tmp" && mv "$out/$f.png.tmp" "$out/$f.png"
  echo "$out/$f.png"
done
