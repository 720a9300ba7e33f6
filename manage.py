#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # With no configuration at all this is a developer's checkout: commands run in debug,
    # as `make run` does. A deployment sets SECRET_KEY, so DEBUG stays off there unless it
    # says otherwise; the web server (config/wsgi.py) never defaults to debug.
    if not os.environ.get("SECRET_KEY"):
        os.environ.setdefault("DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
