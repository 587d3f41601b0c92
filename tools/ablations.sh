#!/bin/bash
# The stylized facts' ablations of docs/validation.md in one command: every run
# (fixed parameters, REPLICATES replicates, the baseline's seed) and the three
# tables in Markdown on stdout (medians; a cross where the fact fails).
# usage: tools/ablations.sh PACTSIM OUTDIR [REPLICATES]   (THREADS=T to use T threads)
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 PACTSIM OUTDIR [REPLICATES]" >&2; exit 2; }
P=$1 D=$2 R=${3:-20}
SRC=$(cd "$(dirname "$0")/.." && pwd)
C=$SRC/configs B=$C/baseline_2022.yaml H=$C/history_1979_2022.yaml
mkdir -p "$D"
run() { local out=$1; shift; "$P" run "$@" -r "$R" -o "$D/$out.h5" --force -q -t "${THREADS:-1}"; }
del() { for e in "$@"; do printf -- '--set timeline.%s=null ' "$e"; done; }
E="--set end=2024-12"   # the 2022 facts need no month after 2024
# Every sanction of 2022 in the timeline, the oil embargoes among them.
SANCTIONS="eu_package_1 eu_package_2 us_swift_statement us_cbr_ban eu_package_3a
  cbr_reserves_frozen eu_package_3b us_energy_import_ban us_oil_import_ban eu_package_4
  eu_package_5 eu_package_6 eu_crude_embargo eu_maintenance_package"
HSANCTIONS=${SANCTIONS/eu_crude_embargo/}   # the history ends before it (2022-07)
FLAT="--set parameters.cooperation.isolation_floor=1"
# shellcheck disable=SC2046  # word splitting of the --set lists is wanted
{
run base "$B" $E
run nodip "$B" $E $(del raisi_in_moscow tehran_summit)
run nosanc "$B" $E $(del $SANCTIONS)
run noinv "$B" $E $(del invasion_of_ukraine)
run none "$C/no_invasion.yaml" $E
run nogulf "$B" $E $(del biden_in_jeddah jeddah_summit_uae uae_presence_in_tehran biden_in_israel)
run shield "$B" $E --set parameters.cover.shield=0.2
run riran "$C/relief_iran.yaml" $E
run rrus "$C/relief_russia.yaml" $E
run base_flat "$B" $E $FLAT
run riran_flat "$C/relief_iran.yaml" $E $FLAT
run rrus_flat "$C/relief_russia.yaml" $E $FLAT
run hist "$H"
run hist_novotes "$H" $(del unscr_1737_rus unscr_1747_rus unscr_1803_rus unscr_1929_rus s300_suspended)
run hist_noiraq "$H" $(del iraq_invades_iran)
run hist_nosyria "$H" $(del iran_militia_syria russia_intervenes_syria)
run hist_no2022 "$H" $(del invasion_of_ukraine $HSANCTIONS)
}
PYTHONPATH=$SRC/analysis /usr/bin/python3 - "$D" <<'PY'
import csv, io, subprocess, sys
d = sys.argv[1]
def facts(run, base=None):
    cmd = [sys.executable, "-m", "pactsim.facts", f"{d}/{run}.h5", "--csv"]
    if base:
        cmd += ["--base", f"{d}/{base}.h5"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return {(r["fact"], r["statistic"]): r for r in csv.DictReader(io.StringIO(out))}
def cell(r):
    return f"{float(r['median']):+.4g}" + ("" if r["holds"] == "1" else " ✗")
def table(head, runs, keep, base=None):
    cols = [facts(r, base) for r in runs]
    print("| " + " | ".join(head) + " |\n|---|" + "---:|" * len(runs))
    for k in cols[0]:
        if keep(k):
            label = k[1] if k[0] == "SF10" else f"{k[0]}: {k[1]}"
            print(f"| {label} | " + " | ".join(cell(c[k]) for c in cols) + " |")
    print()
table(["fact: statistic", "baseline", "no RUS–IRN diplomacy", "no sanctions", "no invasion",
       "neither", "no Gulf visits", "`cover.shield=0.2`"],
      ["base", "nodip", "nosanc", "noinv", "none", "nogulf", "shield"],
      lambda k: k[0] not in ("SF9", "SF10"))
cols = [facts(r, b) for r, b in (("riran", "base"), ("rrus", "base"),
                                 ("riran_flat", "base_flat"), ("rrus_flat", "base_flat"))]
k = next(k for k in cols[0] if k[0] == "SF9")
print("| SF9: RUS–IRN cooperation 2024, paired with the baseline | relief_iran | relief_russia | "
      "relief_iran, `isolation_floor=1` in both runs | relief_russia, `isolation_floor=1` in both "
      "runs |\n|---|---:|---:|---:|---:|")
print("| SF9 | " + " | ".join(cell(c[k]) for c in cols) + " |\n")
table(["SF10: statistic", "history", "no Russian UN votes 2006–2010", "no Iraqi invasion 1980",
       "no Syria interventions", "no 2022 invasion and sanctions"],
      ["hist", "hist_novotes", "hist_noiraq", "hist_nosyria", "hist_no2022"],
      lambda k: k[0] == "SF10")
PY
