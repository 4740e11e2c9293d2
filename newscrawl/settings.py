"""Scrapy settings for newscrawl, and the documented defaults of every NEWSCRAWL_* setting.

Each block below belongs to one component; components read their values from
``crawler.settings`` in ``from_crawler`` so ``-s NAME=VALUE`` overrides any of them. Each
default is written here only: ``newscrawl.defaults`` hands these values to a component that
runs without the project settings (``scrapy runspider``, a test's own crawler).
"""

from newscrawl.feeds.formats import EXPORTERS as _EXPORTERS

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["newscrawl.spiders"]
NEWSPIDER_MODULE = "newscrawl.spiders"

# --- Identity and politeness -------------------------------------------------------------
NEWSCRAWL_CONTACT_URL = "https://github.com/newscrawl/newscrawl"
USER_AGENT = f"newscrawl/0.1 (+{NEWSCRAWL_CONTACT_URL})"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# Scrapy starts this many tasks for the output of every response, however little it holds:
# an article page yields one item and a few requests, and its pipelines are synchronous.
# At Scrapy's 100 they were the largest cost of the crawl after the parse (README
# "Performance": a light page 8.3 -> 4.7 ms of the engine's CPU, with a worker).
CONCURRENT_ITEMS = 8

# Scrapy opens two consoles in every crawl by default: a telnet one and an HTTP server
# that runs any Python code sent with the token it writes to the user's profile folder.
# A scheduled crawl, a scrapyd job or a worker has no one at a console: both stay closed
# unless asked for (-s TELNETCONSOLE_ENABLED=True).
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# Every page carries <meta http-equiv="refresh" content="600">: following it would re-fetch
# each page as a "redirect" to itself.
METAREFRESH_ENABLED = False

# --- Crawl shape -------------------------------------------------------------------------
# Listing page -> article -> "A lire aussi" article -> its related articles.
DEPTH_LIMIT = 2
# Shallow first: listings, then their articles, then related ones. An article reached first
# through a related link at the depth limit would not have its own related links followed,
# even when a listing links it too; shallow-first ordering makes that rare.
DEPTH_PRIORITY = 1
# Each article once per crawl, whatever host or query string its links carry.
REQUEST_FINGERPRINTER_CLASS = "newscrawl.fingerprint.ArticleRequestFingerprinter"
# How many pages of each listing the spider follows (spider argument max_pages overrides).
NEWSCRAWL_MAX_PAGES = 3
# Worker processes that parse article pages while the engine keeps fetching
# (newscrawl/spiders/extraction.py); 0 = parse in the engine's process; "auto" = one worker
# for a live crawl on 2 or more CPUs, none in replay. README "Performance".
NEWSCRAWL_EXTRACTION_WORKERS = "auto"
# Hosts to follow besides each site's own (newscrawl/sites/<site>/urls.py HOSTS) and the
# start URL hosts, e.g. a mirror.
NEWSCRAWL_SITE_HOSTS: list[str] = []

# --- Items -------------------------------------------------------------------------------
ITEM_PIPELINES = {
    "newscrawl.pipelines.TextCleanupPipeline": 100,
    "newscrawl.pipelines.DatesPipeline": 200,
    "newscrawl.pipelines.AttributionPipeline": 300,
    "newscrawl.pipelines.ValidationPipeline": 400,
    "newscrawl.pipelines.DeduplicationPipeline": 500,
}

# --- Archiving and offline replay (newscrawl/archive/) -------------------------------------
# Both sit on the downloader side of every built-in middleware (HttpCache is 900): capture
# records bytes as received (before decompression and redirects); replay answers after every
# other middleware has prepared the request, so no request ever reaches the network.
DOWNLOADER_MIDDLEWARES = {
    "newscrawl.archive.capture.WarcCaptureMiddleware": 950,
    "newscrawl.archive.replay.WarcReplayMiddleware": 960,
}
# Directory for gzip WARC 1.1 files of every response fetched; empty = no capture.
NEWSCRAWL_ARCHIVE = ""
# A WARC file is closed and a new one started before it would grow past this many bytes.
NEWSCRAWL_ARCHIVE_MAX_SIZE = 1_000_000_000
# File names: <prefix>-<UTC time>-<serial>-<pid>.warc.gz
NEWSCRAWL_ARCHIVE_PREFIX = "newscrawl"
# WARC files or directories (comma-separated) to answer every request from; empty = live.
NEWSCRAWL_REPLAY = ""
# A replay archive with a damaged (truncated) file fails the run: its missing pages would be
# 404s. True = the archive is known to be partial; what it holds is replayed, status ok.
NEWSCRAWL_REPLAY_PARTIAL = False

