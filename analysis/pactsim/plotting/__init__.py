"""Figures of pactsim runs, sweeps, comparisons and scenario discovery.

Importing this package imports matplotlib and sets pactsim's rcParams (8 pt
text, no axis offsets). Modules: run, sweep, compare, discovery (figure
functions returning lists of figures, one per page, and the scripts' main()),
style (actor colours, units), common (layout presets --width page|column).
"""
from .common import MAX_ACTORS, PRESETS, save  # noqa: F401
