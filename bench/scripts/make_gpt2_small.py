#!/usr/bin/env python3
"""Writes a random-weight GPT-2-small-sized model for `petrel bench --generate`, twice: as a Hugging Face
folder (config.json + model.safetensors) that Petrel loads, and as an ONNX export with past key/values
(model.onnx) that ONNX Runtime runs. Same weights in both, so both engines must pick the same greedy tokens.

Shape of GPT-2 small: 12 layers, width 768, 12 heads, 1024 positions, vocabulary 50257, gelu_new, tied
wte (no lm_head tensor). 124M parameters: about 500 MB per file, so nothing here is committed. Weights
follow GPT-2's initialization (normal, std 0.02; the c_proj matrices 0.02/sqrt(2 * 12); LayerNorm 1 and 0;
biases 0) from a fixed seed: a rerun writes the same files.

    apt-get install -y python3-torch python3-onnx          # Debian's torch 1.13 and onnx 1.12, if missing
    env PATH="$(getconf PATH)" python3 bench/scripts/make_gpt2_small.py [FOLDER]
    ./petrel bench --generate --model ~/.cache/petrel/gpt2-small-random --compare ort --threads 1

FOLDER defaults to ~/.cache/petrel/gpt2-small-random. It takes about a minute and 3 GB of memory.

model.safetensors is written by hand (there is no safetensors package in Debian): an 8-byte little-endian
header length, a JSON header (__metadata__ first, then the tensors by name, each with dtype F32, shape and
data_offsets), padded with spaces to a multiple of 8, then the raw little-endian data in header order.

model.onnx (opset 17, LayerNormalization nodes; weights inside the file) uses Hugging Face Optimum's names:
inputs input_ids, attention_mask [batch, past + sequence], position_ids (int64), past_key_values.N.key and
.value (float [batch, 12, past, 64]); outputs logits [batch, sequence, 50257] and present.N.key/.value
[batch, 12, past + sequence, 64]. The first step passes an empty past [1, 12, 0, 64]. It is exported
without constant folding, as engine/llm/src/test/resources/gpt2/make_gpt2_models.py does for the tiny
fixtures: folding would store a transposed copy of the tied wte for the LM head (ONNX Runtime folds that
Transpose itself when it creates the session).
"""
import json
import math
import os
import struct
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

N_LAYER, N_HEAD, N_EMBD, N_POS, VOCAB = 12, 12, 768, 1024, 50257
HEAD_DIM = N_EMBD // N_HEAD
LN_EPS = 1e-5
EOS = VOCAB - 1
SEED = 20240601


class Conv1D(nn.Module):
    """Hugging Face's Conv1D: weight [in, out], y = x W + b."""

    def __init__(self, nin, nout):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(nin, nout))
        self.bias = nn.Parameter(torch.zeros(nout))

    def forward(self, x):
        return torch.matmul(x, self.weight) + self.bias


