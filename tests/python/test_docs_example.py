"""The worked example of docs/analysis.md runs as written (on smaller runs).

Its shell blocks run from a temporary directory with the CLI from PACTSIM, the configs of
the source tree, 2 replicates instead of 20, and the pactsim-* scripts through the wrappers
in analysis/ (the install itself is py.test_package_install), with fewer panels and at
40 dpi (py.test_figure_layout checks the full figures); its Python blocks run in one
interpreter with analysis/ on PYTHONPATH. Environment: PACTSIM, PACTSIM_SOURCE_DIR.
"""
import os
import re
import shlex
import subprocess
import sys

import pytest

SRC = os.environ.get("PACTSIM_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = {"pactsim-plot-run": "plot_run.py", "pactsim-plot-sweep": "plot_sweep.py",
           "pactsim-plot-compare": "plot_compare.py", "pactsim-discover": "discover.py"}


def example_blocks():
    text = open(os.path.join(SRC, "docs", "analysis.md")).read()
    section = text.split("## Worked example", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(sh|python)\n(.*?)```", section, re.S)


def shell_line(line, cli):
    words = shlex.split(line.split("#", 1)[0])
    if not words or words[0] in ("export", "mkdir") or "pip" in words[:3]:
        return None
    if words[0] == "build/pactsim":
        words[0] = cli
        words = [os.path.join(SRC, w) if w.startswith("configs/") else w for w in words]
        if "--replicates" in words:
            words[words.index("--replicates") + 1] = "2"
    elif words[0] in SCRIPTS:
        # fewer panels than the defaults, at low resolution: the test is about the commands
        fewer = {"pactsim-plot-run": ["--vars", "gdp_growth", "--dates", "2022-06"],
                 "pactsim-plot-compare": ["--vars", "cooperation"],
                 "pactsim-plot-sweep": ["--metrics", "rus_irn_cooperation_2024"]}
        words = [sys.executable, os.path.join(SRC, "analysis", SCRIPTS[words[0]])] + \
            words[1:] + fewer.get(words[0], []) + ["--dpi", "40"]
    else:
        raise AssertionError(f"unexpected command in the worked example: {line}")
    return words


def test_worked_example(tmp_path):
    cli = os.environ.get("PACTSIM")
    if not cli:
        pytest.skip("PACTSIM not set (run through ctest)")
    blocks = example_blocks()
    assert [kind for kind, _ in blocks] == ["sh", "sh", "python", "python", "sh"]
    (tmp_path / "out").mkdir()
    env = dict(os.environ, PYTHONPATH=os.path.join(SRC, "analysis"))
    python = []
    ran = 0
    for kind, code in blocks:
        if kind == "python":
            python.append(code)
            continue
        for line in code.splitlines():
            words = shell_line(line, cli)
            if words is None:
                continue
            proc = subprocess.run(words, cwd=tmp_path, env=env, capture_output=True, text=True)
            assert proc.returncode == 0, f"{line}\n{proc.stderr}"
            ran += 1
    assert ran == 8
    proc = subprocess.run([sys.executable, "-c", "\n".join(python)], cwd=tmp_path, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "coverage" in proc.stdout and "parameters.cooperation.rise" in proc.stdout
    for name in ("disc/discovery_tradeoff.png", "disc.json", "fig/actor_series.png",
                 "fig-col/actor_series.png", "cmp/compare_summary.png"):
        assert (tmp_path / "out" / name).exists(), name
