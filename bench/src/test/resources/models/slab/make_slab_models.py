#!/usr/bin/env python3
"""Small SLAB-style vision models (and a softmax + LayerNorm twin) exported to ONNX, with PyTorch's outputs.

Run with Debian's python3 (python3-torch 1.13, python3-onnx 1.12):
    env PATH="$(getconf PATH)" python3 make_slab_models.py

Architecture per SLAB (Guo et al., ICML 2024), with reduced dimensions:
- RepBN(x) = BN(x) + alpha * x, BatchNorm1d over channels applied to x.transpose(1, 2); at inference the
  LinearNorm wrapper outputs RepBN(x) only (running statistics), so the LayerNorm branch is never evaluated.
- Simplified linear attention: Q = X Wq + bq, K = X Wk + bk + P (P added before the kernel), V = X Wv + bv;
  phi = ReLU, no 1/sqrt(c) scale; O_i = q_i^T (sum_j k_j v_j^T) / (q_i . sum_j k_j + 1e-6), with k^T v formed
  first when N*N*(c+d) > c*d*(N+N); plus a 5x5 depth-wise conv on V (tokens as a sqrt(N) x sqrt(N) map)
  whose weights every head shares; heads concatenated, then proj.
- SLAB-DeiT: no CLS token, pos_embed [1, N, C], all blocks SLA, final norm, mean over tokens, head.
- SLAB-Swin: patch 4 with patch_norm, stage 1 SLA blocks whose window covers the whole stage (shift 0),
  patch merging (norm then a bias-free reduction), stage 2 softmax window attention (relative position bias,
  shifted windows in odd blocks), final norm, average pool, head.
- SLAB-PVT: stages of strided patch embedding + RepBN + position embedding, SLA blocks with PVT's separate q
  and kv projections (kv reshaped to [B, N, 2, C] and indexed; sr_ratio 1, so no spatial reduction).
Every model writes its random parameters from fixed seeds; BN running statistics, weight/bias and alpha are
non-trivial.
"""
import json
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


class RepBN(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(1))
        self.bn = nn.BatchNorm1d(channels)

    def forward(self, x):
        x = x.transpose(1, 2)
        x = self.bn(x) + self.alpha * x
        return x.transpose(1, 2)


class LinearNorm(nn.Module):
    """PRepBN's progressive norm; in eval mode only the RepBN branch runs."""

    def __init__(self, dim):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = RepBN(dim)

    def forward(self, x):
        if self.training:
            raise RuntimeError("export in eval mode only")
        return self.norm2(x)


def sla(q, k, v, z_eps=1e-6):
    """q, k, v: [b, n, c] after the kernel function (k, q) / projection (v)."""
    i, j, c, d = q.shape[-2], k.shape[-2], k.shape[-1], v.shape[-1]
    z = 1 / (torch.einsum("bic,bc->bi", q, k.sum(dim=1)) + z_eps)
    if i * j * (c + d) > c * d * (i + j):
        kv = torch.einsum("bjc,bjd->bcd", k, v)
        return torch.einsum("bic,bcd,bi->bid", q, kv, z)
    qk = torch.einsum("bic,bjc->bij", q, k)
    return torch.einsum("bij,bjd,bi->bid", qk, v, z)


