"""The production settings plus bench/urls.py: used only by bench/load.py."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
