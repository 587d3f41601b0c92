"""pactsim.agreements: how well the model's pair states separate observed agreement levels
(the ROC analysis of docs/validation.md, "Alliance thresholds and the alliance data").

The statistics on constructed values (AUC and Youden's cut have closed forms there), and on a
short history run (1979-1985, 2 replicates): each pair-year's value is the mean the module's
docstring defines, recomputed here from the file with h5py. Environment: PACTSIM (the CLI),
PACTSIM_SOURCE_DIR (repository root).
"""
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

SRC = os.environ.get("PACTSIM_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACTSIM = os.environ.get("PACTSIM")
sys.path.insert(0, os.path.join(SRC, "analysis"))

from pactsim import agreements  # noqa: E402

OBS = os.path.join(SRC, "data", "observations", "history", "agreements_annual.csv")


def test_auc_and_cut_on_constructed_values():
    assert agreements.auc([0.5, 0.6], [0.1, 0.2, 0.3]) == 1.0
    assert agreements.auc([0.1], [0.5, 0.6]) == 0.0
    assert agreements.auc([0.2, 0.2], [0.2]) == 0.5
    # one of two positives above the single negative, the other tied: (1 + 0.5) / 2
    assert agreements.auc([0.3, 0.2], [0.2]) == 0.75
    cut, tpr, fpr = agreements.youden_cut([0.5, 0.6], [0.1, 0.2, 0.3])
    assert (cut, tpr, fpr) == (0.5, 1.0, 0.0)
    # overlapping: J = 1/4 at 0.2, 5/12 at 0.5 (2 of 3 positives, 1 of 4 negatives), 1/3 at 0.6
    cut, tpr, fpr = agreements.youden_cut([0.2, 0.5, 0.6], [0.1, 0.3, 0.35, 0.55])
    assert cut == 0.5 and tpr == pytest.approx(2 / 3) and fpr == 0.25
    assert np.isnan(agreements.auc([], [0.1]))


@pytest.mark.skipif(not PACTSIM, reason="PACTSIM not set (run through ctest)")
def test_pair_years_and_discrimination_on_a_history_run(tmp_path):
    out = tmp_path / "h.h5"
    subprocess.run([PACTSIM, "run", os.path.join(SRC, "configs", "history_1979_2022.yaml"),
                    "-r", "2", "--set", "end=1985-12", "-o", str(out), "--quiet", "--force",
                    "--fields", "cooperation,trust,shared_threat,agreement_level"], check=True)
    py = agreements.pair_years(str(out), OBS)
    years = {y for _, y, _, _ in py}
    assert years == set(range(1980, 1986))          # the run's years only
    assert len(py) == 28 * 6                        # 28 pairs of 8 actors (Ukraine from 1992)
    with h5py.File(out) as f:
        iso = [x.decode() for x in f["actors/iso3"][:]]
        yr = np.array([int(d[:4]) for d in f["time/date"][:].astype(str)])
        c = f["dyad_state/cooperation"][...]
        t = f["dyad_state/trust"][...]
        s = f["dyad_state/shared_threat"][...]
    for pair, year, _, vals in py[::17]:
        a, b = pair.split("-")
        i, j, m = iso.index(a), iso.index(b), yr == year
        assert vals["cooperation"] == pytest.approx(0.5 * (c[:, m, i, j] + c[:, m, j, i]).mean())
        assert vals["trust"] == pytest.approx(np.minimum(t[:, m, i, j], t[:, m, j, i]).mean())
        assert vals["shared_threat"] == pytest.approx(s[:, m, i, j].mean())
    rows = agreements.discrimination(str(out), OBS)
    assert [(r["rung"], r["variable"]) for r in rows] == [
        (k, v) for k in agreements.RUNGS for v in agreements.VARIABLES]
    alliance = [r for r in rows if r["rung"] == 3]
    # 1980-85: the Arab League's three pairs (Iraq, Saudi Arabia, Syria) every year, and
    # China-Russia in 1980 (the Sino-Soviet treaty's last year)
    assert alliance[0]["positives"] == 3 * 6 + 1
    assert alliance[0]["pairs"] == "CHN-RUS IRQ-SAU IRQ-SYR SAU-SYR"
    for r in rows:
        assert 0.0 <= r["auc"] <= 1.0
        assert r["positives"] + r["negatives"] == len(py)


@pytest.mark.skipif(not PACTSIM, reason="PACTSIM not set (run through ctest)")
def test_command_line(tmp_path):
    out = tmp_path / "h.h5"
    subprocess.run([PACTSIM, "run", os.path.join(SRC, "configs", "history_1979_2022.yaml"),
                    "-r", "1", "--set", "end=1981-12", "-o", str(out), "--quiet", "--force"],
                   check=True)
    env = dict(os.environ, PYTHONPATH=os.path.join(SRC, "analysis"))
    p = subprocess.run([sys.executable, "-m", "pactsim.agreements", str(out), OBS,
                        "--format", "csv"], capture_output=True, text=True, env=env, check=True)
    lines = p.stdout.strip().splitlines()
    assert lines[0].startswith("rung,variable,positives")
    assert len(lines) == 1 + 9
    # a file with no agreement rows for the run's actors: bad input, exit 2 and a message
    # naming the run, as every script refuses inputs with nothing in common (docs/analysis.md)
    empty = tmp_path / "none.csv"
    empty.write_text("quantity,actor,target,date,value,sd,transform,source,published\n"
                     "agreement_level,AAA,BBB,1980,1,0.5,level,test,2021-01-01\n")
    p = subprocess.run([sys.executable, "-m", "pactsim.agreements", str(out), str(empty)],
                       capture_output=True, text=True, env=env)
    assert p.returncode == 2 and p.stdout == "" and "Traceback" not in p.stderr
    assert f"pactsim.agreements: error: {out}: no annual agreement_level" in p.stderr
