"""all-MiniLM-L6-v2 on ONNX Runtime: the same transformer as the shipped torch weights, exported from them offline
on first use and cached, then run without torch (docs/adr/0020, 0027, 0029). Two precisions: `fp32` (the exported
graph as is: torch's vectors to float rounding) and `int8` (weight matrices quantized; ~cosine 0.99 of torch's; the
default).

The export (torch's TorchScript exporter, then for int8 onnxruntime's dynamic per-channel quantization of the
weight matrices) runs once per set of weights and writes `<cache_dir>/all-MiniLM-L6-v2-<weights sha256[:12]>-
<precision>.onnx` atomically, so several processes may race to it safely. Encoding mirrors the sentence-transformers pipeline of the shipped model:
its tokenizer truncating at 256 word pieces, mean pooling over the attention mask, L2 normalization.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import Literal

import numpy as np

log = logging.getLogger(__name__)

MAX_TOKENS = 256  # the shipped model's max_seq_length (sentence_bert_config.json)
EXPORT_VERSION = "2"  # bump when the export recipe changes: a new file name, a fresh export
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
Precision = Literal["fp32", "int8"]


def weights_fingerprint(weights_dir: Path) -> str:
    digest = hashlib.sha256(EXPORT_VERSION.encode())
    with open(weights_dir / "model.safetensors", "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:12]


def export_int8(weights_dir: Path, out: Path) -> None:
    export(weights_dir, out, "int8")


def export(weights_dir: Path, out: Path, precision: Precision) -> None:
    """Export the shipped weights to ONNX, for int8 quantized (needs torch and onnx; nothing downloads)."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(weights_dir), local_files_only=True).eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    example = tuple(torch.ones((2, 8), dtype=torch.long) for _ in _INPUTS)
    fp32 = out.with_name(f"{out.name}.{os.getpid()}.fp32.tmp")
    int8 = out.with_name(f"{out.name}.{os.getpid()}.tmp")
    try:
        with torch.no_grad():
            torch.onnx.export(LastHiddenState(model), example, str(fp32), input_names=list(_INPUTS),
                              output_names=["last_hidden_state"], opset_version=17, dynamo=False,
                              dynamic_axes={name: {0: "batch", 1: "tokens"}
                                            for name in (*_INPUTS, "last_hidden_state")})
        if precision == "fp32":
            os.replace(fp32, out)
            return
        # Per-channel scales, and only the MatMuls against constant weights: quantizing attention's activation x
        # activation products or using one scale per matrix cost up to 0.08 of cosine to the torch vectors; this
        # keeps them >= 0.99 on ordinary text (benchmarks/embedding_throughput.py).
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True,
                         extra_options={"MatMulConstBOnly": True})
        os.replace(int8, out)
    finally:
        fp32.unlink(missing_ok=True)
        int8.unlink(missing_ok=True)


def ensure_int8_model(weights_dir: Path, cache_dir: Path) -> Path:
    return ensure_model(weights_dir, cache_dir, "int8")


# One export at a time in a process: a run's real-pairs prefetch thread and its first embedding step both reach
# here on a fresh data folder, and importing transformers' lazy modules from two threads at once fails ("cannot
# import name 'AutoModel'"). Processes still race safely through the atomic rename.
_EXPORT_LOCK = threading.Lock()


def ensure_model(weights_dir: Path, cache_dir: Path, precision: Precision) -> Path:
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"all-MiniLM-L6-v2-{weights_fingerprint(weights_dir)}-{precision}.onnx"
    if not path.exists():
        with _EXPORT_LOCK:
            if not path.exists():  # another thread may have exported it while this one waited
                log.info("exporting the embedding model to %s (once)", path)
                export(weights_dir, path, precision)
    return path


class OnnxEncoder:
    """Encodes text pieces to L2-normalized 384-d vectors on ONNX Runtime (CPU)."""

    def __init__(self, weights_dir: Path, cache_dir: Path, threads: int | None = None,
                 precision: Precision = "int8") -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        # Idle pool threads sleep instead of spinning: a piece is a few hundred small kernels, and between them a
        # spinning thread burns a core that the API, the database or another process on these two shared cores
        # could use. Under load, on the same pieces: 22-25 pieces per CPU second spinning, 43-48 not (torch 11-14;
        # benchmarks/RESULTS.md, ADR 0029).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        self.precision = precision
        self._session = ort.InferenceSession(str(ensure_model(weights_dir, cache_dir, precision)), options,
                                             providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(weights_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()  # the shipped tokenizer.json pads to 128: pads would enter the mean
        self._lock = threading.Lock()  # the tokenizer's truncation state is shared

    def encode(self, pieces: list[str], batch_size: int = 64) -> np.ndarray:
        return self._encode_batched(pieces, batch_size) if self.precision == "fp32" else self._encode_alone(pieces)

    def _encode_batched(self, pieces: list[str], batch_size: int) -> np.ndarray:
        """fp32 in batches of similar length (sorted by tokens, so little padding is computed): padded positions are
        masked out of attention and of the mean, so a piece's vector does not depend on its batch mates."""
        with self._lock:
            encoded = self._tokenizer.encode_batch(pieces)
        out = np.zeros((len(pieces), 384), dtype=np.float32)
        order = sorted(range(len(pieces)), key=lambda i: len(encoded[i].ids))
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            width = max(len(encoded[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for r, i in enumerate(rows):
                ids[r, :len(encoded[i].ids)] = encoded[i].ids
                mask[r, :len(encoded[i].ids)] = 1
            hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask,
                                              "token_type_ids": np.zeros_like(ids)})[0]
            pooled = (hidden * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            out[rows] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out

    def _encode_alone(self, pieces: list[str]) -> np.ndarray:
        """One piece per run: dynamic int8 quantization scales activations per input tensor, so in a batch a text's
        vector would depend on its batch mates and their padding (cosine down to 0.985 measured); alone it is the
        same vector every time, and on this CPU no slower (no padding)."""
        out = np.zeros((len(pieces), 384), dtype=np.float32)
        for i, piece in enumerate(pieces):
            with self._lock:
                encoded = self._tokenizer.encode(piece)
            ids = np.asarray([encoded.ids], dtype=np.int64)
            mask = np.asarray([encoded.attention_mask], dtype=np.int64)
            hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask,
                                              "token_type_ids": np.zeros_like(ids)})[0][0]
            pooled = hidden[np.asarray(encoded.attention_mask, dtype=bool)].mean(axis=0)
            out[i] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
        return out
