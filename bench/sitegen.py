"""A large generated phpBB 3.3 board (prosilver markup), served from memory on 127.0.0.1.

Used by bench/crawl.py. The board has 10 forums in 4 categories; each forum lists its
topics 25 to a page, and each topic shows 15 posts to a page (phpBB's usual settings,
the last page of a topic holding what is left). Topic lengths follow a long tail: most
topics fit on one or two pages, a few run to a dozen. The markup copies what prosilver
emits around each post (profile, rank, buttons, signature, quotes, smilies, the
breadcrumbs, jump box and footer on every page), so a topic page weighs what a real one
does: 30 to 80 kB of HTML. Everything is drawn from a seeded generator: the same
arguments give the same board byte for byte.

The board is served by Veille's page server (veille.demo.server: HTTP/1.1 with
keep-alive, as Apache or nginx would, Nagle off, ETags), every page prepared in advance.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from types import TracebackType
from zoneinfo import ZoneInfo

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
_SMILIES = [
    (":)", "icon_e_smile.gif", "Sourire"),
    (":(", "icon_e_sad.gif", "Triste"),
    (";)", "icon_e_wink.gif", "Clin d’œil"),
    (":D", "icon_e_biggrin.gif", "Très content"),
]
_FIRST_NAMES = ["julien", "Marie", "kevin", "Sophie", "nico", "Camille", "Thomas", "lea",
                "Max", "Karim", "Ines", "Paulo", "Chloe", "Yann", "Sam", "Elodie", "Bruno",
                "Alex"]  # fmt: skip
_RANKS = ["Membre", "Habitué", "Passionné", "Contributeur", "Nouveau membre"]
_FR_DAYS = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")
_FR_MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.",
              "oct.", "nov.", "déc.")  # fmt: skip


@dataclass(slots=True)
class Member:
    id: int
    name: str
    rank: str
    posts: int
    joined: datetime
    colour: str | None = None
    signature: str | None = None


@dataclass(slots=True)
class Post:
    id: int
    member: Member
    published: datetime
    subject: str
    text: str
    quote: Post | None = None


@dataclass(slots=True)
class Topic:
    id: int
    title: str
    views: int
    posts: list[Post] = field(default_factory=list)


@dataclass(slots=True)
class Forum:
    id: int
    category: str
    name: str
    description: str
    english: bool
    topics: list[Topic] = field(default_factory=list)


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
                sentences.append(rng.choice(_SMILIES)[0])
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
        members.append(Member(100 + number, name, rank, posts, joined, colour, signature))
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


def build_forums(pages: int, seed: int) -> list[Forum]:
    """Forums and topics enough for about `pages` pages (index, topic lists, topics)."""
    rng = random.Random(seed)
    writer = _Writer(rng)
    forums: list[Forum] = []
    weights: list[int] = []
    for category, entries in CATEGORIES:
        for name, description, weight in entries:
            english = name.startswith("English")
            forums.append(Forum(len(forums) + 2, category, name, description, english))
            weights.append(weight)
    members = _members(rng, 600)
    activity = [1.0 / (rank + 1) ** 0.8 for rank in range(len(members))]  # a few post a lot
    post_id = 1000
    topic_id = 10

    def listing_pages() -> int:
        return sum(max(1, math.ceil(len(f.topics) / TOPICS_PER_PAGE)) for f in forums)

    topic_pages = 0
    while 1 + listing_pages() + topic_pages < pages:
        forum = rng.choices(forums, weights)[0]
        page_count = _topic_page_count(rng)
        post_count = (page_count - 1) * POSTS_PER_PAGE + rng.randint(1, POSTS_PER_PAGE)
        title = writer.title(forum.english)
        topic = Topic(topic_id, title, views=post_count * rng.randint(20, 400))
        # Some threads are terse, some are essays: page sizes spread as on a real board.
        verbosity = rng.choice([0.5, 0.8, 1.0, 1.0, 1.5, 2.0, 3.0])
        moment = BOARD_NOW - timedelta(minutes=rng.randint(1_000, 1_300_000))
        for position in range(post_count):
            quote = None
            if topic.posts and rng.random() < 0.12:
                quote = rng.choice(topic.posts[-5:])
            topic.posts.append(
                Post(
                    id=post_id,
                    member=rng.choices(members, activity)[0],
                    published=moment,
                    subject=title if position == 0 else f"Re: {title}",
                    text=writer.post(forum.english, verbosity),
                    quote=quote,
                )
            )
            post_id += rng.randint(1, 40)  # other topics' posts come in between
            moment += timedelta(minutes=1 + int(rng.expovariate(1 / 300)))
        forum.topics.append(topic)
        topic_id += rng.randint(1, 3)
        topic_pages += page_count
    for forum in forums:  # phpBB lists the most recently active topics first
        forum.topics.sort(key=lambda t: t.posts[-1].published, reverse=True)
    return forums


# ---------------------------------------------------------------------- the markup


def _date_text(moment: datetime) -> str:
    """phpBB's French date format, "D j M Y H:i", in the board's timezone."""
    local = moment.astimezone(BOARD_TZ)
    return (
        f"{_FR_DAYS[local.weekday()]} {local.day} {_FR_MONTHS[local.month - 1]} "
        f"{local.year} {local:%H:%M}"
    )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _username(member: Member) -> str:
    href = f"./memberlist.php?mode=viewprofile&amp;u={member.id}"
    if member.colour:
        return (
            f'<a href="{href}" style="color: #{member.colour};" class="username-coloured">'
            f"{escape(member.name)}</a>"
        )
    return f'<a href="{href}" class="username">{escape(member.name)}</a>'


def _phpbb_text(text: str) -> str:
    """A post body as phpBB 3.3 renders it: escaped, smilies as images, <br>."""
    html = escape(text.strip(), quote=False)
    for code, image, title in _SMILIES:
        html = html.replace(
            f" {escape(code, quote=False)}",
            f' <img class="smilies" src="./images/smilies/{image}" width="15" height="17" '
            f'alt="{code}" title="{title}">',
        )
    return html.replace("\n", "<br>\n")


def _icon_link(href: str, title: str, icon: str, label: str, extra: str = "") -> str:
    return (
        f'<a href="{href}" title="{title}"{extra}>\n\t\t\t\t\t<i class="icon {icon} fa-fw" '
        f'aria-hidden="true"></i><span>{label}</span>\n\t\t\t\t</a>'
    )


class _Renderer:
    def __init__(self, forums: list[Forum], base_url: str):
        self.forums = forums
        self.base_url = base_url
        self.post_count = sum(len(t.posts) for f in forums for t in f.topics)
        self.topic_count = sum(len(f.topics) for f in forums)
        self.jumpbox = self._jumpbox()

    def _jumpbox(self) -> str:
        rows = []
        for forum in self.forums:
            rows.append(
                f'\t\t\t\t<li><a href="./viewforum.php?f={forum.id}" class="jumpbox-sub-link">'
                f'<span class="spacer"></span> <span>&#8627; &nbsp;{escape(forum.name)}</span>'
                "</a></li>"
            )
        return (
            '\t<div class="jumpbox dropdown-container dropdown-container-right '
            'dropdown-up dropdown-left dropdown-button-control" id="jumpbox">\n'
            '\t\t<span title="Aller à" class="button button-secondary dropdown-trigger '
            'dropdown-select">\n\t\t\t<span>Aller à</span>\n\t\t\t<span class="caret">'
            '<i class="icon fa-sort-down fa-fw" aria-hidden="true"></i></span>\n\t\t</span>\n'
            '\t\t<div class="dropdown">\n\t\t\t<div class="pointer"><div class="pointer-inner">'
            '</div></div>\n\t\t\t<ul class="dropdown-contents">\n' + "\n".join(rows) + "\n"
            "\t\t\t</ul>\n\t\t</div>\n\t</div>\n"
        )

    def layout(
        self, title: str, section: str, canonical: str, crumbs: list[Forum], body: str
    ) -> bytes:
        crumb_html = "".join(
            f'<span class="crumb" itemtype="https://schema.org/ListItem" '
            f'itemprop="itemListElement" itemscope data-forum-id="{forum.id}">'
            f'<a itemprop="item" href="./viewforum.php?f={forum.id}">'
            f'<span itemprop="name">{escape(forum.name)}</span></a>'
            f'<meta itemprop="position" content="{position + 2}" /></span>\n'
            for position, forum in enumerate(crumbs)
        )
        quick_links = "\n".join(
            f"\t\t\t\t\t\t<li>\n\t\t\t\t\t\t\t{_icon_link(href, label, icon, label)}\n"
            "\t\t\t\t\t\t</li>"
            for href, label, icon in (
                ("./search.php?search_id=unanswered", "Sujets sans réponse", "fa-file-o"),
                ("./search.php?search_id=active_topics", "Sujets actifs", "fa-file-o"),
                ("./search.php?search_id=newposts", "Nouveaux messages", "fa-file-o"),
                ("./search.php", "Rechercher", "fa-search"),
                ("./memberlist.php", "Membres", "fa-group"),
                ("./memberlist.php?mode=team", "L’équipe du forum", "fa-shield"),
            )
        )
        html = f"""<!DOCTYPE html>
