#!/usr/bin/env python3
"""Builds the tiny GPT-2 test fixtures in this folder (see README.md).

Run with Debian's python (python3-torch 1.13, python3-onnx 1.12):
    env PATH="$(getconf PATH)" python3 make_gpt2_models.py
Deterministic: fixed seeds, one CPU thread; rerunning rewrites identical files.
"""
import collections
import copy
import io
import json
import math
import os
import struct
import time
import unicodedata

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

EOT = "<|endoftext|>"
N_MERGES = 250
N_LAYER, N_HEAD, N_EMBD, N_POS = 2, 4, 64, 128
HEAD_DIM = N_EMBD // N_HEAD
LN_EPS = 1e-5
LNFREE_EPS = 1e12
LNFREE_SCALE = 1e6  # sqrt(LNFREE_EPS): the stored LN computes (x-mean)/1e6 * weight + bias
GREEDY_STEPS = 24

# ---------------------------------------------------------------------------------------------
# Corpus (written for these fixtures; paragraphs are joined with <|endoftext|>)
# ---------------------------------------------------------------------------------------------
CORPUS = [
    "The old harbor town wakes up slowly. At six in the morning the baker opens his shop, and the smell "
    "of warm bread drifts down the narrow street to the water. The fishing boats come back before seven, "
    "and the fishermen carry their boxes of fish to the market in the square. It's a small town, but it's "
    "never quiet for long.",
    "On cold mornings the baker's cat sleeps next to the oven. She's an old grey cat with one white paw, "
    "and she doesn't like the rain. When the wind comes from the sea, she moves to the window and watches "
    "the boats. The children who walk to school stop to say hello to her, and she looks at them as if "
    "they're late again.",
    "In 1998 there were 12 boats in the harbor; today there are 27. The new boats are faster, but the "
    "old captains say they've seen storms that no engine could beat. \"You'll learn,\" one of them told "
    "me. \"The sea doesn't care how fast you are.\" I'm not sure he was right, but I'd like to believe him.",
    "The market opens at eight. There are apples, pears and plums from the farms on the hill, cheese from "
    "the valley, and of course the fish from the morning boats. Prices are written on small boards: "
    "apples 3 euros, pears 4 euros, fish 9 euros a kilo. People talk about the weather, the boats, and "
    "the new school that the town will build next year.",
    "In the afternoon the light changes. The water turns from grey to green to gold, and the shadows of "
    "the boats grow long on the stones. The baker closes his shop at four, the cat walks home along the "
    "wall, and the town waits for the evening. When the sun goes down, the lamps on the harbor wall come "
    "on one by one.",
    "At night the harbor is quiet again. The boats rest in the dark water, the market square is empty, "
    "and only the sound of the waves can be heard. Tomorrow the baker will open his shop at six, the "
    "boats will go out to sea, and the old town will wake up slowly, as it always does.",
    "Every summer visitors arrive on the morning train. They walk along the harbor wall, buy postcards "
    "and ice cream, and take pictures of the boats and the lighthouse. Some of them ask the baker for "
    "his recipe, but he only smiles and says that the secret is the flour, the water, and the time. "
    "The visitors leave in the evening, and the town is its own again.",
    "The lighthouse stands at the end of the northern pier. Its keeper, an old woman called Martha, has "
    "lived there for 41 years. She writes down the weather three times a day: the wind, the clouds, the "
    "height of the waves. Her notebooks fill two shelves, and she says they're the true history of the "
    "town, because the weather decides everything that happens here.",
    "When the first winter storm comes, the boats stay in the harbor for days. The fishermen mend their "
    "nets, the children build small boats of wood and paper, and everyone waits. Martha watches the "
    "sea from the lighthouse, and when the wind finally turns, she rings the bell so that the whole "
    "town knows the boats can go out again.",
]

# Prompts for the model references (the last one must give >= 40 tokens).
PROMPTS = [
    "The old harbor",
    "On cold mornings the baker's cat",
    "In the afternoon the light changes. The water turns from grey to green to gold, and the shadows of "
    "the boats grow long on the stones. The baker closes his shop at four, and",
]

# Strings for the tokenizer reference (edge cases of the pre-tokenizer and byte mapping).
TOKENIZER_CASES = [
    "The old harbor town wakes up slowly.",
    "Hello  world!\n\nIt's 2024, isn't it?   ",
    "we'll they've I'm she'd you're THEY'RE",
    "naïve café — 東京 😀 ½ Ⅻ",
    "  leading spaces\ttabs\r\nand a trailing newline\n",
    "apples 3 euros, pears 4 euros<|endoftext|>fish 9 euros a kilo",
]

# ---------------------------------------------------------------------------------------------
# Byte-level BPE (GPT-2 format)
# ---------------------------------------------------------------------------------------------


def bytes_to_unicode():
    """GPT-2's byte -> printable unicode char map; dict order is the id order of the 256 byte tokens."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = list(bs)
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


# Unicode White_Space property (what the `regex` module's \s matches); Python's str.isspace differs
# on U+001C..U+001F, so the set is spelled out to be portable.
WHITE_SPACE = set(map(chr, [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029,
                            0x202F, 0x205F, 0x3000] + list(range(0x2000, 0x200B))))
CONTRACTIONS = ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d")


def char_class(c):
    """L = \\p{L} (general category L*), N = \\p{N} (N*), S = \\s, O = anything else."""
    if c in WHITE_SPACE:
        return "S"
    cat = unicodedata.category(c)
    if cat[0] == "L":
        return "L"
    if cat[0] == "N":
        return "N"
    return "O"


def pretokenize(text):
    """Hand-written equivalent of GPT-2's regex
    's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == "'":
            m = next((s for s in CONTRACTIONS if text.startswith(s, i)), None)
            if m:
                out.append(m)
                i += len(m)
                continue
        if c == " " and i + 1 < n and char_class(text[i + 1]) != "S":
            cls, j = char_class(text[i + 1]), i + 1
        elif char_class(c) != "S":
            cls, j = char_class(c), i
        else:
            cls = None
        if cls is not None:
            k = j
            while k < n and char_class(text[k]) == cls:
                k += 1
            out.append(text[i:k])
            i = k
            continue
        k = i
        while k < n and char_class(text[k]) == "S":
            k += 1
        if k < n and k - i >= 2:
            k -= 1  # \s+(?!\S): leave the last space to prefix the next word
        out.append(text[i:k])
        i = k
    return out


