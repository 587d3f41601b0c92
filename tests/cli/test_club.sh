# configs/club_of_isolated.yaml (issue 16): the baseline plus North Korea, Belarus and
# Venezuela. A short run (eight months, as the last event is in July 2022; two replicates) is
# the same for 1 and 2 threads, gives finite values for the new actors, starts from the file's
# values, and leaves their leaning to the model (no camp, alignment moves). test_run.sh
# validates and runs it to the end, as every config.
. "$(dirname "$0")/lib.sh"
CFG="$SRC/configs/club_of_isolated.yaml"

expect_exit 0 "15 actors" -- "$PACTSIM" validate "$CFG"
for t in 1 2; do
    expect_exit 0 "" -- "$PACTSIM" run "$CFG" -o "$WORK/c$t.h5" --set end=2022-08 \
        --replicates 2 --threads "$t" --quiet
done
if /usr/bin/python3 "$SRC/tests/cli/h5same.py" "$WORK/c1.h5" "$WORK/c2.h5" \
        /actor_state /dyad_state /summary /events >"$WORK/diff" 2>&1; then ok
else bad "1 and 2 threads differ: $(head -c 400 "$WORK/diff")"; fi

if /usr/bin/python3 - "$WORK/c1.h5" >"$WORK/py" 2>&1 <<'EOF'
import sys
import h5py
import numpy as np
bad = []
with h5py.File(sys.argv[1], 'r') as f:
    iso = [x.decode() for x in f['actor_state/actor'][:]]
    new = [iso.index(a) for a in ('PRK', 'BLR', 'VEN')]
    n_months = f['time/date'].shape[0]
    if n_months != 8:
        bad.append(f'{n_months} months, expected 8')
    for g in ('actor_state', 'dyad_state'):
        for name, d in f[g].items():
            if d.ndim < 3 or d.dtype.kind != 'f':
                continue
            x = d[...]
            for i in new:
                part = x[..., i] if g == 'actor_state' else np.concatenate([x[..., i, :], x[..., :, i]])
                if not np.all(np.isfinite(part)):
                    bad.append(f'{g}/{name}: non-finite for {iso[i]}')
    A = lambda fld, a: f['actor_state/' + fld][:, :, iso.index(a)]
    D = lambda fld, s, t: f['dyad_state/' + fld][:, :, iso.index(s), iso.index(t)]
    # The file's values reach the run (month 1 = the state after the first step).
    if not np.all(np.abs(A('reserves', 'BLR')[:, 0] / 8.425e9 - 1) < 0.1):
        bad.append(f"BLR reserves {A('reserves', 'BLR')[:, 0]}, expected ~8.4e9")
    if not np.all(D('sanction_intensity', 'USA', 'VEN')[:, 0] > 0.7):
        bad.append('US sanctions on Venezuela missing')
    if not np.all(D('oil_trade', 'RUS', 'BLR')[:, 0] > 300):
        bad.append('Russian crude to Belarus missing')
    if not np.all(D('agreement_level', 'RUS', 'BLR') == 3):
        bad.append('Russia-Belarus alliance level is not 3')
    # March 2022: the EU's Belarus package raised its sanctions above the January level.
    if not np.all(D('sanction_intensity', 'EUU', 'BLR')[:, 2] > D('sanction_intensity', 'EUU', 'BLR')[:, 0] + 0.1):
        bad.append('EU 2022 Belarus packages not applied')
    # Not in a camp: their leaning is the model's and it moves.
    for a in ('PRK', 'BLR', 'VEN'):
        if np.any(A('camp', a) != 0):
            bad.append(f'{a} has a camp')
        if np.all(D('alignment', a, 'RUS')[:, -1] == D('alignment', a, 'RUS')[:, 0]):
            bad.append(f'alignment {a}->RUS does not move')
print('\n'.join(bad))
sys.exit(1 if bad else 0)
EOF
then ok; else bad "club run: $(head -c 600 "$WORK/py")"; fi
finish
