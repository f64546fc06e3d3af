"""Seconds `extract_page` takes on large pages: a phpBB thread and a WordPress comment
section of 0.6, 1.25, 2.5 and 5 MB (5 MB is a source's default max_page_bytes), built
here, so that the time can be read against the page's size.

Two ways in the same run:
- now: extract_page as it is: descendant steps taken from the outermost nodes only
  (crawlers/extract/xpath.py, descendant_parts), trafilatura reading at most
  MAIN_TEXT_MAX_CHARS of the page (crawlers/extract/page.py, within_budget);
- before (`--before`): each selector handed whole to libxml2 and trafilatura given the
  whole page, as the extraction did until then (its time grows with the square of the
  page: minutes at 5 MB; `--sizes` picks fewer).

Each row: the page, its size, the posts found, the seconds (best of `--repeat`), the
seconds per MB, and the notes the extraction gave (the budget's cut).

    .venv/bin/python bench/extraction_cost.py [--sizes 0.6,1.25,2.5,5] [--before] [--repeat 1]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from crawlers.extract import page as page_module
from crawlers.extract import xpath
from crawlers.reader import extract_page

MB = 1_000_000


def phpbb_thread(size: int) -> str:
    """A prosilver thread page of about `size` characters."""
    head = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Panne box - Forum</title>"
        "</head><body><div id='wrap'><div id='page-body'><h2 class='topic-title'>"
        "<a href='#'>Panne box</a></h2>"
    )
    parts, length, i = [head], len(head), 0
    while length < size:
        i += 1
        post = (
            f"<div id='p{i}' class='post has-profile bg{1 + i % 2}'><div class='inner'>"
            f"<dl class='postprofile' id='profile{i}'><dt><a href='./memberlist.php?u={i}' "
            f"class='username'>membre{i}</a></dt><dd class='profile-posts'><strong>Messages :"
            f"</strong> 12</dd></dl><div class='postbody'><div id='post_content{i}'>"
            f"<h3><a href='#p{i}'>Re: Panne box</a></h3><p class='author'>"
            f"<a href='./viewtopic.php?p={i}#p{i}'><i class='icon fa-file'></i></a>par <strong>"
            f"<a href='./memberlist.php?u={i}' class='username'>membre{i}</a></strong> » "
            f"<time datetime='2026-05-01T10:00:00+00:00'>ven. 1 mai 2026 12:00</time></p>"
            f"<div class='content'>Message {i} : ma box Fibrelia est en panne depuis trois "
            f"jours, très pénible, le support ne répond pas.</div><div id='sig{i}' "
            f"class='signature'>Abonné depuis 2019</div></div></div><div class='back2top'>"
            f"<a href='#top' class='top'>Haut</a></div></div></div><hr class='divider' />"
        )
        parts.append(post)
        length += len(post)
    parts.append("</div></div></body></html>")
    return "".join(parts)


def wordpress_comments(size: int) -> str:
    """A WordPress article whose comment section (html5 markup, as wp_list_comments()
    renders it: each comment an <article> with a <footer>) makes about `size` characters."""
    head = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Un article - Blog</title>"
        "</head><body><article id='post-1'><header><h1 class='entry-title'>Un article</h1>"
        "</header><div class='entry-content'>"
        + "<p>Le texte de l'article, très long, sur Fibrelia et la fibre.</p>" * 20
        + "</div></article><div id='comments'><ol class='comment-list'>"
    )
    parts, length, i = [head], len(head), 0
    while length < size:
        i += 1
        comment = (
            f"<li id='comment-{i}' class='comment even thread-even depth-1'>"
            f"<article id='div-comment-{i}' class='comment-body'><footer class='comment-meta'>"
            f"<div class='comment-author vcard'><b class='fn'>Auteur {i}</b></div>"
            f"<div class='comment-metadata'><a href='#comment-{i}'>"
            f"<time datetime='2026-05-0{1 + i % 9}T10:00:00+02:00'>5 mai 2026 à 10h00</time>"
            f"</a></div></footer><div class='comment-content'><p>Commentaire numéro {i} sur "
            f"la box Fibrelia, la connexion est lente depuis hier soir et le service client "
            f"ne répond pas.</p></div><div class='reply'><a class='comment-reply-link' "
            f"href='#'>Répondre</a></div></article></li>"
        )
        parts.append(comment)
        length += len(comment)
    parts.append("</ol></div></body></html>")
    return "".join(parts)


PAGES: dict[str, tuple[Callable[[int], str], str]] = {
    "phpbb thread": (phpbb_thread, "https://forum.example.fr/viewtopic.php?t=1"),
    "wordpress comments": (wordpress_comments, "https://blog.example.fr/2026/05/article/"),
}


@contextmanager
def as_before() -> Iterator[None]:
    """Selectors evaluated whole by libxml2 and no budget on trafilatura's input."""
    compiled, budget = xpath._compiled, page_module.MAIN_TEXT_MAX_CHARS

    def whole(expression: str) -> tuple[object, tuple[object, ...]]:
        xpath, _ = compiled(expression)
        return xpath, (xpath,)

    xpath._compiled = whole  # type: ignore[assignment]
    page_module.MAIN_TEXT_MAX_CHARS = 10**12
    try:
        yield
    finally:
        xpath._compiled = compiled
        page_module.MAIN_TEXT_MAX_CHARS = budget


def measure(html: str, url: str, repeat: int) -> tuple[float, int, list[str]]:
    best, posts, notes = float("inf"), 0, []
    for _ in range(repeat):
        started = time.perf_counter()
        page = extract_page(html.encode("utf-8"), url)
        best = min(best, time.perf_counter() - started)
        posts, notes = len(page.posts), page.notes
    return best, posts, notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="0.6,1.25,2.5,5", help="page sizes in MB")
    parser.add_argument("--before", action="store_true", help="also the earlier extraction")
    parser.add_argument("--repeat", type=int, default=1, help="runs per page (best kept)")
    args = parser.parse_args()
    sizes = [float(size) for size in args.sizes.split(",")]
    extract_page(wordpress_comments(20_000), "https://warm.invalid/")  # imports, caches
    print(f"{'page':<20} {'MB':>5} {'posts':>6} {'way':<7} {'seconds':>8} {'s/MB':>6}  notes")
    for name, (build, url) in PAGES.items():
        for size in sizes:
            html = build(int(size * MB))
            ways = [("now", None)] + ([("before", as_before)] if args.before else [])
            for way, context in ways:
                if context is None:
                    seconds, posts, notes = measure(html, url, args.repeat)
                else:
                    with context():
                        seconds, posts, notes = measure(html, url, args.repeat)
                megabytes = len(html.encode("utf-8")) / MB
                print(
                    f"{name:<20} {megabytes:>5.2f} {posts:>6} {way:<7} {seconds:>8.2f} "
                    f"{seconds / megabytes:>6.2f}  {'; '.join(notes) or '-'}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
