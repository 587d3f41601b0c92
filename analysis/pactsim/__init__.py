"""pactsim: read, plot and explore pactsim output files (docs/analysis.md).

    import pactsim
    with pactsim.open_run("baseline_2022.h5") as run:     # runs and sweeps alike
        coop = run.dyad_state["cooperation"]               # xarray, lazy
    X, y, names = pactsim.sweep_table("sweep.h5", "peak_cooperation_rus_irn")
    box = pactsim.prim(X, y > 0.5, names)                  # scenario discovery

Modules: pactsim.io (the reader), pactsim.discovery (PRIM, CART, feature
scores), pactsim.posterior (posterior files of `pactsim calibrate`, weighted
summaries), pactsim.observations (observation files and the model's
equivalents), pactsim.scores (`pactsim score` output and its totals),
pactsim.tables (CSV and Markdown), pactsim.agreements (ROC of the
agreement thresholds against alliance data), pactsim.plotting (figures; imports
matplotlib, so it is not loaded by ``import pactsim``).
"""
from .io import (FORMAT_VERSION, STATE_GROUPS, PactsimFileError, Run, events,  # noqa: F401
                 open_run, provenance, sensitivity)
from .discovery import (Box, PrimResult, Tree, cart, feature_scores, prim,  # noqa: F401
                        sweep_table)

__version__ = "0.1.0"