# --- Feeds (newscrawl/feeds/: add-on, exporters, atomic storage) ---------------------------
# The add-on installs the atomic file storage (feeds are written to "<name>.part" and
# renamed when complete), refuses "-o x.json", and, when no FEEDS is given (-o / -O /
# -s FEEDS= replace the defaults), writes articles.jsonl, articles.csv, comments.csv and
# links.csv to NEWSCRAWL_FEEDS_DIR/<spider>/<run start UTC>/.
# The incremental add-on comes first: it takes the run lock before the feeds add-on creates
# this run's folder (newscrawl/incremental/).
ADDONS = {
    # Every setting checked against newscrawl/config.py's table before any add-on below
    # locks, creates or opens anything: a bad value is one line on stderr and exit 2.
    "newscrawl.config.ConfigAddon": -100,
    # Scrapy's HTTP console out of the extensions when it is off (newscrawl/consoles.py).
    "newscrawl.consoles.ConsolesAddon": -90,
    # Distributed mode (newscrawl/distributed/) when NEWSCRAWL_REDIS_URL is set; else a no-op.
    "newscrawl.distributed.addon.DistributedAddon": -20,
    "newscrawl.incremental.addon.IncrementalAddon": -10,
    "newscrawl.feeds.addon.FeedsAddon": 0,
}
# Listed here, not only by the add-on, because -o/-O check format names before add-ons run:
# "-O comments.csv:comments_csv" needs them. Bare .csv is the articles table.
FEED_EXPORTERS = dict(_EXPORTERS)
# False = no default feeds (only what -o / -O / FEEDS ask for).
NEWSCRAWL_FEEDS_ENABLED = True
# Root of the per-run feed folders, relative to the working directory.
NEWSCRAWL_FEEDS_DIR = "data/feeds"
# "standard": "," and no BOM. "excel-fr": ";" and a UTF-8 BOM, which spreadsheets in French
# locales need to split the columns and read accents right.
NEWSCRAWL_CSV_STYLE = "standard"

# --- Incremental runs (newscrawl/incremental/: state, re-visit rules, run lock) ----------
# The crawl state (SQLite) and the run lock live here; one folder per independent schedule.
NEWSCRAWL_STATE_DIR = "data/state"
# False = every article is fetched and emitted as version 1, and the state is left alone.
NEWSCRAWL_INCREMENTAL = True
# A known article published less than this long ago is fetched again, at most once every
# NEWSCRAWL_REVISIT_EVERY; older ones only when their listing shows another comment count.
# Hours, or a number with a unit: 48, "48h", "30m", "2d".
NEWSCRAWL_REVISIT_WINDOW = 48
NEWSCRAWL_REVISIT_EVERY = 2
# On SIGTERM, requests still in flight after this many seconds are abandoned (fetched again
# next run) so the feeds are completed well within systemd's TimeoutStopSec; 0 = wait.
NEWSCRAWL_STOP_TIMEOUT = 20
# "scrapy crawl" exits 1 when the crawl failed and 75 when another run holds the lock.
COMMANDS_MODULE = "newscrawl.commands"

# --- The corpus (newscrawl/corpus/: README "The corpus") -----------------------------------
# Every article version of every run, in one database the crawl writes: a SQLAlchemy URL,
# sqlite:///path (relative to the working directory; sqlite:////abs/path) or
# postgresql://user:password@host/dbname; empty = no store. Distributed crawls need
# PostgreSQL (or no store): workers on several machines cannot share a SQLite file.
NEWSCRAWL_STORE = "sqlite:///data/corpus.sqlite3"
# Order -10: before the feed exporter and the incremental extension, whose end-of-run steps
# it must precede (newscrawl/corpus/extension.py).
EXTENSIONS = {"newscrawl.corpus.extension.CorpusExtension": -10}

