"""``python -m crawler.cli``: what the scheduler runs for each crawl child."""

import sys

from crawler.cli.main import main

sys.exit(main())
