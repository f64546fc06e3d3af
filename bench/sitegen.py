"""A large generated phpBB 3.3 board (prosilver markup), served from memory on 127.0.0.1.

Used by bench/crawl.py. The board has 10 forums in 4 categories; each forum lists its
topics 25 to a page, and each topic shows 15 posts to a page (phpBB's usual settings,
the last page of a topic holding what is left). Topic lengths follow a long tail: most
topics fit on one or two pages, a few run to a dozen. The content is drawn from a seeded
generator (the same arguments give the same board byte for byte) into the demo's content
model, and the pages are made by the demo's phpBB templates (veille.demo.render), which
copy what prosilver emits around each post (profile, rank, buttons, signature, quotes,
smilies, breadcrumbs, footer), so that a topic page weighs what a real one does.

The board is served by Veille's page server (veille.demo.server: HTTP/1.1 with
keep-alive, as Apache or nginx would, Nagle off, ETags), every page prepared in advance.
"""

from __future__ import annotations

import math
import random
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from zoneinfo import ZoneInfo

from veille.demo.content import (
    Board,
    ForumPost,
    Member,
    Quote,
    Topic,
    paginate_forum,
    paginate_topic,
)
from veille.demo.content import Forum as ForumNode
from veille.demo.render import board_pages
from veille.demo.server import Page, SavedPages, Served, serve

FORUM_PATH = "/forum"
TOPICS_PER_PAGE = 25
POSTS_PER_PAGE = 15
BOARD_TZ = ZoneInfo("Europe/Paris")
# The board's clock: fixed, so that the same seed gives the same pages on any day.
BOARD_NOW = datetime(2026, 11, 20, 18, 30, tzinfo=UTC)
HTML_TYPE = "text/html; charset=UTF-8"
ROBOTS = (
    "User-agent: *\n"
    f"Disallow: {FORUM_PATH}/ucp.php\n"
    f"Disallow: {FORUM_PATH}/posting.php\n"
    f"Disallow: {FORUM_PATH}/search.php\n"
    f"Disallow: {FORUM_PATH}/memberlist.php\n"
)

# (category, [(forum name, description, weight in the board's topics)])
CATEGORIES = [
    ("Box et fibre", [
        ("Fibre optique", "Raccordement, débits, pannes de la fibre", 3),
        ("ADSL et VDSL", "Les lignes cuivre et leurs soucis", 2),
        ("Box et décodeurs TV", "Configuration, mises à jour, Wi-Fi", 2),
    ]),
    ("Mobile", [
        ("Forfaits mobiles", "Offres, options, hors forfait", 3),
        ("Smartphones", "Achat, SAV, mises à jour des téléphones", 2),
        ("Réseau 4G / 5G", "Couverture et débits mobiles", 2),
    ]),
    ("Relation client", [
        ("Facturation", "Factures, prélèvements, remboursements", 2),
        ("Service client et SAV", "Vos échanges avec le support", 3),
        ("Résiliation et portabilité", "Changer d'opérateur sans perdre son numéro", 1),
    ]),
    ("International", [
        ("English-speaking subscribers", "Questions in English about our services", 1),
    ]),
]  # fmt: skip

