package dev.petrel.ops.quant;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.nio.ByteBuffer;

/**
 * {@code com.microsoft::MatMulBnb4(A, B, absmax)}: {@code Y = A · Wᵀ} with W an [N, K] weight
 * ({@code transB = 1}, the default) or {@code Y = A · W} with W stored [K, N] ({@code transB = 0}),
 * quantized by bitsandbytes in NF4 ({@code quant_type = 1}) or FP4 (0), see {@link Bnb4Format}: B is
 * the flattened weight, two codes per byte, (N·K+1)/2 bytes; absmax has one value per block of
 * {@code block_size} flat elements, in A's type.
 *
 * <p>A is FLOAT, FLOAT16 or BFLOAT16 [..., K]; half-precision A and absmax are widened to fp32 and Y
 * is rounded back once. Each weight row (a column of the stored matrix when transB = 0) is decoded once
 * per call into an fp32 scratch; the sums run over K in order.
 */
final class MatMulBnb4Kernel implements Kernel {
    private final int k;
    private final int n;
    private final int blockSize;
    private final Bnb4Format format;
    private final boolean transB;
    private final DequantRowsMatMul gemm = new DequantRowsMatMul();
    private float[] a = new float[0];
    private float[] y = new float[0];
    private float[] absmax = new float[0];

    MatMulBnb4Kernel(Node node) {
        Attributes at = node.attributes();
        long kk = at.requireInt("K");
        long nn = at.requireInt("N");
        long bs = at.requireInt("block_size");
        long qt = at.requireInt("quant_type");
        long tb = at.getInt("transB", 1);
        if (kk < 1 || nn < 1 || kk * nn > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("attributes K and N must be positive with K*N < 2^31, got K=" + kk + ", N=" + nn);
        }
        if (bs < 1 || bs > Integer.MAX_VALUE) throw new IllegalArgumentException("attribute block_size must be positive, got " + bs);
        this.format = Bnb4Format.of(qt);
        if (format == null) throw new UnsupportedFeatureException("MatMulBnb4 quant_type=" + qt + " not supported (0 = FP4, 1 = NF4)");
        if (tb != 0 && tb != 1) throw new IllegalArgumentException("attribute transB must be 0 or 1, got " + tb);
        this.k = (int) kk;
        this.n = (int) nn;
        this.blockSize = (int) bs;
        this.transB = tb == 1;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor ta = ctx.requireInput(0);
        Tensor tb = ctx.requireInput(1);
        Tensor tabs = ctx.requireInput(2);
        DType type = ta.dtype();
        if (type != DType.FLOAT && type != DType.FLOAT16 && type != DType.BFLOAT16) {
            throw new IllegalArgumentException("input 'A' must be FLOAT, FLOAT16 or BFLOAT16, got " + ta.describe());
        }
        if (ta.rank() < 1 || ta.dim(ta.rank() - 1) != k) {
            throw new IllegalArgumentException("input 'A' must be [..., K=" + k + "], got " + ta.describe());
        }
        int total = n * k;
        int blocks = (int) ((total + (long) blockSize - 1) / blockSize);
        if (tb.dtype() != DType.UINT8 || tb.size() != (total + 1) / 2) {
            throw new IllegalArgumentException("input 'B' must be UINT8 with (N*K+1)/2 = " + (total + 1) / 2 + " elements, got " + tb.describe());
        }
        if (tabs.dtype() != type || tabs.size() != blocks) {
            throw new IllegalArgumentException("input 'absmax' must be " + type + " [" + blocks + "], got " + tabs.describe());
        }
        int[] outDims = ta.dims().clone();
        outDims[outDims.length - 1] = n;
        Tensor out = ctx.output(0, type, outDims);
        int m = ta.size() / k;
        if (m == 0) return;
        a = Elements.toFloats(ta, a);
        float[] am = absmax = Elements.toFloats(tabs, absmax);
        if (y.length < m * n) y = new float[m * n];
        ByteBuffer data = tb.bytes();
        int bs = blockSize;
        DequantRowsMatMul.Rows rows;
        if (transB) {
            rows = (row, w) -> {
                int start = row * k;
                for (int t = 0; t < k; ) {
                    int flat = start + t;
                    int block = flat / bs;
                    int count = Math.min(k - t, (block + 1) * bs - flat);
                    format.dequantize(data, flat, count, am[block], w, t);
                    t += count;
                }
            };
        } else {
            rows = (col, w) -> {
                for (int t = 0; t < k; t++) {
                    int flat = t * n + col;
                    w[t] = format.value(Bnb4Format.code(data, flat)) * am[flat / bs];
                }
            };
        }
        gemm.run(ctx.parallel(), a, m, k, n, rows, null, y);
        Elements.storeFloats(out, y);
    }
}
