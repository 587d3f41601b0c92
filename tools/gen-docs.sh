#!/usr/bin/env bash
# Regenerate the documentation that is made from the models' tables:
# docs/parameters.md and the data-flow block of docs/architecture.md.
# Usage: tools/gen-docs.sh [PACTSIM] (default build/pactsim). tests/cli/test_docs.sh
# fails while either is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
pactsim=${1:-build/pactsim}
"$pactsim" config explain --markdown > docs/parameters.md.tmp
mv docs/parameters.md.tmp docs/parameters.md
"$pactsim" config dataflow > docs/dataflow.tmp
/usr/bin/python3 - docs/architecture.md docs/dataflow.tmp <<'PY'
import sys
doc, block = sys.argv[1], open(sys.argv[2]).read()
s = open(doc).read()
a, b = "<!-- dataflow:begin -->\n", "<!-- dataflow:end -->"
i, j = s.index(a) + len(a), s.index(b)
open(doc + ".tmp", "w").write(s[:i] + block + s[j:])
PY
mv docs/architecture.md.tmp docs/architecture.md
rm -f docs/dataflow.tmp
