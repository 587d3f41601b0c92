#!/usr/bin/env bash
# Regenerate the two README figures (docs/img/) from a fresh baseline run.
# Usage: tools/readme-figures.sh [build dir, default build]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$build/pactsim" run configs/baseline_2022.yaml -o "$tmp/baseline_2022.h5" --quiet
/usr/bin/python3 analysis/plot_run.py "$tmp/baseline_2022.h5" -o "$tmp/fig" --dpi 70 >/dev/null
mkdir -p docs/img
cp "$tmp/fig/rus_irn_dashboard.png" "$tmp/fig/actor_series.png" docs/img/
echo "wrote docs/img/rus_irn_dashboard.png docs/img/actor_series.png"
