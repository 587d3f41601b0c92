"""Read pactsim output files (format "pactsim" v1, docs/output.md) into xarray.

One reader for every analysis script: none of them parses HDF5 paths itself.

    from pactsim.io import open_run, events, provenance, PactsimFileError

    with open_run("baseline_2022.h5") as run:
        gdp = run.actor_state["gdp"]            # DataArray (replicate, time, actor)
        coop = run.dyad_state["cooperation"]    # (replicate, time, source, target)
        print(gdp.attrs["units"], run.actors, run.scenario)
    ev = events("baseline_2022.h5")             # structured array with str fields
    prov = provenance("baseline_2022.h5")       # dict

The file is opened with h5py and the xarray objects are built here (h5netcdf is
not needed). State variables are lazy: values are read from the file when a
variable is indexed or ``.values`` is taken, so open the file with ``with``
(or call ``close()``) and take what you need before it closes (reading a lazy
variable afterwards is a ValueError saying the file is closed), or open it
with ``eager=True``.

Dimensions are named replicate, time (datetime64[ns], first day of each
month; each record is the END-OF-MONTH state), actor, source, target,
theater, and point (sweep files). Every variable keeps its ``units``,
``description``, ``long_name`` and (state variables of a run) ``precision``
attributes.

Sweep files (format "pactsim-sweep") open the same way: their state groups
live under /sweep/<group> and carry a leading ``point`` dimension, their
summary is [point, replicate], and ``run.sweep`` holds the design (points,
param, param_units, done [point, replicate], ...; replicate is a coordinate).
A sweep has no /actors group: ``run.actors`` come from its state groups and
``run.actor_names`` from its base config (/provenance/base_config_resolved),
ISO3 where that has none; a sweep keeping only summaries (``output: summary``)
has no actors and ``run.replicates`` counts its summary's replicates.
"""
import contextlib
import functools
import numbers
import os

import h5py
import numpy as np
import xarray as xr

try:  # lazy variables through xarray's public backend-array protocol
    from xarray.backends import BackendArray
    from xarray.core import indexing as _xr_indexing
except ImportError:  # pragma: no cover - very old or very new xarray: read eagerly
    BackendArray = object
    _xr_indexing = None

__all__ = ["PactsimFileError", "Run", "open_run", "as_run", "events", "provenance",
           "sensitivity", "incomplete_note", "sweep_completeness", "FORMAT_VERSION",
           "STATE_GROUPS"]

#: Newest format version this reader understands.
FORMAT_VERSION = 1
FORMATS = ("pactsim", "pactsim-sweep")
STATE_GROUPS = ("actor_state", "dyad_state", "theater_state")
# Dimension names by group when a dataset has no attached dimension scales.
_DEFAULT_DIMS = {
    "actor_state": ("replicate", "time", "actor"),
    "dyad_state": ("replicate", "time", "source", "target"),
    "theater_state": ("replicate", "time", "actor", "theater"),
    "summary": ("replicate",),
}


class PactsimFileError(Exception):
    """The file is missing, not HDF5, not a pactsim file, or too new for this reader."""


