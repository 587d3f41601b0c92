"""Exit 0 if the named groups (or datasets) of two HDF5 files hold the same
values bit for bit (NaN equal to NaN); else print what differs and exit 1.
Faster than h5diff for the CLI tests. Usage: h5same.py A.h5 B.h5 PATH...
or h5same.py --list FILE PATH...: every line of FILE is "A<TAB>B<TAB>LABEL"
(one process for many pairs: tests/cli/test_fault.sh)."""
import sys

import h5py
import numpy as np


def same(x, y):
    if not isinstance(x, np.ndarray) or not isinstance(y, np.ndarray):  # scalars, strings
        return type(x) is type(y) and x == y
    if x.shape != y.shape or x.dtype != y.dtype:
        return False
    if x.dtype.kind == 'f':  # compare the bits: NaN == NaN, -0.0 != 0.0
        return np.array_equal(x.view(f'u{x.dtype.itemsize}'), y.view(f'u{y.dtype.itemsize}'))
    return np.array_equal(x, y)


def main(a_path, b_path, paths):
    bad = []
    with h5py.File(a_path, 'r') as a, h5py.File(b_path, 'r') as b:
        for p in paths:
            if p not in a or p not in b:
                bad.append(f'{p} (missing)')
                continue
            names = []
            if isinstance(a[p], h5py.Dataset):
                names = [p]
            else:
                a[p].visititems(lambda n, o: names.append(f'{p}/{n}')
                                if isinstance(o, h5py.Dataset) else None)
            for n in names:
                if n not in b or not same(a[n][()], b[n][()]):
                    bad.append(n)
    if bad:
        print('differ: ' + ' '.join(bad))
    return 1 if bad else 0


def main_list(list_path, paths):
    failed = 0
    with open(list_path) as f:
        for line in f:
            a, b, label = line.rstrip('\n').split('\t', 2)
            try:
                rc = main(a, b, paths)
            except OSError as e:
                print(f'cannot read: {e}')
                rc = 1
            if rc:
                print(f'  ({label}: {a} vs {b})')
                failed += 1
    return 1 if failed else 0


if __name__ == '__main__':
    if sys.argv[1] == '--list':
        sys.exit(main_list(sys.argv[2], sys.argv[3:]))
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
