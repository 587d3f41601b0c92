"""The YAML examples of docs/config.md and docs/sweeps.md are accepted as written.

Each block is written to a temporary directory next to a link to configs/baseline_2022.yaml
(sweep specs one folder down, as in configs/sweeps/), so the relative `extends:` and `base:`
of the docs resolve as they do in the source tree, and checked with `pactsim validate` or
`pactsim sweep --validate`. Environment: PACTSIM, PACTSIM_SOURCE_DIR.
"""
import os
import re
import subprocess

import pytest

SRC = os.environ.get("PACTSIM_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def yaml_blocks(doc, section=None):
    text = open(os.path.join(SRC, "docs", doc)).read()
    if section:
        text = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```yaml\n(.*?)```", text, re.S)


def check(tmp_path, name, block, args):
    cli = os.environ.get("PACTSIM")
    if not cli:
        pytest.skip("PACTSIM not set (run through ctest)")
    (tmp_path / "sweeps").mkdir(exist_ok=True)
    base = tmp_path / "baseline_2022.yaml"
    if not base.exists():
        base.symlink_to(os.path.join(SRC, "configs", "baseline_2022.yaml"))
    path = tmp_path / name
    path.write_text(block)
    proc = subprocess.run([cli] + args + [str(path)] + (["--validate"] if args == ["sweep"] else []),
                          capture_output=True, text=True)
    assert proc.returncode == 0, f"{name}:\n{block}\n{proc.stderr}"
    return proc.stdout


def test_config_first_example(tmp_path):
    out = check(tmp_path, "example.yaml", yaml_blocks("config.md")[0], ["validate"])
    assert "scenario 'no_relief_2023'" in out


def test_config_extends_removes_an_actor(tmp_path):
    blocks = yaml_blocks("config.md", "extends")
    assert len(blocks) == 1
    out = check(tmp_path, "no_syria.yaml", blocks[0], ["validate"])
    assert "11 actors, 1 theaters" in out


def test_sweep_spec_example(tmp_path):
    block = yaml_blocks("sweeps.md", "Sweep specs")[0]
    out = check(tmp_path, "sweeps/spec.yaml", block, ["sweep"])
    # the figures the doc quotes after the block
    assert "saltelli design, 3 parameters, 512 points x 4 replicates = 2048 runs" in out