def merge_seq(seq, pair):
    out, i = [], 0
    while i < len(seq):
        if i + 1 < len(seq) and seq[i] == pair[0] and seq[i + 1] == pair[1]:
            out.append(seq[i] + seq[i + 1])
            i += 2
        else:
            out.append(seq[i])
            i += 1
    return out


def train_bpe(texts, n_merges):
    b2u = bytes_to_unicode()
    counts = collections.Counter()
    for t in texts:
        for w in pretokenize(t):
            counts["".join(b2u[b] for b in w.encode("utf-8"))] += 1
    words = {w: list(w) for w in sorted(counts)}
    known = set(b2u.values())
    merges = []
    while len(merges) < n_merges:
        pc = collections.Counter()
        for w, seq in words.items():
            for a, b in zip(seq, seq[1:]):
                pc[(a, b)] += counts[w]
        # A pair whose concatenation is already a token is skipped so every merge adds exactly one id.
        cands = [(c, p) for p, c in pc.items() if c >= 2 and p[0] + p[1] not in known]
        if not cands:
            raise RuntimeError("corpus too small for %d merges (got %d)" % (n_merges, len(merges)))
        top = max(c for c, _ in cands)
        best = min(p for c, p in cands if c == top)
        merges.append(best)
        known.add(best[0] + best[1])
        for w in words:
            words[w] = merge_seq(words[w], best)
    vocab = {}
    for ch in b2u.values():
        vocab[ch] = len(vocab)
    for a, b in merges:
        vocab[a + b] = len(vocab)
    vocab[EOT] = len(vocab)
    return vocab, merges


class Tokenizer:
    def __init__(self, vocab, merges):
        self.vocab = vocab
        self.inv = {i: s for s, i in vocab.items()}
        self.ranks = {p: r for r, p in enumerate(merges)}
        self.b2u = bytes_to_unicode()
        self.u2b = {u: b for b, u in self.b2u.items()}

    def bpe(self, word):
        seq = list(word)
        while len(seq) > 1:
            best = min(zip(seq, seq[1:]), key=lambda p: self.ranks.get(p, math.inf))
            if best not in self.ranks:
                break
            seq = merge_seq(seq, best)
        return seq

    def encode_detail(self, text):
        """Returns (pre-tokens, token strings). <|endoftext|> in the text is the special token."""
        pres, toks = [], []
        for n, part in enumerate(text.split(EOT)):
            if n > 0:
                pres.append(EOT)
                toks.append(EOT)
            for w in pretokenize(part):
                pres.append(w)
                toks.extend(self.bpe("".join(self.b2u[b] for b in w.encode("utf-8"))))
        return pres, toks

    def encode(self, text):
        return [self.vocab[t] for t in self.encode_detail(text)[1]]

    def decode(self, ids):
        out = bytearray()
        for i in ids:
            s = self.inv[i]
            out += s.encode("utf-8") if s == EOT else bytes(self.u2b[c] for c in s)
        return out.decode("utf-8", errors="replace")


def tokenizer_json(vocab, merges):
    eot = vocab[EOT]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": eot, "content": EOT, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": True, "special": True}],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False,
                  "vocab": vocab, "merges": ["%s %s" % p for p in merges]},
    }


# ---------------------------------------------------------------------------------------------
# GPT-2 in plain PyTorch (HF GPT2LMHeadModel math)
# ---------------------------------------------------------------------------------------------


class Conv1D(nn.Module):
    """HF Conv1D: weight [in, out], y = x W + b."""

    def __init__(self, nin, nout):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(nin, nout))
        self.bias = nn.Parameter(torch.zeros(nout))

    def forward(self, x):
        return torch.matmul(x, self.weight) + self.bias