BRANDS = ["Orbitel", "Fibrex", "NovaBox", "Telvia", "Mobilia"]
_FR = {
    "opener": ["Bonjour à tous,", "Salut,", "Bonsoir,", "Hello,", "Bonjour,",
               "Petit retour d'expérience :", "Merci pour vos réponses.", "Re,"],
    "closer": ["Merci d'avance.", "A+", "Bonne soirée.", "Des idées ?", "Cordialement.",
               "Je vous tiens au courant."],
    "when": ["hier soir", "lundi", "trois jours", "la mise à jour de la box",
             "le déménagement", "le changement d'offre", "ce matin", "deux semaines"],
    "thing": ["ma connexion", "la fibre", "le Wi-Fi", "le décodeur", "ma ligne fixe",
              "la 4G", "l'appli mobile", "le débit montant", "la box", "la messagerie"],
    "problem": ["coupe toutes les dix minutes", "ne dépasse pas 20 Mb/s",
                "redémarre toute seule", "affiche un voyant rouge", "marche de nouveau",
                "est bien plus stable", "ne synchronise plus", "rame le soir"],
    "feeling": ["franchement décevant", "plutôt correct", "inadmissible à ce prix",
                "une vraie galère", "parfait depuis", "pas terrible",
                "au top, rien à redire", "correct sans plus"],
}  # fmt: skip
_FR_SENTENCES = [
    "Depuis {when}, {thing} {brand} {problem}.",
    "J'ai appelé le service client {brand} : {feeling}.",
    "Le technicien est passé, il a changé le câble et {thing} {problem}.",
    "Chez moi {thing} {problem}, alors que le voisin chez {brand2} n'a aucun souci.",
    "Le support m'a demandé de réinitialiser {thing}, sans effet pour l'instant.",
    "Pour info, la facture de ce mois a encore augmenté de quatre euros sans prévenir.",
    "Quelqu'un a-t-il réussi à obtenir un geste commercial de {brand} ?",
    "J'hésite à partir chez {brand2}, leur offre fibre a l'air {feeling}.",
    "Même constat ici depuis {when} : {thing} {problem}.",
    "Bref, {feeling} de la part de {brand}.",
    "J'ai ouvert un ticket il y a {n} jours et toujours aucune réponse.",
    "Après {n} appels, on m'a enfin envoyé une nouvelle box.",
    "Le débit mesuré est de {n}0 Mb/s en descendant, loin des promesses.",
    "Sur le forum officiel ils disent que c'est un incident local.",
    "Vous avez essayé de changer le canal Wi-Fi ? Chez moi ça a tout réglé.",
]  # fmt: skip
_EN = {
    "opener": ["Hi all,", "Hello,", "Quick update:", "Thanks for the replies.", "Hey,"],
    "closer": ["Thanks in advance.", "Cheers.", "Any ideas?", "Will keep you posted."],
    "when": ["last night", "Monday", "three days", "the router update", "the move"],
    "thing": ["my connection", "the fibre line", "the Wi-Fi", "the TV box", "4G coverage",
              "the mobile app"],
    "problem": ["drops every ten minutes", "is stuck at 20 Mbps", "keeps rebooting",
                "works again", "is much more stable", "is painfully slow at night"],
    "feeling": ["really disappointing", "decent enough", "unacceptable for the price",
                "a real pain", "spot on", "not great"],
}  # fmt: skip
_EN_SENTENCES = [
    "Since {when}, {thing} from {brand} {problem}.",
    "I called {brand} support and it was {feeling}.",
    "A technician came over, replaced the cable, and now {thing} {problem}.",
    "My neighbour on {brand2} has no issue at all while {thing} {problem} here.",
    "Has anyone managed to get a refund from {brand}?",
    "Thinking of switching to {brand2}, their offer looks {feeling}.",
    "Opened a ticket {n} days ago and still no answer.",
    "The speed test shows {n}0 Mbps down, far from what was promised.",
    "Try changing the Wi-Fi channel, it fixed everything for me.",
]  # fmt: skip
_TOPIC_TITLES_FR = [
    "Problème de {thing} depuis {when}", "[{brand}] {thing} {problem}",
    "Avis sur l'offre {brand} {n}0 Go", "Geste commercial {brand} ?",
    "{thing} {problem} : normal ?", "Résiliation {brand}, retour d'expérience",
    "Facture {brand} en hausse", "Passage de {brand} à {brand2}",
]  # fmt: skip
_TOPIC_TITLES_EN = [
    "{thing} {problem} since {when}", "[{brand}] refund request", "Moving from {brand} to {brand2}",
]  # fmt: skip
_SMILIES = [":)", ":(", ";)", ":D"]  # phpBB shows them as images
_FIRST_NAMES = ["julien", "Marie", "kevin", "Sophie", "nico", "Camille", "Thomas", "lea",
                "Max", "Karim", "Ines", "Paulo", "Chloe", "Yann", "Sam", "Elodie", "Bruno",
                "Alex"]  # fmt: skip
_RANKS = ["Membre", "Habitué", "Passionné", "Contributeur", "Nouveau membre"]


@dataclass(frozen=True)
class Document:
    """One page of the board as the server sends it."""

    url: str
    kind: str  # index, forum (a topic list) or topic (a page of posts)
    body: bytes


# ---------------------------------------------------------------------- the content


