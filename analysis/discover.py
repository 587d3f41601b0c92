#!/usr/bin/python3
"""Thin wrapper: `/usr/bin/python3 analysis/discover.py ...` works without installing the
package (the same as the `pactsim-discover` entry point; see docs/analysis.md)."""
import sys

from pactsim.discovery import main

if __name__ == "__main__":
    sys.exit(main())
