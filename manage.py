#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # With no secret key and a local SQLite database (or none named) this is a developer's
    # checkout: commands run in debug, as `make run` does. Anything else stays out of
    # debug unless it says otherwise, so a production DATABASE_URL with a forgotten
    # SECRET_KEY fails loudly instead of running in debug; the web server
    # (config/wsgi.py) never defaults to debug.
    database = os.environ.get("DATABASE_URL", "")
    if not os.environ.get("SECRET_KEY") and (not database or database.startswith("sqlite:")):
        os.environ.setdefault("DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
