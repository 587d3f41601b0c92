"""Figures of pactsim runs, sweeps, comparisons and scenario discovery.

Importing this package imports matplotlib and sets pactsim's rcParams (8 pt
text, no axis offsets). Modules: run, sweep, compare, discovery (figure
functions returning lists of figures, one per page, and the scripts' main()),
style (actor colours, units), common (layout presets --width page|column).

The figures a fig_* function returns are the caller's: the package keeps no reference
to them, so close them (``plt.close(fig)``) when done, or pyplot keeps them all open
(and warns beyond 20). The scripts close every figure once it is saved.
"""
from .common import MAX_ACTORS, PRESETS, save  # noqa: F401