# --- Engine ------------------------------------------------------------------------------
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# --- Safety, faults and bounds (newscrawl/middlewares/; README "Safety and politeness") ---
# Body limits, after decompression too; a bigger page is dropped and counted.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
# A body shorter than its Content-Length or a broken chunked stream fails (and is retried).
DOWNLOAD_FAIL_ON_DATALOSS = True
# Guard after OffsiteMiddleware (50) so off-site links are dropped without a DNS look-up,
# and before robots.txt (100) so a refused host does not even get its robots.txt fetched.
DOWNLOADER_MIDDLEWARES.update(
    {
        "newscrawl.middlewares.ssrf.SsrfGuardMiddleware": 60,
        "newscrawl.middlewares.limits.PageCapMiddleware": 70,
        # Above RedirectMiddleware (600), so it sees a 3xx first: a loop is a failed page,
        # not a hop the duplicate filter drops without a word.
        "newscrawl.middlewares.limits.RedirectLoopMiddleware": 610,
        "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
        "newscrawl.middlewares.robots.Rfc9309RobotsTxtMiddleware": 100,
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        "newscrawl.middlewares.retry.BackoffRetryMiddleware": 550,
        "newscrawl.middlewares.encoding.CharsetRepairMiddleware": 585,
        # Below both on the way back: it reads the decoded page, as the spider will.
        "newscrawl.middlewares.limits.TruncatedHtmlMiddleware": 580,
        "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
        "newscrawl.middlewares.limits.BoundedCompressionMiddleware": 590,
        "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": None,
        "newscrawl.middlewares.useragent.ContactUserAgentMiddleware": 500,
    }
)
# Vets the address each connection really uses (DNS rebinding); off with the guard.
TWISTED_DNS_RESOLVER = "newscrawl.middlewares.ssrf.GuardedResolver"
# Refuse links and redirects to non-http(s) schemes and to private, loopback, link-local
# or reserved addresses. Start URL hosts and NEWSCRAWL_ALLOWED_HOSTS are exempt.
NEWSCRAWL_SSRF_GUARD = True
NEWSCRAWL_ALLOWED_HOSTS: list[str] = []
NEWSCRAWL_ALLOWED_SCHEMES = ["http", "https"]
# robots.txt answering 5xx/429 or not answering: the host is skipped for the run (RFC 9309).
NEWSCRAWL_ROBOTS_UNREACHABLE_ALLOW = False
# Wait before retry n: BASE * 2**(n-1) seconds (+-25%), at most MAX; Retry-After wins when
# sent, and a Retry-After over RETRY_AFTER_MAX seconds is not retried (counted failed).
NEWSCRAWL_RETRY_BACKOFF_BASE = 2.0
NEWSCRAWL_RETRY_BACKOFF_MAX = 60.0
NEWSCRAWL_RETRY_AFTER_MAX = 300.0
# Page requests per run (retries and robots.txt excluded); 0 = no cap. Ends crawler traps.
NEWSCRAWL_MAX_REQUESTS = 20_000
# Decode with the charset the bytes are really in when the declared one is wrong.
NEWSCRAWL_CHARSET_REPAIR = True

# --- Distributed crawls (newscrawl/distributed/) -------------------------------------------
# redis://host:6379/0 makes this run one worker of a crawl whose frontier (queue, seen set,
# in-flight leases) lives in Redis; empty = an ordinary single-process crawl.
NEWSCRAWL_REDIS_URL = ""
# Workers with the same id share one crawl; default: the spider's name. Use a new id (the
# date, say) for each crawl: a finished crawl's seen set stays in Redis.
NEWSCRAWL_REDIS_CRAWL = ""
NEWSCRAWL_REDIS_PREFIX = "newscrawl"
# Seconds a worker's heartbeat lives: the in-flight requests of a worker silent for longer
# (killed, frozen, cut off) are queued again by the others. Longer than any Redis outage
# you want to ride out without fetching pages twice.
NEWSCRAWL_REDIS_LEASE = 60.0
# How often an idle worker looks for new work, and a cut-off one tries Redis again (s).
NEWSCRAWL_REDIS_POLL_INTERVAL = 0.25
NEWSCRAWL_REDIS_RETRY_INTERVAL = 1.0
# Socket timeout of each Redis call (s): calls run in the reactor thread.
NEWSCRAWL_REDIS_TIMEOUT = 5.0
# The add-on also sets NEWSCRAWL_STATE_STORE (not set here: settings.py would outrank the
# add-on) so the incremental state lives in Redis, shared by the workers, under no run lock.
# A state call waits this long (s) for an unreachable Redis before failing its item.
NEWSCRAWL_REDIS_STATE_WAIT = 300.0
# One request budget per host, shared by every worker (newscrawl/distributed/budget.py), in
# requests per second; 0 = one request per DOWNLOAD_DELAY (no budget when that is 0 too).
# With a budget the add-on turns each worker's own DOWNLOAD_DELAY and AutoThrottle off:
# the shared budget paces, and a 429/503 seen by one worker pauses the host for all.
NEWSCRAWL_HOST_RATE = 0.0
# Seconds of budget a worker leases ahead: it holds at most ceil(rate x this) requests that
# have not started yet, so that the others (and a worker joining later) find work.
NEWSCRAWL_LEASE_AHEAD = 1.0
# scrapy-redis's names: keep queue and seen set when a worker exits (other workers, or a
# restarted one, carry on), and close a worker once nothing is queued or in flight anywhere
# for this many seconds (0 = wait for work for ever).
SCHEDULER_PERSIST = True
MAX_IDLE_TIME_BEFORE_CLOSE = 10

