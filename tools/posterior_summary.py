#!/usr/bin/python3
"""Shrink a posterior file (pactsim calibrate) to what a repository can ship.

posterior_summary.py IN.h5 OUT.h5: keeps the root attributes, /posterior (the
final weighted samples, which `pactsim run --posterior` reads), /discrepancy,
/provenance and each generation's diagnostics (tolerance, acceptance rate, ESS,
simulations), and leaves out every generation's population (/generations/
samples, weights, distance), which holds most of the bytes. Datasets are
deflated. OUT is written under a temporary name and renamed.
"""
import os
import sys

import h5py

DROP = {"generations/samples", "generations/weights", "generations/distance"}


def copy(src, dst, path=""):
    for k, v in src.attrs.items():
        dst.attrs[k] = v
    for name, obj in src.items():
        full = (path + "/" + name).lstrip("/")
        if full in DROP:
            continue
        if isinstance(obj, h5py.Group):
            copy(obj, dst.create_group(name), full)
        else:
            big = obj.shape != () and obj.size > 16 and obj.dtype.kind == "f"
            d = dst.create_dataset(name, data=obj[()], dtype=obj.dtype,
                                   compression="gzip" if big else None,
                                   shuffle=big)
            for k, v in obj.attrs.items():
                d.attrs[k] = v


def main(src, out):
    tmp = out + ".tmp.%d" % os.getpid()
    with h5py.File(src, "r") as f:
        fmt = f.attrs.get("format")
        if fmt != "pactsim-posterior":
            sys.exit("%s: format is %r; expected a pactsim-posterior file" % (src, fmt))
        with h5py.File(tmp, "w", libver="earliest") as g:
            copy(f, g)
            g.attrs["summary_of"] = os.path.basename(src)
    os.replace(tmp, out)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