class LayerNorm(nn.Module):
    """Standard LN, or FakeLN (x - mean)/sigma * weight + bias when sigma is set (papers.md §1.1)."""

    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.bias = nn.Parameter(torch.zeros(d))
        self.eps = eps
        self.sigma = None

    def forward(self, x):
        if self.sigma is None:
            return F.layer_norm(x, self.weight.shape, self.weight, self.bias, self.eps)
        return (x - x.mean(-1, keepdim=True)) / self.sigma * self.weight + self.bias


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_attn = Conv1D(N_EMBD, 3 * N_EMBD)
        self.c_proj = Conv1D(N_EMBD, N_EMBD)

    def forward(self, x, key_mask, past):
        b, t = x.shape[0], x.shape[1]
        q, k, v = self.c_attn(x).split(N_EMBD, dim=2)
        q = q.reshape(b, t, N_HEAD, HEAD_DIM).transpose(1, 2)
        k = k.reshape(b, t, N_HEAD, HEAD_DIM).transpose(1, 2)
        v = v.reshape(b, t, N_HEAD, HEAD_DIM).transpose(1, 2)
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        present = (k, v)
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(HEAD_DIM)
        tk = k.shape[2]
        past_len = tk - t
        # query i (absolute position past_len + i) sees keys j <= past_len + i that the mask keeps
        causal = torch.arange(tk, device=x.device).unsqueeze(0) <= (torch.arange(t, device=x.device).unsqueeze(1) + past_len)
        allowed = causal.unsqueeze(0).unsqueeze(0)
        if key_mask is not None:
            allowed = allowed & key_mask.unsqueeze(1).unsqueeze(2)
        scores = torch.where(allowed, scores, torch.tensor(torch.finfo(scores.dtype).min, dtype=scores.dtype))
        probs = torch.softmax(scores, dim=-1)
        y = torch.matmul(probs, v).transpose(1, 2).reshape(b, t, N_EMBD)
        return self.c_proj(y), present


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_fc = Conv1D(N_EMBD, 4 * N_EMBD)
        self.c_proj = Conv1D(4 * N_EMBD, N_EMBD)

    def forward(self, x):
        return self.c_proj(gelu_new(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, eps):
        super().__init__()
        self.ln_1 = LayerNorm(N_EMBD, eps)
        self.attn = Attention()
        self.ln_2 = LayerNorm(N_EMBD, eps)
        self.mlp = MLP()


class GPT2(nn.Module):
    def __init__(self, vocab_size, eps=LN_EPS):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, N_EMBD)
        self.wpe = nn.Embedding(N_POS, N_EMBD)
        self.h = nn.ModuleList([Block(eps) for _ in range(N_LAYER)])
        self.ln_f = LayerNorm(N_EMBD, eps)

    def init_gpt2(self):
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                nn.init.zeros_(p)
            elif "ln_" in name:
                nn.init.ones_(p)
            elif name.endswith("c_proj.weight"):
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * N_LAYER))
            else:
                nn.init.normal_(p, std=0.02)

    def forward(self, input_ids, attention_mask=None, position_ids=None, past=None, record=None):
        """record (a dict) collects LN inputs and the residual writers for sigma and attribution."""
        b, t = input_ids.shape
        past_len = past[0][0].shape[2] if past is not None else 0
        if position_ids is None:
            position_ids = torch.arange(past_len, past_len + t).unsqueeze(0).expand(b, t)
        key_mask = attention_mask > 0 if attention_mask is not None else None
        x = self.wte(input_ids) + self.wpe(position_ids)
        if record is not None:
            record["embed"] = x
        presents = []
        for i, blk in enumerate(self.h):
            if record is not None:
                record["h.%d.ln_1" % i] = x
            a, present = blk.attn(blk.ln_1(x), key_mask, past[i] if past is not None else None)
            presents.append(present)
            x = x + a
            if record is not None:
                record["attn.%d" % i] = a
                record["h.%d.ln_2" % i] = x
            m = blk.mlp(blk.ln_2(x))
            x = x + m
            if record is not None:
                record["mlp.%d" % i] = m
        if record is not None:
            record["ln_f"] = x
        logits = torch.matmul(self.ln_f(x), self.wte.weight.t())
        return logits, presents

    def ln_modules(self):
        out = {}
        for i, blk in enumerate(self.h):
            out["h.%d.ln_1" % i] = blk.ln_1
            out["h.%d.ln_2" % i] = blk.ln_2
        out["ln_f"] = self.ln_f
        return out


def hf_state_dict(model):
    """HF GPT2Model tensor names (no 'transformer.' prefix, no lm_head: tied to wte)."""
    return {k: v.detach().to(torch.float32).clone() for k, v in model.state_dict().items()}


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------


def corpus_loss(model, data):
    model.eval()
    with torch.no_grad():
        tot, n = 0.0, 0
        for s in range(0, len(data) - 1, N_POS):
            chunk = data[s:s + N_POS + 1]
            x, y = chunk[:-1].unsqueeze(0), chunk[1:].unsqueeze(0)
            logits, _ = model(x)
            tot += F.cross_entropy(logits[0], y[0], reduction="sum").item()
            n += y.numel()
    return tot / n


def train(model, data, steps, lr, seed, batch=4, seq=N_POS):
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.0)
    model.train()
    for step in range(steps):
        starts = torch.randint(0, len(data) - seq - 1, (batch,), generator=gen)
        x = torch.stack([data[s:s + seq] for s in starts])
        y = torch.stack([data[s + 1:s + seq + 1] for s in starts])
        for g in opt.param_groups:  # cosine decay
            g["lr"] = lr * 0.5 * (1 + math.cos(math.pi * step / steps))
        logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()


def average_std(model, data):
    """sigma_avg per LN: per-token sqrt(var + 1e-5) of the LN input, averaged over all corpus tokens."""
    sums = collections.defaultdict(float)
    n = 0
    with torch.no_grad():
        for s in range(0, len(data), N_POS):
            rec = {}
            model(data[s:s + N_POS].unsqueeze(0), record=rec)
            for name in model.ln_modules():
                x = rec[name].double()
                sums[name] += torch.sqrt(x.var(-1, unbiased=False) + 1e-5).sum().item()
            n += rec["embed"].shape[1]
    return {k: v / n for k, v in sums.items()}


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------

ST_DTYPES = {"F32": (torch.float32, 4), "F16": (torch.float16, 2), "BF16": (torch.bfloat16, 2),
             "I64": (torch.int64, 8)}


def tensor_bytes(t, dtype):
    t = t.detach().to(ST_DTYPES[dtype][0]).contiguous()
    if dtype == "BF16":
        t = t.view(torch.int16)
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


