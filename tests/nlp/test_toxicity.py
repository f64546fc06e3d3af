"""The toxicity data and splits that bench/toxicity.py measures with."""

from pathlib import Path

import numpy as np
import pytest

from nlp.toxicity import folds, read_toxicity


def test_folds_partition_the_rows_and_keep_each_class_share():
    labels = np.array([1] * 30 + [0] * 70, dtype=np.int8)
    parts = folds(len(labels), labels, 5, seed=0)
    assert sorted(np.concatenate(parts).tolist()) == list(range(100))
    assert [int(labels[p].sum()) for p in parts] == [6] * 5
    assert [p.tolist() for p in folds(len(labels), labels, 5, seed=0)] == [
        p.tolist() for p in parts
    ]


def test_files_are_read_with_their_toxic_label(tmp_path: Path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "a.jsonl").write_text(
        '{"text": "you idiot", "label": "offensive"}\n{"text": "nice", "label": "not-offensive"}\n'
    )
    [labelled] = read_toxicity(tmp_path)
    assert labelled.name == "en/a.jsonl" and labelled.toxic.tolist() == [1, 0]
    (tmp_path / "en" / "b.jsonl").write_text('{"text": "x", "label": "spam"}\n')
    with pytest.raises(ValueError, match=r"b\.jsonl: no label among hateful, offensive, toxic"):
        read_toxicity(tmp_path)