class SimplifiedLinearAttention(nn.Module):
    def __init__(self, dim, num_heads, tokens, kernel_size=5):
        super().__init__()
        self.num_heads = num_heads
        head_dim = dim // num_heads
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)
        self.dwc = nn.Conv2d(head_dim, head_dim, kernel_size, padding=kernel_size // 2, groups=head_dim)
        self.positional_encoding = nn.Parameter(torch.zeros(1, tokens, dim))

    def forward(self, x):
        B, N, C = x.shape
        h = self.num_heads
        c = C // h
        q, k, v = self.qkv(x).reshape(B, N, 3, C).permute(2, 0, 1, 3).unbind(0)
        k = k + self.positional_encoding
        q = F.relu(q)
        k = F.relu(k)
        q, k, v = (t.reshape(B, N, h, c).permute(0, 2, 1, 3).reshape(B * h, N, c) for t in (q, k, v))
        out = sla(q, k, v)
        n = int(N ** 0.5)
        fm = v.reshape(B * h, n, n, c).permute(0, 3, 1, 2)
        fm = self.dwc(fm).reshape(B * h, c, N).permute(0, 2, 1)
        out = out + fm
        out = out.reshape(B, h, N, c).permute(0, 2, 1, 3).reshape(B, N, C)
        return self.proj(out)


class PvtLinearAttention(SimplifiedLinearAttention):
    """SLAB-PVT's SLA with sr_ratio 1 (no spatial reduction): separate q and kv projections, kv indexed."""

    def __init__(self, dim, num_heads, tokens, kernel_size=5):
        super().__init__(dim, num_heads, tokens, kernel_size)
        del self.qkv
        self.q = nn.Linear(dim, dim, bias=True)
        self.kv = nn.Linear(dim, dim * 2, bias=True)

    def forward(self, x):
        B, N, C = x.shape
        h = self.num_heads
        c = C // h
        q = self.q(x)
        kv = self.kv(x).reshape(B, -1, 2, C).permute(2, 0, 1, 3)
        k, v = kv[0], kv[1]
        k = k + self.positional_encoding
        q = F.relu(q)
        k = F.relu(k)
        q, k, v = (t.reshape(B, N, h, c).permute(0, 2, 1, 3).reshape(B * h, N, c) for t in (q, k, v))
        out = sla(q, k, v)
        n = int(N ** 0.5)
        fm = v.reshape(B * h, n, n, c).permute(0, 3, 1, 2)
        fm = self.dwc(fm).reshape(B * h, c, N).permute(0, 2, 1)
        out = out + fm
        out = out.reshape(B, h, N, c).permute(0, 2, 1, 3).reshape(B, N, C)
        return self.proj(out)


class SoftmaxAttention(nn.Module):
    def __init__(self, dim, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        q, k, v = self.qkv(x).reshape(B, N, 3, self.num_heads, C // self.num_heads).permute(2, 0, 3, 1, 4).unbind(0)
        attn = (q @ k.transpose(-2, -1)) * self.scale
        x = (attn.softmax(dim=-1) @ v).transpose(1, 2).reshape(B, N, C)
        return self.proj(x)


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class DeiTBlock(nn.Module):
    def __init__(self, dim, heads, tokens, mlp_ratio, linear, attention=SimplifiedLinearAttention):
        super().__init__()
        norm = LinearNorm if linear else nn.LayerNorm
        self.norm1 = norm(dim)
        self.attn = attention(dim, heads, tokens) if linear else SoftmaxAttention(dim, heads)
        self.norm2 = norm(dim)
        self.mlp = Mlp(dim, dim * mlp_ratio)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class DeiT(nn.Module):
    """SLAB-DeiT (linear=True) or the softmax + LayerNorm DeiT twin: no CLS token, mean over tokens."""

    def __init__(self, linear, img=56, patch=8, dim=64, depth=2, heads=4, mlp_ratio=2, classes=10):
        super().__init__()
        tokens = (img // patch) ** 2
        self.patch_embed = nn.Conv2d(3, dim, patch, patch)
        self.pos_embed = nn.Parameter(torch.zeros(1, tokens, dim))
        self.blocks = nn.ModuleList(DeiTBlock(dim, heads, tokens, mlp_ratio, linear) for _ in range(depth))
        self.norm = LinearNorm(dim) if linear else nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        x = self.patch_embed(x).flatten(2).transpose(1, 2) + self.pos_embed
        for b in self.blocks:
            x = b(x)
        return self.head(self.norm(x).mean(1))


def window_partition(x, ws):
    B, H, W, C = x.shape
    x = x.view(B, H // ws, ws, W // ws, ws, C).permute(0, 1, 3, 2, 4, 5).contiguous()
    return x.view(-1, ws, ws, C)


def window_reverse(windows, ws, H, W):
    C = windows.shape[-1]
    x = windows.view(-1, H // ws, W // ws, ws, ws, C).permute(0, 1, 3, 2, 4, 5).contiguous()
    return x.view(-1, H, W, C)


class WindowAttention(nn.Module):
    """Swin softmax window attention with a relative position bias table."""

    def __init__(self, dim, ws, heads):
        super().__init__()
        self.ws, self.num_heads = ws, heads
        self.scale = (dim // heads) ** -0.5
        self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * ws - 1) ** 2, heads))
        coords = torch.stack(torch.meshgrid(torch.arange(ws), torch.arange(ws), indexing="ij")).flatten(1)
        rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0) + (ws - 1)
        self.register_buffer("relative_position_index", rel[:, :, 0] * (2 * ws - 1) + rel[:, :, 1])
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, mask=None):
        B_, N, C = x.shape
        q, k, v = self.qkv(x).reshape(B_, N, 3, self.num_heads, C // self.num_heads).permute(2, 0, 3, 1, 4).unbind(0)
        attn = (q * self.scale) @ k.transpose(-2, -1)
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)].view(N, N, -1)
        attn = attn + bias.permute(2, 0, 1).unsqueeze(0)
        if mask is not None:
            nW = mask.shape[0]
            attn = attn.view(B_ // nW, nW, self.num_heads, N, N) + mask.unsqueeze(1).unsqueeze(0)
            attn = attn.view(-1, self.num_heads, N, N)
        x = (attn.softmax(dim=-1) @ v).transpose(1, 2).reshape(B_, N, C)
        return self.proj(x)


class SwinBlock(nn.Module):
    def __init__(self, dim, res, heads, ws, shift, linear, mlp_ratio):
        super().__init__()
        if min(res) <= ws:
            ws, shift = min(res), 0
        self.res, self.ws, self.shift = res, ws, shift
        self.norm1 = LinearNorm(dim)
        self.attn = SimplifiedLinearAttention(dim, heads, ws * ws) if linear else WindowAttention(dim, ws, heads)
        self.norm2 = LinearNorm(dim)
        self.mlp = Mlp(dim, dim * mlp_ratio)
        mask = None
        if shift > 0:
            H, W = res
            img = torch.zeros(1, H, W, 1)
            cnt = 0
            for hs in (slice(0, -ws), slice(-ws, -shift), slice(-shift, None)):
                for wsl in (slice(0, -ws), slice(-ws, -shift), slice(-shift, None)):
                    img[:, hs, wsl, :] = cnt
                    cnt += 1
            mw = window_partition(img, ws).view(-1, ws * ws)
            mask = mw.unsqueeze(1) - mw.unsqueeze(2)
            mask = mask.masked_fill(mask != 0, -100.0).masked_fill(mask == 0, 0.0)
        self.register_buffer("attn_mask", mask)

    def forward(self, x):
        H, W = self.res
        B, L, C = x.shape
        shortcut = x
        x = self.norm1(x).view(B, H, W, C)
        if self.shift > 0:
            x = torch.roll(x, shifts=(-self.shift, -self.shift), dims=(1, 2))
        xw = window_partition(x, self.ws).view(-1, self.ws * self.ws, C)
        aw = self.attn(xw, mask=self.attn_mask) if self.attn_mask is not None else self.attn(xw)
        x = window_reverse(aw.view(-1, self.ws, self.ws, C), self.ws, H, W)
        if self.shift > 0:
            x = torch.roll(x, shifts=(self.shift, self.shift), dims=(1, 2))
        x = shortcut + x.view(B, H * W, C)
        return x + self.mlp(self.norm2(x))


class PatchMerging(nn.Module):
    def __init__(self, res, dim):
        super().__init__()
        self.res = res
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)
        self.norm = LinearNorm(4 * dim)

    def forward(self, x):
        H, W = self.res
        B, L, C = x.shape
        x = x.view(B, H, W, C)
        x = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]], -1)
        return self.reduction(self.norm(x.view(B, -1, 4 * C)))


