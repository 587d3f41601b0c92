"""Shared look of the pactsim figures: one fixed colour per actor, axis helpers.

Colours come from colour-blind-safe qualitative palettes: Okabe & Ito (2008)
and Paul Tol's schemes (https://personal.sron.nl/~pault/), one hue family per
actor (no two greens). Every figure uses ``actor_color(iso3)`` so an actor
has the same colour everywhere; actors not listed get a colour from EXTRA by
a stable hash of their code (never Python's randomised ``hash``), so they too
keep it across figures and runs.
"""
import matplotlib
import matplotlib.dates as mdates
import numpy as np

ACTOR_COLORS = {
    "RUS": "#D55E00",  # Okabe-Ito vermillion
    "IRN": "#009E73",  # Okabe-Ito bluish green
    "TUR": "#CC79A7",  # Okabe-Ito reddish purple
    "USA": "#0072B2",  # Okabe-Ito blue
    "EUU": "#56B4E9",  # Okabe-Ito sky blue
    "CHN": "#E69F00",  # Okabe-Ito orange
    "IND": "#999933",  # Tol olive
    "SAU": "#332288",  # Tol indigo
    "ARE": "#882255",  # Tol wine
    "ISR": "#8C8C8C",  # grey
    "SYR": "#000000",  # Okabe-Ito black
    "UKR": "#8C510A",  # brown (ColorBrewer BrBG)
}
EXTRA = ["#CC6677", "#DDCC77", "#AA4499", "#44AA99", "#BBBBBB", "#661100"]

# Quantities shown in bn USD: money stocks and flows (a price such as USD/bbl is kept).
MONEY_UNITS = ("USD", "USD/yr", "USD/year", "USD/month")

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


def each_tick(axis):
    """Write every tick of axis as its own number ("3e-06", "0", "1.5"): no
    common multiplier ("1e-6") in the axis corner, which the rc limits still
    allow for values below 1e-5 (paired differences can be that small)."""
    from matplotlib.ticker import FuncFormatter
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.3g}"))


def scaled(units, values=None):
    """A display scale from a dataset's units attribute: returns (factor, units label).

    Money (units USD, USD/yr, USD/month) is always shown in bn USD, keeping
    the per-time part ("bn USD/yr"), whatever its size, so that panels and
    files agree; everything else is shown as is.
    """
    units = units or "1"
    if units in MONEY_UNITS:
        return 1e-9, "bn " + units
    return 1.0, units


def axis_label(name, units):
    """'name [units]' with the dimensionless unit '1' spelled out."""
    units = units or "1"
    text = "dimensionless" if units == "1" else units
    return f"{name.replace('_', ' ')} [{text}]"


def date_axis(ax, start=None, end=None, maxticks=5):
    """Dates on the x axis: concise labels, limits to the run's span if given."""
    locator = mdates.AutoDateLocator(minticks=2, maxticks=maxticks)
    locator.intervald[mdates.MONTHLY] = [1, 2, 3, 4, 6, 12]  # short runs in small panels
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if start is not None and end is not None:
        start, end = np.datetime64(start, "ns"), np.datetime64(end, "ns")
        if start == end:  # a run of one month: half a month either side of its point
            start, end = start - np.timedelta64(15, "D"), end + np.timedelta64(15, "D")
        ax.set_xlim(start, end)


def apply_rc():
    matplotlib.rcParams.update({
        "figure.dpi": 100,
        "savefig.bbox": "tight",
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "font.size": 8,
        "axes.titlesize": 8,
        "figure.titlesize": 9,
        "legend.fontsize": 7,
        "legend.frameon": False,
        "axes.formatter.useoffset": False,  # no "1e10" offset: values carry their units
        "axes.formatter.limits": (-5, 6),
    })
