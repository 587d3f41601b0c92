"""bench/bitcmp.py, the comparison behind bench/bitcheck.sh: equal files pass; a
sign of zero, a NaN payload, a value, a dtype or a dataset present in one file
only fails, naming the dataset; groups in neither file are skipped."""
import os
import subprocess

import h5py
import numpy as np

SRC = os.environ.get("PACTSIM_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(SRC, "bench", "bitcmp.py")


def write(path, **sets):
    with h5py.File(path, "w") as f:
        for name, value in sets.items():
            f.create_dataset("g/" + name, data=value)


def compare(tmp_path, a, b):
    write(tmp_path / "a.h5", **a)
    write(tmp_path / "b.h5", **b)
    r = subprocess.run(["/usr/bin/python3", TOOL, str(tmp_path / "a.h5"), str(tmp_path / "b.h5"),
                        "/g", "/absent"], capture_output=True, text=True)
    return r.returncode, r.stdout


def test_identical(tmp_path):
    x = {"x": np.array([0.0, np.nan, 1.5]), "k": np.arange(3)}
    assert compare(tmp_path, x, x) == (0, "")


def test_differences_named(tmp_path):
    base = np.array([0.0, 1.0, 2.0])
    nan2 = np.array([np.nan]).view(np.uint64) | np.uint64(1)
    cases = [
        {"x": np.array([-0.0, 1.0, 2.0])},                  # h5diff: equal
        {"x": np.array([0.0, 1.0, np.nextafter(2.0, 3.0)])},
        {"x": base.astype(np.float32)},
    ]
    for other in cases:
        rc, out = compare(tmp_path, {"x": base}, other)
        assert rc == 1 and "differs: /g/x" in out, other
    rc, out = compare(tmp_path, {"x": np.array([np.nan])}, {"x": nan2.view(np.float64)})
    assert rc == 1 and "differs: /g/x" in out
    rc, out = compare(tmp_path, {"x": base, "y": base}, {"x": base})
    assert rc == 1 and "in one file only: /g/y" in out
