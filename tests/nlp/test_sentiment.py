"""The shipped sentiment model, for real (the fine-tuned encoder), and the baseline it
replaced (e5 vectors and a logistic-regression head)."""

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from nlp.evaluation import figures, read_labelled
from nlp.finetuned import DEFAULT_WEIGHTS, FinetunedSentiment
from nlp.sentiment import DEFAULT_HEAD, SentimentModel, SentimentScorer, load_sentiment_model
from nlp.train_finetuned import ENGLISH_DEV_SETS
from tests.conftest import FIXTURES
from veille.core.record import SENTIMENT_LABELS
from veille.training import SHIPPED_RECIPE

FLOORS = json.loads((Path(__file__).parent.parent / "quality_floors.json").read_text())


@pytest.fixture(scope="module")
def model() -> SentimentScorer:
    return load_sentiment_model()


def test_the_shipped_model_is_the_fine_tuned_one(model: SentimentScorer, monkeypatch):
    assert isinstance(model, FinetunedSentiment)
    assert model.name == "veille-sentiment-e5-ft"
    monkeypatch.setenv("VEILLE_SENTIMENT_MODEL", "e5-lr")
    assert isinstance(load_sentiment_model(), SentimentModel)
    monkeypatch.setenv("VEILLE_SENTIMENT_MODEL", "bert")
    with pytest.raises(ValueError, match="choose one of e5-ft, e5-lr"):
        load_sentiment_model()


def test_shipped_weights_are_small_calibrated_and_documented():
    assert DEFAULT_WEIGHTS.stat().st_size < 20_000_000
    card = json.loads(DEFAULT_WEIGHTS.with_suffix(".json").read_text())
    assert 0.25 < card["temperature"] < 8
    assert card["dev"] and card["history"] and card["settings"]["seed"] == 0
    # Training sets, and the English dev sets recipe "+dev" learns from, which the card's
    # dev figures mark as in sample; the floors' files (Yelp, DEFT) are not among them.
    dev_sets = {d["file"] for d in card["training_data"] if d.get("dev_set")}
    assert dev_sets <= set(ENGLISH_DEV_SETS)
    assert all(d["file"].endswith("train.jsonl") for d in card["training_data"]
               if d["file"] not in dev_sets)  # fmt: skip
    assert {name for name, f in card["dev"].items() if f.get("trained_on")} == dev_sets
    assert not any("yelp" in name or "deft" in name for name in dev_sets)
    # `veille models train` rebuilds it by default: its recipe is the shipped one.
    assert bool(dev_sets) == SHIPPED_RECIPE["with_dev_sets"]
    balanced = card["settings"].get("balance_classes_per_dataset", False)
    assert balanced == SHIPPED_RECIPE["balance_classes_per_dataset"]


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Trois jours sans internet, service client injoignable. Scandaleux !", "negative"),
        ("Installation rapide, débit au top, je recommande vivement !", "positive"),
        ("Worst provider ever, my box reboots all day and nobody helps.", "negative"),
        ("Great plan, cheap and the roaming just works. Love it.", "positive"),
    ],
)
def test_clear_cases(model: SentimentScorer, text: str, label: str):
    assert model.score([text])[0].label == label


def test_scores_are_consistent_and_deterministic(model: SentimentScorer):
    texts = ["Service correct sans plus.", "Bof.", "Génial !", "A" * 4000]
    first = model.score(texts)
    assert first == model.score(texts)
    for result in first:
        assert sum(result.probabilities.values()) == pytest.approx(1, abs=1e-3)
        expected = result.probabilities["positive"] - result.probabilities["negative"]
        assert result.score == pytest.approx(expected, abs=1e-3)
        assert result.label == max(result.probabilities, key=result.probabilities.__getitem__)
    assert model.predict_proba([]).shape == (0, 3)


