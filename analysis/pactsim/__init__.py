"""pactsim: read, plot and explore pactsim output files (docs/analysis.md).

    import pactsim
    with pactsim.open_run("baseline_2022.h5") as run:     # runs and sweeps alike
        coop = run.dyad_state["cooperation"]               # xarray, lazy
    X, y, names = pactsim.sweep_table("sweep.h5", "rus_irn_cooperation_2024")
    box = pactsim.prim(X, y > 0.5, names)                  # scenario discovery

Modules: pactsim.io (the reader), pactsim.discovery (PRIM, CART, feature
scores), pactsim.posterior (posterior files of `pactsim calibrate`, weighted
summaries), pactsim.observations (observation files and the model's
equivalents), pactsim.scores (`pactsim score` output and its totals),
pactsim.tables (CSV and Markdown), pactsim.agreements (ROC of the
agreement thresholds against alliance data), pactsim.plotting (figures; imports
matplotlib, so it is not loaded by ``import pactsim``).
"""
import importlib

__version__ = "0.1.0"

# The names below are loaded from their modules on first use (PEP 562), not at import:
# `python3 -m pactsim.discovery` (or any module) then runs a module the package has not
# imported yet, without runpy's "found in sys.modules" RuntimeWarning.
_EXPORTS = {
    "io": ("FORMAT_VERSION", "STATE_GROUPS", "PactsimFileError", "Run", "events", "open_run",
           "provenance", "sensitivity"),
    "discovery": ("Box", "PrimResult", "Tree", "cart", "feature_scores", "prim",
                  "sweep_table"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name):
    if name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_WHERE))