def write_safetensors(path, tensors, metadata=None):
    """tensors: {name: (tensor, dtype)}; data in name order, header padded with spaces to 8 bytes."""
    header, blobs, off = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        t, dtype = tensors[name]
        raw = tensor_bytes(t, dtype)
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * (-len(hb) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for raw in blobs:
            f.write(raw)
    return off


def write_json(path, obj, ensure_ascii=False, indent=1):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(obj, f, indent=indent, ensure_ascii=ensure_ascii)
        f.write("\n")


def write_tokenizer_files(folder, vocab, merges, with_tokenizer_json):
    # GPT-2's own vocab.json escapes non-ASCII (\u0120 for the space byte); tokenizer.json is raw UTF-8.
    write_json(os.path.join(folder, "vocab.json"), vocab, ensure_ascii=True, indent=None)
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write("%s %s\n" % (a, b))
    if with_tokenizer_json:
        write_json(os.path.join(folder, "tokenizer.json"), tokenizer_json(vocab, merges), indent=2)


def config_json(vocab_size, eot, torch_dtype, eps):
    return {
        "activation_function": "gelu_new",
        "architectures": ["GPT2LMHeadModel"],
        "attn_pdrop": 0.1,
        "bos_token_id": eot,
        "embd_pdrop": 0.1,
        "eos_token_id": eot,
        "initializer_range": 0.02,
        "layer_norm_epsilon": eps,
        "model_type": "gpt2",
        "n_ctx": N_POS,
        "n_embd": N_EMBD,
        "n_head": N_HEAD,
        "n_inner": None,
        "n_layer": N_LAYER,
        "n_positions": N_POS,
        "reorder_and_upcast_attn": False,
        "resid_pdrop": 0.1,
        "scale_attn_by_inverse_layer_idx": False,
        "scale_attn_weights": True,
        "summary_activation": None,
        "summary_first_dropout": 0.1,
        "summary_proj_to_labels": True,
        "summary_type": "cls_index",
        "summary_use_proj": True,
        "tie_word_embeddings": True,
        "torch_dtype": torch_dtype,
        "transformers_version": "4.40.0",
        "use_cache": True,
        "vocab_size": vocab_size,
    }


# ---------------------------------------------------------------------------------------------
# References
# ---------------------------------------------------------------------------------------------


def model_from_weights(weights, vocab_size, eps, fake_sigma=None, dtype=torch.float64):
    """A model holding `weights` (upcast exactly), in float64 by default. fake_sigma: FakeLN everywhere."""
    m = GPT2(vocab_size, eps).to(dtype)
    with torch.no_grad():
        for k, p in m.state_dict().items():
            p.copy_(weights[k].to(dtype))
    if fake_sigma is not None:
        for ln in m.ln_modules().values():
            ln.sigma = fake_sigma
    m.eval()
    return m


def greedy(model, ids, steps):
    ids = list(ids)
    out, margins = [], []
    with torch.no_grad():
        for _ in range(steps):
            logits, _ = model(torch.tensor([ids]))
            last = logits[0, -1]
            top2 = torch.topk(last, 2)
            out.append(int(top2.indices[0]))
            margins.append(float(top2.values[0] - top2.values[1]))
            ids.append(out[-1])
    return out, min(margins)


def attribution(model, ids, token, standard):
    """Direct logit attribution of `token` at the last position of `ids` (float64 model)."""
    rec = {}
    with torch.no_grad():
        logits, _ = model(torch.tensor([ids]), record=rec)
    ln = model.ln_f
    wu = model.wte.weight[token]
    x = rec["ln_f"][0, -1]
    if standard:
        scale = math.sqrt(float(x.var(unbiased=False)) + ln.eps)
    else:
        scale = ln.sigma
    g = ln.weight / scale
    parts = collections.OrderedDict()
    names = ["embed"] + [n for i in range(N_LAYER) for n in ("attn.%d" % i, "mlp.%d" % i)]
    for n in names:
        o = rec[n][0, -1]
        parts[n] = float(((o - o.mean()) * g) @ wu)
    parts["ln_f.bias"] = float(ln.bias @ wu)
    logit = float(logits[0, -1, token])
    total = sum(parts.values())
    return logit, parts, total, scale


# ---------------------------------------------------------------------------------------------
# ONNX
# ---------------------------------------------------------------------------------------------


class NoPast(nn.Module):
    def __init__(self, m, with_present):
        super().__init__()
        self.transformer, self.with_present = m, with_present

    def forward(self, input_ids, attention_mask, position_ids):
        logits, presents = self.transformer(input_ids, attention_mask, position_ids)
        if not self.with_present:
            return logits
        return (logits,) + tuple(t for kv in presents for t in kv)


class WithPast(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.transformer = m

    def forward(self, input_ids, attention_mask, position_ids, *past_flat):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(N_LAYER)]
        logits, presents = self.transformer(input_ids, attention_mask, position_ids, past)
        return (logits,) + tuple(t for kv in presents for t in kv)


PAST_NAMES = ["past_key_values.%d.%s" % (i, kv) for i in range(N_LAYER) for kv in ("key", "value")]
PRESENT_NAMES = ["present.%d.%s" % (i, kv) for i in range(N_LAYER) for kv in ("key", "value")]
TOTAL = "past_sequence_length + sequence_length"


def export(module, args, input_names, output_names, dynamic_axes, opset):
    buf = io.BytesIO()
    # No constant folding: it would store a transposed copy of the tied wte for the LM head.
    torch.onnx.export(module, args, buf, input_names=input_names, output_names=output_names,
                      dynamic_axes=dynamic_axes, opset_version=opset, do_constant_folding=False)
    model = onnx.load_from_string(buf.getvalue())
    onnx.checker.check_model(model, full_check=True)
    return model


def export_nopast(m, opset, with_present=False):
    ids = torch.tensor([[1, 2, 3, 4]])
    mask = torch.ones_like(ids)
    pos = torch.arange(4).unsqueeze(0)
    axes = {"input_ids": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: "sequence_length"},
            "position_ids": {0: "batch_size", 1: "sequence_length"},
            "logits": {0: "batch_size", 1: "sequence_length"}}
    outs = ["logits"]
    if with_present:
        outs += PRESENT_NAMES
        for n in PRESENT_NAMES:
            axes[n] = {0: "batch_size", 2: TOTAL}
    return export(NoPast(m, with_present), (ids, mask, pos), ["input_ids", "attention_mask", "position_ids"],
                  outs, axes, opset)


