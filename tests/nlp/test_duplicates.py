"""Near-duplicates: syndicated and pasted copies share a group, other posts do not."""

from nlp.duplicates import BANDS, MIN_SHARED_BANDS, band_hashes, group_copies

STORY = (
    "La box Fibrelia est en panne depuis hier soir dans tout le quartier de la gare, le "
    "service client ne répond pas au téléphone et personne ne sait quand la connexion "
    "reviendra. Trois jours sans internet pour des centaines de foyers, c'est inadmissible."
)
OTHER = (
    "Kalio a augmenté le prix de son forfait mobile sans prévenir personne, je vais "
    "résilier mon abonnement dès ce soir et partir chez un autre opérateur moins cher."
)


def shared(a: str, b: str) -> int:
    return sum(x == y for x, y in zip(band_hashes(a), band_hashes(b), strict=True))


def test_copies_with_small_edits_share_bands_and_other_posts_do_not():
    copies = [
        STORY.upper(),  # shouted
        STORY.replace(",", " ;").replace("'", "’"),  # punctuation
        "Repris de notre confrère du Courrier local : " + STORY,  # syndicated, a line before
        STORY + " Source : Le Courrier local, édition du matin.",  # and after
    ]
    for copy in copies:
        assert shared(STORY, copy) >= MIN_SHARED_BANDS, copy
    assert shared(STORY, STORY) == BANDS
    assert shared(STORY, OTHER) == 0
    # The same complaint in other words is not a copy.
    retold = (
        "Depuis hier soir plus d'internet chez Fibrelia dans le quartier de la gare ; "
        "impossible de joindre le support, aucune date de retour annoncée."
    )
    assert shared(STORY, retold) < MIN_SHARED_BANDS


def test_short_posts_are_nobodys_copy():
    assert band_hashes("+1, pareil chez moi") == []
    assert group_copies([band_hashes("+1 pareil"), band_hashes("+1 pareil")]) == [0, 1]


def test_groups_follow_chains_and_keep_the_first():
    posts = [OTHER, STORY, "Repris : " + STORY, STORY.upper() + " Vu sur le forum."]
    assert group_copies([band_hashes(p) for p in posts]) == [0, 1, 1, 1]
