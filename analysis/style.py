"""Shared look of the pactsim figures: one fixed colour per actor, axis helpers.

Colours come from colour-blind-safe palettes: Okabe & Ito (2008) and Paul
Tol's "muted" scheme (https://personal.sron.nl/~pault/). Every figure uses
``actor_color(iso3)`` so an actor has the same colour everywhere; actors not
listed get a colour from EXTRA by a stable hash of their code (never Python's
randomised ``hash``), so they too keep it across figures and runs.
"""
import matplotlib

matplotlib.use("Agg")  # noqa: E402 - before pyplot, for every script

import matplotlib.dates as mdates  # noqa: E402
import numpy as np  # noqa: E402

ACTOR_COLORS = {
    "RUS": "#D55E00",  # Okabe-Ito vermillion
    "IRN": "#009E73",  # Okabe-Ito bluish green
    "TUR": "#CC79A7",  # Okabe-Ito reddish purple
    "USA": "#0072B2",  # Okabe-Ito blue
    "EUU": "#56B4E9",  # Okabe-Ito sky blue
    "CHN": "#E69F00",  # Okabe-Ito orange
    "IND": "#999933",  # Tol olive
    "SAU": "#117733",  # Tol green
    "ARE": "#882255",  # Tol wine
    "ISR": "#332288",  # Tol indigo
    "SYR": "#000000",  # Okabe-Ito black
    "UKR": "#44AA99",  # Tol teal
}
EXTRA = ["#CC6677", "#88CCEE", "#AA4499", "#DDCC77", "#777777", "#F0E442"]

# Scenario colours in plot_compare (Tol bright), distinct in order.
SCENARIO_COLORS = ["#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB"]

# Categories of arms transfers, in display order, with their own colours.
ARMS_COLORS = {"drones": "#E69F00", "munitions": "#56B4E9", "air_defense": "#009E73",
               "aircraft": "#CC79A7"}

BAND_ALPHA = 0.18
QUANTILES = (0.05, 0.5, 0.95)  # band low, median, band high


def actor_color(iso3):
    iso3 = str(iso3)
    if iso3 in ACTOR_COLORS:
        return ACTOR_COLORS[iso3]
    return EXTRA[sum(ord(c) * (i + 1) for i, c in enumerate(iso3)) % len(EXTRA)]


def scenario_color(i):
    return SCENARIO_COLORS[i % len(SCENARIO_COLORS)]


def scaled(units, values):
    """A display scale for large monetary values: returns (factor, units label).

    USD quantities above a billion are shown in bn USD (the unit text keeps
    its per-time part, e.g. "bn USD/yr"). Everything else is shown as is.
    """
    units = units or "1"
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    big = finite.size and np.nanmax(np.abs(finite)) >= 1e9
    if units.startswith("USD") and big:
        return 1e-9, "bn " + units
    return 1.0, units


def axis_label(name, units):
    """'name [units]' with the dimensionless unit '1' spelled out."""
    units = units or "1"
    text = "dimensionless" if units == "1" else units
    return f"{name.replace('_', ' ')} [{text}]"


def date_axis(ax, start=None, end=None):
    """Dates on the x axis: concise labels, limits to the run's span if given."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if start is not None and end is not None:
        ax.set_xlim(np.datetime64(start, "ns"), np.datetime64(end, "ns"))


def apply_rc():
    matplotlib.rcParams.update({
        "figure.dpi": 100,
        "savefig.bbox": "tight",
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "font.size": 9,
        "legend.fontsize": 8,
        "legend.frameon": False,
    })