def export_past(m, opset):
    ids = torch.tensor([[5, 6]])
    past_len = 3
    mask = torch.ones(1, past_len + 2, dtype=torch.long)
    pos = torch.tensor([[3, 4]])
    past = [torch.randn(1, N_HEAD, past_len, HEAD_DIM, generator=torch.Generator().manual_seed(i)) for i in range(2 * N_LAYER)]
    axes = {"input_ids": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: TOTAL},
            "position_ids": {0: "batch_size", 1: "sequence_length"},
            "logits": {0: "batch_size", 1: "sequence_length"}}
    for n in PAST_NAMES:
        axes[n] = {0: "batch_size", 2: "past_sequence_length"}
    for n in PRESENT_NAMES:
        axes[n] = {0: "batch_size", 2: TOTAL}
    return export(WithPast(m), (ids, mask, pos, *past), ["input_ids", "attention_mask", "position_ids"] + PAST_NAMES,
                  ["logits"] + PRESENT_NAMES, axes, opset)


def merge_decoders(nopast, withpast):
    """Optimum-style merged decoder: If(use_cache_branch) then=with-past graph else=no-past graph.
    Both branches read the outer inputs and the shared outer initializers."""
    outer_inputs = [i.name for i in withpast.graph.input] + ["use_cache_branch"]
    inits, by_name = [], {}

    def branch(g, prefix):
        rename = {}
        for init in g.initializer:
            arr = numpy_helper.to_array(init)
            if init.name in by_name and np.array_equal(by_name[init.name], arr):
                rename[init.name] = init.name
            else:
                new = init.name if init.name not in by_name else prefix + init.name
                by_name[new] = arr
                inits.append(numpy_helper.from_array(arr, new))
                rename[init.name] = new

        def rn(name):
            if name == "" or name in outer_inputs:
                return name
            return rename.get(name, prefix + name)

        nodes = []
        for node in g.node:
            n = copy.deepcopy(node)
            n.name = prefix + node.name
            del n.input[:]
            n.input.extend(rn(x) for x in node.input)
            del n.output[:]
            n.output.extend(rn(x) for x in node.output)
            nodes.append(n)
        outs = []
        for o in g.output:
            vi = copy.deepcopy(o)
            vi.name = rn(o.name)
            outs.append(vi)
        return helper.make_graph(nodes, prefix.rstrip("_") + "_graph", [], outs)

    then_g = branch(withpast.graph, "with_past_")
    else_g = branch(nopast.graph, "no_past_")
    # Same output shapes on both branches (the sequence dims are named differently per export).
    for g in (then_g, else_g):
        for o, ref in zip(g.output, withpast.graph.output):
            o.type.CopyFrom(ref.type)
    inputs = list(withpast.graph.input) + [helper.make_tensor_value_info("use_cache_branch", TensorProto.BOOL, [1])]
    if_node = helper.make_node("If", ["use_cache_branch"], [o.name for o in withpast.graph.output],
                               name="optimum::if", then_branch=then_g, else_branch=else_g)
    graph = helper.make_graph([if_node], "gpt2_tiny_merged", inputs, list(withpast.graph.output), inits)
    model = helper.make_model(graph, opset_imports=list(withpast.opset_import), producer_name="make_gpt2_models.py")
    model.ir_version = withpast.ir_version
    onnx.checker.check_model(model, full_check=True)
    return model


PAST_DATA = "gpt2-tiny-past.onnx_data"


def externalize(models, folder, location):
    """Moves the initializers of `models` into one shared external data file. The models carry the same
    weights under the same names (checked), so each tensor is stored once; offsets are 64-byte aligned."""
    blob, where = bytearray(), {}
    for model in models:
        for init in model.graph.initializer:
            raw = numpy_helper.to_array(init).astype(np.float32).newbyteorder("<").tobytes() \
                if init.data_type == TensorProto.FLOAT else None
            assert raw is not None, init.name
            if init.name in where:
                off, ln = where[init.name]
                assert bytes(blob[off:off + ln]) == raw, init.name
            else:
                blob += b"\0" * (-len(blob) % 64)
                where[init.name] = (len(blob), len(raw))
                blob += raw
            off, ln = where[init.name]
            init.ClearField("raw_data")
            init.ClearField("float_data")
            del init.external_data[:]
            for k, v in (("location", location), ("offset", str(off)), ("length", str(ln))):
                init.external_data.add(key=k, value=v)
            init.data_location = TensorProto.EXTERNAL
    with open(os.path.join(folder, location), "wb") as f:
        f.write(blob)


def op_summary(model):
    c = collections.Counter()

    def walk(g):
        for n in g.node:
            c[n.op_type] += 1
            for a in n.attribute:
                if a.type == onnx.AttributeProto.GRAPH:
                    walk(a.g)
    walk(model.graph)
    return dict(sorted(c.items()))