def _s(value):
    """Decode an attribute or dataset element to str."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray) and value.shape == ():
        return _s(value[()])
    return str(value)


def _strings(dset):
    return [_s(v) for v in dset[()]]


# The first 8 bytes (NUL included) of pactsim's binary checkpoints, PS_ABC_MAGIC and
# PS_CKPT_MAGIC of sim/internal.h; `pactsim info` names a file by them (sim/output.c).
_ABC_MAGIC, _CKPT_MAGIC = b"PSABC01\0", b"PSCKPT1\0"
_CHECKPOINTS = {
    _ABC_MAGIC: "the checkpoint of an interrupted calibration (pactsim calibrate SPEC -o OUT "
                "--resume continues it; read OUT once it is complete)",
    _CKPT_MAGIC: "a replicate checkpoint of an interrupted run (pactsim run CONFIG -o OUT "
                 "--resume continues it; read OUT once it is complete)",
}


def _checkpoint_kind(path):
    """What a pactsim checkpoint is, by its magic bytes; None for any other file."""
    try:
        with open(path, "rb") as fp:
            return _CHECKPOINTS.get(fp.read(8))
    except OSError:
        return None


def _h5open(path, formats=FORMATS, expected="pactsim"):
    """Open a pactsim HDF5 file read-only after checking its format and version.

    Returns (h5py.File, format). `formats` are the root `format` values accepted,
    `expected` names them in the message."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise PactsimFileError(f"{path}: no such file")
    if os.path.isdir(path):
        if any(n.startswith("rep-") and n.endswith(".ckpt") for n in os.listdir(path)):
            raise PactsimFileError(f"{path}: is a directory of the replicate checkpoints of "
                                   f"an interrupted run (pactsim run CONFIG -o OUT --resume "
                                   f"continues it; read OUT once it is complete), not a "
                                   f"pactsim file")
        raise PactsimFileError(f"{path}: is a directory, not a pactsim file")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        kind = _checkpoint_kind(path)
        if kind:
            raise PactsimFileError(f"{path}: {kind}, not a pactsim output file") from None
        raise PactsimFileError(f"{path}: not an HDF5 file ({e.__class__.__name__}: "
                               f"{str(e).splitlines()[0] if str(e) else 'unreadable'})") from None
    fmt = _s(f.attrs["format"]) if "format" in f.attrs else None
    if fmt not in formats and fmt == "pactsim-sweep-part":
        f.close()
        raise PactsimFileError(f"{path}: a sweep part file (pactsim sweep SPEC -o PART "
                               f"--points A:B), not a {expected} file; merge the parts into "
                               f"one sweep file first (pactsim sweep SPEC -o FILE --merge "
                               f"PART...) and read FILE")
    if fmt not in formats:
        f.close()
        what = "no 'format' attribute" if fmt is None else f"format is {fmt!r}"
        raise PactsimFileError(f"{path}: not a {expected} file ({what}; expected "
                               f"{expected!r})")
    try:
        version = int(f.attrs.get("format_version", -1))
    except (TypeError, ValueError):
        version = -1
    if version < 1 or version > FORMAT_VERSION:
        f.close()
        if version > FORMAT_VERSION:
            raise PactsimFileError(f"{path}: written by a newer pactsim (format_version "
                                   f"{version}; this reader knows up to {FORMAT_VERSION})")
        raise PactsimFileError(f"{path}: bad or missing format_version")
    return f, fmt


def _to_datetime(dset):
    """A CF time coordinate (days since 1970-01-01) as datetime64[ns]."""
    values = np.asarray(dset[()], dtype="float64")
    units = _s(dset.attrs.get("units", "days since 1970-01-01"))
    parts = units.split(" since ")
    step = {"days": "D", "day": "D", "hours": "h", "hour": "h", "seconds": "s",
            "second": "s"}.get(parts[0].strip())
    if step is None or len(parts) != 2:
        raise PactsimFileError(f"{dset.file.filename}: {dset.name}: unsupported time units "
                               f"{units!r}")
    epoch = np.datetime64(parts[1].strip()[:10], "D").astype("datetime64[ns]")
    scale = {"D": 86400e9, "h": 3600e9, "s": 1e9}[step]
    return epoch + np.round(values * scale).astype("int64").astype("timedelta64[ns]")


def _dims_of(dset, group_kind):
    """Dimension names of a dataset: its attached scales, else the layout's names."""
    names = []
    try:
        for dim in dset.dims:
            if len(dim) == 0:
                names = None
                break
            names.append(dim[0].name.rsplit("/", 1)[-1])
    except Exception:  # noqa: BLE001 - broken references: fall back to the layout
        names = None
    if names and len(names) == dset.ndim:
        return tuple(names)
    default = _DEFAULT_DIMS.get(group_kind)
    if default is None:
        return tuple(f"dim_{i}" for i in range(dset.ndim))
    if dset.ndim == len(default) + 1:
        return ("point",) + default
    if dset.ndim == len(default):
        return default
    raise PactsimFileError(f"{dset.file.filename}: {dset.name}: shape {dset.shape} does not "
                           f"match the {group_kind} layout {default}")


