"""bitcmp.py A.h5 B.h5 GROUP...: exit 1 if a dataset under the groups differs
between the files in its bits, shape or type, or exists in one only (h5diff
counts -0 and +0, and NaNs of any payload, as equal; this does not). Prints
each difference. A group in neither file is skipped."""
import sys

import h5py
import numpy as np


def datasets(f, group):
    out = {}
    if group not in f:
        return out
    if isinstance(f[group], h5py.Dataset):
        return {group: f[group]}
    f[group].visititems(lambda n, o: out.__setitem__(group + "/" + n, o)
                        if isinstance(o, h5py.Dataset) else None)
    return out


def same(x, y):
    if x.shape != y.shape or x.dtype != y.dtype:
        return False
    if x.dtype.kind == "f":
        return np.array_equal(x.view(np.uint8), y.view(np.uint8))
    return np.array_equal(x, y)


def main(argv):
    if len(argv) < 4:
        print(__doc__)
        return 2
    a, b = h5py.File(argv[1], "r"), h5py.File(argv[2], "r")
    bad = 0
    for g in argv[3:]:
        da, db = datasets(a, g), datasets(b, g)
        for path in sorted(set(da) | set(db)):
            if path not in da or path not in db:
                print("in one file only:", path)
                bad = 1
            elif not same(da[path][()], db[path][()]):
                print("differs:", path)
                bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv))
