"""The output file as Python users read it: h5py and xarray (h5netcdf engine).

Runs `$PACTSIM run configs/baseline_2022.yaml -o tmp.h5 --replicates 3 --quiet`
once, then checks that every state group opens as an xarray Dataset with
decoded time and ISO3 actor coordinates, units attributes and the expected
shapes. Environment: PACTSIM (the CLI), PACTSIM_SOURCE_DIR (the repository).
"""
import os
import subprocess

import h5py
import numpy as np
import pytest
import xarray as xr

REPLICATES = 3
ISO3 = ["RUS", "IRN", "TUR", "USA", "EUU", "CHN", "IND", "SAU", "ARE", "ISR", "SYR", "UKR"]


@pytest.fixture(scope="module")
def output(tmp_path_factory):
    cli = os.environ.get("PACTSIM")
    src = os.environ.get("PACTSIM_SOURCE_DIR")
    if not cli or not src:
        pytest.skip("PACTSIM and PACTSIM_SOURCE_DIR must be set (run through ctest)")
    path = tmp_path_factory.mktemp("out") / "tmp.h5"
    config = os.path.join(src, "configs", "baseline_2022.yaml")
    proc = subprocess.run([cli, "run", config, "-o", str(path), "--replicates",
                           str(REPLICATES), "--quiet"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert path.exists()
    assert not list(path.parent.glob("*.tmp.*")), "temporary file left behind"
    return path


def open_group(path, group):
    return xr.open_dataset(path, engine="h5netcdf", group=group)


def test_root_and_provenance_h5py(output):
    with h5py.File(output, "r") as f:
        assert f.attrs["format"] == "pactsim"
        assert int(f.attrs["format_version"]) == 1
        assert f.attrs["scenario"] == "baseline_2022"
        assert f.attrs["created"].endswith("Z")
        p = f["provenance"]
        for key in ("pactsim_version", "git_revision", "compiler", "compile_flags",
                    "hdf5_version", "gsl_version", "command_line", "created"):
            assert isinstance(p.attrs[key], str), key
        assert "--replicates 3" in p.attrs["command_line"]
        assert int(p.attrs["replicates"]) == REPLICATES
        assert int(p.attrs["seed"]) == 20220722
        assert "name: baseline_2022" in p["config_raw"][()].decode()
        assert p["config_resolved"][()]
        # Labels
        assert [s.decode() for s in f["actors/iso3"][:]] == ISO3
        dates = [s.decode() for s in f["time/date"][:]]
        assert dates[0] == "2022-01" and dates[-1] == "2030-12" and len(dates) == 108
        assert list(f["time/month_index"][:3]) == [0, 1, 2]
        assert f["time/decimal_year"][1] == pytest.approx(2022 + 1 / 12)
        # Parameters: scalar with units and bounds
        for model in f["parameters"]:
            for name, d in f["parameters"][model].items():
                assert d.shape == () and "units" in d.attrs, name
                assert d.attrs["lower_bound"] <= d[()] <= d.attrs["upper_bound"], name


def test_state_chunked_and_compressed(output):
    with h5py.File(output, "r") as f:
        d = f["actor_state/gdp"]
        assert d.shape == (REPLICATES, 108, len(ISO3))
        assert d.chunks[0] == 1 and d.compression == "gzip" and d.shuffle
        scales = [dim[0].name for dim in d.dims]
        assert scales == ["/actor_state/replicate", "/actor_state/time", "/actor_state/actor"]
        assert np.isfinite(d[:]).all()


def test_actor_state_xarray(output):
    with open_group(output, "actor_state") as ds:
        assert dict(ds.sizes) == {"replicate": REPLICATES, "time": 108, "actor": len(ISO3)}
        assert list(ds.actor.values) == ISO3
        assert list(ds.replicate.values) == list(range(REPLICATES))
        assert ds.time.dtype.kind == "M"
        assert str(ds.time.values[0])[:10] == "2022-01-01"
        assert str(ds.time.values[1])[:10] == "2022-02-01"
        assert str(ds.time.values[-1])[:10] == "2030-12-01"
        assert ds.gdp.dims == ("replicate", "time", "actor")
        assert ds.gdp.attrs["units"] == "USD/yr"
        for name, var in ds.data_vars.items():
            assert var.attrs.get("units"), name
            assert var.attrs.get("description"), name
            assert var.attrs.get("long_name") == name
        rus = ds.gdp.sel(actor="RUS", time="2022-06").values
        assert rus.shape == (REPLICATES, 1) and np.isfinite(rus).all()


def test_dyad_state_xarray(output):
    with open_group(output, "dyad_state") as ds:
        n = len(ISO3)
        assert dict(ds.sizes) == {"replicate": REPLICATES, "time": 108, "source": n,
                                  "target": n}
        assert list(ds.source.values) == ISO3 and list(ds.target.values) == ISO3
        assert ds.time.dtype.kind == "M"
        var = ds["sanction_intensity"]
        assert var.dims == ("replicate", "time", "source", "target")
        assert var.attrs["units"] == "1"
        # Rows are the source: the US sanctions Iran from the start.
        assert (var.sel(source="USA", target="IRN").isel(time=0) > 0.5).all()
        assert (var.sel(source="IRN", target="IRN") == 0).all()


def test_summary_xarray(output):
    with open_group(output, "summary") as ds:
        assert dict(ds.sizes) == {"replicate": REPLICATES}
        assert len(ds.data_vars) > 0
        for name, var in ds.data_vars.items():
            assert var.dims == ("replicate",), name
            assert "units" in var.attrs and "description" in var.attrs, name


def test_theater_state_if_present(output):
    with h5py.File(output, "r") as f:
        if "theater_state" not in f:
            pytest.skip("no model declares a theater field")
        theaters = [s.decode() for s in f["theaters/name"][:]]
    with open_group(output, "theater_state") as ds:
        assert list(ds.theater.values) == theaters
        assert list(ds.actor.values) == ISO3


def test_events_table(output):
    with h5py.File(output, "r") as f:
        ev = f["events"][:]
        assert ev.dtype.names == ("replicate", "month", "date", "type", "source", "target",
                                  "magnitude", "id")
        assert len(ev) > 0
        key = list(zip(ev["replicate"], ev["month"]))
        assert key == sorted(key), "rows sorted by replicate, then month"
        assert set(ev["replicate"]) == set(range(REPLICATES))
        first = ev[ev["replicate"] == 0][0]
        assert first["date"].decode() == "2022-%02d" % (first["month"] + 1)