class _H5Array(BackendArray):
    """An h5py dataset seen by xarray as a lazily indexed array."""

    def __init__(self, dset):
        self.dset = dset
        self.shape = dset.shape
        self.dtype = np.dtype(dset.dtype)
        self.where = f"{dset.file.filename}: {dset.name}"

    def __getitem__(self, key):
        return _xr_indexing.explicit_indexing_adapter(
            key, self.shape, _xr_indexing.IndexingSupport.OUTER_1VECTOR, self._raw)

    def _raw(self, key):
        if not self.dset.id.valid:  # h5py would say "Invalid dataset identifier"
            raise ValueError(f"{self.where}: the file is closed (Run.close(), or the end of "
                             f"its with block): read lazy variables (.values, .load()) before "
                             f"closing it, or open it with open_run(path, eager=True)")
        # h5py wants increasing, unique indices for fancy selection: read the
        # covering slice and index in memory instead.
        key = tuple(key)
        if all(isinstance(k, (slice, int, np.integer)) for k in key):
            return np.asarray(self.dset[key])
        cover, local = [], []
        for k in key:
            if isinstance(k, (slice, int, np.integer)):
                cover.append(k)
                if not isinstance(k, (int, np.integer)):
                    local.append(slice(None))
            else:
                k = np.asarray(k)
                if k.size == 0:
                    cover.append(slice(0, 0))
                    local.append(slice(None))
                    continue
                lo = int(k.min())
                cover.append(slice(lo, int(k.max()) + 1))
                local.append(k - lo)
        return np.asarray(self.dset[tuple(cover)])[tuple(local)]


def _variable(dset, dims, eager):
    attrs = {k: _s(v) for k, v in dset.attrs.items()
             if k in ("units", "description", "long_name", "precision")}
    if eager or _xr_indexing is None:
        data = np.asarray(dset[()])
    else:
        data = _xr_indexing.LazilyIndexedArray(_H5Array(dset))
    return xr.Variable(dims, data, attrs=attrs)


def _coordinate(group, name, times):
    """The coordinate values of dimension `name` from a group's own scale dataset."""
    if name == "time":
        return times
    if name in group and isinstance(group[name], h5py.Dataset):
        d = group[name]
        if d.dtype.kind in ("O", "S", "U"):
            return np.array(_strings(d), dtype=object)
        return np.asarray(d[()])
    return None


def _build_dataset(group, kind, eager, path):
    """An xr.Dataset of every variable in an HDF5 group (scale datasets become coords)."""
    scales = set()
    for name, obj in group.items():
        if isinstance(obj, h5py.Dataset) and _s(obj.attrs.get("CLASS", b"")) == "DIMENSION_SCALE":
            scales.add(name)
    for name in ("replicate", "time", "actor", "source", "target", "theater", "point"):
        if name in group:
            scales.add(name)
    times = _to_datetime(group["time"]) if "time" in group else None
    data_vars, dims_seen = {}, {}
    for name, obj in group.items():
        if name in scales or not isinstance(obj, h5py.Dataset) or obj.dtype.kind != "f":
            continue
        dims = _dims_of(obj, kind)
        for d, n in zip(dims, obj.shape):
            if dims_seen.setdefault(d, n) != n:
                raise PactsimFileError(f"{path}: {obj.name}: dimension {d} has length {n}, "
                                       f"other variables have {dims_seen[d]}")
        data_vars[name] = _variable(obj, dims, eager)
    coords = {}
    for d, n in dims_seen.items():
        values = _coordinate(group, d, times)
        if values is None:
            values = np.arange(n)
        if len(values) != n:
            raise PactsimFileError(f"{path}: {group.name}/{d}: {len(values)} values for a "
                                   f"dimension of length {n}")
        coords[d] = values
    ds = xr.Dataset(data_vars, coords=coords)
    ds.attrs["group"] = group.name
    return ds


