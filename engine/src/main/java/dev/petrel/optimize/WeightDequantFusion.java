package dev.petrel.optimize;

import static dev.petrel.optimize.Patterns.is;
import static dev.petrel.optimize.Patterns.other;
import static dev.petrel.optimize.Patterns.out;
import static dev.petrel.optimize.Patterns.single;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Node;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a QDQ-quantized weight as a quantized product: {@code MatMul(A, DequantizeLinear(W, s, zp))} with
 * W a constant 8-bit [K, N] matrix quantized per tensor or per output column (axis 1) becomes
 * {@code com.microsoft::MatMulNBits(A, B, scales, zero_points)} with {@code bits = 8}, and a following
 * {@code Add} of a constant [N] bias becomes its bias input.
 *
 * <p>Why: executed as written, the DequantizeLinear expands the weight to fp32 on every run (4 bytes per
 * weight written and read again: 41 MB per run for all-MiniLM-L6-v2), and folding it at load would hold
 * the fp32 weights, 4x the file. MatMulNBits keeps one byte per weight and its kernels decode the codes
 * inside the product. The arithmetic is the same: {@code W[k, n] = (q - zp) * s} is exactly MatMulNBits'
 * {@code (code - zp') * scale} with {@code code = q + 128}, {@code zp' = zp + 128} for int8 (uint8 as is),
 * and the column's scale repeated over its K blocks. The repacked codes ({@code [N, K]}, one byte each)
 * are the only copy made; the mapped int8 initializer is no longer read after load.
 */
final class WeightDequantFusion implements Pass {
    private static final String DOMAIN = "com.microsoft";
    private static final String OP = "MatMulNBits";

    @Override
    public String name() {
        return "weight-dequant-fusion";
    }

    @Override
    public int apply(GraphEdit g) {
        if (g.registry() == null || !g.registry().supports(DOMAIN, OP, 1)) return 0;
        int fused = 0;
        for (Node mm : new ArrayList<>(g.nodes())) {
            if (is(mm, "MatMul") && mm.outputs().size() == 1 && tryFuse(g, mm)) fused++;
        }
        return fused;
    }

    private static boolean tryFuse(GraphEdit g, Node mm) {
        Node dq = g.producer(mm.input(1));
        if (!is(dq, "DequantizeLinear") || dq.outputs().size() != 1 || !g.onlyFeeds(out(dq), mm)) return false;
        if (dq.attributes().getInt("block_size", 0) != 0) return false;
        Tensor w = g.constant(dq.input(0));
        Tensor scale = dq.inputs().size() > 1 ? g.constant(dq.input(1)) : null;
        String zpName = dq.inputs().size() > 2 ? dq.input(2) : "";
        Tensor zp = zpName.isEmpty() ? null : g.constant(zpName);
        if (w == null || w.rank() != 2 || (w.dtype() != DType.INT8 && w.dtype() != DType.UINT8)) return false;
        if (scale == null || scale.dtype() != DType.FLOAT || (!zpName.isEmpty() && (zp == null || zp.dtype() != w.dtype()))) return false;
        int k = w.dim(0), n = w.dim(1);
        long axis = dq.attributes().getInt("axis", 1);
        boolean perTensor = scale.size() == 1 && scale.rank() <= 1;
        boolean perColumn = scale.rank() == 1 && scale.dim(0) == n && (axis == 1 || axis == -1);
        if (!perTensor && !perColumn) return false;
        if (zp != null && zp.size() != scale.size()) return false;
        if (k < 16 || n < 1) return false;

        int blockSize = blockSize(k);
        int blocks = (k + blockSize - 1) / blockSize;
        int offset = w.dtype() == DType.INT8 ? 128 : 0;
        byte[] codes = new byte[n * blocks * blockSize];
        float[] scales = new float[n * blocks];
        byte[] zeros = new byte[n * blocks];
        boolean defaultZero = true;
        // Bulk-read once, then transpose [K, N] -> [N, K] in tiles (strided reads through the buffer were
        // most of the load time); adding 128 to an int8 code is flipping its top bit.
        byte[] src = new byte[k * n];
        java.nio.ByteBuffer wb = w.bytes().duplicate();
        ((java.nio.Buffer) wb).position(0);
        wb.get(src);
        int rowLength = blocks * blockSize;
        byte flip = (byte) offset;
        for (int k0 = 0; k0 < k; k0 += 64) {
            int k1 = Math.min(k, k0 + 64);
            for (int c0 = 0; c0 < n; c0 += 64) {
                int c1 = Math.min(n, c0 + 64);
                for (int kk = k0; kk < k1; kk++) {
                    for (int col = c0; col < c1; col++) codes[col * rowLength + kk] = (byte) (src[kk * n + col] ^ flip);
                }
            }
        }
        java.nio.ByteBuffer zb = zp == null ? null : zp.bytes();
        java.nio.FloatBuffer sb = scale.floats();
        for (int col = 0; col < n; col++) {
            int c = perTensor ? 0 : col;
            int z = zb == null ? 0 : (w.dtype() == DType.INT8 ? zb.get(c) : zb.get(c) & 0xFF);
            int code0 = z + offset;
            defaultZero &= code0 == 128;
            float s = sb.get(c);
            int row = col * rowLength;
            // The padded tail of the last block holds the zero point: it adds nothing whatever A holds there.
            for (int kk = k; kk < blocks * blockSize; kk++) codes[row + kk] = (byte) code0;
            for (int b = 0; b < blocks; b++) {
                scales[col * blocks + b] = s;
                zeros[col * blocks + b] = (byte) code0;
            }
        }
        String hint = dq.input(0);
        List<String> ins = new ArrayList<>();
        ins.add(mm.input(0));
        ins.add(g.addConstant(hint + "_codes", Tensor.of(DType.UINT8, codes, n, blocks, blockSize)));
        ins.add(g.addConstant(hint + "_scales", Tensor.of(scales, n, blocks)));
        ins.add(defaultZero ? "" : g.addConstant(hint + "_zero_points", Tensor.of(DType.UINT8, zeros, n, blocks)));

        Node end = mm;
        Node add = single(g, out(mm));
        if (is(add, "Add") && add.outputs().size() == 1) {
            String bias = other(add, out(mm));
            Tensor b = bias == null ? null : g.constant(bias);
            if (b != null && b.dtype() == DType.FLOAT && b.rank() == 1 && b.dim(0) == n) {
                ins.add("");
                ins.add(bias);
                end = add;
            }
        }
        List<Attribute> attrs = List.of(Attribute.ofInt("K", k), Attribute.ofInt("N", n), Attribute.ofInt("bits", 8),
                Attribute.ofInt("block_size", blockSize));
        g.requireOpset(DOMAIN, 1);
        Node fused = new Node(end.name(), OP, DOMAIN, 1, ins, List.of(out(end)), new Attributes(attrs));
        g.replace(end, fused);
        if (end != mm) g.remove(mm);
        g.remove(dq);
        return true;
    }

    /** The largest power of two from 16 to 256 that divides K (no padding), else 32 with a padded last block. */
    static int blockSize(int k) {
        for (int b = 256; b >= 16; b /= 2) if (k % b == 0) return b;
        return 32;
    }
}