class _Writer:
    """Forum prose from sentence templates; seeded, so the board is reproducible."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def _fill(self, template: str, words: dict[str, list[str]]) -> str:
        brand, brand2 = self.rng.sample(BRANDS, 2)
        slots = {key: self.rng.choice(values) for key, values in words.items()}
        return template.format(brand=brand, brand2=brand2, n=self.rng.randint(2, 9), **slots)

    def sentence(self, english: bool) -> str:
        templates, words = (_EN_SENTENCES, _EN) if english else (_FR_SENTENCES, _FR)
        text = self._fill(self.rng.choice(templates), words)
        return text[0].upper() + text[1:]

    def title(self, english: bool) -> str:
        templates, words = (_TOPIC_TITLES_EN, _EN) if english else (_TOPIC_TITLES_FR, _FR)
        text = self._fill(self.rng.choice(templates), words)
        return text[0].upper() + text[1:]

    def post(self, english: bool, verbosity: float) -> str:
        """Mostly one to three paragraphs, one post in ten a long story, times the
        topic's verbosity; sometimes a greeting, a smiley, a sign-off."""
        rng = self.rng
        words = _EN if english else _FR
        paragraphs = []
        count = rng.randint(4, 9) if rng.random() < 0.1 else min(3, 1 + int(rng.expovariate(1.0)))
        for _ in range(max(1, round(count * verbosity))):
            sentences = [self.sentence(english) for _ in range(rng.randint(1, 4))]
            if rng.random() < 0.15:
                sentences.append(rng.choice(_SMILIES))
            paragraphs.append(" ".join(sentences))
        if rng.random() < 0.5:
            paragraphs.insert(0, rng.choice(words["opener"]))
        if rng.random() < 0.3:
            paragraphs.append(rng.choice(words["closer"]))
        return "\n\n".join(paragraphs)


def _members(rng: random.Random, count: int) -> list[Member]:
    members = []
    for number in range(count):
        name = f"{rng.choice(_FIRST_NAMES)}{rng.choice(['', '_', '.', ''])}{rng.randint(1, 999)}"
        rank, colour = rng.choice(_RANKS), None
        if number < 6:  # the staff: an administrator and moderators, coloured names
            rank, colour = ("Modérateur", "00AA00") if number else ("Administrateur", "AA0000")
        signature = None
        if rng.random() < 0.3:
            signature = (
                f"{rng.choice(BRANDS)} fibre {rng.randint(1, 8)} Gb/s, box v{rng.randint(5, 9)}"
            )
        joined = BOARD_NOW - timedelta(days=rng.randint(30, 4000))
        posts = int(rng.paretovariate(1.2) * 10)
        members.append(Member(name, 100 + number, rank, posts, joined, signature, colour))
    return members


def _topic_page_count(rng: random.Random) -> int:
    """A long tail: most topics fit on one or two pages, a few run to a dozen."""
    draw = rng.random()
    if draw < 0.30:
        return 1
    if draw < 0.50:
        return 2
    if draw < 0.65:
        return 3
    if draw < 0.85:
        return rng.randint(4, 6)
    return rng.randint(7, 12)