class Run:
    """An open pactsim file: xarray Datasets per state group plus labels.

    Attributes: path, format ("pactsim" or "pactsim-sweep"), attrs (root
    attributes as str/int), scenario, actors (ISO3 list), actor_names (ISO3 ->
    name), dates ("YYYY-MM" per record), provenance (attributes of
    /provenance: seed, git_revision, ...), actor_state, dyad_state,
    theater_state, summary (xr.Dataset, or None when the file has no such
    group), sweep (xr.Dataset with the design of a sweep file, else None),
    is_sweep, months_complete (a failed run's months per replicate, else None).
    """

    def __init__(self, path, eager=False):
        self.path = os.fspath(path)
        self._file, self.format = _h5open(self.path)
        try:
            self._load(eager)
        except PactsimFileError:
            self.close()
            raise
        except (KeyError, OSError, ValueError) as e:
            self.close()
            raise PactsimFileError(f"{self.path}: damaged pactsim file: {e}") from None

    def _load(self, eager):
        f = self._file
        self.attrs = {k: (_s(v) if not np.issubdtype(np.asarray(v).dtype, np.number) else
                          np.asarray(v).item()) for k, v in f.attrs.items()}
        self.scenario = str(self.attrs.get("scenario", os.path.basename(self.path)))
        self.provenance = {}
        if "provenance" in f:
            for k, v in f["provenance"].attrs.items():
                arr = np.asarray(v)
                self.provenance[k] = (arr.item() if arr.dtype.kind in "iuf" and arr.size == 1
                                      else _s(v))
        self.is_sweep = self.format == "pactsim-sweep"
        base = f["sweep"] if self.is_sweep and "sweep" in f else f
        self.actors = _strings(f["actors/iso3"]) if "actors/iso3" in f else []
        names = _strings(f["actors/name"]) if "actors/name" in f else self.actors
        self.actor_names = dict(zip(self.actors, names))
        if "time/date" in f:
            self.dates = _strings(f["time/date"])
        elif "date" in base:
            self.dates = _strings(base["date"])
        else:
            self.dates = []
        for g in STATE_GROUPS:
            ds = None
            if g in base and isinstance(base[g], h5py.Group):
                ds = _build_dataset(base[g], g, eager, self.path)
                if not self.actors:
                    for d in ("actor", "source"):
                        if d in ds.coords:
                            self.actors = [str(a) for a in ds[d].values]
                            break
            setattr(self, g, ds)
        if self.actors and not self.actor_names:  # a sweep: no /actors, names in its config
            found = _config_actor_names(f)
            self.actor_names = {a: found.get(a, a) for a in self.actors}
        self.summary = (_build_dataset(base["summary"], "summary", True, self.path)
                        if "summary" in base and isinstance(base["summary"], h5py.Group)
                        else None)
        self.sweep = _sweep_design(base) if self.is_sweep and base is not f else None

    # -- convenience ------------------------------------------------------
    def variable(self, name, group=None):
        """The DataArray `name` from the given (or the first matching) state group, or None
        when no group has it; ValueError for a group that is not one of STATE_GROUPS or
        "summary"."""
        if group is not None and group not in STATE_GROUPS + ("summary",):
            raise ValueError(f"group must be one of {', '.join(STATE_GROUPS)} or summary "
                             f"(got {group!r})")
        for g in ([group] if group else STATE_GROUPS + ("summary",)):
            ds = getattr(self, g, None)
            if ds is not None and name in ds.data_vars:
                return ds[name]
        return None

    def has_events(self):
        return "events" in self._file

    def has_posterior_draws(self):
        """True for a run made with --posterior: each replicate drew its parameters."""
        return "posterior_draws" in self._file

    @property
    def replicates(self):
        """Number of replicates: of the state groups, else of the summary (a sweep with
        `output: summary` keeps no state); 0 when the file has neither."""
        for g in STATE_GROUPS + ("summary",):
            ds = getattr(self, g)
            if ds is not None and "replicate" in ds.sizes:
                return int(ds.sizes["replicate"])
        return 0

    @property
    def months_complete(self):
        """Months each replicate completed (int array over replicates), from a failed run's
        /months_complete (FILE.failed.h5: n_months complete, 0 not run); None for a file
        without it (a complete run, where every replicate has every month)."""
        d = self._file.get("months_complete") if self._file is not None else \
            self._months_complete
        if d is None:
            return None
        return np.asarray(d[()], dtype=int) if not isinstance(d, np.ndarray) else d

    def replicates_with_data(self):
        """(with data, complete, total): replicates that completed at least one month, those
        that completed every month, and all replicates. Equal for a complete run; for a
        failed run's FILE.failed.h5 from /months_complete (replicates that never ran are
        NaN throughout and draw nothing)."""
        total = self.replicates
        months = self.months_complete
        if months is None or months.size != total:
            return total, total, total
        return int((months > 0).sum()), int((months >= len(self.dates)).sum()), total

    @property
    def time(self):
        for g in STATE_GROUPS:
            ds = getattr(self, g)
            if ds is not None and "time" in ds.coords:
                return ds["time"].values
        if "time/time" in self._file:
            return _to_datetime(self._file["time/time"])
        return np.array([], dtype="datetime64[ns]")

    def close(self):
        if getattr(self, "_file", None) is not None:
            d = self._file.get("months_complete")
            self._months_complete = np.asarray(d[()], dtype=int) if d is not None else None
            try:
                self._file.close()
            finally:
                self._file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        groups = [g for g in STATE_GROUPS + ("summary",) if getattr(self, g, None) is not None]
        return f"<pactsim Run {self.path!r} scenario={self.scenario!r} groups={groups}>"

    def __getitem__(self, key):  # dict-style access: run["actor_state"]
        if key in STATE_GROUPS + ("summary", "sweep"):
            return getattr(self, key)
        raise KeyError(key)