class LayerNorm(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(N_EMBD))
        self.bias = nn.Parameter(torch.zeros(N_EMBD))

    def forward(self, x):
        return F.layer_norm(x, (N_EMBD,), self.weight, self.bias, LN_EPS)


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_attn = Conv1D(N_EMBD, 3 * N_EMBD)
        self.c_proj = Conv1D(N_EMBD, N_EMBD)

    def forward(self, x, key_mask, past_k, past_v):
        b, t = x.shape[0], x.shape[1]
        q, k, v = self.c_attn(x).split(N_EMBD, dim=2)
        q = q.reshape(b, t, N_HEAD, HEAD_DIM).transpose(1, 2)
        k = torch.cat([past_k, k.reshape(b, t, N_HEAD, HEAD_DIM).transpose(1, 2)], dim=2)
        v = torch.cat([past_v, v.reshape(b, t, N_HEAD, HEAD_DIM).transpose(1, 2)], dim=2)
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(HEAD_DIM)
        total = k.shape[2]
        past_len = total - t
        # query i (position past_len + i) sees the keys j <= past_len + i that the mask keeps
        causal = torch.arange(total).unsqueeze(0) <= (torch.arange(t).unsqueeze(1) + past_len)
        allowed = causal.unsqueeze(0).unsqueeze(0) & key_mask.unsqueeze(1).unsqueeze(2)
        scores = torch.where(allowed, scores, torch.tensor(torch.finfo(scores.dtype).min, dtype=scores.dtype))
        y = torch.matmul(torch.softmax(scores, dim=-1), v).transpose(1, 2).reshape(b, t, N_EMBD)
        return self.c_proj(y), k, v


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_fc = Conv1D(N_EMBD, 4 * N_EMBD)
        self.c_proj = Conv1D(4 * N_EMBD, N_EMBD)

    def forward(self, x):
        return self.c_proj(gelu_new(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = LayerNorm()
        self.attn = Attention()
        self.ln_2 = LayerNorm()
        self.mlp = MLP()


class Gpt2WithPast(nn.Module):
    """HF GPT2LMHeadModel's math; forward takes and returns the flat past as Optimum's export does."""

    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(VOCAB, N_EMBD)
        self.wpe = nn.Embedding(N_POS, N_EMBD)
        self.h = nn.ModuleList([Block() for _ in range(N_LAYER)])
        self.ln_f = LayerNorm()

    def init_gpt2(self, seed):
        gen = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name.endswith("bias"):
                    p.zero_()
                elif ".ln_" in name or name.startswith("ln_"):
                    p.fill_(1.0)
                elif name.endswith("c_proj.weight"):
                    p.normal_(0.0, 0.02 / math.sqrt(2 * N_LAYER), generator=gen)
                else:
                    p.normal_(0.0, 0.02, generator=gen)

    def forward(self, input_ids, attention_mask, position_ids, *past):
        x = self.wte(input_ids) + self.wpe(position_ids)
        key_mask = attention_mask > 0
        presents = []
        for i, blk in enumerate(self.h):
            a, k, v = blk.attn(blk.ln_1(x), key_mask, past[2 * i], past[2 * i + 1])
            presents += [k, v]
            x = x + a
            x = x + blk.mlp(blk.ln_2(x))
        logits = torch.matmul(self.ln_f(x), self.wte.weight.t())
        return (logits,) + tuple(presents)


def write_safetensors(path, tensors):
    """tensors: {name: float32 tensor}; data in name order, no gaps."""
    header, off = {"__metadata__": {"format": "pt"}}, 0
    names = sorted(tensors)
    for name in names:
        n = tensors[name].numel() * 4
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [off, off + n]}
        off += n
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * (-len(hb) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for name in names:
            f.write(tensors[name].detach().contiguous().numpy().astype("<f4", copy=False).tobytes())
    return 8 + len(hb) + off


def config_json():
    return {
        "activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1,
        "bos_token_id": EOS, "embd_pdrop": 0.1, "eos_token_id": EOS, "initializer_range": 0.02,
        "layer_norm_epsilon": LN_EPS, "model_type": "gpt2", "n_ctx": N_POS, "n_embd": N_EMBD, "n_head": N_HEAD,
        "n_inner": None, "n_layer": N_LAYER, "n_positions": N_POS, "reorder_and_upcast_attn": False,
        "resid_pdrop": 0.1, "scale_attn_by_inverse_layer_idx": False, "scale_attn_weights": True,
        "summary_activation": None, "summary_first_dropout": 0.1, "summary_proj_to_labels": True,
        "summary_type": "cls_index", "summary_use_proj": True, "tie_word_embeddings": True,
        "torch_dtype": "float32", "transformers_version": "4.40.0", "use_cache": True, "vocab_size": VOCAB,
        "_petrel_note": "random weights (GPT-2 initialization, seed %d) written by bench/scripts/make_gpt2_small.py" % SEED,
    }


def main():
    out = os.path.abspath(os.path.expanduser(sys.argv[1] if len(sys.argv) > 1 else "~/.cache/petrel/gpt2-small-random"))
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    t0 = time.time()
    model = Gpt2WithPast()
    model.init_gpt2(SEED)
    model.eval()
    n_params = sum(p.numel() for p in model.parameters())
    print("model: %d parameters (%.1f MB of float32)" % (n_params, n_params * 4 / 1e6))

    # Hugging Face folder: GPT2Model names (no "transformer." prefix), no lm_head (tied to wte)
    weights = {k: v for k, v in model.state_dict().items()}
    size = write_safetensors(os.path.join(out, "model.safetensors"), weights)
    with open(os.path.join(out, "config.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(config_json(), f, indent=2)
        f.write("\n")
    print("wrote %s/model.safetensors (%d tensors, %d bytes) and config.json in %.0f s" % (out, len(weights), size, time.time() - t0))

    # ONNX export with past key/values, traced with a 3-token past and a 2-token step
    past_names = ["past_key_values.%d.%s" % (i, kv) for i in range(N_LAYER) for kv in ("key", "value")]
    present_names = ["present.%d.%s" % (i, kv) for i in range(N_LAYER) for kv in ("key", "value")]
    total = "past_sequence_length + sequence_length"
    axes = {"input_ids": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: total},
            "position_ids": {0: "batch_size", 1: "sequence_length"},
            "logits": {0: "batch_size", 1: "sequence_length"}}
    axes.update({n: {0: "batch_size", 2: "past_sequence_length"} for n in past_names})
    axes.update({n: {0: "batch_size", 2: total} for n in present_names})
    past_len = 3
    gen = torch.Generator().manual_seed(1)
    past = [torch.randn(1, N_HEAD, past_len, HEAD_DIM, generator=gen) for _ in past_names]
    args = (torch.tensor([[5, 6]]), torch.ones(1, past_len + 2, dtype=torch.long), torch.tensor([[3, 4]]), *past)
    onnx_path = os.path.join(out, "model.onnx")
    t1 = time.time()
    with torch.no_grad():
        torch.onnx.export(model, args, onnx_path, input_names=["input_ids", "attention_mask", "position_ids"] + past_names,
                          output_names=["logits"] + present_names, dynamic_axes=axes, opset_version=17,
                          do_constant_folding=False)
    onnx.checker.check_model(onnx_path)
    m = onnx.load(onnx_path, load_external_data=False)
    ops = sorted({n.op_type for n in m.graph.node})
    print("wrote %s (%d bytes, opset 17, %d nodes: %s) in %.0f s"
          % (onnx_path, os.path.getsize(onnx_path), len(m.graph.node), " ".join(ops), time.time() - t1))

    # The two files hold the same model: check the export's math against the eager model on a 0-length past.
    with torch.no_grad():
        ids = torch.tensor([[10, 200, 3000, 40000]])
        empty = [torch.zeros(1, N_HEAD, 0, HEAD_DIM) for _ in past_names]
        res = model(ids, torch.ones(1, 4, dtype=torch.long), torch.arange(4).unsqueeze(0), *empty)
        step = model(torch.tensor([[int(res[0][0, -1].argmax())]]), torch.ones(1, 5, dtype=torch.long),
                     torch.tensor([[4]]), *res[1:])
    print("eager check: prefill greedy %d, next %d" % (int(res[0][0, -1].argmax()), int(step[0][0, -1].argmax())))
    print("done in %.0f s" % (time.time() - t0))


if __name__ == "__main__":
    main()
