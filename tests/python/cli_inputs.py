"""What the reader tests share (test_reader_inputs, test_api_consistency): paths, the
environment a script runs in, and the files real CLI runs make once per module: 3 replicates of
baseline_2022 to 2022-12 (base), one to 2022-01 (m1), one keeping only gdp fields (nodyad), one
failed in replicate 1 (PACTSIM_TEST_INJECT_NAN; failed), a tiny stride sweep and one part file
of it. Environment: PACTSIM (the CLI), PACTSIM_SOURCE_DIR (repository root), as ctest sets them.
"""
import os
import subprocess
import sys

import pytest

SRC = os.environ.get("PACTSIM_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANALYSIS = os.path.join(SRC, "analysis")
PACTSIM = os.environ.get("PACTSIM")
OBS = os.path.join(SRC, "data", "observations")
ENV = dict(os.environ, PYTHONPATH=ANALYSIS, MPLBACKEND="Agg")
needs_cli = pytest.mark.skipif(not PACTSIM, reason="PACTSIM not set (run through ctest)")
if ANALYSIS not in sys.path:
    sys.path.insert(0, ANALYSIS)

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    if not PACTSIM:
        pytest.skip("PACTSIM not set (run through ctest)")
    d = tmp_path_factory.mktemp("inputs")
    cfg = os.path.join(SRC, "configs", "baseline_2022.yaml")

    def run(name, *extra, env=None, check=True):
        subprocess.run([PACTSIM, "run", cfg, "-o", str(d / name), "-r", "3", "-t", "1", "-q",
                        "--force", *extra], check=check, env=env, capture_output=not check)
        return d / name

    out = {"base": run("base.h5", "--set", "end=2022-12"),
           "m1": run("m1.h5", "--set", "end=2022-01"),
           "nodyad": run("nodyad.h5", "--set", "end=2022-12", "--fields", "gdp,gdp_growth")}
    run("fl.h5", "--set", "end=2022-12", env=dict(os.environ, PACTSIM_TEST_INJECT_NAN="1:5"),
        check=False)
    out["failed"] = d / "fl.h5.failed.h5"
    assert out["failed"].exists()
    spec = d / "tiny.yaml"
    spec.write_text(f"name: tiny\nbase: {cfg}\ndesign: grid\nreplicates: 2\noutput: stride\n"
                    "stride: 3\nset:\n  end: 2022-12\nparameters:\n"
                    "  parameters.economy.sanction_elasticity: {range: [0.04, 0.3], levels: 3}\n")
    for name, extra in (("sweep.h5", ()), ("part0.h5", ("--points", "0:1"))):
        subprocess.run([PACTSIM, "sweep", str(spec), "-o", str(d / name), *extra, "-t", "1",
                        "-q", "--force"], check=True)
    out["sweep"], out["part"], out["dir"] = d / "sweep.h5", d / "part0.h5", d
    return out


def script(module, *args):
    """A script run as the user runs it: (exit status, stdout, stderr)."""
    p = subprocess.run([sys.executable, "-m", module, *map(str, args)], capture_output=True,
                       text=True, env=ENV)
    return p.returncode, p.stdout, p.stderr
