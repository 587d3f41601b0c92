#!/usr/bin/python3
"""Thin wrapper: `/usr/bin/python3 analysis/plot_predictive.py ...` works without installing the
package (the same as the `pactsim-plot-predictive` entry point; see docs/analysis.md)."""
import sys

from pactsim.plotting.predictive import main

if __name__ == "__main__":
    sys.exit(main())