def _what(x):
    return f"{type(x).__name__} {x!r}" if isinstance(x, (int, float)) else type(x).__name__


def as_run(run, eager=False):
    """A context manager giving an open Run for `run`, a path or an open Run: a path is
    opened (and closed at the end), a Run is given as is (and left open). TypeError for
    anything else. Every function of the package taking a "run" takes either."""
    if isinstance(run, Run):
        return contextlib.nullcontext(run)
    if isinstance(run, (str, bytes, os.PathLike)):
        return Run(os.fsdecode(run), eager=eager)
    raise TypeError(f"expected a run: the path of a pactsim file or an open Run "
                    f"(pactsim.open_run), not {_what(run)}")


def _path_of(run):
    """The path of a file given as a path or an open Run; TypeError for anything else."""
    if isinstance(run, Run):
        return run.path
    if isinstance(run, (str, bytes, os.PathLike)):
        return os.fsdecode(run)
    raise TypeError(f"expected the path of a pactsim file or an open Run (pactsim.open_run), "
                    f"not {_what(run)}")


def takes_run(fn):
    """Let fn(run, ...) take a path as well as an open Run: a path is opened for the call
    (eagerly not needed: what fn returns must not read the file afterwards)."""
    @functools.wraps(fn)
    def wrapper(run, *args, **kwargs):
        if isinstance(run, Run):
            return fn(run, *args, **kwargs)
        with as_run(run) as opened:
            return fn(opened, *args, **kwargs)
    return wrapper


@takes_run
def incomplete_note(run):
    """None for a complete run file; for an incomplete one (a failed run's FILE.failed.h5,
    root attribute `incomplete`) a sentence naming the file, why it stopped and how many
    replicates are complete, for a script's note on stderr. run: a path or an open Run."""
    reason = run.attrs.get("incomplete")
    if reason is None:
        return None
    n, done = run.replicates, run.attrs.get("complete_replicates")
    count = f"{done} of {n} replicates complete" if done is not None and n else \
        "not every replicate complete"
    return (f"{run.path} is INCOMPLETE ({reason}): {count}; the replicates that did not "
            f"finish are NaN from the month they stopped and are left out where undefined")


@takes_run
def sweep_completeness(run):
    """(title, note) on an incomplete sweep (an interrupted FILE.partial) from /sweep/done,
    counted as `pactsim info` does (1: complete): the title " (INCOMPLETE: k of n runs
    done)" for a figure, the note "k of n runs done, ... not run (...)" for a script's
    stderr; ("", "") when every run is complete or the file has no /sweep/done."""
    if run.sweep is None or "done" not in run.sweep:
        return "", ""
    done = np.asarray(run.sweep["done"].values)
    k, n = int((done == 1).sum()), int(done.size)
    if k == n:
        return "", ""
    text = f"{k} of {n} runs done"
    title = f" (INCOMPLETE: {text})"
    stopped, never = int((done == 2).sum()), int((done == 0).sum())
    if stopped:
        text += f", {stopped} stopped by a non-finite value"
    if never:
        text += f", {never} not run (pactsim sweep --resume runs them)"
    return title, text


