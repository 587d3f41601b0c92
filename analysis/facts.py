#!/usr/bin/python3
"""Thin wrapper: `/usr/bin/python3 analysis/facts.py ...` works without installing the
package (the same as the `pactsim-facts` entry point; see docs/validation.md)."""
import sys

from pactsim.facts import main

if __name__ == "__main__":
    sys.exit(main())
