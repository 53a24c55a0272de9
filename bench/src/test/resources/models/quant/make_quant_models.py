"""Writes the small com.microsoft MatMulNBits / MatMulBnb4 models that QuantContribOracleTest runs with
Petrel and ONNX Runtime. Weights are random (seeded) and quantized here with numpy; A is a graph input.

Run: env PATH="$(getconf PATH)" python3 make_quant_models.py   (Debian python3-onnx, numpy)
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(2024)


def nbits_quantize(w, bits, bs, with_zp):
    """[N, K] fp32 -> B [N, kb, bs*bits/8] uint8, scales [N, kb] fp32, zero points (packed uint8 or None)."""
    n, k = w.shape
    kb = (k + bs - 1) // bs
    qmax = (1 << bits) - 1
    half = 1 << (bits - 1)
    padded = np.zeros((n, kb * bs), np.float32)
    padded[:, :k] = w
    blocks = padded.reshape(n, kb, bs)
    valid = (np.arange(kb * bs) < k).reshape(kb, bs)
    if with_zp:
        lo = np.minimum(np.where(valid, blocks, 0).min(axis=2), 0)
        hi = np.maximum(np.where(valid, blocks, 0).max(axis=2), 0)
        scale = ((hi - lo) / qmax).astype(np.float32)
        zp = np.clip(np.rint(-lo / np.where(scale == 0, 1, scale)), 0, qmax).astype(np.int32)
    else:
        masked = np.where(valid, blocks, 0)
        idx = np.abs(masked).argmax(axis=2)
        m = np.take_along_axis(masked, idx[..., None], axis=2)[..., 0]
        scale = (m / -half).astype(np.float32)
        zp = np.full((n, kb), half, np.int32)
    safe = np.where(scale == 0, 1, scale)[..., None]
    q = np.clip(np.rint(blocks / safe) + zp[..., None], 0, qmax).astype(np.int32)
    q = np.where(valid, q, zp[..., None])
    if bits == 4:
        data = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)
    else:
        data = q.astype(np.uint8)
    zps = None
    if with_zp:
        if bits == 4:
            zpad = np.zeros((n, kb + (kb % 2)), np.int32)
            zpad[:, :kb] = zp
            zps = (zpad[:, 0::2] | (zpad[:, 1::2] << 4)).astype(np.uint8)
        else:
            zps = zp.astype(np.uint8)
    return data, scale, zps


NF4 = np.array([-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
                -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
                0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
                0.7229568362236023, 1.0], np.float32)
FP4 = (np.array([0, 0.0625, 8, 12, 4, 6, 2, 3, -0.0, -0.0625, -8, -12, -4, -6, -2, -3], np.float32) / 12).astype(np.float32)


def bnb4_quantize(w, bs, table):
    """Flattened row-major blocks of bs, absmax per block, nearest code, even index in the high nibble."""
    flat = w.reshape(-1).astype(np.float32)
    total = flat.size
    nb = (total + bs - 1) // bs
    pad = np.zeros(nb * bs, np.float32)
    pad[:total] = flat
    absmax = np.abs(pad.reshape(nb, bs)).max(axis=1).astype(np.float32)
    inv = np.where(absmax == 0, 0, 1 / np.where(absmax == 0, 1, absmax)).astype(np.float32)
    norm = (pad.reshape(nb, bs) * inv[:, None]).reshape(-1)[:total]
    codes = np.abs(norm[:, None] - table[None, :]).argmin(axis=1)  # nearest (ties: lowest index)
    if total % 2:
        codes = np.append(codes, 0)
    packed = ((codes[0::2] << 4) | codes[1::2]).astype(np.uint8)
    return packed, absmax


def save(name, node, inits, k, n):
    graph = helper.make_graph([node], name,
                              [helper.make_tensor_value_info("A", TensorProto.FLOAT, ["M", k])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["M", n])],
                              [numpy_helper.from_array(v, nm) for nm, v in inits])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 8
    onnx.save(model, name + ".onnx")


def nbits(name, k, n, bs, with_zp, bits=4, bias=False, float_zp=False):
    w = rng.standard_normal((n, k)).astype(np.float32)
    data, scale, zps = nbits_quantize(w, bits, bs, with_zp and not float_zp)
    inits = [("B", data), ("scales", scale)]
    inputs = ["A", "B", "scales"]
    if float_zp:
        inits.append(("zp", rng.uniform(6, 10, scale.shape).astype(np.float32)))
        inputs.append("zp")
    elif zps is not None:
        inits.append(("zp", zps))
        inputs.append("zp")
    if bias:
        while len(inputs) < 5:
            inputs.append("")
        inits.append(("bias", rng.standard_normal(n).astype(np.float32)))
        inputs.append("bias")
    node = helper.make_node("MatMulNBits", inputs, ["Y"], domain="com.microsoft", K=k, N=n, bits=bits, block_size=bs)
    save(name, node, inits, k, n)


def bnb4(name, k, n, bs, quant_type):
    w = rng.standard_normal((n, k)).astype(np.float32)
    packed, absmax = bnb4_quantize(w, bs, FP4 if quant_type == 0 else NF4)
    node = helper.make_node("MatMulBnb4", ["A", "B", "absmax"], ["Y"], domain="com.microsoft",
                            K=k, N=n, block_size=bs, quant_type=quant_type)
    save(name, node, [("B", packed), ("absmax", absmax)], k, n)


nbits("nbits_b32_k128_zp_bias", 128, 48, 32, True, bias=True)
nbits("nbits_b32_k100_nozp", 100, 33, 32, False)
nbits("nbits_b64_k256_nozp", 256, 40, 64, False)
nbits("nbits_b64_k200_zp", 200, 31, 64, True)
nbits("nbits_b128_k384_zp", 384, 24, 128, True)
nbits("nbits_b128_k300_nozp", 300, 17, 128, False)
nbits("nbits_b32_k96_floatzp", 96, 20, 32, True, float_zp=True)
nbits("nbits8_b32_k80_zp", 80, 19, 32, True, bits=8)
bnb4("bnb4_nf4_k128_b64", 128, 40, 64, 1)
bnb4("bnb4_fp4_k128_b64", 128, 40, 64, 0)
bnb4("bnb4_nf4_k100_b64", 100, 27, 64, 1)
bnb4("bnb4_fp4_k75_b32", 75, 13, 32, 0)
