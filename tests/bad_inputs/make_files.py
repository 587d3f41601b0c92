#!/usr/bin/python3
"""Regenerate the small HDF5 fixtures in files/ (python3 make_files.py): files that are
HDF5 but not readable pactsim output, for `pactsim info` in manifest.tsv."""
import os
import h5py
import numpy as np

d = os.path.join(os.path.dirname(os.path.abspath(__file__)), "files")
os.makedirs(d, exist_ok=True)
S = h5py.string_dtype()


def pactsim_like(name, version=1, fmt="pactsim", time=True, actors=True, version_type=int):
    with h5py.File(os.path.join(d, name), "w", libver="earliest", track_order=False) as f:
        if fmt is not None:
            f.attrs.create("format", fmt, dtype=S)
        if version is not None:
            if version_type is int:
                f.attrs.create("format_version", version, dtype="<i4")
            else:
                f.attrs.create("format_version", str(version), dtype=S)
        f.attrs.create("scenario", "fixture", dtype=S)
        if time:
            f.create_dataset("time/date", data=np.array(["2022-01", "2022-02"], dtype=object), dtype=S)
        if actors:
            f.create_dataset("actors/iso3", data=np.array(["RUS", "IRN"], dtype=object), dtype=S)


with h5py.File(os.path.join(d, "foreign.h5"), "w", libver="earliest") as f:
    f.create_dataset("temperature", data=np.arange(10.0))
    f.attrs["title"] = "a climate file"
pactsim_like("other_format.h5", fmt="netcdf4")
pactsim_like("newer_version.h5", version=99)
pactsim_like("no_version.h5", version=None)
pactsim_like("version_is_text.h5", version_type=str)
pactsim_like("missing_time.h5", time=False)
pactsim_like("missing_actors.h5", actors=False)
with h5py.File(os.path.join(d, "time_wrong_type.h5"), "w", libver="earliest") as f:
    f.attrs.create("format", "pactsim", dtype=S)
    f.attrs.create("format_version", 1, dtype="<i4")
    f.create_dataset("time/date", data=np.arange(3.0))
    f.create_dataset("actors/iso3", data=np.array(["RUS"], dtype=object), dtype=S)
with h5py.File(os.path.join(d, "format_not_string.h5"), "w", libver="earliest") as f:
    f.attrs.create("format", 7, dtype="<i4")
with h5py.File(os.path.join(d, "time_empty.h5"), "w", libver="earliest") as f:
    f.attrs.create("format", "pactsim", dtype=S)
    f.attrs.create("format_version", 1, dtype="<i4")
    f.create_dataset("time/date", shape=(0,), dtype=S)
    f.create_dataset("actors/iso3", data=np.array(["RUS"], dtype=object), dtype=S)
with h5py.File(os.path.join(d, "time_2d.h5"), "w", libver="earliest") as f:
    f.attrs.create("format", "pactsim", dtype=S)
    f.attrs.create("format_version", 1, dtype="<i4")
    f.create_dataset("time/date", data=np.array([["a", "b"], ["c", "d"]], dtype=object), dtype=S)
    f.create_dataset("actors/iso3", data=np.array(["RUS"], dtype=object), dtype=S)
with h5py.File(os.path.join(d, "time_is_group.h5"), "w", libver="earliest") as f:
    f.attrs.create("format", "pactsim", dtype=S)
    f.attrs.create("format_version", 1, dtype="<i4")
    f.create_group("time/date")
    f.create_dataset("actors/iso3", data=np.array(["RUS"], dtype=object), dtype=S)
with open(os.path.join(d, "text.h5"), "w") as f:
    f.write("this is a text file, not HDF5\n")
open(os.path.join(d, "empty.h5"), "w").close()
with open(os.path.join(d, "hdf5_signature_only.h5"), "wb") as f:
    f.write(b"\x89HDF\r\n\x1a\n" + b"\0" * 40)


def posterior_like(name, params=("parameters.economy.lend_share",), samples=((0.2,),),
                   weights=(1.0,)):
    """A pactsim-posterior file (run --posterior) with what is given."""
    with h5py.File(os.path.join(d, name), "w", libver="earliest", track_order=False) as f:
        f.attrs.create("format", "pactsim-posterior", dtype=S)
        f.attrs.create("format_version", 1, dtype="<i4")
        f.create_dataset("posterior/parameter", data=np.array(params, dtype=object), dtype=S)
        f.create_dataset("posterior/samples", data=np.array(samples, dtype="<f8"))
        f.create_dataset("posterior/weights", data=np.array(weights, dtype="<f8"))


