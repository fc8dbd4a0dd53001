#!/usr/bin/env python3
"""Build the index: a thin wrapper of `therapy-faq build` (takes the same options)."""

import sys

from therapy_faq.cli import app

if __name__ == "__main__":
    sys.exit(app(args=["build", *sys.argv[1:]], prog_name="build_index.py"))