class Swin(nn.Module):
    """SLAB-Swin ('LS'): stage 1 SLA with the window covering the stage, stage 2 softmax window attention."""

    def __init__(self, img=64, patch=4, dim=32, depths=(2, 2), heads=(2, 4), ws=4, mlp_ratio=2, classes=10):
        super().__init__()
        r = img // patch
        self.patch_embed = nn.Conv2d(3, dim, patch, patch)
        self.patch_norm = LinearNorm(dim)
        self.stage1 = nn.ModuleList(
            SwinBlock(dim, (r, r), heads[0], 56, 0 if i % 2 == 0 else 28, True, mlp_ratio) for i in range(depths[0]))
        self.merge = PatchMerging((r, r), dim)
        self.stage2 = nn.ModuleList(
            SwinBlock(2 * dim, (r // 2, r // 2), heads[1], ws, 0 if i % 2 == 0 else ws // 2, False, mlp_ratio)
            for i in range(depths[1]))
        self.norm = LinearNorm(2 * dim)
        self.head = nn.Linear(2 * dim, classes)

    def forward(self, x):
        x = self.patch_norm(self.patch_embed(x).flatten(2).transpose(1, 2))
        for b in self.stage1:
            x = b(x)
        x = self.merge(x)
        for b in self.stage2:
            x = b(x)
        x = F.adaptive_avg_pool1d(self.norm(x).transpose(1, 2), 1).flatten(1)
        return self.head(x)


class Pvt(nn.Module):
    """SLAB-PVT-style: two stages, each a strided patch embedding (Conv, then RepBN), a position embedding and
    blocks with PVT's SLA (separate q / kv projections); final norm, mean over tokens, head."""

    def __init__(self, img=64, dims=(32, 64), heads=(1, 2), depths=(1, 2), patches=(4, 2), mlp_ratio=2, classes=10):
        super().__init__()
        self.stages = nn.ModuleList()
        r, cin = img, 3
        for dim, h, depth, patch in zip(dims, heads, depths, patches):
            r //= patch
            stage = nn.Module()
            stage.patch_embed = nn.Conv2d(cin, dim, patch, patch)
            stage.norm = LinearNorm(dim)
            stage.pos_embed = nn.Parameter(torch.zeros(1, r * r, dim))
            stage.blocks = nn.ModuleList(DeiTBlock(dim, h, r * r, mlp_ratio, True, PvtLinearAttention) for _ in range(depth))
            stage.res = r
            self.stages.append(stage)
            cin = dim
        self.norm = LinearNorm(dims[-1])
        self.head = nn.Linear(dims[-1], classes)

    def forward(self, x):
        for i, s in enumerate(self.stages):
            if i > 0:
                B, N, C = x.shape
                x = x.transpose(1, 2).reshape(B, C, self.stages[i - 1].res, self.stages[i - 1].res)
            x = s.norm(s.patch_embed(x).flatten(2).transpose(1, 2)) + s.pos_embed
            for b in s.blocks:
                x = b(x)
        return self.head(self.norm(x).mean(1))


def randomize(model, seed):
    """Non-trivial BN statistics, affine, alpha and positional terms (defaults would make RepBN nearly trivial)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, m in model.named_modules():
            if isinstance(m, RepBN):
                c = m.bn.num_features
                m.alpha.copy_(0.5 + torch.rand(1, generator=g))
                m.bn.weight.copy_(1 + 0.3 * torch.randn(c, generator=g))
                m.bn.bias.copy_(0.3 * torch.randn(c, generator=g))
                m.bn.running_mean.copy_(0.5 * torch.randn(c, generator=g))
                m.bn.running_var.copy_(0.5 + 1.5 * torch.rand(c, generator=g))
            elif isinstance(m, nn.LayerNorm):
                m.weight.copy_(1 + 0.3 * torch.randn(m.weight.shape, generator=g))
                m.bias.copy_(0.3 * torch.randn(m.bias.shape, generator=g))
        for name, p in model.named_parameters():
            if name.endswith("positional_encoding") or name.endswith("pos_embed"):
                p.copy_(0.3 * torch.randn(p.shape, generator=g))
            elif name.endswith("relative_position_bias_table"):
                p.copy_(0.5 * torch.randn(p.shape, generator=g))
    return model.eval()


def tensor_bytes(t):
    return t.detach().contiguous().to(torch.float32).numpy().astype("<f4").tobytes()


def write_safetensors(path, tensors):
    """Float32 tensors by name; the JSON header padded with spaces to a multiple of 8 bytes."""
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        raw = tensor_bytes(tensors[name])
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * (-len(hb) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for raw in blobs:
            f.write(raw)


def op_sequence(path):
    import onnx
    m = onnx.load(path)
    return [n.op_type for n in m.graph.node]


def export_large(out_dir, depth=12, opset=17):
    """Benchmark-size SLAB-DeiT-Tiny (224x224, patch 16: 196 tokens, dim 192, 3 heads, mlp ratio 4) and its
    softmax + LayerNorm twin, random weights, written to out_dir only (too large for the repository)."""
    os.makedirs(out_dir, exist_ok=True)
    for name, linear, seed in (("slab-deit-224", True, 11), ("deit-ln-224", False, 13)):
        torch.manual_seed(seed)
        model = randomize(DeiT(linear=linear, img=224, patch=16, dim=192, depth=depth, heads=3, mlp_ratio=4,
                               classes=1000), seed)
        path = os.path.join(out_dir, f"{name}-opset{opset}.onnx")
        torch.onnx.export(model, torch.randn(1, 3, 224, 224), path, opset_version=opset,
                          input_names=["pixel_values"], output_names=["logits"],
                          dynamic_axes={"pixel_values": {0: "batch"}, "logits": {0: "batch"}},
                          do_constant_folding=True)
        print(path, os.path.getsize(path), "bytes", len(op_sequence(path)), "nodes")


def main():
    import sys
    if len(sys.argv) > 2 and sys.argv[1] == "--large":
        # python3 make_slab_models.py --large OUT_DIR: the 224x224 benchmark models, nothing else.
        export_large(sys.argv[2])
        return
    torch.manual_seed(0)
    models = {
        "slab-deit": (randomize(DeiT(linear=True), 1), 56),
        "slab-swin": (randomize(Swin(), 2), 64),
        "deit-ln": (randomize(DeiT(linear=False), 3), 56),
        "slab-pvt": (randomize(Pvt(), 4), 64),
    }
    tensors, cases = {}, []
    g = torch.Generator().manual_seed(7)
    for name, (model, img) in models.items():
        entry = {"name": name, "models": [], "cases": []}
        for batch in (2,):
            x = torch.randn(batch, 3, img, img, generator=g)
            with torch.no_grad():
                y = model(x)
                y64 = model.double()(x.double())
                model.float()
            key = f"{name}/b{batch}"
            tensors[key + "/pixel_values"] = x
            tensors[key + "/logits"] = y
            entry["cases"].append({"inputs": {"pixel_values": key + "/pixel_values"},
                                   "outputs": {"logits": key + "/logits"},
                                   "max_abs_logit": float(y.abs().max()),
                                   "fp32_vs_fp64": float((y.double() - y64).abs().max())})
        for opset in (14, 17):
            file = f"{name}-opset{opset}.onnx"
            path = os.path.join(HERE, file)
            torch.onnx.export(model, torch.randn(2, 3, img, img), path, opset_version=opset,
                              input_names=["pixel_values"], output_names=["logits"],
                              dynamic_axes={"pixel_values": {0: "batch"}, "logits": {0: "batch"}},
                              do_constant_folding=True)
            ops = op_sequence(path)
            counts = {}
            for o in ops:
                counts[o] = counts.get(o, 0) + 1
            entry["models"].append({"file": file, "opset": opset, "nodes": len(ops), "bytes": os.path.getsize(path),
                                    "op_counts": dict(sorted(counts.items()))})
        cases.append(entry)
    write_safetensors(os.path.join(HERE, "reference.tensors"), tensors)
    with open(os.path.join(HERE, "reference.json"), "w") as f:
        json.dump({"generator": "make_slab_models.py", "torch": torch.__version__, "models": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