def ln_epsilons(model):
    return sorted({a.f for n in model.graph.node if n.op_type == "LayerNormalization"
                   for a in n.attribute if a.name == "epsilon"})


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def main():
    out = HERE
    log = []

    t0 = time.time()

    def say(*a):
        s = " ".join(str(x) for x in a)
        print("[%5.1fs] %s" % (time.time() - t0, s))
        log.append(s)

    # Tokenizer ------------------------------------------------------------------------------------
    vocab, merges = train_bpe(CORPUS, N_MERGES)
    tok = Tokenizer(vocab, merges)
    V = len(vocab)
    eot = vocab[EOT]
    say("vocab", V, "merges", len(merges), "eot", eot)
    cases = []
    for text in TOKENIZER_CASES:
        pres, toks = tok.encode_detail(text)
        ids = [vocab[t] for t in toks]
        assert tok.decode(ids) == text
        cases.append({"text": text, "pretokens": pres, "tokens": toks, "ids": ids})
    write_json(os.path.join(out, "tokenizer_reference.json"), {
        "note": "ids from make_gpt2_models.py's GPT-2 BPE encoder on the gpt2-tiny vocab; <|endoftext|> in "
                "the text is matched as the special token (like HF added_tokens); decode(ids) == text",
        "vocab_size": V, "eos_token_id": eot, "cases": cases}, indent=1)

    data = []
    for p in CORPUS:
        data += tok.encode(p) + [eot]
    data = torch.tensor(data)
    say("corpus tokens", len(data))

    # Standard model ---------------------------------------------------------------------------------
    torch.manual_seed(1234)
    model = GPT2(V)
    model.init_gpt2()
    say("loss at init %.4f" % corpus_loss(model, data))
    train(model, data, steps=400, lr=3e-3, seed=1)
    loss_std = corpus_loss(model, data)
    say("gpt2-tiny corpus loss %.4f" % loss_std)
    w32 = hf_state_dict(model)

    # LN-free model: sigma_avg, FakeLN, fine-tune ----------------------------------------------------
    sig = average_std(model, data)
    say("sigma_avg", {k: round(v, 5) for k, v in sig.items()})
    fake = copy.deepcopy(model)
    for name, ln in fake.ln_modules().items():
        ln.sigma = sig[name]
    loss_fake0 = corpus_loss(fake, data)
    train(fake, data, steps=100, lr=3e-4, seed=2)
    loss_fake = corpus_loss(fake, data)
    say("FakeLN loss before fine-tune %.4f after %.4f" % (loss_fake0, loss_fake))
    wfree = hf_state_dict(fake)
    for name in fake.ln_modules():
        wfree[name + ".weight"] = (wfree[name + ".weight"].double() * LNFREE_SCALE / sig[name]).float()

    prompts = [tok.encode(p) for p in PROMPTS]
    assert len(prompts[2]) >= 40, len(prompts[2])
    say("prompt lengths", [len(p) for p in prompts])

    # Model folders ----------------------------------------------------------------------------------
    variants = [
        ("gpt2-tiny", "F32", w32, LN_EPS),
        ("gpt2-tiny-f16", "F16", w32, LN_EPS),
        ("gpt2-tiny-bf16", "BF16", w32, LN_EPS),
        ("gpt2-tiny-lnfree", "F32", wfree, LNFREE_EPS),
    ]
    torch_dtype = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}
    for folder, dtype, weights, eps in variants:
        d = os.path.join(out, folder)
        os.makedirs(d, exist_ok=True)
        write_json(os.path.join(d, "config.json"), config_json(V, eot, torch_dtype[dtype], eps), indent=2)
        stored = {k: (v, dtype) for k, v in weights.items()}
        if folder == "gpt2-tiny-f16":
            # Old HF checkpoints carry the causal-mask buffers; a loader must ignore them.
            tril = torch.tril(torch.ones(N_POS, N_POS)).view(1, 1, N_POS, N_POS)
            for i in range(N_LAYER):
                stored["h.%d.attn.bias" % i] = (tril, "F16")
                stored["h.%d.attn.masked_bias" % i] = (torch.tensor(-1e4), "F16")
            shard1 = {k: v for k, v in stored.items() if k.startswith(("wte.", "wpe.", "h.0."))}
            shard2 = {k: v for k, v in stored.items() if k not in shard1}
            names = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
            total = 0
            wmap = {}
            for fname, part in zip(names, (shard1, shard2)):
                total += write_safetensors(os.path.join(d, fname), part, {"format": "pt"})
                wmap.update({k: fname for k in part})
            write_json(os.path.join(d, "model.safetensors.index.json"),
                       {"metadata": {"total_size": total}, "weight_map": dict(sorted(wmap.items()))}, indent=2)
        else:
            write_safetensors(os.path.join(d, "model.safetensors"), stored, {"format": "pt"})
        write_tokenizer_files(d, vocab, merges, with_tokenizer_json=folder in ("gpt2-tiny", "gpt2-tiny-lnfree"))

        # reference: float64 from the stored values
        stored_vals = {k: (v.half() if dtype == "F16" else v.bfloat16() if dtype == "BF16" else v) for k, v in weights.items()}
        lnfree = folder == "gpt2-tiny-lnfree"
        ref_model = model_from_weights(stored_vals, V, eps, fake_sigma=LNFREE_SCALE if lnfree else None)
        f32_model = model_from_weights(stored_vals, V, eps, fake_sigma=LNFREE_SCALE if lnfree else None,
                                       dtype=torch.float32)
        tensors = {}
        ref = {"computed_in": "float64 from the stored weight values (exact upcast of %s); logits stored as float32" % dtype,
               "ln": ("FakeLN: (x - mean(x)) * (ln.weight / 1e6) + ln.bias, i.e. sigma = sqrt(layer_norm_epsilon)"
                      if lnfree else "standard LayerNorm, eps = config.layer_norm_epsilon"),
               "reference_tensors": "reference.tensors (safetensors format, F32)",
               "prompts": []}
        max_f32 = 0.0
        for n, (text, ids) in enumerate(zip(PROMPTS, prompts)):
            with torch.no_grad():
                logits = ref_model(torch.tensor([ids]))[0][0]
                l32 = f32_model(torch.tensor([ids]))[0][0]
            max_f32 = max(max_f32, float((l32.double() - logits).abs().max()))
            tensors["prompt%d.logits" % n] = (logits, "F32")
            g, margin = greedy(ref_model, ids, GREEDY_STEPS)
            entry = {"text": text, "ids": ids, "logits": "prompt%d.logits" % n, "logits_shape": [len(ids), V],
                     "greedy": g, "greedy_text": tok.decode(g), "greedy_min_top2_margin": round(margin, 6)}
            ref["prompts"].append(entry)
        if lnfree:
            # stock LN with eps 1e12 (option A) vs the FakeLN reading, both float64
            stock = model_from_weights(stored_vals, V, eps)
            with torch.no_grad():
                ids = torch.tensor([prompts[2]])
                diff = float((stock(ids)[0] - ref_model(ids)[0]).abs().max())
            ref["stock_ln_eps_1e12_vs_fakeln_max_abs_diff_float64"] = diff
            ref["sigma_avg"] = sig
            ref["corpus_loss"] = {"gpt2-tiny": round(loss_std, 4), "fakeln_before_finetune": round(loss_fake0, 4),
                                  "fakeln_after_finetune": round(loss_fake, 4)}
        ref["float32_vs_float64_max_abs_logit_diff"] = max_f32
        say(folder, "f32-vs-f64 max abs logit diff %.3g" % max_f32,
            "greedy margins", [p["greedy_min_top2_margin"] for p in ref["prompts"]])

        # direct logit attribution of the greedy next token at the last position of the long prompt
        ids = prompts[2]
        token = ref["prompts"][2]["greedy"][0]
        if lnfree or folder == "gpt2-tiny":
            logit, parts, total, scale = attribution(ref_model, ids, token, standard=not lnfree)
            err = abs(total - logit)
            assert err < 1e-9, err
            dla = {"prompt": 2, "position": len(ids) - 1, "token": token, "logit": logit,
                   "contributions": parts, "sum": total, "logit_minus_sum": logit - total}
            if lnfree:
                dla["method"] = ("exact: logit = sum over writers c of (o_c - mean(o_c)) * (ln_f.weight/1e6) . wte[token]"
                                 " + ln_f.bias . wte[token]; writers: embed = wte[id]+wpe[pos], attn.i = attention "
                                 "output incl. c_proj bias, mlp.i = MLP output incl. c_proj bias")
                ref["direct_logit_attribution"] = dla
            else:
                dla["method"] = ("LN variance frozen at this position: s = sqrt(var(resid_final)+eps) at the position; "
                                 "c_contribution = (o_c - mean(o_c)) * (ln_f.weight/s) . wte[token]; ln_f.bias . wte[token]."
                                 " With s taken from this very position the split is exact by linearity, so the "
                                 "residual is only float64 rounding")
                dla["ln_f_scale"] = scale
                ref["direct_logit_attribution_frozen_ln"] = dla
            say(folder, "DLA token", token, "logit %.6f sum %.6f" % (logit, total))

        if folder == "gpt2-tiny":
            # two decode steps through the KV cache after prompt 0, float64
            ids = prompts[0]
            steps = ref["prompts"][0]["greedy"][:2]
            with torch.no_grad():
                _, past = ref_model(torch.tensor([ids]))
                step_logits = []
                for k, t in enumerate(steps):
                    lg, past = ref_model(torch.tensor([[t]]), past=past)
                    step_logits.append(lg[0, 0])
                    full = ref_model(torch.tensor([ids + steps[:k + 1]]))[0][0, -1]
                    assert float((full - lg[0, 0]).abs().max()) < 1e-10
            tensors["kv_decode.logits"] = (torch.stack(step_logits), "F32")
            ref["kv_decode"] = {"prompt_ids": ids, "step_ids": steps, "logits": "kv_decode.logits",
                                "logits_shape": [2, V],
                                "note": "prefill prompt 0, then feed step_ids one at a time with the cache; row k "
                                        "= logits after feeding step_ids[k] (position len(prompt)+k)"}
        write_safetensors(os.path.join(d, "reference.tensors"), tensors)
        write_json(os.path.join(d, "reference.json"), ref, indent=1)

    # ONNX -------------------------------------------------------------------------------------------
    od = os.path.join(out, "onnx")
    os.makedirs(od, exist_ok=True)
    m32 = model_from_weights(w32, V, LN_EPS, dtype=torch.float32)
    mfree = model_from_weights(wfree, V, LNFREE_EPS, dtype=torch.float32)  # stock LN with eps 1e12, as stored
    files = {}
    for opset in (14, 17):
        files["gpt2-tiny-nopast-opset%d.onnx" % opset] = export_nopast(m32, opset)
        files["gpt2-tiny-past-opset%d.onnx" % opset] = export_past(m32, opset)
        files["gpt2-tiny-lnfree-nopast-opset%d.onnx" % opset] = export_nopast(mfree, opset)
    files["gpt2-tiny-merged-opset17.onnx"] = merge_decoders(export_nopast(m32, 17, with_present=True), files["gpt2-tiny-past-opset17.onnx"])
    assert ln_epsilons(files["gpt2-tiny-lnfree-nopast-opset17.onnx"]) == [float(np.float32(LNFREE_EPS))]
    assert "LayerNormalization" not in op_summary(files["gpt2-tiny-lnfree-nopast-opset14.onnx"])
    # The with-past family shares one external weight file (size budget; also exercises external data).
    shared = [n for n in sorted(files) if "-past-" in n or "-merged-" in n]
    externalize([files[n] for n in shared], od, PAST_DATA)
    for name, m in sorted(files.items()):
        m.producer_name = "make_gpt2_models.py (torch %s)" % torch.__version__.split("+")[0]
        onnx.save(m, os.path.join(od, name))
        onnx.checker.check_model(os.path.join(od, name), full_check=True)
        say(name, "ops", op_summary(m))

    # ONNX reference cases: PyTorch float32 on the same inputs
    tensors, cases = {}, []

    def put(case, name, t, dtype):
        key = "%s/%s" % (case, name)
        tensors[key] = (t, dtype)
        return key

    def flat(presents):
        return [t for kv in presents for t in kv]

    def files_of(*names, **extra):
        return [dict({"file": n}, **({"extra_inputs": extra} if extra else {})) for n in names]

    with torch.no_grad():
        # 1. no past, batch 2 x 7, row 1 left-padded by 2 (position ids as HF generate makes them)
        ids = torch.tensor([prompts[2][10:17], [eot, eot] + prompts[2][:5]])
        mask = torch.tensor([[1] * 7, [0, 0, 1, 1, 1, 1, 1]])
        pos = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1)
        pad_check = float((m32(ids, mask, pos)[0][1, 2:] - m32(ids[1:, 2:])[0][0]).abs().max())
        for mname, mm in (("gpt2-tiny", m32), ("gpt2-tiny-lnfree", mfree)):
            c = "nopast_leftpad_%s" % mname
            cases.append({"name": c,
                          "models": files_of("%s-nopast-opset14.onnx" % mname, "%s-nopast-opset17.onnx" % mname),
                          "inputs": {"input_ids": put(c, "input_ids", ids, "I64"),
                                     "attention_mask": put(c, "attention_mask", mask, "I64"),
                                     "position_ids": put(c, "position_ids", pos, "I64")},
                          "outputs": {"logits": put(c, "logits", mm(ids, mask, pos)[0], "F32")},
                          "input_values": {"input_ids": ids.tolist(), "attention_mask": mask.tolist(),
                                           "position_ids": pos.tolist()},
                          "compare": "only positions where attention_mask == 1 (row 1, positions 0 and 1 are "
                                     "padding: their logits are implementation-defined)"})
        # 2. prefill of 5 tokens without past, then one token with the past it produced
        p5 = prompts[2][:5]
        ids5, mask5, pos5 = torch.tensor([p5]), torch.ones(1, 5, dtype=torch.long), torch.arange(5).unsqueeze(0)
        lg5, pres5 = m32(ids5, mask5, pos5)
        nxt = int(lg5[0, -1].argmax())
        ids1, mask6, pos1 = torch.tensor([[nxt]]), torch.ones(1, 6, dtype=torch.long), torch.tensor([[5]])
        lg1, pres6 = m32(ids1, mask6, pos1, pres5)
        past_check = float((m32(torch.tensor([p5 + [nxt]]))[0][0, -1] - lg1[0, 0]).abs().max())
        c = "prefill5"
        pre_in = {"input_ids": put(c, "input_ids", ids5, "I64"),
                  "attention_mask": put(c, "attention_mask", mask5, "I64"),
                  "position_ids": put(c, "position_ids", pos5, "I64")}
        pre_out = {"logits": put(c, "logits", lg5, "F32")}
        for n, t in zip(PRESENT_NAMES, flat(pres5)):
            pre_out[n] = put(c, n, t, "F32")
        cases.append({"name": c, "models": files_of("gpt2-tiny-nopast-opset14.onnx", "gpt2-tiny-nopast-opset17.onnx"),
                      "inputs": pre_in, "outputs": {"logits": pre_out["logits"]},
                      "input_values": {"input_ids": ids5.tolist(), "attention_mask": mask5.tolist(),
                                       "position_ids": pos5.tolist()},
                      "note": "the nopast exports output logits only; prefill5/present.* (the key/value cache of "
                              "these 5 tokens) are the past inputs of case past_step and the present outputs of "
                              "case past_empty"})
        c = "past_step"
        inputs = {"input_ids": put(c, "input_ids", ids1, "I64"),
                  "attention_mask": put(c, "attention_mask", mask6, "I64"),
                  "position_ids": put(c, "position_ids", pos1, "I64")}
        for pn, n in zip(PAST_NAMES, PRESENT_NAMES):
            inputs[pn] = pre_out[n]
        outs = {"logits": put(c, "logits", lg1, "F32")}
        for n, t in zip(PRESENT_NAMES, flat(pres6)):
            outs[n] = put(c, n, t, "F32")
        cases.append({"name": c,
                      "models": files_of("gpt2-tiny-past-opset14.onnx", "gpt2-tiny-past-opset17.onnx")
                      + files_of("gpt2-tiny-merged-opset17.onnx", use_cache_branch=[True]),
                      "inputs": inputs, "outputs": outs,
                      "input_values": {"input_ids": ids1.tolist(), "attention_mask": mask6.tolist(),
                                       "position_ids": pos1.tolist()}})
        # 3. the with-past graphs fed a 0-length past: a prefill through the past graph or the merged model
        c = "past_empty"
        inputs = dict(pre_in)
        for pn in PAST_NAMES:
            inputs[pn] = put(c, pn, torch.zeros(1, N_HEAD, 0, HEAD_DIM), "F32")
        cases.append({"name": c,
                      "models": files_of("gpt2-tiny-past-opset14.onnx", "gpt2-tiny-past-opset17.onnx")
                      + files_of("gpt2-tiny-merged-opset17.onnx", use_cache_branch=[False])
                      + files_of("gpt2-tiny-merged-opset17.onnx", use_cache_branch=[True]),
                      "inputs": inputs, "outputs": pre_out,
                      "note": "past_key_values.* are empty tensors of shape [1, 4, 0, 16]"})
    write_safetensors(os.path.join(od, "reference.tensors"), tensors)
    write_json(os.path.join(od, "reference.json"), {
        "computed_in": "PyTorch float32 (the model the exports were traced from); tensors in reference.tensors "
                       "(safetensors format) under the names given here",
        "checks_in_pytorch": {"left_padded_row_vs_unpadded_max_abs_diff": pad_check,
                              "past_step_vs_full_recompute_max_abs_diff": past_check},
        "cases": cases}, indent=1)
    say("pytorch checks: left pad vs unpadded %.3g, past step vs recompute %.3g" % (pad_check, past_check))
    with open(os.path.join(out, "make_gpt2_models.log"), "w") as f:
        f.write("\n".join(log) + "\n")


if __name__ == "__main__":
    main()