@pytest.mark.parametrize("name", sorted(FLOORS["sentiment_macro_f1"]))
def test_quality_floor_on_whole_dev_files(model: SentimentScorer, name: str):
    rows = read_labelled(FIXTURES / "sentiment_floors" / f"{name}.jsonl")
    gold = [r["label"] for r in rows]
    result = figures(model.predict_proba([r["text"] for r in rows]), gold)
    assert result["macro_f1"] >= FLOORS["sentiment_macro_f1"][name]


def test_one_pass_gives_what_each_model_has(model: SentimentScorer):
    """The fine-tuned model's pass gives probabilities, the pooled vectors the
    moderation heads read and, when asked, topic vectors; the baseline's the
    probabilities alone. Both give the probabilities `score` reads."""
    texts = ["La box Fibrelia plante tous les jours.", "Super service, merci !"]
    assert (model.gives_vectors, model.gives_topic_vectors) == (True, True)
    output = model.forward(texts, topic_vectors=True)
    assert output.probabilities.shape == (2, 3)
    assert output.pooled is not None and output.pooled.shape[0] == 2
    assert output.topic_vectors is not None and output.topic_vectors.shape[0] == 2
    assert model.forward(texts).topic_vectors is None
    labels = [SENTIMENT_LABELS[int(i)] for i in output.probabilities.argmax(axis=1)]
    assert labels == [s.label for s in model.score(texts)]
    baseline = SentimentModel()
    assert (baseline.gives_vectors, baseline.gives_topic_vectors) == (False, False)
    plain = baseline.forward(texts, topic_vectors=True)
    assert plain.pooled is None and plain.topic_vectors is None
    assert np.allclose(plain.probabilities, baseline.predict_proba(texts))


def test_baseline_head_is_small_and_trained_without_dev_data():
    assert DEFAULT_HEAD.stat().st_size < 50_000
    with np.load(DEFAULT_HEAD) as head:
        assert head["coef"].shape == (3, 384)
    card = json.loads(DEFAULT_HEAD.with_suffix(".json").read_text())
    trained_on = [entry["file"] for entry in card["training_data"]]
    assert trained_on and all(name.endswith("train.jsonl") for name in trained_on)
    assert card["dev"], "the model card records the dev figures"


def test_training_writes_a_head_and_its_model_card(tmp_path: Path):
    from nlp.train_sentiment import train

    head = tmp_path / "head.npz"
    card = train(
        FIXTURES / "sentiment_train",
        FIXTURES / "sentiment",
        head,
        max_per_dataset=40,
        dev_limit=30,
        cache_dir=tmp_path / "cache",
    )
    assert [d["rows"] for d in card["training_data"]] == [40, 40]
    assert set(card["dev"]) == {"en_yelp_sample.jsonl", "fr_deft2017_val_sample.jsonl"}
    trained = SentimentModel(head)
    assert trained.version == card["version"]
    assert trained.score(["Génial, merci !"])[0].label in ("negative", "neutral", "positive")
    # Same data, same seed: the same head.
    again = train(
        FIXTURES / "sentiment_train", None, tmp_path / "again.npz",
        max_per_dataset=40, cache_dir=tmp_path / "cache",
    )  # fmt: skip
    assert again["version"] == card["version"]


