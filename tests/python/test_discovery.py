"""Scenario discovery (pactsim.discovery): PRIM, CART and feature scores on cases with a
known box, sweep_table on a synthetic sweep file, and the pactsim-discover script.

The synthetic case: 5 inputs uniform on [0, 1], the outcome of interest holds exactly in
the box 0.2 <= x0 <= 0.6, x1 >= 0.5 (x2..x4 do not matter), with and without 5 % of the
labels flipped. The true box's coverage and density are computed on the same cases.
Environment: PACTSIM_SOURCE_DIR (repository root; default: from this file).
"""
import json
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

SRC = os.environ.get("PACTSIM_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(SRC, "analysis"))

import pactsim  # noqa: E402
from pactsim import discovery  # noqa: E402

LO, HI = np.array([0.2, 0.5]), np.array([0.6, 1.0])
NAMES = ["x0", "x1", "x2", "x3", "x4"]


def cases(n=2000, flip=0.0, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 1, (n, 5))
    inbox = np.all((X[:, :2] >= LO) & (X[:, :2] <= HI), axis=1)
    y = inbox.copy()
    flipped = rng.uniform(size=n) < flip
    y[flipped] = ~y[flipped]
    return X, y


def true_box(X, y):
    return pactsim.Box(np.r_[LO, X[:, 2:].min(axis=0)], np.r_[HI, X[:, 2:].max(axis=0)], X, y,
                       NAMES)


@pytest.mark.parametrize("flip, tol_limit, tol_stat", [(0.0, 0.015, 0.02), (0.05, 0.03, 0.05)])
def test_prim_finds_the_box(flip, tol_limit, tol_stat):
    X, y = cases(flip=flip)
    res = pactsim.prim(X, y, NAMES)
    box, true = res.box, true_box(X, y)
    assert box.restricted == [0, 1]  # the irrelevant inputs are left whole
    assert np.abs(box.lo[:2] - LO).max() < tol_limit
    assert abs(box.hi[0] - HI[0]) < tol_limit and box.hi[1] == X[:, 1].max()
    assert abs(box.coverage - true.coverage) < tol_stat
    assert abs(box.density - true.density) < tol_stat
    assert abs(box.mass - true.mass) < tol_stat
    assert box.limits() == {"x0": (box.lo[0], box.hi[0]), "x1": (box.lo[1], box.hi[1])}
    # Statistics by their definitions, on the same cases.
    inside = box.contains(X)
    assert box.n == inside.sum() and box.mass == pytest.approx(inside.mean())
    assert box.density == pytest.approx(y[inside].mean())
    assert box.coverage == pytest.approx(y[inside].sum() / y.sum())


def test_prim_trajectory():
    X, y = cases(flip=0.05)
    res = pactsim.prim(X, y, NAMES, alpha=0.05, mass_min=0.05)
    st = res.stats()
    n = len(res.trajectory)
    assert n > 20 and all(len(v) == n for v in st.values())
    assert st["mass"][0] == 1 and st["coverage"][0] == 1
    assert st["density"][0] == pytest.approx(y.mean())
    # Each peel removes about alpha of the box and never raises coverage.
    assert np.all(np.diff(st["mass"]) < 0) and np.all(np.diff(st["coverage"]) <= 1e-12)
    assert np.all(st["mass"][1:] / st["mass"][:-1] > 0.9)
    assert st["mass"][-1] >= 0.05 and st["mass"][-1] < 0.05 / 0.9
    # Density climbs from the base rate to above the true box's.
    assert st["density"][res.chosen] > 0.9 > st["density"][0] * 3
    # A density threshold picks the largest-coverage box reaching it (before pasting).
    sel = pactsim.prim(X, y, NAMES, threshold=0.97)
    d = sel.stats()["density"]
    assert d[sel.chosen] >= 0.97 and not (d[:sel.chosen] >= 0.97).any()
    assert sel.select(sel.chosen, paste=False) is sel.trajectory[sel.chosen]


def test_prim_grid_values_and_refusals():
    # A grid design: repeated values, where a quantile peel would remove nothing.
    g = np.array([[a, b] for a in range(5) for b in range(5) for _ in range(4)], dtype=float)
    y = (g[:, 0] >= 3) & (g[:, 1] <= 1)
    res = pactsim.prim(g, y)
    assert res.box.lo[0] == 3 and res.box.hi[1] == 1
    assert res.box.coverage == 1 and res.box.density == 1
    with pytest.raises(ValueError, match="no case of interest"):
        pactsim.prim(g, np.zeros(len(g), bool))
    with pytest.raises(ValueError, match="booleans"):
        pactsim.prim(g, g[:, 0])
    with pytest.raises(ValueError, match=r"\[case, input\]"):
        pactsim.prim(g[:, 0], y)


def test_cart_classification_and_regression():
    X, y = cases()
    tree = pactsim.cart(X, y, NAMES, max_depth=3)
    assert 0.999 < tree.importances[:2].sum() <= 1 + 1e-12
    best_node, best = max(tree.leaves(), key=lambda nb: tree.value[nb[0]])
    assert tree.value[best_node] == 1.0 and best.coverage == 1.0 and best.density == 1.0
    assert np.abs(best.lo[:2] - LO).max() < 0.01 and abs(best.hi[0] - HI[0]) < 0.01
    assert np.array_equal(tree.predict(X) > 0.5, y)  # noise-free: every case right
    assert "x0" in tree.rules().splitlines()[0] and "density 1.000" in tree.rules()
    # Regression: y = 3 x2 + step in x4; the first split is on x2 or x4 and x0, x1 unused.
    yr = 3 * X[:, 2] + 2.0 * (X[:, 4] > 0.7)
    reg = pactsim.cart(X, yr, NAMES, max_depth=4)
    assert not reg.classification
    assert reg.importances[[2, 4]].sum() > 0.99
    assert np.mean((reg.predict(X) - yr) ** 2) < 0.1 * yr.var()
    sizes = [b.n for _, b in reg.leaves()]
    assert sum(sizes) == len(X) and min(sizes) >= reg.min_leaf


def test_feature_scores():
    X, y = cases(flip=0.05)
    scores = pactsim.feature_scores(X, y, NAMES, n_trees=25, seed=3)
    assert list(scores)[:2] == ["x0", "x1"]
    assert sum(scores.values()) == pytest.approx(1.0)
    assert scores["x0"] > 0.3 and scores["x1"] > 0.2
    assert max(scores[n] for n in ("x2", "x3", "x4")) < 0.05
    assert pactsim.feature_scores(X, y, NAMES, n_trees=25, seed=3) == scores  # seeded


# ------------------------------------------------------------ sweep files
STR = h5py.string_dtype("utf-8")


def write_sweep(path, n_points=400, n_rep=2, seed=5):
    """A pactsim-sweep file whose metric exceeds 0.5 exactly in the box above (x0, x1)."""
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 1, (n_points, 3))
    inbox = np.all((pts[:, :2] >= LO) & (pts[:, :2] <= HI), axis=1)
    metric = np.where(inbox, 0.7, 0.3)[:, None] + 0.01 * np.arange(n_rep)
    done = np.ones((n_points, n_rep), "uint8")
    done[0, 1] = 0  # not run: left out
    metric[1, 0] = np.nan  # undefined: left out
    with h5py.File(path, "w") as f:
        f.attrs.create("format", "pactsim-sweep", dtype=STR)
        f.attrs["format_version"] = np.int32(1)
        f.attrs.create("scenario", "synthetic", dtype=STR)
        g = f.create_group("sweep")
        g.attrs.create("design", "lhs", dtype=STR)
        g.create_dataset("param", data=["parameters.a.x0", "parameters.a.x1",
                                        "timeline.e.magnitude"], dtype=STR)
        g.create_dataset("points", data=pts)
        g.create_dataset("param_units", data=["1", "1/yr", ""], dtype=STR)
        g.create_dataset("done", data=done)
        d = g.create_group("summary").create_dataset("rus_irn_cooperation_2024", data=metric)
        d.attrs.create("units", "1", dtype=STR)
    return path, pts, inbox


