"""The settings module of ``scrapy crawl`` (scrapy.cfg): the project's settings, plus the
configuration a rasd command would have resolved — from the environment and the defaults,
since no rasd entry point runs before Scrapy's. ``-s RASD_DB=…`` still wins, as a setting
given on Scrapy's command line. rasd commands load crawler.settings and fill these
themselves (crawler.cli.runner.project_settings), resolving the configuration once."""

from crawler.rasdconfig import resolve_config
from crawler.settings import *  # noqa: F403 - this module is crawler.settings, configured

globals().update(resolve_config().scrapy_settings())
