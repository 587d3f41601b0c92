#!/usr/bin/python3
"""Thin wrapper: `/usr/bin/python3 analysis/plot_scores.py ...` works without installing the
package (the same as the `pactsim-plot-scores` entry point; see docs/analysis.md)."""
import sys

from pactsim.plotting.scores import main

if __name__ == "__main__":
    sys.exit(main())
