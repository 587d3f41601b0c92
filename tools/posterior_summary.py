#!/usr/bin/python3
"""Shrink a posterior file (pactsim calibrate) to what a repository can ship.

posterior_summary.py IN.h5 OUT.h5 [--force]: keeps the root attributes, /posterior (the
final weighted samples, which `pactsim run --posterior` reads), /discrepancy,
/provenance and each generation's diagnostics (tolerance, acceptance rate, ESS,
simulations), and leaves out every generation's population (/generations/
samples, weights, distance), which holds most of the bytes. Datasets are
deflated. OUT is written under a temporary name and renamed; an existing OUT
is replaced only with --force, and OUT may not be IN. Exit status: 0 done, 2 bad
arguments or input, 1 a failure while writing.
"""
import argparse
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
            print("posterior_summary.py: %s: format is %r; expected a pactsim-posterior file"
                  % (src, fmt), file=sys.stderr)
            return 2
        try:
            with h5py.File(tmp, "w", libver="earliest") as g:
                copy(f, g)
                g.attrs["summary_of"] = os.path.basename(src)
            os.replace(tmp, out)
        except OSError as e:
            if os.path.exists(tmp):
                os.unlink(tmp)
            print("posterior_summary.py: %s: cannot write: %s" % (out, e), file=sys.stderr)
            return 1
    return 0


def cli(argv=None):
    ap = argparse.ArgumentParser(
        prog="posterior_summary.py",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog="Drops /generations/{samples,weights,distance}; `pactsim run --posterior` "
               "reads the result as it reads the full file.")
    ap.add_argument("src", metavar="IN.h5", help="a posterior file of pactsim calibrate")
    ap.add_argument("out", metavar="OUT.h5", help="the shrunk file to write")
    ap.add_argument("--force", action="store_true", help="replace an existing OUT.h5")
    a = ap.parse_args(argv)
    if not os.path.isfile(a.src):
        ap.error("%s: not a readable file" % a.src)
    if os.path.exists(a.out):
        if os.path.samefile(a.src, a.out):
            ap.error("OUT.h5 %s is IN.h5; expected another file" % a.out)
        if not a.force:
            ap.error("%s exists; use --force to replace it" % a.out)
        if not os.path.isfile(a.out):
            ap.error("%s is not a regular file; expected a file name to write" % a.out)
    try:
        return main(a.src, a.out)
    except OSError as e:
        print("posterior_summary.py: %s: cannot read: %s" % (a.src, e), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(cli())