# --- Monitors, alerts and the run report (newscrawl/monitors/; README "Monitoring") --------
# Checked at the end of every run: a run whose monitors fail exits 3 and notifies. The
# coverage minimums come from every record of the parser fixtures, of the end-to-end test
# site and of the bundled sample: all have a title, body, published, outlet and lead, and
# every page showing comments yields some. Real video pages can carry a player and no text
# paragraph, hence body and lead a little lower.
EXTENSIONS["newscrawl.monitors.extension.MonitorsExtension"] = 100
# False: no validation stats, no monitors, no notification, no report.
NEWSCRAWL_MONITORS = True
# Least share of the run's article pages whose record has the field non-empty (a page that
# was not an article counts as a record without it). NEWSCRAWL_MONITOR_MIN_COVERAGE_BODY=0.8
# on a command line beats this dict for one field.
NEWSCRAWL_MONITOR_MIN_COVERAGE = {
    "title": 0.99,
    "published": 0.99,
    "outlet": 0.98,
    "body": 0.95,
    "lead": 0.90,
}
# Least share of the records whose page shows comments (comment_count > 0) that got some.
NEWSCRAWL_MONITOR_MIN_COMMENTS_COVERAGE = 0.90
# Records (or dates, outlets, pages) a rate monitor forgives whatever the share: one odd
# page never fails a small incremental run on its own.
NEWSCRAWL_MONITOR_TOLERANCE = 1
# Most unreadable dates (newscrawl/dates/unparsed) per record.
NEWSCRAWL_MONITOR_MAX_UNPARSED_DATES = 0.02
# Most outlets outside the alias table (newscrawl/outlets/unknown) per record: a few are
# expected (the table grows from them), most of a run means the provider line moved.
NEWSCRAWL_MONITOR_MAX_UNKNOWN_OUTLETS = 0.20
# Most share of records breaking the JSON Schema (they are still written).
NEWSCRAWL_MONITOR_MAX_INVALID_RECORDS = 0.01
# Most share of pages that failed (newscrawl/failed, not_an_article included).
NEWSCRAWL_MONITOR_MAX_FAILED_PAGES = 0.10
# Most retries (retry/count) per request sent.
NEWSCRAWL_MONITOR_MAX_RETRIES = 0.20
# Most exceptions raised in callbacks (spider_exceptions/count) plus item errors.
NEWSCRAWL_MONITOR_MAX_SPIDER_ERRORS = 0
# Finish reasons that are a normal end; any other (an error count, memory...) fails.
# "shutdown" is a stop on request (SIGTERM, Ctrl-C): what was fetched is saved and the rest
# comes next run, so it exits 0 and is not compared with the history.
NEWSCRAWL_MONITOR_FINISH_REASONS = [
    "finished",
    "shutdown",
    "closespider_itemcount",
    "closespider_pagecount",
    "closespider_timeout",
]
# The history monitor: items read (emitted + unchanged) and pages answered, against the
# median of the last HISTORY_RUNS committed runs of the same state folder (the schedule);
# it passes until HISTORY_MIN_RUNS exist, and fails below HISTORY_MIN_RATIO of the median.
NEWSCRAWL_MONITOR_HISTORY_RUNS = 10
NEWSCRAWL_MONITOR_HISTORY_MIN_RUNS = 3
NEWSCRAWL_MONITOR_HISTORY_MIN_RATIO = 0.5
# Notifications, sent only when monitors fail. A JSON POST (Slack incoming webhook, chat
# bot...), and/or a plain-text e-mail (a list or a comma-separated string of addresses).
NEWSCRAWL_NOTIFY_WEBHOOK = ""
NEWSCRAWL_NOTIFY_EMAIL_TO: list[str] = []
NEWSCRAWL_NOTIFY_EMAIL_FROM = "newscrawl@localhost"
NEWSCRAWL_NOTIFY_SMTP_HOST = "localhost"
NEWSCRAWL_NOTIFY_SMTP_PORT = 25
NEWSCRAWL_NOTIFY_SMTP_USER = ""
NEWSCRAWL_NOTIFY_SMTP_PASSWORD = ""
NEWSCRAWL_NOTIFY_SMTP_STARTTLS = False
# Seconds a notification may take per attempt (webhook and SMTP).
NEWSCRAWL_NOTIFY_TIMEOUT = 10.0
