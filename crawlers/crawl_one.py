"""Crawl one source in this process and write its posts as JSON lines.

Run as a subprocess (`python -m crawlers.crawl_one`), one per source: Twisted's reactor
cannot be restarted inside one process, and one source's failure must not take the
others down. Statistics go to a JSON file beside the output.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from scrapy.crawler import CrawlerProcess

from crawlers.settings import crawl_settings
from crawlers.spiders.feed import FeedSpider
from crawlers.spiders.forum import ForumSpider
from crawlers.spiders.page import PageSpider
from veille.core.config import Source

SPIDERS = {
    "feed": FeedSpider,
    "forum": ForumSpider,
    "page": PageSpider,
    "page_object": ForumSpider,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, required=True, help="the source, as JSON")
    parser.add_argument("--out", type=Path, required=True, help="JSON lines of posts")
    parser.add_argument("--stats", type=Path, required=True, help="crawl statistics (JSON)")
    parser.add_argument("--contact", default=None, help="contact URL for the user agent")
    parser.add_argument("--state", default=None, help="crawl state to use and update (SQLite)")
    parser.add_argument(
        "--settings", default="{}", help="Scrapy settings (JSON) over the defaults, for benchmarks"
    )
    args = parser.parse_args()

    source = Source.model_validate_json(args.source.read_text(encoding="utf-8"))
    settings = {**crawl_settings(source, args.contact), **json.loads(args.settings)}
    settings["FEEDS"] = {str(args.out): {"format": "jsonlines", "overwrite": True}}
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(SPIDERS[source.kind])
    process.crawl(crawler, source=source, state_path=args.state)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    args.stats.write_text(json.dumps(stats, default=str, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