def _config_actor_names(f):
    """ISO3 -> name from the `actors:` map of a sweep's /provenance/base_config_resolved
    (the YAML pactsim writes: two-space keys, `name:` four spaces in); {} without it."""
    d = f.get("provenance/base_config_resolved")
    if d is None or not isinstance(d, h5py.Dataset):
        return {}
    names, inside, iso = {}, False, None
    for line in _s(d[()]).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith(" "):
            inside, iso = line.rstrip() == "actors:", None
            continue
        if not inside:
            continue
        if line.startswith("  ") and not line.startswith("   ") and line.rstrip().endswith(":"):
            iso = line.strip()[:-1].strip("'\"")
        elif iso and line.startswith("    name:"):
            names[iso] = line.split(":", 1)[1].strip().strip("'\"")
    return names


def _sweep_design(g):
    """The design of a sweep file as an xr.Dataset over (point, param)."""
    if "points" not in g:
        return None
    params = _strings(g["param"]) if "param" in g else [f"p{i}" for i in range(g["points"].shape[1])]
    npt = g["points"].shape[0]
    ds = xr.Dataset({"points": (("point", "param"), np.asarray(g["points"][()]))},
                    coords={"point": np.arange(npt), "param": np.array(params, dtype=object)})
    for name in ("unit", "done"):
        if name in g:
            dims = ("point", "param") if name == "unit" else ("point", "replicate")
            ds[name] = (dims, np.asarray(g[name][()]))
    if "replicate" in ds.dims:
        n = ds.sizes["replicate"]
        rep = np.asarray(g["replicate"][()]) if "replicate" in g else np.arange(n)
        ds = ds.assign_coords(replicate=rep if len(rep) == n else np.arange(n))
    if "param_units" in g:
        ds["param_units"] = ("param", np.array(_strings(g["param_units"]), dtype=object))
    for name in ("param_lo", "param_hi"):
        if name in g:
            ds[name] = ("param", np.asarray(g[name][()]))
    ds.attrs.update({k: (_s(v) if isinstance(v, (bytes, str)) else np.asarray(v).item())
                     for k, v in g.attrs.items() if np.asarray(v).size == 1})
    return ds


def open_run(path, eager=False):
    """Open a pactsim (or pactsim-sweep) file; returns a Run (use it with ``with``).

    Raises PactsimFileError if the file is missing, not HDF5, has another
    ``format`` or a newer ``format_version``. ``eager=True`` reads every state
    variable into memory at once (then the file may be closed right away).
    """
    return Run(path, eager=eager)


_EVENT_FIELDS = ("replicate", "month", "date", "type", "source", "target", "magnitude", "id")


def _replicate_count(f):
    """Replicates of an open run file (its state groups' scale, else /provenance), or None."""
    for g in STATE_GROUPS + ("summary",):
        if g in f and isinstance(f[g], h5py.Group) and "replicate" in f[g]:
            return int(f[g]["replicate"].shape[0])
    if "provenance" in f and "replicates" in f["provenance"].attrs:
        return int(np.asarray(f["provenance"].attrs["replicates"]).item())
    return None