posterior_like("posterior_unknown_parameter.h5", params=("parameters.economy.nope",))
posterior_like("posterior_out_of_bounds.h5", samples=((1.5,),))
posterior_like("posterior_negative_weight.h5", weights=(-1.0,))
posterior_like("posterior_zero_weights.h5", samples=((0.1,), (0.2,)), weights=(0.0, 0.0))
posterior_like("posterior_wrong_shape.h5", samples=((0.1, 0.2),))


# Hostile files: small files that declare huge datasets (reading them whole would allocate
# gigabytes), names with terminal escapes, attributes that are arrays. pactsim refuses what a
# file's stored bytes cannot hold (docs/reliability.md, "Hostile files").
def run_like(name, replicates=2, iso3=("RUS", "IRN"), scenario="fixture"):
    f = h5py.File(os.path.join(d, name), "w", libver="earliest", track_order=False)
    f.attrs.create("format", "pactsim", dtype=S)
    f.attrs.create("format_version", 1, dtype="<i4")
    f.attrs.create("scenario", scenario, dtype=S)
    g = f.create_group("provenance")
    g.attrs.create("replicates", replicates, dtype="<i8")
    g.attrs.create("seed", 1, dtype="<u8")
    f.create_dataset("time/date", data=np.array(["2022-01", "2022-02"], dtype=object), dtype=S)
    f.create_dataset("actors/iso3", data=np.array(list(iso3), dtype=object), dtype=S)
    return f


with run_like("huge_time.h5") as f:  # /time/date declared as 2^30 strings, nothing stored
    del f["time/date"]
    f.create_dataset("time/date", shape=(2**30,), dtype=S)
with run_like("huge_iso3.h5") as f:
    del f["actors/iso3"]
    f.create_dataset("actors/iso3", shape=(2**30,), dtype=S)
with run_like("huge_summary.h5") as f:  # 2^31 doubles (16 GiB), one compressed chunk stored
    s = f.create_dataset("summary/cooperation", shape=(2**31,), dtype="<f8", chunks=(4096,),
                         compression="gzip")
    s[0:4096] = 1.0
with run_like("huge_summary_late.h5") as f:  # a readable metric first, then a huge one
    f.create_dataset("summary/a_fine", data=np.zeros(2))
    s = f.create_dataset("summary/z_huge", shape=(2**31,), dtype="<f8", chunks=(4096,),
                         compression="gzip")
    s[0:4096] = 1.0
with run_like("huge_replicates.h5", replicates=2**31) as f:
    f.create_dataset("summary/cooperation", data=np.zeros(2))
with run_like("huge_events.h5") as f:
    t = np.dtype([("replicate", "<i4"), ("month", "<i4"), ("type", "S32")])
    f.create_dataset("events", shape=(2**31,), dtype=t, chunks=(1024,), compression="gzip")
with run_like("escape_names.h5", iso3=("\x1b[31mRUS", "IRN\x07"), scenario="\x1b]0;owned\x07") as f:
    f.create_dataset("summary/m\x1b[2J", data=np.zeros(2))
with run_like("version_array.h5") as f:  # an attribute of 4096 values where one is read
    del f.attrs["format_version"]
    f.attrs.create("format_version", np.ones(4096, dtype="<i4"))


def sweep_like(name, n, design="saltelli"):
    """A pactsim-sweep file of n samples of two parameters, a and b (design None: no
    design attribute; n (2 + 2) points), without its summary, which the caller adds."""
    f = h5py.File(os.path.join(d, name), "w", libver="earliest")
    f.attrs.create("format", "pactsim-sweep", dtype=S)
    f.attrs.create("format_version", 1, dtype="<i4")
    g = f.create_group("sweep")
    if design:
        g.attrs.create("design", design, dtype=S)
    g.attrs.create("samples", n, dtype="<i8")
    g.attrs.create("n_params", 2, dtype="<i8")
    g.attrs.create("n_points", n * 4, dtype="<i8")
    g.create_dataset("param", data=np.array(["a", "b"], dtype=object), dtype=S)
    return f


with sweep_like("huge_sweep.h5", 2**27) as f:
    f.create_dataset("sweep/summary/cooperation", shape=(2**27 * 4, 4), dtype="<f8",
                     chunks=(1024, 4), compression="gzip")
# Sweep files whose design sensitivity cannot use: no design attribute, and a grid.
for name, design in (("sweep_no_design.h5", None), ("sweep_grid.h5", "grid")):
    with sweep_like(name, 4, design) as f:
        f.create_dataset("sweep/summary/cooperation", data=np.zeros((16, 2)))
