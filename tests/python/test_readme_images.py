"""The README images (docs/img/*.png) are what tools/make-readme-images.sh draws now.

The script runs the baseline and draws the images into a temporary directory; each must
have the committed image's size, and the two may differ in at most 0.1 % of pixels (by
more than 10 % in a channel), which allows a different font hinting or zlib but not a
moved line: a change to the model or to the plots fails here until the images are
regenerated (`tools/make-readme-images.sh`) and committed.
Environment: PACTSIM (the CLI) and PACTSIM_SOURCE_DIR, as CTest sets them.
"""
import os
import subprocess

import numpy as np
import pytest

SRC = os.environ.get("PACTSIM_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
IMAGES = ("rus_irn_dashboard.png", "actor_series.png")
MAX_DIFFERENT = 0.001


def differing_share(a, b):
    return float((np.abs(a.astype(float) - b.astype(float)).max(axis=-1) > 0.1).mean())


def test_readme_images_are_current(tmp_path):
    import matplotlib.image as mimage
    if not os.environ.get("PACTSIM"):
        pytest.skip("PACTSIM not set (run through ctest)")
    proc = subprocess.run(["bash", os.path.join(SRC, "tools", "make-readme-images.sh"),
                           str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [str(tmp_path / name) for name in IMAGES]
    for name in IMAGES:
        new = mimage.imread(tmp_path / name)
        old = mimage.imread(os.path.join(SRC, "docs", "img", name))
        stale = f"docs/img/{name} is stale: run tools/make-readme-images.sh and commit it"
        assert new.shape == old.shape, f"{stale} (size {old.shape[:2]} -> {new.shape[:2]})"
        share = differing_share(new, old)
        assert share <= MAX_DIFFERENT, f"{stale} ({share:.2%} of pixels differ)"
        assert new.shape[1] <= 1100  # page width at 150 dpi


def test_differing_share_sees_a_moved_line():
    img = np.ones((100, 200, 3))
    a, b = img.copy(), img.copy()
    a[50, 20:180] = 0
    b[52, 20:180] = 0  # the same line two pixels lower
    assert differing_share(a, a) == 0
    assert differing_share(a, b) == pytest.approx(320 / 20000)
    assert differing_share(a, b) > MAX_DIFFERENT
