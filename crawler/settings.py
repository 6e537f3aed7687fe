"""Scrapy settings for Rasd. Site-specific behaviour lives in site configs, not here."""

from crawler import __version__
from pipelines import ARTICLE_STAGES, OFFLINE_STAGES

BOT_NAME = "rasd"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = f"Rasd/{__version__} (Arabic news monitor; +https://github.com/rasd-news/rasd)"
ROBOTSTXT_OBEY = True

# Politeness: AutoThrottle adapts to each site's latency; hard caps per domain.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.25

DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # an HTTP control port is not something a crawler daemon should open

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
LOG_FORMATTER = "crawler.logformatter.OneLineLogFormatter"  # items are named by URL, never dumped

# What happens to an article once the spider's callback has made it of a page (dedup, store);
# the stages before run in the callback itself (RASD_OFFLINE_STAGES below, pipelines/offline.py).
ITEM_PIPELINES = {path: (i + 1) * 100 for i, path in enumerate(ARTICLE_STAGES, len(OFFLINE_STAGES))}
EXTENSIONS = {"crawler.cli.progress.Progress": 500, "crawler.ops.runs.RunRecorder": 510,
              "crawler.errors.CrawlErrors": 520, "crawler.cli.quietlog.QuietNetworkFailures": 530}
# Before Scrapy's RobotsTxtMiddleware (100): applies a site's explicit robots.txt opt-out.
# Scrapy's redirect middlewares replaced, at their places, by ones that keep a request's
# page identity (crawler.fetch.identity), which is also what duplicate requests are told by.
# UnreachableHosts after RetryMiddleware (550) in the response chain: it sees each attempt's failure.
DOWNLOADER_MIDDLEWARES = {
    "crawler.fetch.robots.SiteRobotsPolicy": 90,
    "crawler.fetch.unreachable.UnreachableHosts": 560,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.fetch.identity.MetaRefreshMiddleware": 580,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.fetch.identity.RedirectMiddleware": 600,
}
REQUEST_FINGERPRINTER_CLASS = "crawler.fetch.identity.CanonicalFingerprinter"

# Rasd's configuration (crawler.rasdconfig): filled from the configuration the entry point
# resolved once (flags, environment, defaults) — by project_settings for rasd commands, by
# crawler/scrapy_entry.py for `scrapy crawl`.
RASD_DB = None            # MongoDB URI or embedded-store path
RASD_SITE_DIRS: list[str] = []  # site config folders, in order (built-in first)
RASD_ALERT_WEBHOOK = None  # where a site's change to failing/blocked (and back) is POSTed
RASD_CHROMIUM = None       # an explicit Chromium/Chrome executable for `render = true` sites
RASD_PLAYWRIGHT_BROWSERS = None  # where `playwright install` put its browsers
RASD_SITE_NAMES: list[str] = []  # the sites being crawled: only their config files must load; empty = all
RASD_OFFLINE_STAGES = list(OFFLINE_STAGES)  # page → article, in order, run by the spider's callback
RASD_PROGRESS = False     # one line per stored article on stderr
RASD_TRIGGER = "manual"   # recorded in each run: "manual" (rasd crawl) or "schedule"
RASD_RUN_ID = None        # run record id assigned by the scheduler; None = a new record
# Pages rendered at once per site that has `render = true` (each is a Chromium tab); kept
# apart from CONCURRENT_REQUESTS_PER_DOMAIN because a tab costs far more than a request.
RASD_RENDER_CONCURRENCY = 4
RASD_INCREMENTAL = True   # skip stored articles unless changed or due a recheck (crawler.fetch.incremental)
RASD_SPOOL = None         # spool folder for articles the database could not take
RASD_STORE_RETRY_INTERVAL = 30.0  # seconds between attempts to bring a failed database back
# Bounds on the work one page can make, whatever it holds (README: reliability). A cap that
# bites is counted in rasd/capped/<what>; sitemap limits are errors (rasd/errors/sitemap_limit).
RASD_MAX_LINKS_PER_PAGE = 1000  # article links taken per listing, feed or sitemap (newest first); 0 = all
RASD_MAX_REQUESTS = 5000        # article and listing requests per site per run; 0 = no limit
RASD_SITEMAP_MAX_DEPTH = 2      # sitemap indexes followed this many levels below a configured sitemap
RASD_SITEMAP_MAX_COUNT = 50     # nested sitemaps fetched per site per run
# Network failures after which a host that has not answered once is given up for the run
# (crawler.fetch.unreachable); 0 = never give up.
RASD_HOST_MAX_FAILURES = 3
RASD_ROBOTSTXT_TIMEOUT = 10.0  # seconds for robots.txt, which every other request waits for
