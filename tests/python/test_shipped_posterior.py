"""The shipped posterior (configs/calibration/baseline_2022_posterior.h5) still fits.

configs/baseline_2022_calibrated.yaml draws each replicate's parameters from
it. A posterior computed by an older model (other random streams, a renamed
parameter, a changed mechanism) would load but no longer be a posterior of
this model. So: (1) every parameter it names is a parameter of the model
today; (2) its ensemble scores better than the fixed-parameter baseline on
the observations it was calibrated against (CRPS in units of the
observations' sd, over the same 2022-01..07 window); (3) its replicates
differ by more than the stochastic spread alone (parameter uncertainty is in
the band). Measured 2026-12-02, 40 replicates: CRPS/sd 0.82 vs 1.21, 90%
coverage 0.78 vs 0.63, CV of Russia-Iran cooperation ~20x the fixed one; after
the oil buyers of issue 16 (posterior not yet recomputed; 100 replicates):
0.81 vs 1.07, 90% coverage 0.81 vs 0.66.
Since issue 16 the model also has decision noise (cooperation.offer_noise,
promises.delivery_noise), which widens the fixed baseline's band too (CV of
Russia-Iran cooperation in 2022-07: 0.0062 fixed, 0.0075 calibrated): (3) is
checked with both noises at 0, where only the parameters can spread the
calibrated runs more, and with the noises the calibrated band must still be
the wider.

Environment: PACTSIM (the CLI), PACTSIM_SOURCE_DIR (the repository).
"""
import json
import os
import subprocess

import h5py
import numpy as np

PACTSIM = os.environ.get("PACTSIM", "build/pactsim")
SRC = os.environ.get("PACTSIM_SOURCE_DIR", ".")
POSTERIOR = os.path.join(SRC, "configs/calibration/baseline_2022_posterior.h5")
OBS = [os.path.join(SRC, "data/observations", f)
       for f in ("economy_2022.csv", "oil_2022.csv", "oil_2022_india.csv")]


QUIET = ["--set", "parameters.cooperation.offer_noise=0",
         "--set", "parameters.promises.delivery_noise=0"]


def run_and_score(tmp_path, config, extra=(), tag=""):
    out = tmp_path / (config + tag + ".h5")
    subprocess.run([PACTSIM, "run", os.path.join(SRC, "configs", config + ".yaml"),
                    "--set", "end=2022-07", "-r", "40", "-o", str(out), "--quiet", *extra],
                   check=True)
    sc = subprocess.run([PACTSIM, "score", str(out), *OBS, "--format", "json"],
                        check=True, capture_output=True, text=True)
    return out, json.loads(sc.stdout)["total"]


def coop_cv(path):
    with h5py.File(path, "r") as f:
        actors = [a.decode() if isinstance(a, bytes) else a for a in f["actor_state/actor"][()]]
        r, i = actors.index("RUS"), actors.index("IRN")
        v = f["dyad_state/cooperation"][:, -1, r, i]
    return v.std(ddof=1) / v.mean()


def test_parameters_exist():
    explain = subprocess.run([PACTSIM, "config", "explain"], check=True,
                             capture_output=True, text=True).stdout
    with h5py.File(POSTERIOR, "r") as f:
        names = [n.decode() if isinstance(n, bytes) else n for n in f["posterior/parameter"][()]]
    assert len(names) >= 20
    model = None
    known = set()
    for line in explain.splitlines():
        if line.startswith("model "):
            model = line.split()[1].rstrip(":")
        elif line.startswith("    ") and not line.startswith("      ") and model:
            known.add(f"parameters.{model}.{line.split()[0]}")
    missing = [n for n in names if n not in known]
    assert not missing, f"posterior names parameters the model no longer has: {missing}"


def test_shipped_files_are_summaries():
    """Every shipped posterior is shrunk by tools/posterior_summary.py: the runs read only
    /posterior, and each generation's population made the 2022 file 13 MB instead of 0.6 MB
    (committed so in d59575e, shrunk in 65fee53)."""
    for name in ("baseline_2022_posterior.h5", "history_1979_2022_posterior.h5"):
        with h5py.File(os.path.join(SRC, "configs/calibration", name), "r") as f:
            assert "posterior/samples" in f and "generations/tolerance" in f
            dropped = [k for k in ("samples", "weights", "distance") if k in f["generations"]]
            assert not dropped, f"{name} holds /generations/{dropped}: run tools/posterior_summary.py"


def test_posterior_fits_better_and_widens_bands(tmp_path):
    fixed, s_fixed = run_and_score(tmp_path, "baseline_2022")
    post, s_post = run_and_score(tmp_path, "baseline_2022_calibrated")
    assert s_post["n"] == s_fixed["n"] >= 30
    # Calibrated against these rows: it must fit them clearly better.
    assert s_post["crps_sd"] < 0.85 * s_fixed["crps_sd"], (s_post, s_fixed)
    assert s_post["coverage90"] > s_fixed["coverage90"]
    assert coop_cv(post) > coop_cv(fixed)
    fixed0, _ = run_and_score(tmp_path, "baseline_2022", QUIET, "_quiet")
    post0, _ = run_and_score(tmp_path, "baseline_2022_calibrated", QUIET, "_quiet")
    assert coop_cv(post0) > 5 * coop_cv(fixed0)


def test_posterior_summary_tool(tmp_path):
    """tools/posterior_summary.py: --help exits 0; it keeps /posterior bit for bit; an
    existing OUT is replaced only with --force; OUT may not be IN; a file that is not a
    posterior is refused (exit 2) and leaves nothing."""
    tool = os.path.join(SRC, "tools/posterior_summary.py")
    run = lambda *a: subprocess.run(["/usr/bin/python3", tool, *a], capture_output=True,
                                    text=True)
    r = run("--help")
    assert r.returncode == 0 and "IN.h5 OUT.h5" in r.stdout, r
    out = str(tmp_path / "s.h5")
    assert run(POSTERIOR, out).returncode == 0
    with h5py.File(POSTERIOR, "r") as a, h5py.File(out, "r") as b:
        for k in ("samples", "weights"):
            assert np.array_equal(a["posterior"][k][()], b["posterior"][k][()])
    r = run(POSTERIOR, out)
    assert r.returncode == 2 and "use --force" in r.stderr, r
    assert run(POSTERIOR, out, "--force").returncode == 0
    r = run(out, out, "--force")
    assert r.returncode == 2 and "is IN.h5" in r.stderr, r
    r = run(os.path.join(SRC, "tests/configs/sweep/small.yaml"), str(tmp_path / "x.h5"))
    assert r.returncode == 2, r
    assert not any(p.name.startswith("x.h5") for p in tmp_path.iterdir())
