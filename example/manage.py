#!/usr/bin/env python3
"""Django's command line for the demo site; start the demo with ``scripts/demo.sh`` instead."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_site.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
