#!/usr/bin/python3
"""Thin wrapper: `/usr/bin/python3 analysis/plot_run.py ...` works without installing the
package (the same as the `pactsim-plot-run` entry point; see docs/analysis.md)."""
import sys

from pactsim.plotting.run import main

if __name__ == "__main__":
    sys.exit(main())
