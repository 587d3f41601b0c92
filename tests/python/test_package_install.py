"""The analysis package installs offline with Debian's pip and setuptools and works from
anywhere: `pip install --no-build-isolation --no-deps --target DIR ./analysis`, then
`import pactsim` and the console scripts from another directory, with nothing of the
source tree on the path. Environment: PACTSIM_SOURCE_DIR (repository root).
"""
import os
import shutil
import subprocess
import sys

import pytest

SRC = os.environ.get("PACTSIM_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = ("pactsim-plot-run", "pactsim-plot-sweep", "pactsim-plot-compare", "pactsim-discover",
           "pactsim-plot-posterior", "pactsim-plot-predictive", "pactsim-plot-scores",
           "pactsim-facts")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    base = tmp_path_factory.mktemp("pkg")
    # pip builds in the source directory (build/, *.egg-info): build from a copy.
    src = base / "analysis"
    shutil.copytree(os.path.join(SRC, "analysis"), src,
                    ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    target = base / "site"
    env = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
               PIP_ROOT_USER_ACTION="ignore", PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--no-build-isolation",
                           "--no-deps", "--no-cache-dir", "--quiet", "--target", str(target),
                           str(src)], capture_output=True, text=True, env=env, cwd=base)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return base, target


def run_isolated(base, target, args):
    """Run with only the installed copy importable, from a directory outside the tree."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PYTHONPATH"] = str(target)
    elsewhere = base / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=elsewhere)


def test_import_from_elsewhere(installed):
    base, target = installed
    code = ("import pactsim, pactsim.io, pactsim.discovery, pactsim.plotting.run, "
            "pactsim.plotting.sweep, pactsim.plotting.compare, pactsim.posterior, "
            "pactsim.observations, pactsim.scores, pactsim.facts, pactsim.plotting.posterior, "
            "pactsim.plotting.predictive, pactsim.plotting.scores; "
            "print(pactsim.__file__); print(pactsim.__version__); "
            "print(pactsim.open_run is pactsim.io.open_run)")
    proc = run_isolated(base, target, [sys.executable, "-c", code])
    assert proc.returncode == 0, proc.stderr
    path, version, same = proc.stdout.split()
    assert path == str(target / "pactsim" / "__init__.py")  # the installed copy
    assert version == "0.1.0" and same == "True"


def test_console_scripts(installed):
    base, target = installed
    for name in SCRIPTS:
        script = target / "bin" / name
        assert os.access(script, os.X_OK), f"{script} missing"
        module = {"pactsim-discover": "pactsim.discovery", "pactsim-facts": "pactsim.facts"}.get(
            name, "pactsim.plotting." + name.rsplit("-", 1)[1])
        assert f"from {module} import main" in script.read_text()
    # Two of them run (each start imports numpy, h5py, xarray and maybe matplotlib).
    for name in ("pactsim-discover", "pactsim-plot-sweep"):
        proc = run_isolated(base, target, [str(target / "bin" / name), "--help"])
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith(f"usage: {name}")
    # A real refusal through an entry point: exit status 2 and the message.
    proc = run_isolated(base, target, [str(target / "bin" / "pactsim-plot-run"),
                                       "missing.h5", "-o", "out"])
    assert proc.returncode == 2 and "missing.h5: no such file" in proc.stderr
