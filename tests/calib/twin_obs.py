"""Observations for the calibration twin experiment (tests/cli/test_calibrate.sh).

twin_obs.py RUN.h5 OUT.csv NOISE_SEED: quarterly values of a few actor fields
of replicate 0 of RUN.h5 (the model at known parameters), each plus Gaussian
observation error of the sd written beside it, as an observation CSV
(quantity,actor,target,date,value,sd,transform,source,published).
"""
import sys

import h5py
import numpy as np

SD = {"gdp_growth": 0.005, "sanction_pressure": 0.01, "evasion": 0.02}
ACTORS = ["RUS", "IRN"]


def main(run, out, seed):
    rng = np.random.default_rng(seed)
    with h5py.File(run, "r") as f:
        actors = [a.decode() if isinstance(a, bytes) else a for a in f["actors/iso3"][()]]
        start = f["time/date"][0]
        start = start.decode() if isinstance(start, bytes) else start
        y0, m0 = int(start[:4]), int(start[5:7])
        series = {q: f["actor_state/" + q][0] for q in SD}
    rows = ["quantity,actor,target,date,value,sd,transform,source,published"]
    T = next(iter(series.values())).shape[0]
    for q, sd in SD.items():
        for a in ACTORS:
            i = actors.index(a)
            for t in range(2, T, 3):
                m = m0 - 1 + t
                date = "%04d-%02d" % (y0 + m // 12, m % 12 + 1)
                v = series[q][t, i] + rng.normal(0.0, sd)
                rows.append("%s,%s,,%s,%.10g,%g,level,twin experiment,2030-01-01"
                            % (q, a, date, v, sd))
    with open(out, "w") as fp:
        fp.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