def test_finetune_trains_a_small_model_that_loads_and_repeats(tmp_path: Path):
    """The training path end to end, shrunk: two encoder layers kept, one trained, one
    epoch on 40 rows a file. Same data and seed give the same weights."""
    from nlp.convert_e5 import cached_model_dir
    from nlp.train_finetuned import FinetuneSettings, finetune
    from veille.core.home import veille_home

    settings = FinetuneSettings(depth=2, trainable_layers=1, max_tokens=32, max_per_dataset=40,
                                epochs=1, batch_size=16)  # fmt: skip
    model_dir = cached_model_dir(veille_home())
    out = tmp_path / "small.safetensors"
    card = finetune(model_dir, FIXTURES / "sentiment_train", FIXTURES / "sentiment", out,
                    settings)  # fmt: skip
    assert card["settings"]["depth"] == 2 and set(card["dev"]) == {
        "en_yelp_sample.jsonl", "fr_deft2017_val_sample.jsonl",
    }  # fmt: skip
    model = FinetunedSentiment(out, model_dir, precision="fp32")
    assert len(model.encoder.model.encoder.layer) == 2
    assert model.version == card["version"]
    rows = model.predict_proba(["Génial, merci !", "Service client injoignable."])
    assert rows.shape == (2, 3) and np.allclose(rows.sum(axis=1), 1)
    again = finetune(model_dir, FIXTURES / "sentiment_train", None, tmp_path / "again.safetensors",
                     settings)  # fmt: skip
    assert again["version"] == card["version"]
    # A dev set trained on (recipe "+dev") is in the card's data, in full, and its dev
    # figures say they are in sample.
    yelp = "en_yelp_sample.jsonl"
    plus = finetune(model_dir, FIXTURES / "sentiment_train", FIXTURES / "sentiment",
                    tmp_path / "plus.safetensors", settings,
                    dev_sets={yelp: FIXTURES / "sentiment" / yelp})  # fmt: skip
    [entry] = [d for d in plus["training_data"] if d["file"] == yelp]
    assert entry["dev_set"] is True and entry["held_out"] == 0 and entry["train"] == 40
    assert plus["dev"][yelp]["trained_on"] is True
    assert "trained_on" not in plus["dev"]["fr_deft2017_val_sample.jsonl"]
    assert plus["version"] != card["version"]
    # Datasets weighed by the square root of their size: the card gives each its share
    # of the loss, and the 4 analyst corrections, a small dataset, count for more than
    # their share of the rows.
    small = dataclasses.replace(settings, dataset_weight_power=0.5)
    corrections = [{"text": "Nul, rien ne marche.", "label": "negative"}] * 4
    weighed = finetune(model_dir, FIXTURES / "sentiment_train", None,
                       tmp_path / "weighed.safetensors", small, extra_rows=corrections)  # fmt: skip
    shares = {d["file"]: d["share_of_loss"] for d in weighed["training_data"]}
    rows = {d["file"]: d["train"] for d in weighed["training_data"]}
    assert sum(shares.values()) == pytest.approx(1, abs=1e-3)
    assert shares["analyst corrections"] > 2 * rows["analyst corrections"] / sum(rows.values())
    assert weighed["version"] != card["version"]


def test_dataset_weights_and_the_recipe_they_name():
    from nlp.train_finetuned import FinetuneSettings, _row_weights, recipe_settings

    # Rows weigh the same (the shipped recipe), or a dataset weighs as the square root
    # of its size: 300 rows weigh sqrt(10) times 30 rows, and the mean row weighs 1.
    assert np.allclose(_row_weights([300, 30], 1.0), 1)
    weights = _row_weights([300, 30], 0.5)
    assert weights.mean() == pytest.approx(1)
    assert weights[:300].sum() / weights[300:].sum() == pytest.approx(10**0.5)
    # Classes balanced within each dataset: the first dataset's 2 negative rows weigh
    # as much as its 8 positive ones, and the second dataset as a whole is untouched.
    labels = np.array([2] * 8 + [0] * 2 + [1] * 5)
    weights = _row_weights([10, 5], 1.0, labels)
    assert weights[:8].sum() == pytest.approx(weights[8:10].sum())
    assert weights[:10].sum() == pytest.approx(2 * weights[10:].sum())
    # The bench's cached folds predate these settings: at the values that do what the
    # code did before them, they are not part of the recipe's name.
    added = ("dataset_weight_power", "balance_classes_per_dataset")
    before = {k: v for k, v in dataclasses.asdict(FinetuneSettings()).items() if k not in added}
    assert recipe_settings(FinetuneSettings()) == before
    named = recipe_settings(
        FinetuneSettings(dataset_weight_power=0.5, balance_classes_per_dataset=True)
    )
    assert named["dataset_weight_power"] == 0.5 and named["balance_classes_per_dataset"]