def test_sweep_table(tmp_path):
    path, pts, inbox = write_sweep(tmp_path / "sweep.h5")
    t = pactsim.sweep_table(path, "rus_irn_cooperation_2024")
    assert len(t) == 400 * 2 - 2 and t.names[2] == "timeline.e.magnitude"
    assert t.param_units == ["1", "1/yr", ""] and t.metric_units == "1"
    assert not ((t.point == 0) & (t.replicate == 1)).any()
    assert not ((t.point == 1) & (t.replicate == 0)).any()
    assert np.array_equal(t.X, pts[t.point])
    assert np.array_equal(t.y > 0.5, inbox[t.point])
    X, y, names = t
    assert X is t.X and names == t.names
    med = pactsim.sweep_table(path, "rus_irn_cooperation_2024", reduce="median")
    assert len(med) == 400 and med.y[2] == pytest.approx(0.305 if not inbox[2] else 0.705)
    with pytest.raises(pactsim.PactsimFileError, match="no /sweep/summary/nope"):
        pactsim.sweep_table(path, "nope")


def test_discover_script(tmp_path):
    path, pts, inbox = write_sweep(tmp_path / "sweep.h5")
    out = tmp_path / "d.json"
    proc = subprocess.run([sys.executable, os.path.join(SRC, "analysis", "discover.py"),
                           str(path), "--metric", "rus_irn_cooperation_2024", "--above", "0.5",
                           "--trees", "10", "--json", str(out), "-o", str(tmp_path / "f")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "798 cases (runs)" in proc.stdout and "<- chosen" in proc.stdout
    res = json.loads(out.read_text())
    box = res["prim"]["box"]
    assert set(box["limits"]) == {"parameters.a.x0", "parameters.a.x1"}
    assert box["limits"]["parameters.a.x0"][0] == pytest.approx(0.2, abs=0.03)
    assert box["limits"]["parameters.a.x0"][1] == pytest.approx(0.6, abs=0.03)
    assert box["limits"]["parameters.a.x1"][0] == pytest.approx(0.5, abs=0.03)
    assert box["density"] > 0.95 and box["coverage"] > 0.9
    assert list(res["feature_scores"])[2] == "timeline.e.magnitude"
    for name in ("discovery_tradeoff", "discovery_box", "discovery_scores"):
        assert (tmp_path / "f" / f"{name}.png").stat().st_size > 1000
    # stdout ends with every file written, one per line (docs/analysis.md), the JSON too
    written = {str(out)} | {str(p) for p in (tmp_path / "f").iterdir()}
    assert set(proc.stdout.rstrip("\n").rsplit("\n\n", 1)[1].splitlines()) == written
    # the JSON alone: listed as well
    out.unlink()
    proc = subprocess.run([sys.executable, os.path.join(SRC, "analysis", "discover.py"),
                           str(path), "--metric", "rus_irn_cooperation_2024", "--above", "0.5",
                           "--trees", "10", "--json", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert out.exists() and proc.stdout.rstrip("\n").rsplit("\n\n", 1)[1] == str(out)


def test_discover_refuses(tmp_path, capsys):
    path, _, _ = write_sweep(tmp_path / "sweep.h5")
    assert discovery.main([str(path), "--metric", "nope", "--above", "0"]) == 2
    assert "no /sweep/summary/nope" in capsys.readouterr().err
    assert discovery.main([str(path), "--metric", "rus_irn_cooperation_2024",
                           "--above", "2"]) == 2
    assert "holds in 0 of 798 cases" in capsys.readouterr().err
    assert discovery.main([str(path), "--metric", "rus_irn_cooperation_2024", "--above", "0.5",
                           "--alpha", "0.7"]) == 2
    assert "--alpha" in capsys.readouterr().err
    run = tmp_path / "run.h5"
    with h5py.File(run, "w") as f:
        f.attrs.create("format", "pactsim", dtype=STR)
        f.attrs["format_version"] = np.int32(1)
    assert discovery.main([str(run), "--metric", "m", "--below", "0"]) == 2
    assert "not a sweep file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:  # --above or --below is required
        discovery.main([str(path), "--metric", "rus_irn_cooperation_2024"])
    assert e.value.code == 2