def build_board(pages: int, seed: int, base_url: str) -> Board:
    """Forums and topics enough for about `pages` pages as a crawl reads them (the index,
    the topic lists, the topics), in the demo's content model; `base_url` is the board's
    address."""
    rng = random.Random(seed)
    writer = _Writer(rng)
    categories: list[ForumNode] = []
    forums: list[ForumNode] = []
    english: dict[int, bool] = {}
    weights: list[int] = []
    next_id = 1
    for category_name, entries in CATEGORIES:
        category = ForumNode(next_id, category_name, "")
        next_id += 1
        for name, description, weight in entries:
            forum = ForumNode(next_id, name, description)
            english[forum.id] = name.startswith("English")
            next_id += 1
            category.forums.append(forum)
            forums.append(forum)
            weights.append(weight)
        categories.append(category)
    members = _members(rng, 600)
    activity = [1.0 / (rank + 1) ** 0.8 for rank in range(len(members))]  # a few post a lot
    post_id = 1000
    topic_id = 10

    def listing_pages() -> int:
        return sum(max(1, math.ceil(len(f.topics) / TOPICS_PER_PAGE)) for f in forums)

    topic_pages = 0
    while 1 + listing_pages() + topic_pages < pages:  # the index, the lists, the topics
        forum = rng.choices(forums, weights)[0]
        page_count = _topic_page_count(rng)
        post_count = (page_count - 1) * POSTS_PER_PAGE + rng.randint(1, POSTS_PER_PAGE)
        title = writer.title(english[forum.id])
        topic = Topic(topic_id, title, post_count * rng.randint(20, 400), [], forum)
        # Some threads are terse, some are essays: page sizes spread as on a real board.
        verbosity = rng.choice([0.5, 0.8, 1.0, 1.0, 1.5, 2.0, 3.0])
        moment = BOARD_NOW - timedelta(minutes=rng.randint(1_000, 1_300_000))
        for position in range(1, post_count + 1):
            quote = None
            if topic.posts and rng.random() < 0.12:
                quoted = rng.choice(topic.posts[-5:])
                quote = Quote(quoted, quoted.text.split("\n")[0])
            topic.posts.append(
                ForumPost(
                    member=rng.choices(members, activity)[0],
                    published=moment,
                    text=writer.post(english[forum.id], verbosity),
                    position=position,
                    subject=title if position == 1 else f"Re: {title}",
                    quote=quote,
                    id=post_id,
                )
            )
            post_id += rng.randint(1, 40)  # other topics' posts come in between
            moment += timedelta(minutes=1 + int(rng.expovariate(1 / 300)))
        paginate_topic(topic, POSTS_PER_PAGE)
        forum.topics.append(topic)
        topic_id += rng.randint(1, 3)
        topic_pages += page_count
    for forum in forums:
        paginate_forum(forum, TOPICS_PER_PAGE)
    return Board(
        name="Forum des abonnés",
        description="Entraide entre abonnés fixe et mobile",
        tz=BOARD_TZ,
        now=BOARD_NOW,
        per_page=POSTS_PER_PAGE,
        members_total=len(members),
        members={member.name: member for member in members},
        categories=categories,
        path=FORUM_PATH,
        url=base_url,
        topics_per_page=TOPICS_PER_PAGE,
    )


# ---------------------------------------------------------------------- the pages


def render_board(board: Board, root: str) -> tuple[list[Document], dict[str, Page]]:
    """The board's pages, made by the demo's phpBB templates: the documents a complete
    crawl with the phpBB preset fetches (the index, the topic lists, the topics), in the
    order a reader browses them, and every answer the server gives by request target
    (category pages and a post's own link included). `root` is the server's address,
    which the targets leave out."""
    documents, served = [], {}
    for target, kind, page in board_pages(board):
        served[target] = page
        if kind in ("index", "forum", "topic"):
            documents.append(Document(root + target, kind, page.body))
    return documents, served


# ---------------------------------------------------------------------- the server


class ForumSite:
    """The generated board, served on 127.0.0.1 (a free port) while the `with` block runs,
    from threads of this process, by Veille's page server (veille.demo.server)."""

    def __init__(self, pages: int, seed: int = 0):
        # The board's address is known once served: its canonical links are made then.
        self.board = build_board(pages, seed, base_url="")
        self.documents: list[Document] = []
        self.base_url = ""
        self._served: Served | None = None
        self._stack = ExitStack()

    @property
    def forums(self) -> list[ForumNode]:
        return self.board.forums

    @property
    def post_count(self) -> int:
        return self.board.post_count

    @property
    def connections(self) -> int:
        """TCP connections the server has accepted so far."""
        return self._served.connections if self._served is not None else 0

    @property
    def start_url(self) -> str:
        return f"{self.base_url}/index.php"

    def __enter__(self) -> ForumSite:
        saved = SavedPages()
        self._served = self._stack.enter_context(serve(saved, name="board"))
        root = self._served.base_url
        self.base_url = self.board.url = root + FORUM_PATH
        self.documents, pages = render_board(self.board, root)
        pages["/robots.txt"] = Page("text/plain; charset=UTF-8", ROBOTS.encode("ascii"))
        # Every ETag now, as the pages are prepared: answering computes nothing.
        for page in pages.values():
            _ = page.etag
        saved.update(pages)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stack.close()
        self._served = None
