"""Scrapy settings shared by every Veille crawl; a source's limits are layered on top."""

from __future__ import annotations

from typing import Any

from veille.core import __version__
from veille.core.config import Source

DEFAULT_CONTACT = "https://github.com/veille/veille"


def crawl_settings(source: Source, contact: str | None) -> dict[str, Any]:
    return {
        "BOT_NAME": "veille",
        # Sites must be able to tell who crawls them and how to reach the operator.
        "USER_AGENT": f"Veille/{__version__} (+{contact or DEFAULT_CONTACT})",
        "ROBOTSTXT_OBEY": True,
        "AUTOTHROTTLE_ENABLED": True,
        # Scrapy's 5 s start delay makes a small crawl crawl; AutoThrottle raises the
        # delay itself when a site answers slowly.
        "AUTOTHROTTLE_START_DELAY": 0.25,
        "AUTOTHROTTLE_MAX_DELAY": 10.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 2.0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": source.limits.concurrency,
        "DOWNLOAD_TIMEOUT": source.limits.timeout_s,
        "RETRY_TIMES": source.limits.retries,
        "DOWNLOAD_MAXSIZE": source.limits.max_page_bytes,
        "DOWNLOAD_WARNSIZE": min(source.limits.max_page_bytes, 1_000_000),
        "CLOSESPIDER_PAGECOUNT": source.limits.max_pages,
        # Both open local listeners by default (remote control executes posted code).
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "DOWNLOADER_MIDDLEWARES": {
            "crawlers.middlewares.NetworkGuardMiddleware": 50,
            "crawlers.middlewares.ConditionalRequestMiddleware": 60,
            # Next to the download handler, so that its process_response sees a response
            # first and drops one from a private peer before any other middleware (stats,
            # redirects, retries, the crawl state) makes use of it.
            "crawlers.middlewares.PeerAddressMiddleware": 950,
        },
        # A 304 (not modified) reaches the spider, which then has nothing to do.
        "HTTPERROR_ALLOWED_CODES": [304],
        "FEED_EXPORT_ENCODING": "utf-8",
        # An incremental crawl that finds nothing new still leaves its (empty) file.
        "FEED_STORE_EMPTY": True,
        "LOG_LEVEL": "INFO",
    }