<html dir="ltr" lang="fr">
<head>
<meta charset="utf-8" />
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="viewport" content="width=device-width, initial-scale=1" />

<title>{escape(title)}</title>

\t<link rel="alternate" type="application/atom+xml" title="Flux - Forum des abonnés" href="{FORUM_PATH}/app.php/feed">\t<link rel="alternate" type="application/atom+xml" title="Flux - Nouveaux sujets" href="{FORUM_PATH}/app.php/feed/topics">
\t<link rel="canonical" href="{self.base_url}/{canonical}">

<!--
\tphpBB style name: prosilver
\tBased on style:   prosilver (this is the default phpBB3 style)
\tOriginal author:  Tom Beddard ( http://www.subBlue.com/ )
\tModified by:
-->

<link href="./assets/css/font-awesome.min.css?assets_version=14" rel="stylesheet">
<link href="./styles/prosilver/theme/stylesheet.css?assets_version=14" rel="stylesheet">
<link href="./styles/prosilver/theme/fr/stylesheet.css?assets_version=14" rel="stylesheet">

<!--[if lte IE 9]>
\t<link href="./styles/prosilver/theme/tweaks.css?assets_version=14" rel="stylesheet">
<![endif]-->

</head>
<body id="phpbb" class="nojs notouch section-{section} ltr ">

<div id="wrap" class="wrap">
\t<a id="top" class="top-anchor" accesskey="t"></a>
\t<div id="page-header">
\t\t<div class="headerbar" role="banner">
\t\t\t<div class="inner">
\t\t\t<div id="site-description" class="site-description">
\t\t<a id="logo" class="logo" href="./index.php" title="Accueil du forum"><span class="site_logo"></span></a>
\t\t\t\t<h1>Forum des abonnés</h1>
\t\t\t\t<p>Entraide entre abonnés fixe et mobile</p>
\t\t\t\t<p class="skiplink"><a href="#start_here">Vers le contenu</a></p>
\t\t\t</div>
\t\t\t<div id="search-box" class="search-box search-header" role="search">
\t\t\t\t<form action="./search.php" method="get" id="search">
\t\t\t\t<fieldset>
\t\t\t\t\t<input name="keywords" id="keywords" type="search" maxlength="128" title="Recherche par mots-clés" class="inputbox search tiny" size="20" value="" placeholder="Rechercher…" />
\t\t\t\t\t<button class="button button-search" type="submit" title="Rechercher">
\t\t\t\t\t\t<i class="icon fa-search fa-fw" aria-hidden="true"></i><span class="sr-only">Rechercher</span>
\t\t\t\t\t</button>
\t\t\t\t\t<a href="./search.php" class="button button-search-end" title="Recherche avancée">
\t\t\t\t\t\t<i class="icon fa-cog fa-fw" aria-hidden="true"></i><span class="sr-only">Recherche avancée</span>
\t\t\t\t\t</a>
\t\t\t\t</fieldset>
\t\t\t\t</form>
\t\t\t</div>
\t\t\t</div>
\t\t</div>
\t\t<div class="navbar" role="navigation">
\t<div class="inner">
\t<ul id="nav-main" class="nav-main linklist" role="menubar">
\t\t<li id="quick-links" class="quick-links dropdown-container responsive-menu" data-skip-responsive="true">
\t\t\t<a href="#" class="dropdown-trigger">
\t\t\t\t<i class="icon fa-bars fa-fw" aria-hidden="true"></i><span>Accès rapide</span>
\t\t\t</a>
\t\t\t<div class="dropdown">
\t\t\t\t<div class="pointer"><div class="pointer-inner"></div></div>
\t\t\t\t<ul class="dropdown-contents" role="menu">
{quick_links}
\t\t\t\t</ul>
\t\t\t</div>
\t\t</li>
\t\t<li data-skip-responsive="true">
\t\t\t{_icon_link(FORUM_PATH + "/app.php/help/faq", "Foire aux questions", "fa-question-circle", "FAQ", ' rel="help" role="menuitem"')}
\t\t</li>
\t\t<li class="rightside" data-skip-responsive="true">
\t\t\t{_icon_link("./ucp.php?mode=login&amp;redirect=index.php", "Connexion", "fa-power-off", "Connexion", ' accesskey="x" role="menuitem"')}
\t\t</li>
\t\t<li class="rightside" data-skip-responsive="true">
\t\t\t{_icon_link("./ucp.php?mode=register", "S’enregistrer", "fa-pencil-square-o", "S’enregistrer", ' role="menuitem"')}
\t\t</li>
\t</ul>
\t<ul id="nav-breadcrumbs" class="nav-breadcrumbs linklist navlinks" role="menubar">
\t\t<li class="breadcrumbs" itemscope itemtype="https://schema.org/BreadcrumbList">
\t\t\t<span class="crumb" itemtype="https://schema.org/ListItem" itemprop="itemListElement" itemscope><a itemprop="item" href="./index.php" accesskey="h" data-navbar-reference="index"><i class="icon fa-home fa-fw"></i><span itemprop="name">Accueil du forum</span></a><meta itemprop="position" content="1" /></span>
{crumb_html}\t\t</li>
\t\t<li class="rightside responsive-search">
\t\t\t<a href="./search.php" title="Voir les options de recherche avancée" role="menuitem"><i class="icon fa-search fa-fw" aria-hidden="true"></i><span class="sr-only">Rechercher</span></a>
\t\t</li>
\t</ul>
\t</div>
</div>
\t</div>

\t<a id="start_here" class="anchor"></a>
\t<div id="page-body" class="page-body" role="main">

{body}
\t</div>

<div id="page-footer" class="page-footer" role="contentinfo">
\t<div class="navbar" role="navigation">
\t<div class="inner">
\t<ul id="nav-footer" class="nav-footer linklist" role="menubar">
\t\t<li class="breadcrumbs">
\t\t\t<span class="crumb"><a href="./index.php" data-navbar-reference="index"><i class="icon fa-home fa-fw" aria-hidden="true"></i><span>Accueil du forum</span></a></span>
\t\t</li>
\t\t<li class="rightside">Heures au format <span title="Europe/Paris">UTC+01:00</span></li>
\t\t<li class="rightside">{_icon_link("./ucp.php?mode=delete_cookies", "Supprimer les cookies", "fa-trash", "Supprimer les cookies", ' data-ajax="true" data-refresh="true" role="menuitem"')}</li>
\t\t<li class="rightside" data-last-responsive="true">{_icon_link("./memberlist.php?mode=team", "L’équipe du forum", "fa-shield", "L’équipe du forum", ' role="menuitem"')}</li>
\t\t<li class="rightside" data-last-responsive="true">{_icon_link("./memberlist.php?mode=contactadmin", "Nous contacter", "fa-envelope", "Nous contacter", ' role="menuitem"')}</li>
\t</ul>
\t</div>
</div>
\t<div class="copyright">
\t\t<p class="footer-row" role="menu"><span class="footer-copyright">Développé par <a href="https://www.phpbb.com/">phpBB</a>® Forum Software © phpBB Limited</span></p>
\t\t<p class="footer-row" role="menu"><span class="footer-copyright">Traduit par <a href="https://www.phpbb-fr.com">phpBB-fr.com</a></span></p>
\t\t<p class="footer-row" role="menu">
\t\t\t<a class="footer-link" href="./ucp.php?mode=privacy" title="Confidentialité" role="menuitem"><span class="footer-link-text">Confidentialité</span></a>
\t\t\t|
\t\t\t<a class="footer-link" href="./ucp.php?mode=terms" title="Conditions" role="menuitem"><span class="footer-link-text">Conditions</span></a>
\t\t</p>
\t</div>
\t<div id="darkenwrapper" class="darkenwrapper" data-ajax-error-title="Erreur AJAX" data-ajax-error-text="Une erreur est survenue lors du traitement de votre requête." data-ajax-error-text-abort="La requête a été interrompue par l’utilisateur." data-ajax-error-text-timeout="Votre requête a expiré. Veuillez réessayer." data-ajax-error-text-parsererror="Une erreur est survenue lors du traitement de votre requête et le serveur a renvoyé une réponse invalide.">
\t\t<div id="darken" class="darken">&nbsp;</div>
\t</div>
\t<div id="phpbb_alert" class="phpbb_alert" data-l-err="Erreur" data-l-timeout-processing-req="Délai d’attente de la requête dépassé.">
\t\t<a href="#" class="alert_close"><i class="icon fa-times-circle fa-fw" aria-hidden="true"></i></a>
\t\t<h3 class="alert_title">&nbsp;</h3><p class="alert_text"></p>
\t</div>
\t<div id="phpbb_confirm" class="phpbb_alert">
\t\t<a href="#" class="alert_close"><i class="icon fa-times-circle fa-fw" aria-hidden="true"></i></a>
\t\t<div class="alert_text"></div>
\t</div>
</div>
</div>

<div>
\t<a id="bottom" class="anchor" accesskey="z"></a>
\t<img class="sr-only" aria-hidden="true" src="&#x2F;forum&#x2F;app.php&#x2F;cron&#x2F;cron.task.core.tidy_sessions" width="1" height="1" alt="">
</div>

<script src="./assets/javascript/jquery-3.7.1.min.js?assets_version=14"></script>
<script src="./assets/javascript/core.js?assets_version=14"></script>
<script>
\tvar phpbb = {{}};
\tphpbb.plupload = {{ i18n: {{}}, config: {{}} }};
</script>
<script src="./styles/prosilver/template/forum_fn.js?assets_version=14"></script>
<script src="./styles/prosilver/template/ajax.js?assets_version=14"></script>
</body>
</html>
"""  # noqa: E501  (markup as phpBB emits it, one element a line)
        return html.encode("utf-8")

    # --- pages

    def index(self) -> bytes:
        blocks = []
        for category, _entries in CATEGORIES:
            rows = []
            for forum in (f for f in self.forums if f.category == category):
                last = max((t.posts[-1] for t in forum.topics), key=lambda p: p.published)
                rows.append(self._forum_row(forum, last))
            blocks.append(
                '\t\t<div class="forabg">\n\t\t\t<div class="inner">\n'
                '\t\t\t<ul class="topiclist">\n'
                '\t\t\t\t<li class="header">\n\t\t\t\t\t<dl class="row-item">\n'
                f'\t\t\t\t\t\t<dt><div class="list-inner"><a href="./index.php">{escape(category)}'
                "</a></div></dt>\n"
                '\t\t\t\t\t\t<dd class="topics">Sujets</dd>\n'
                '\t\t\t\t\t\t<dd class="posts">Messages</dd>\n'
                '\t\t\t\t\t\t<dd class="lastpost"><span>Dernier message</span></dd>\n'
                "\t\t\t\t\t</dl>\n\t\t\t\t</li>\n\t\t\t</ul>\n"
                '\t\t\t<ul class="topiclist forums">\n' + "".join(rows) + "\t\t\t</ul>\n"
                "\t\t\t</div>\n\t\t</div>\n"
            )
        body = (
            '<p class="right responsive-center time">Nous sommes le '
            f"{_date_text(BOARD_NOW)}</p>\n\n" + "".join(blocks) + "\n"
            '\t<div class="stat-block statistics">\n\t\t<h3>Statistiques</h3>\n\t\t<p>\n'
            f"\t\t\tMessages : <strong>{self.post_count}</strong> &bull; Sujets : "
            f"<strong>{self.topic_count}</strong> &bull; Membres : <strong>600</strong>\n"
            "\t\t</p>\n\t</div>\n"
        )
        return self.layout("Forum des abonnés - Page d’index", "index", "index.php", [], body)

    def _forum_row(self, forum: Forum, last: Post) -> str:
        posts = sum(len(t.posts) for t in forum.topics)
        return f"""\t\t\t\t<li class="row">
\t\t\t\t\t<dl class="row-item forum_read">
\t\t\t\t<dt title="Aucun message non lu">
\t\t\t\t\t<div class="list-inner">
\t\t\t\t\t\t<a href="./viewforum.php?f={forum.id}" class="forumtitle">{escape(forum.name)}</a>
\t\t\t\t\t\t<br />{escape(forum.description)}
\t\t\t\t\t\t<div class="responsive-show" style="display: none;">Sujets : <strong>{len(forum.topics)}</strong></div>
\t\t\t\t\t</div>
\t\t\t\t</dt>
\t\t\t\t<dd class="topics">{len(forum.topics)} <dfn>Sujets</dfn></dd>
\t\t\t\t<dd class="posts">{posts} <dfn>Messages</dfn></dd>
\t\t\t\t<dd class="lastpost">
\t\t\t\t\t<span>
\t\t\t\t\t\t<dfn>Dernier message</dfn>
\t\t\t\t\t\t<a href="./viewtopic.php?p={last.id}#p{last.id}" title="{escape(last.subject)}" class="lastsubject">{escape(last.subject[:30])}</a> <br />
\t\t\t\t\t\tpar {_username(last.member)}
\t\t\t\t\t\t<a href="./viewtopic.php?p={last.id}#p{last.id}" title="Voir le dernier message"><i class="icon fa-external-link-square fa-fw icon-lightgray icon-md" aria-hidden="true"></i><span class="sr-only">Voir le dernier message</span></a>
\t\t\t\t\t\t<br /><time datetime="{_iso(last.published)}">{_date_text(last.published)}</time>
\t\t\t\t\t</span>
\t\t\t\t</dd>
\t\t\t</dl>
\t\t\t\t</li>
"""  # noqa: E501

    @staticmethod
    def _pagination(
        total_label: str, number: int, count: int, href: Callable[[int], str], per_page: int
    ) -> str:
        """prosilver's pagination block: page links, with rel=prev/next arrows."""
        if count == 1:
            return (
                f'\t<div class="pagination">\n\t\t{total_label}\n'
                "\t\t&bull; Page <strong>1</strong> sur <strong>1</strong>\n\t</div>\n"
            )
        items = [
            '\t\t<li class="dropdown-container dropdown-button-control page-jump">'
            '<a class="button button-icon-only dropdown-trigger" href="#" title="Cliquer pour '
            'aller à la page…" role="button"><i class="icon fa-level-down fa-rotate-270" '
            f'aria-hidden="true"></i><span class="sr-only">Page <strong>{number}</strong> sur '
            f'<strong>{count}</strong></span></a><div class="dropdown">'
            '<ul class="dropdown-contents"><li>Aller à la page :</li><li class="page-jump-form">'
            '<input type="number" name="page-number" min="1" max="999999" class="inputbox tiny" '
            f'data-per-page="{per_page}" data-start-name="start" />'
            '<input class="button2" value="Aller" type="button" /></li></ul></div></li>'
        ]
        if number > 1:
            items.append(
                f'\t\t<li class="arrow previous"><a class="button button-icon-only" '
                f'href="{href(number - 1)}" rel="prev" role="button"><i class="icon '
                'fa-chevron-left fa-fw" aria-hidden="true"></i><span class="sr-only">'
                "Précédente</span></a></li>"
            )
        for other in range(1, count + 1):
            if other == number:
                items.append(f'\t\t<li class="active"><span>{other}</span></li>')
            else:
                items.append(
                    f'\t\t<li><a class="button" href="{href(other)}" role="button">{other}</a></li>'
                )
        if number < count:
            items.append(
                f'\t\t<li class="arrow next"><a class="button button-icon-only" '
                f'href="{href(number + 1)}" rel="next" role="button"><i class="icon '
                'fa-chevron-right fa-fw" aria-hidden="true"></i><span class="sr-only">'
                "Suivante</span></a></li>"
            )
        return (
            f'\t<div class="pagination">\n\t\t{total_label}\n\t\t<ul>\n'
            + "\n".join(items)
            + "\n\t\t</ul>\n\t</div>\n"
        )

    def forum_page(self, forum: Forum, number: int) -> bytes:
        count = max(1, math.ceil(len(forum.topics) / TOPICS_PER_PAGE))
        start = (number - 1) * TOPICS_PER_PAGE
        topics = forum.topics[start : start + TOPICS_PER_PAGE]

        def href(page: int) -> str:
            if page == 1:
                return f"./viewforum.php?f={forum.id}"
            return f"./viewforum.php?f={forum.id}&amp;start={(page - 1) * TOPICS_PER_PAGE}"

        pagination = self._pagination(
            f"{len(forum.topics)} sujets", number, count, href, TOPICS_PER_PAGE
        )
        rows = [self._topic_row(topic, position) for position, topic in enumerate(topics)]
        body = f"""<h2 class="forum-title"><a href="./viewforum.php?f={forum.id}">{escape(forum.name)}</a></h2>
<div>
\t<!-- NOTE: remove the style="display: none" when you want to have the forum description on the forum body -->
\t<div style="display: none !important;">{escape(forum.description)}<br /></div>
</div>
\t<div class="action-bar bar-top">
\t\t<a href="./posting.php?mode=post&amp;f={forum.id}" class="button" title="Publier un nouveau sujet"><span>Nouveau sujet</span> <i class="icon fa-pencil fa-fw" aria-hidden="true"></i></a>
\t\t<div class="search-box" role="search">
\t\t\t<form method="get" id="forum-search" action="./search.php">
\t\t\t<fieldset>
\t\t\t\t<input class="inputbox search tiny" type="search" name="keywords" id="search_keywords" size="20" placeholder="Rechercher dans ce forum…" />
\t\t\t\t<button class="button button-search" type="submit" title="Rechercher"><i class="icon fa-search fa-fw" aria-hidden="true"></i><span class="sr-only">Rechercher</span></button>
\t\t\t\t<input type="hidden" name="fid[0]" value="{forum.id}" />
\t\t\t</fieldset>
\t\t\t</form>
\t\t</div>
{pagination}\t</div>
\t<div class="forumbg">
\t\t<div class="inner">
\t\t<ul class="topiclist">
\t\t\t<li class="header">
\t\t\t\t<dl class="row-item">
\t\t\t\t\t<dt><div class="list-inner">Sujets</div></dt>
\t\t\t\t\t<dd class="posts">Réponses</dd>
\t\t\t\t\t<dd class="views">Vues</dd>
\t\t\t\t\t<dd class="lastpost"><span>Dernier message</span></dd>
\t\t\t\t</dl>
\t\t\t</li>
\t\t</ul>
\t\t<ul class="topiclist topics">
{"".join(rows)}\t\t</ul>
\t\t</div>
\t</div>
\t<div class="action-bar bar-bottom">
{pagination}\t</div>
\t<div class="action-bar actions-jump">
\t\t<p class="jumpbox-return"><a href="./index.php" class="left-box arrow-left" accesskey="r"><i class="icon fa-angle-left fa-fw icon-black" aria-hidden="true"></i><span>Retourner à l’accueil du forum</span></a></p>
{self.jumpbox}\t</div>
\t<div class="stat-block online-list">
\t\t<h3>Qui est en ligne ?</h3>
\t\t<p>Utilisateurs parcourant ce forum : Aucun utilisateur inscrit et {3 + forum.id} invités</p>
\t</div>
"""  # noqa: E501
        title = f"{forum.name}{f' - Page {number}' if number > 1 else ''} - Forum des abonnés"
        canonical = f"viewforum.php?f={forum.id}" + (f"&amp;start={start}" if start else "")
        return self.layout(title, "viewforum", canonical, [forum], body)

    def _topic_row(self, topic: Topic, position: int) -> str:
        first, last = topic.posts[0], topic.posts[-1]
        count = math.ceil(len(topic.posts) / POSTS_PER_PAGE)
        mini = ""
        if count > 1:
            links = "".join(
                f'\t\t\t\t\t\t\t<li><a class="button" href="{self._topic_href(topic, page)}">'
                f"{page}</a></li>\n"
                for page in range(1, count + 1)
            )
            mini = (
                '\t\t\t\t\t\t<div class="pagination">\n\t\t\t\t\t\t\t<span><i class="icon '
                'fa-clone fa-fw" aria-hidden="true"></i></span>\n\t\t\t\t\t\t\t<ul>\n'
                f"{links}\t\t\t\t\t\t\t</ul>\n\t\t\t\t\t\t</div>\n"
            )
        hot = "_hot" if len(topic.posts) > 20 else ""
        return f"""\t\t<li class="row {"bg1" if position % 2 == 0 else "bg2"}">
\t\t\t<dl class="row-item topic_read{hot}">
\t\t\t\t<dt title="Aucun message non lu">
\t\t\t\t\t<div class="list-inner">
\t\t\t\t\t\t<a href="./viewtopic.php?t={topic.id}" class="topictitle">{escape(topic.title)}</a><br />
\t\t\t\t\t\t<div class="responsive-show" style="display: none;">
\t\t\t\t\t\t\tDernier message par {_username(last.member)} &laquo; <a href="./viewtopic.php?p={last.id}#p{last.id}" title="Aller au dernier message"><time datetime="{_iso(last.published)}">{_date_text(last.published)}</time></a>
\t\t\t\t\t\t</div>
\t\t\t\t\t\t<span class="responsive-show left-box" style="display: none;">Réponses : <strong>{len(topic.posts) - 1}</strong></span>
{mini}\t\t\t\t\t\t<div class="responsive-hide left-box">
\t\t\t\t\t\t\tpar {_username(first.member)} &raquo; <time datetime="{_iso(first.published)}">{_date_text(first.published)}</time>
\t\t\t\t\t\t</div>
\t\t\t\t\t</div>
\t\t\t\t</dt>
\t\t\t\t<dd class="posts">{len(topic.posts) - 1} <dfn>Réponses</dfn></dd>
\t\t\t\t<dd class="views">{topic.views} <dfn>Vues</dfn></dd>
\t\t\t\t<dd class="lastpost">
\t\t\t\t\t<span><dfn>Dernier message </dfn>par {_username(last.member)}
\t\t\t\t\t\t<a href="./viewtopic.php?p={last.id}#p{last.id}" title="Aller au dernier message"><i class="icon fa-external-link-square fa-fw icon-lightgray icon-md" aria-hidden="true"></i><span class="sr-only"></span></a>
\t\t\t\t\t\t<br /><time datetime="{_iso(last.published)}">{_date_text(last.published)}</time>
\t\t\t\t\t</span>
\t\t\t\t</dd>
\t\t\t</dl>
\t\t</li>
"""  # noqa: E501

    @staticmethod
    def _topic_href(topic: Topic, page: int) -> str:
        if page == 1:
            return f"./viewtopic.php?t={topic.id}"
        return f"./viewtopic.php?t={topic.id}&amp;start={(page - 1) * POSTS_PER_PAGE}"

    def topic_page(self, forum: Forum, topic: Topic, number: int) -> bytes:
        count = math.ceil(len(topic.posts) / POSTS_PER_PAGE)
        start = (number - 1) * POSTS_PER_PAGE
        posts = topic.posts[start : start + POSTS_PER_PAGE]
        pagination = self._pagination(
            f"{len(topic.posts)} messages",
            number,
            count,
            lambda page: self._topic_href(topic, page),
            POSTS_PER_PAGE,
        )
        post_html = "".join(
            self._post(post, start + position) for position, post in enumerate(posts)
        )
        body = f"""<h2 class="topic-title"><a href="./viewtopic.php?t={topic.id}">{escape(topic.title)}</a></h2>
<!-- NOTE: remove the style="display: none" when you want to have the forum description on the topic body -->
<div style="display: none !important;">{escape(forum.description)}<br /></div>

<div class="action-bar bar-top">
\t<a href="./posting.php?mode=reply&amp;t={topic.id}" class="button" title="Répondre"><span>Répondre</span> <i class="icon fa-reply fa-fw" aria-hidden="true"></i></a>
\t<div class="dropdown-container dropdown-button-control topic-tools">
\t\t<span title="Outils du sujet" class="button button-secondary dropdown-trigger dropdown-select"><i class="icon fa-wrench fa-fw" aria-hidden="true"></i><span class="caret"><i class="icon fa-sort-down fa-fw" aria-hidden="true"></i></span></span>
\t\t<div class="dropdown">
\t\t\t<div class="pointer"><div class="pointer-inner"></div></div>
\t\t\t<ul class="dropdown-contents">
\t\t\t\t<li><a href="./viewtopic.php?t={topic.id}&amp;view=print" title="Imprimer le sujet" accesskey="p"><i class="icon fa-print fa-fw" aria-hidden="true"></i><span>Imprimer le sujet</span></a></li>
\t\t\t</ul>
\t\t</div>
\t</div>
\t<div class="search-box" role="search">
\t\t<form method="get" id="topic-search" action="./search.php">
\t\t<fieldset>
\t\t\t<input class="inputbox search tiny" type="search" name="keywords" id="search_keywords" size="20" placeholder="Rechercher dans ce sujet…" />
\t\t\t<button class="button button-search" type="submit" title="Rechercher"><i class="icon fa-search fa-fw" aria-hidden="true"></i><span class="sr-only">Rechercher</span></button>
\t\t\t<input type="hidden" name="t" value="{topic.id}" />
\t\t\t<input type="hidden" name="sf" value="msgonly" />
\t\t</fieldset>
\t\t</form>
\t</div>
{pagination}</div>

{post_html}
<div class="action-bar bar-bottom">
\t<a href="./posting.php?mode=reply&amp;t={topic.id}" class="button" title="Répondre"><span>Répondre</span> <i class="icon fa-reply fa-fw" aria-hidden="true"></i></a>
{pagination}</div>

<div class="action-bar actions-jump">
\t<p class="jumpbox-return"><a href="./viewforum.php?f={forum.id}" class="left-box arrow-left" accesskey="r"><i class="icon fa-angle-left fa-fw icon-black" aria-hidden="true"></i><span>Retourner vers « {escape(forum.name)} »</span></a></p>
{self.jumpbox}</div>

<div class="stat-block online-list">
\t<h3><a href="./viewonline.php">Qui est en ligne ?</a></h3>
\t<p>Utilisateurs parcourant ce forum : Aucun utilisateur inscrit et {2 + topic.id % 9} invités</p>
</div>
"""  # noqa: E501
        title = f"{topic.title}{f' - Page {number}' if number > 1 else ''} - Forum des abonnés"
        canonical = f"viewtopic.php?t={topic.id}" + (f"&amp;start={start}" if start else "")
        return self.layout(title, "viewtopic", canonical, [forum], body)

    def _post(self, post: Post, index: int) -> str:
        member = post.member
        quote = ""
        if post.quote is not None:
            quoted = post.quote
            quote = (
                f'<blockquote cite="./viewtopic.php?p={quoted.id}#p{quoted.id}"><div><cite>'
                f'<a href="./memberlist.php?mode=viewprofile&amp;u={quoted.member.id}">'
                f"{escape(quoted.member.name)}</a> a écrit : "
                f'<a href="./viewtopic.php?p={quoted.id}#p{quoted.id}" data-post-id="{quoted.id}" '
                'onclick="if(document.getElementById(hash.substr(1)))href=hash">↑</a>'
                f'<span class="responsive-hide">{_date_text(quoted.published)}</span></cite>'
                f"{_phpbb_text(quoted.text.split(chr(10))[0])}</div></blockquote>"
            )
        signature = ""
        if member.signature:
            signature = (
                f'\t\t\t<div id="sig{post.id}" class="signature">'
                f"{_phpbb_text(member.signature)}</div>\n"
            )
        first = ' class="first"' if index == 0 else ""
        return f"""\t\t<div id="p{post.id}" class="post has-profile {"bg2" if index % 2 == 0 else "bg1"}">
\t\t<div class="inner">

\t\t<dl class="postprofile" id="profile{post.id}">
\t\t\t<dt class="has-profile-rank no-avatar">
\t\t\t\t<div class="avatar-container">
\t\t\t\t</div>
\t\t\t\t{_username(member)}
\t\t\t</dt>
\t\t\t<dd class="profile-rank">{member.rank}</dd>
\t\t<dd class="profile-posts"><strong>Messages :</strong> <a href="./search.php?author_id={member.id}&amp;sr=posts" class="search">{member.posts}</a></dd>
\t\t<dd class="profile-joined"><strong>Inscription :</strong> {_date_text(member.joined)}</dd>
\t\t</dl>

\t\t<div class="postbody">
\t\t\t<div id="post_content{post.id}">
\t\t\t\t<h3{first}><a href="./viewtopic.php?p={post.id}#p{post.id}">{escape(post.subject)}</a></h3>
\t\t\t\t<ul class="post-buttons">
\t\t\t\t\t<li><a href="./posting.php?mode=quote&amp;p={post.id}" title="Répondre en citant le message" class="button button-icon-only"><i class="icon fa-quote-left fa-fw" aria-hidden="true"></i><span class="sr-only">Citer</span></a></li>
\t\t\t\t</ul>
\t\t\t<p class="author">
\t\t\t\t<a class="unread" href="./viewtopic.php?p={post.id}#p{post.id}" title="Message"><i class="icon fa-file fa-fw icon-lightgray icon-md" aria-hidden="true"></i><span class="sr-only">Message</span></a>
\t\t\t\t<span class="responsive-hide">par <strong>{_username(member)}</strong> &raquo; </span><time datetime="{_iso(post.published)}">{_date_text(post.published)}</time>
\t\t\t</p>

\t\t\t<div class="content">{quote}{_phpbb_text(post.text)}</div>

{signature}\t\t\t</div>
\t\t</div>

\t\t<div class="back2top">
\t\t\t<a href="#top" class="top" title="Haut"><i class="icon fa-chevron-circle-up fa-fw icon-gray" aria-hidden="true"></i><span class="sr-only">Haut</span></a>
\t\t</div>

\t\t</div>
\t</div>

\t<hr class="divider" />
"""  # noqa: E501


def render_board(forums: list[Forum], base_url: str) -> list[Document]:
    """Every page of the board, in the order a reader would browse it. `base_url` is the
    board's absolute URL (only the canonical links use it; the rest are relative)."""
    renderer = _Renderer(forums, base_url)
    documents = [Document(f"{base_url}/index.php", "index", renderer.index())]
    for forum in forums:
        count = max(1, math.ceil(len(forum.topics) / TOPICS_PER_PAGE))
        for number in range(1, count + 1):
            query = f"?f={forum.id}" + (
                f"&start={(number - 1) * TOPICS_PER_PAGE}" if number > 1 else ""
            )
            documents.append(
                Document(
                    f"{base_url}/viewforum.php{query}", "forum", renderer.forum_page(forum, number)
                )
            )
        for topic in forum.topics:
            for number in range(1, math.ceil(len(topic.posts) / POSTS_PER_PAGE) + 1):
                query = f"?t={topic.id}" + (
                    f"&start={(number - 1) * POSTS_PER_PAGE}" if number > 1 else ""
                )
                documents.append(
                    Document(
                        f"{base_url}/viewtopic.php{query}",
                        "topic",
                        renderer.topic_page(forum, topic, number),
                    )
                )
    return documents


# ---------------------------------------------------------------------- the server


class ForumSite:
    """The generated board, served on 127.0.0.1 (a free port) while the `with` block runs,
    from threads of this process, by Veille's page server (veille.demo.server)."""

    def __init__(self, pages: int, seed: int = 0):
        self.forums = build_forums(pages, seed)
        self.documents: list[Document] = []
        self.base_url = ""
        self._served: Served | None = None
        self._stack = ExitStack()

    @property
    def post_count(self) -> int:
        return sum(len(t.posts) for f in self.forums for t in f.topics)

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
        self.base_url = root + FORUM_PATH
        self.documents = render_board(self.forums, self.base_url)
        pages = {doc.url[len(root) :]: Page(HTML_TYPE, doc.body) for doc in self.documents}
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