def events(path, replicate=None):
    """The /events table as a numpy structured array with str fields.

    Fields: replicate (int32), month (int32), date ("YYYY-MM"), type, source,
    target (ISO3 or ""), magnitude (float64), id, plus ``time`` (datetime64[ns],
    first day of the month, as the state time coordinate). Filter like a
    DataFrame: ``ev[ev["type"] == "sanctions"]``. Empty (length 0) when the
    file has no events. ``replicate`` keeps only that replicate (ValueError if
    the file has no such replicate, 1.5 included; TypeError if it is not a number).
    path: a file's path or an open Run.
    """
    path = _path_of(path)
    if replicate is not None:
        if isinstance(replicate, (bool, np.bool_)) or \
                not isinstance(replicate, (numbers.Real, np.integer, np.floating)):
            raise TypeError(f"replicate must be an integer (got {type(replicate).__name__} "
                            f"{replicate!r})")
        if not float(replicate).is_integer():
            raise ValueError(f"{path}: no replicate {replicate} (replicates are numbered "
                             f"0, 1, ...)")
        replicate = int(replicate)
    f, _ = _h5open(path)
    with f:
        if replicate is not None:
            n = _replicate_count(f)
            if n is not None and not 0 <= replicate < n:
                raise ValueError(f"{path}: no replicate {replicate} (the file has replicates "
                                 f"0 to {n - 1})")
        raw = f["events"][()] if "events" in f else None
    str_fields = ("date", "type", "source", "target", "id")
    dtype = [("replicate", "i4"), ("month", "i4"), ("date", "U8"), ("type", "U32"),
             ("source", "U8"), ("target", "U8"), ("magnitude", "f8"), ("id", "U64"),
             ("time", "M8[ns]")]
    if raw is None or raw.dtype.names is None:
        return np.zeros(0, dtype=dtype)
    if replicate is not None and "replicate" in raw.dtype.names:
        raw = raw[raw["replicate"] == replicate]
    out = np.zeros(len(raw), dtype=dtype)
    for name in _EVENT_FIELDS:
        if name not in raw.dtype.names:
            continue
        col = raw[name]
        if name in str_fields:
            out[name] = [_s(v).rstrip("\x00") for v in col]
        else:
            out[name] = col
    for i, d in enumerate(out["date"]):
        try:
            out["time"][i] = np.datetime64(d, "M").astype("datetime64[ns]")
        except ValueError:
            out["time"][i] = np.datetime64("NaT")
    return out


def provenance(path):
    """Root and /provenance attributes plus config_raw/config_resolved, as a dict (path: a
    file's path or an open Run)."""
    path = _path_of(path)
    f, fmt = _h5open(path)
    with f:
        out = {"format": fmt}
        out.update({f"root.{k}": _s(v) for k, v in f.attrs.items()})
        if "provenance" in f:
            p = f["provenance"]
            for k, v in p.attrs.items():
                arr = np.asarray(v)
                out[k] = arr.item() if arr.dtype.kind in "iuf" and arr.size == 1 else _s(v)
            for name, d in p.items():
                if isinstance(d, h5py.Dataset) and d.shape == ():
                    out[name] = _s(d[()])
        return out


def sensitivity(path):
    """Sensitivity indices written by `pactsim sensitivity` into a sweep file:
    {"param": [names], "metrics": {metric: {index: np.ndarray over params}}}
    with indices S1, S1_low, S1_high, ST, ST_low, ST_high (Saltelli design) or
    mu_star, mu_star_low, mu_star_high, mu, sigma (Morris). Empty metrics when
    the sweep file has no /sensitivity group (yet); PactsimFileError when the file
    is not a sweep file. path: a file's path or an open Run. Also "method" (the
    group's description of the estimators, "" without one) and "attrs": {metric:
    {attribute: value}}, each metric group's attributes as `pactsim sensitivity`
    writes them (variance, rows_used, bootstrap, widest_interval, distinct_values).
    """
    path = _path_of(path)
    out = {"param": [], "metrics": {}, "method": "", "attrs": {}}
    f, fmt = _h5open(path)
    with f:
        if fmt != "pactsim-sweep":
            raise PactsimFileError(f"{path}: not a sweep file (format is {fmt!r}); sensitivity "
                                   f"indices are written into sweep files by pactsim "
                                   f"sensitivity")
        g = f.get("sensitivity")
        if g is None:
            return out
        if "param" in g:
            out["param"] = _strings(g["param"])
        out["method"] = _s(g.attrs.get("method", ""))
        for name, item in g.items():
            if name == "param" or not hasattr(item, "items"):
                continue
            out["metrics"][name] = {k: np.asarray(v[()], dtype=float)
                                    for k, v in item.items() if isinstance(v, h5py.Dataset)}
            out["attrs"][name] = {k: (_s(v) if isinstance(v, (bytes, str)) else
                                      np.asarray(v).item())
                                  for k, v in item.attrs.items() if np.asarray(v).size == 1}
    return out


if __name__ == "__main__":
    import sys

    from pactsim.script import no_command_line
    sys.exit(no_command_line("pactsim.io"))
