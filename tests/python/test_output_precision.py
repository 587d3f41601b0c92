"""Output precision and compression (docs/output.md#storage), as readers see it.

Runs the baseline (4 replicates, 2022-01..2023-12) four times: the default
(float32, deflate 1) on 1 and on 2 threads, `--precision float64` and
`--compression none`. Checks that the float32 file opens in h5py, xarray
(h5netcdf) and h5dump with only HDF5's standard filters; that its values are
the float64 run's rounded to float32, bit for bit, and the same for 1 and 2
threads; that the precision and compression are in the attributes; that
/summary stays float64 and equal between the two precisions; and that a run
with `--fields` (output.fields) writes those series alone, equal to the full
run's, readable by xarray, and that `pactsim score` names a field it left out.
Environment: PACTSIM (the CLI), PACTSIM_SOURCE_DIR (the repository).
"""
import os
import subprocess

import h5py
import numpy as np
import pytest
import xarray as xr

GROUPS = ("actor_state", "dyad_state", "theater_state")
SCALES = {"replicate", "time", "actor", "source", "target", "theater"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    cli = os.environ.get("PACTSIM")
    src = os.environ.get("PACTSIM_SOURCE_DIR")
    if not cli or not src:
        pytest.skip("PACTSIM and PACTSIM_SOURCE_DIR must be set (run through ctest)")
    d = tmp_path_factory.mktemp("precision")
    config = os.path.join(src, "configs", "baseline_2022.yaml")
    out = {}
    for name, extra in {"f32_t1": ["--threads", "1"], "f32_t2": ["--threads", "2"],
                        "f64": ["--threads", "2", "--precision", "float64"],
                        "none": ["--threads", "2", "--compression", "none"],
                        "fields": ["--threads", "2", "--fields", "gdp,cooperation,oil_*"]}.items():
        out[name] = d / (name + ".h5")
        proc = subprocess.run([cli, "run", config, "-o", str(out[name]), "--replicates", "4",
                               "--set", "end=2023-12", "--quiet"] + extra,
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    return out


def variables(f):
    for g in GROUPS:
        if g in f:
            for name, d in f[g].items():
                if name not in SCALES:
                    yield g + "/" + name, d


def test_attributes_record_the_storage(runs):
    expect = {"f32_t1": ("float32", 1, 4), "f64": ("float64", 1, 8), "none": ("float32", 0, 4)}
    for run, (precision, level, size) in expect.items():
        with h5py.File(runs[run], "r") as f:
            prov = f["provenance"].attrs
            assert prov["output_precision"] == precision
            assert prov["output_compression"] == level
            n = 0
            for name, d in variables(f):
                n += 1
                assert d.attrs["precision"] == precision, name
                assert d.dtype == np.dtype("<f%d" % size), name
                assert d.compression == ("gzip" if level else None), name
                assert d.shuffle == bool(level), name
                if level:
                    assert d.compression_opts == level, name
            assert n > 50
            for name, m in f["summary"].items():
                assert name in SCALES or m.dtype == np.float64, name


def test_float32_is_the_float64_run_rounded(runs):
    with h5py.File(runs["f32_t1"], "r") as a, h5py.File(runs["f64"], "r") as b, \
            h5py.File(runs["none"], "r") as c:
        for name, d in variables(a):
            x32, x64, raw = d[()], b[name][()], c[name][()]
            assert x32.dtype == np.float32
            rounded = x64.astype(np.float32)
            # equal as bits (NaN included): rounding to nearest, as numpy does it
            assert np.array_equal(x32.view(np.uint32), rounded.view(np.uint32)), name
            assert np.array_equal(raw.view(np.uint32), x32.view(np.uint32)), name
        for m in set(a["summary"]) - SCALES:
            assert np.array_equal(a["summary"][m][()], b["summary"][m][()], equal_nan=True), m


def test_float32_same_bits_for_1_and_2_threads(runs):
    with h5py.File(runs["f32_t1"], "r") as a, h5py.File(runs["f32_t2"], "r") as b:
        for name, d in variables(a):
            assert np.array_equal(d[()].view(np.uint32), b[name][()].view(np.uint32)), name
            # the compressed chunks themselves are the same bytes
            assert d.id.get_chunk_info(0).size == b[name].id.get_chunk_info(0).size, name


def test_xarray_reads_float32(runs):
    ds = xr.open_dataset(runs["f32_t1"], engine="h5netcdf", group="dyad_state")
    ref = xr.open_dataset(runs["f64"], engine="h5netcdf", group="dyad_state")
    try:
        coop = ds.cooperation.sel(source="RUS", target="IRN")
        assert coop.dtype == np.float32 and coop.attrs["precision"] == "float32"
        assert str(ds.time.values[0]).startswith("2022-01-01")
        want = ref.cooperation.sel(source="RUS", target="IRN").values.astype(np.float32)
        assert np.array_equal(coop.values, want)
    finally:
        ds.close()
        ref.close()


def test_h5dump_reads_float32(runs):
    proc = subprocess.run(["h5dump", "-p", "-d", "/actor_state/gdp", "-s", "0,0,0",
                           "-c", "1,1,2", str(runs["f32_t1"])], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "H5T_IEEE_F32LE" in proc.stdout
    assert "SHUFFLE" in proc.stdout and "DEFLATE" in proc.stdout and "LEVEL 1" in proc.stdout
    with h5py.File(runs["f32_t1"], "r") as f:
        first = f["actor_state/gdp"][0, 0, :2]
    data = proc.stdout.split("DATA {", 1)[1]
    values = [float(v) for v in data.split(":", 1)[1].split("}")[0].replace(",", " ").split()]
    assert len(values) == 2 and np.allclose(values, first, rtol=1e-5)  # h5dump prints 6 digits


def test_fields_writes_only_the_selected_series(runs):
    with h5py.File(runs["fields"], "r") as a, h5py.File(runs["f32_t2"], "r") as b:
        got = sorted(name for name, _ in variables(a))
        want = sorted(name for name, _ in variables(b)
                      if name.split("/")[1] in ("gdp", "cooperation")
                      or name.split("/")[1].startswith("oil_"))
        assert got == want and len(got) > 5, got
        assert "theater_state" not in a  # no field of that shape selected
        assert a["provenance"].attrs["output_fields"] == " ".join(
            n for n in a["provenance"].attrs["output_fields"].split())  # names, one space apart
        assert set(a["provenance"].attrs["output_fields"].split()) == {n.split("/")[1] for n in got}
        assert b["provenance"].attrs["output_fields"] == "all"
        for name in got:  # the same bits as the run that wrote every field
            assert np.array_equal(a[name][()].view(np.uint32), b[name][()].view(np.uint32)), name
        for m in set(a["summary"]) - SCALES:
            assert np.array_equal(a["summary"][m][()], b["summary"][m][()], equal_nan=True), m
        assert np.array_equal(a["events"][()], b["events"][()])
    ds = xr.open_dataset(runs["fields"], engine="h5netcdf", group="dyad_state")
    try:
        assert set(ds.data_vars) == {"cooperation", "oil_trade", "oil_embargo"}
    finally:
        ds.close()


def test_info_says_the_file_holds_a_selection(runs):
    cli = os.environ["PACTSIM"]
    sel = subprocess.run([cli, "info", str(runs["fields"])], capture_output=True, text=True)
    full = subprocess.run([cli, "info", str(runs["f32_t2"])], capture_output=True, text=True)
    assert sel.returncode == 0 and full.returncode == 0, sel.stderr + full.stderr
    assert "only those listed below (output.fields)" in sel.stdout
    assert "output.fields" not in full.stdout
    assert "cooperation" in sel.stdout and "reserves" not in sel.stdout


def test_score_names_a_field_the_file_left_out(runs, tmp_path):
    obs = tmp_path / "obs.csv"
    obs.write_text("quantity,actor,target,date,value,sd,transform,source,published\n"
                   "reserves,RUS,,2022-06,580e9,20e9,level,test,2022-07-01\n")
    proc = subprocess.run([os.environ["PACTSIM"], "score", str(runs["fields"]), str(obs)],
                          capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert "has no dataset /actor_state/reserves" in proc.stderr
    assert "output.fields" in proc.stderr
