"""How sentiment is measured (nlp/evaluation.py): the figures and the training sample."""

from __future__ import annotations

from collections import Counter

import numpy as np

from nlp.evaluation import figures, stratified_sample

# (negative, neutral, positive) probabilities
NEG, NEU, POS = [0.7, 0.2, 0.1], [0.2, 0.6, 0.2], [0.1, 0.2, 0.7]


def test_macro_f1_is_the_mean_over_the_labels_of_the_gold_set():
    gold = ["negative", "negative", "neutral", "positive"]
    got = figures(np.array([NEG, NEU, NEU, POS]), gold)
    # negative: P 1, R 0.5, F1 2/3; neutral: P 0.5, R 1, F1 2/3; positive: F1 1.
    assert got == {"n": 4, "accuracy": 0.75, "macro_f1": round((2 / 3 + 2 / 3 + 1) / 3, 4)}


def test_a_binary_set_is_scored_on_positive_against_negative_only():
    gold = ["negative", "positive"]
    # Neutral is the most likely for both, but a binary set has no neutral answer.
    probabilities = np.array([[0.3, 0.6, 0.1], [0.1, 0.6, 0.3]])
    assert figures(probabilities, gold) == {"n": 2, "accuracy": 1.0, "macro_f1": 1.0}


def test_the_training_sample_keeps_each_labels_share_and_is_the_same_for_a_seed():
    rows = [
        {"text": f"post {n}", "label": label}
        for n, label in enumerate(["negative"] * 60 + ["neutral"] * 30 + ["positive"] * 10)
    ]
    sample = stratified_sample(rows, 10, seed=0)
    assert Counter(row["label"] for row in sample) == {"negative": 6, "neutral": 3, "positive": 1}
    assert sample == stratified_sample(rows, 10, seed=0)
    assert sample != stratified_sample(rows, 10, seed=1)
    assert stratified_sample(rows[:5], 10, seed=0) == rows[:5]
