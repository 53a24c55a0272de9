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
 * {@code com.microsoft::MatMulNBits(A, B, scales[, zero_points][, g_idx][, bias])}: {@code Y = A · Wᵀ
 * (+ bias)} with W an [N, K] weight quantized in blocks of {@code block_size} along K
 * ({@link Q4Block} for bits = 4, {@link Q8Block} for bits = 8).
 *
 * <p>Inputs: A [..., K] FLOAT, FLOAT16 or BFLOAT16; B UINT8 [N, k_blocks, block_size * bits / 8];
 * scales in A's type, [N, k_blocks] or flattened; zero_points either UINT8 packed ([N, ceil(k_blocks *
 * bits / 8)], low bits first) or unpacked in A's type ([N, k_blocks]), absent = 2^(bits-1); bias in A's
 * type [N]. FLOAT16/BFLOAT16 A, scales and bias are widened to fp32 and Y is rounded back once.
 *
 * <p>{@code accuracy_level} only lets ONNX Runtime trade precision for speed (down to int8
 * activations at level 4); this kernel computes in fp32 whatever the level, the most precise of the
 * choices. Each weight row is decoded once per call into an fp32 scratch and the sums run over K in
 * order. Unsupported: bits other than 4 and 8, g_idx (deprecated), prepacked weights.
 */
final class MatMulNBitsKernel implements Kernel {
    private final int k;
    private final int n;
    private final int bits;
    private final int blockSize;
    private final int blocks;
    private final int blob;
    private final DequantRowsMatMul gemm = new DequantRowsMatMul();
    private float[] a = new float[0];
    private float[] y = new float[0];
    private float[] scales = new float[0];
    private float[] zeroPoints = new float[0];
    private float[] bias = new float[0];

    MatMulNBitsKernel(Node node) {
        Attributes at = node.attributes();
        long kk = at.requireInt("K");
        long nn = at.requireInt("N");
        long b = at.getInt("bits", 4);
        long bs = at.requireInt("block_size");
        if (kk < 1 || nn < 1 || kk > Integer.MAX_VALUE || nn > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("attributes K and N must be positive ints, got K=" + kk + ", N=" + nn);
        }
        if (b != 4 && b != 8) {
            throw new UnsupportedFeatureException("MatMulNBits bits=" + b + " not supported (supported: 4, 8)");
        }
        if (bs < 16 || bs > (1 << 20) || Long.bitCount(bs) != 1) {
            throw new IllegalArgumentException("attribute block_size must be a power of 2 >= 16, got " + bs);
        }
        if (at.getInt("weight_prepacked", 0) != 0) {
            throw new UnsupportedFeatureException("MatMulNBits weight_prepacked=" + at.getInt("weight_prepacked", 0) + " not supported");
        }
        this.k = (int) kk;
        this.n = (int) nn;
        this.bits = (int) b;
        this.blockSize = (int) bs;
        this.blocks = (k + blockSize - 1) / blockSize;
        this.blob = blockSize * bits / 8;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor ta = ctx.requireInput(0);
        Tensor tb = ctx.requireInput(1);
        Tensor ts = ctx.requireInput(2);
        Tensor tz = ctx.input(3);
        if (ctx.input(4) != null) throw new UnsupportedFeatureException("MatMulNBits input 'g_idx' not supported");
        Tensor tbias = ctx.input(5);
        DType type = ta.dtype();
        if (type != DType.FLOAT && type != DType.FLOAT16 && type != DType.BFLOAT16) {
            throw new IllegalArgumentException("input 'A' must be FLOAT, FLOAT16 or BFLOAT16, got " + ta.describe());
        }
        if (ta.rank() < 1 || ta.dim(ta.rank() - 1) != k) {
            throw new IllegalArgumentException("input 'A' must be [..., K=" + k + "], got " + ta.describe());
        }
        if (tb.dtype() != DType.UINT8 || tb.size() != n * blocks * blob || (tb.rank() == 3 && !tb.hasDims(n, blocks, blob))) {
            throw new IllegalArgumentException("input 'B' must be UINT8 [N=" + n + ", k_blocks=" + blocks + ", blob=" + blob + "], got " + tb.describe());
        }
        if (ts.dtype() != type || ts.size() != n * blocks) {
            throw new IllegalArgumentException("input 'scales' must be " + type + " [" + n + ", " + blocks + "], got " + ts.describe());
        }
        int zpRow = (blocks * bits + 7) / 8;
        boolean packedZp = tz != null && tz.dtype() == DType.UINT8;
        if (tz != null && (packedZp ? tz.size() != n * zpRow : tz.dtype() != type || tz.size() != n * blocks)) {
            throw new IllegalArgumentException("input 'zero_points' must be UINT8 [" + n + ", " + zpRow + "] (packed) or "
                    + type + " [" + n + ", " + blocks + "], got " + tz.describe());
        }
        if (tbias != null && (tbias.dtype() != type || tbias.size() != n)) {
            throw new IllegalArgumentException("input 'bias' must be " + type + " [" + n + "], got " + tbias.describe());
        }
        int[] outDims = ta.dims().clone();
        outDims[outDims.length - 1] = n;
        Tensor out = ctx.output(0, type, outDims);
        int m = ta.size() / k;
        if (m == 0) return;
        a = Elements.toFloats(ta, a);
        scales = Elements.toFloats(ts, scales);
        float[] sc = scales;
        float[] fz = null;
        if (tz != null && !packedZp) fz = zeroPoints = Elements.toFloats(tz, zeroPoints);
        float[] bz = tbias == null ? null : (bias = Elements.toFloats(tbias, bias));
        if (y.length < m * n) y = new float[m * n];
        ByteBuffer data = tb.bytes();
        ByteBuffer zp = packedZp ? tz.bytes() : null;
        float[] floatZp = fz;
        int def = bits == 4 ? Q4Block.DEFAULT_ZERO_POINT : Q8Block.DEFAULT_ZERO_POINT;
        gemm.run(ctx.parallel(), a, m, k, n, (row, w) -> {
            for (int kb = 0; kb < blocks; kb++) {
                int start = kb * blockSize;
                int count = Math.min(blockSize, k - start);
                int off = (row * blocks + kb) * blob;
                float s = sc[row * blocks + kb];
                if (floatZp != null) {
                    float z = floatZp[row * blocks + kb];
                    if (bits == 4) Q4Block.dequantize(data, off, count, s, z, w, start);
                    else Q8Block.dequantize(data, off, count, s, z, w, start);
                } else if (bits == 4) {
                    int z = zp == null ? def : Q4Block.zeroPoint(zp, row * zpRow, kb);
                    Q4Block.dequantize(data, off, count, s, z, w, start);
                } else {
                    int z = zp == null ? def : zp.get(row * zpRow + kb) & 0xFF;
                    Q8Block.dequantize(data, off, count, s, z, w, start);
                }
            }
        }, bz, y);
        Elements.storeFloats(out, y);
    }
}
