"""A Whisper model with random weights, in CTranslate2's format, built in a fraction of a second.

The tests transcribe real speech through everything around the model with one of these (its text is
noise; its timings, languages and segments go through the same code as a real model's), and the
transcription benchmark measures speed with one of a real model's dimensions. No torch, no download:
the weights are drawn here and the tokenizer is a byte-level BPE over every byte, so any text encodes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ctranslate2 import specs
from tokenizers import pre_tokenizers

# Whisper's language tokens, in its order; the first of them comes right after <|startoftranscript|>.
LANGUAGES = ["en", "zh", "de", "es", "ru", "ko", "fr", "ja", "pt", "tr", "pl", "ca", "nl", "ar", "sv", "it", "id",
             "hi", "fi", "vi", "he", "uk", "el", "ms", "cs", "ro", "da", "hu", "ta", "no", "th", "ur", "hr", "bg",
             "lt", "la", "mi", "ml", "cy", "sk", "te", "fa", "lv", "bn", "sr", "az", "sl", "kn", "et", "mk", "br",
             "eu", "is", "hy", "ne", "mn", "bs", "kk", "sq", "sw", "gl", "mr", "pa", "si", "km", "sn", "yo", "so",
             "af", "oc", "ka", "be", "tg", "sd", "gu", "am", "yi", "lo", "uz", "fo", "ht", "ps", "tk", "nn", "mt",
             "sa", "lb", "my", "bo", "tl", "mg", "as", "tt", "haw", "ln", "ha", "ba", "jw", "su"]
MULTILINGUAL_VOCABULARY = 51865  # faster-whisper treats a smaller vocabulary as an English-only model
TEXT_TOKENS = 50257  # GPT-2's byte-level tokens; Whisper's own tokens follow from id 50257


@dataclass(frozen=True, slots=True)
class Dimensions:
    d_model: int = 64
    heads: int = 2
    encoder_layers: int = 2
    decoder_layers: int = 2
    n_mels: int = 80


TINY = Dimensions()
# The real models' dimensions, for speed measurements with random weights.
WHISPER_TINY = Dimensions(384, 6, 4, 4)
WHISPER_BASE = Dimensions(512, 8, 6, 6)
WHISPER_SMALL = Dimensions(768, 12, 12, 12)


def _tokens() -> list[str]:
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    text = alphabet + [f"<|filler{n}|>" for n in range(TEXT_TOKENS - len(alphabet))]
    special = ["<|endoftext|>", "<|startoftranscript|>", *[f"<|{code}|>" for code in LANGUAGES], "<|translate|>",
               "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nocaptions|>", "<|notimestamps|>"]
    tokens = text + special
    return tokens + ["<|%.2f|>" % (i * 0.02) for i in range(MULTILINGUAL_VOCABULARY - len(tokens))]


def _tokenizer(tokens: list[str]) -> dict[str, object]:
    vocab = {t: i for i, t in enumerate(tokens)}
    special = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
                "special": True} for i, t in enumerate(tokens) if t.startswith("<|") and not t.startswith("<|filler")]
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    return {"version": "1.0", "truncation": None, "padding": None, "added_tokens": special, "normalizer": None,
            "pre_tokenizer": byte_level, "post_processor": None, "decoder": byte_level,
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                      "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                      "vocab": vocab, "merges": []}}


def build_random_whisper(out: Path, dims: Dimensions = TINY, *, seed: int = 0) -> Path:
    """Write a random multilingual Whisper model of ``dims`` to ``out`` (a folder), ready for faster-whisper."""
    rng = np.random.default_rng(seed)
    tokens = _tokens()
    d, vocabulary = dims.d_model, len(tokens)

    def weights(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.02).astype(np.float32)

    def norm(spec: object) -> None:
        spec.gamma, spec.beta = np.ones(d, np.float32), np.zeros(d, np.float32)  # type: ignore[attr-defined]

    def linear(spec: object, rows: int, columns: int) -> None:
        spec.weight, spec.bias = weights(rows, columns), np.zeros(rows, np.float32)  # type: ignore[attr-defined]

    def attention_and_ffn(layer: object, cross: bool) -> None:
        self_attention = layer.self_attention  # type: ignore[attr-defined]
        norm(self_attention.layer_norm)
        linear(self_attention.linear[0], 3 * d, d)
        linear(self_attention.linear[1], d, d)
        if cross:
            attention = layer.attention  # type: ignore[attr-defined]
            norm(attention.layer_norm)
            linear(attention.linear[0], d, d)
            linear(attention.linear[1], 2 * d, d)
            linear(attention.linear[2], d, d)
        ffn = layer.ffn  # type: ignore[attr-defined]
        norm(ffn.layer_norm)
        linear(ffn.linear_0, 4 * d, d)
        linear(ffn.linear_1, d, 4 * d)

    spec = specs.WhisperSpec(dims.encoder_layers, dims.heads, dims.decoder_layers, dims.heads)
    encoder, decoder = spec.encoder, spec.decoder
    encoder.conv1.weight, encoder.conv1.bias = weights(d, dims.n_mels, 3), np.zeros(d, np.float32)
    encoder.conv2.weight, encoder.conv2.bias = weights(d, d, 3), np.zeros(d, np.float32)
    encoder.position_encodings.encodings = weights(1500, d)  # 30 s of audio, after the second convolution
    norm(encoder.layer_norm)
    for layer in encoder.layer:
        attention_and_ffn(layer, cross=False)
    decoder.embeddings.weight = weights(vocabulary, d)
    decoder.position_encodings.encodings = weights(448, d)
    decoder.projection.weight = decoder.embeddings.weight
    norm(decoder.layer_norm)
    for layer in decoder.layer:
        attention_and_ffn(layer, cross=True)
    spec.register_vocabulary(tokens)
    spec.config.suppress_ids = []
    spec.config.suppress_ids_begin = []
    spec.config.lang_ids = [tokens.index(f"<|{code}|>") for code in LANGUAGES]
    spec.config.alignment_heads = [(dims.decoder_layers // 2, h) for h in range(dims.heads)]
    spec.validate()
    spec.optimize()
    out.mkdir(parents=True, exist_ok=True)
    spec.save(str(out))
    (out / "tokenizer.json").write_text(json.dumps(_tokenizer(tokens)))
    (out / "preprocessor_config.json").write_text(json.dumps(
        {"feature_size": dims.n_mels, "sampling_rate": 16000, "hop_length": 160, "chunk_length": 30, "n_fft": 400}))
    return out


def build_random_checkpoint(out: Path, dims: Dimensions = TINY, *, seed: int = 0, text_context: int = 448) -> Path:
    """The same kind of model as an openai-whisper checkpoint file (``out``, a ``.pt``); needs torch.

    openai-whisper decodes up to half of ``text_context`` tokens per 30 s window: the tests take a short one,
    since random weights never stop talking.
    """
    import torch
    from whisper.model import ModelDimensions, Whisper

    torch.manual_seed(seed)
    shape = ModelDimensions(
        n_mels=dims.n_mels, n_audio_ctx=1500, n_audio_state=dims.d_model, n_audio_head=dims.heads,
        n_audio_layer=dims.encoder_layers, n_vocab=MULTILINGUAL_VOCABULARY, n_text_ctx=text_context,
        n_text_state=dims.d_model, n_text_head=dims.heads, n_text_layer=dims.decoder_layers,
    )
    model = Whisper(shape)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"dims": shape.__dict__, "model_state_dict": model.state_dict()}, out)
    return out
