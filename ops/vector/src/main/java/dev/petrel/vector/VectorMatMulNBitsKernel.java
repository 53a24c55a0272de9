package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.KernelSetup;
import java.lang.foreign.MemorySegment;
import java.nio.FloatBuffer;

/**
 * {@code com.microsoft::MatMulNBits} with 4-bit weights on {@link QuantGemv}: the weights, scales and
 * packed zero points are read where they lie (a memory-mapped model keeps them 4-bit), decoded a chunk
 * at a time in registers; N is split over the session's threads. Computes in fp32 whatever
 * {@code accuracy_level} says. The portable kernel takes every other case (FLOAT16/BFLOAT16 A, 8 bits,
 * float zero points, block sizes that are not whole chunks of 2 × the float lanes) and reports bad inputs.
 */
final class VectorMatMulNBitsKernel implements Kernel {
    private final Node node;
    private final KernelSetup setup;
    private final int k;
    private final int n;
    private final int bits;
    private final int blockSize;
    private final int blocks;
    private final int paddedK;
    private final Kernel portable;
    private float[] ap = new float[0];
    private float[] bias = new float[0];

    VectorMatMulNBitsKernel(Node node, KernelSetup setup) {
        this.node = node;
        this.setup = setup;
        // The portable kernel validates the attributes (and throws for unsupported ones) once, here.
        this.portable = Segments.portableKernel(node, setup, DType.FLOAT);
        this.k = (int) node.attributes().requireInt("K");
        this.n = (int) node.attributes().requireInt("N");
        this.bits = (int) node.attributes().getInt("bits", 4);
        this.blockSize = (int) node.attributes().requireInt("block_size");
        this.blocks = (k + blockSize - 1) / blockSize;
        this.paddedK = blocks * blockSize;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor a = ctx.requireInput(0);
        Tensor b = ctx.requireInput(1);
        Tensor s = ctx.requireInput(2);
        Tensor zp = ctx.input(3);
        Tensor bb = ctx.input(5);
        int zpRow = (blocks + 1) / 2;
        if (bits != 4 || !QuantGemv.fits(blockSize) || a.dtype() != DType.FLOAT || a.rank() < 1 || a.dim(a.rank() - 1) != k
                || b.dtype() != DType.UINT8 || b.size() != n * blocks * (blockSize / 2)
                || (b.rank() == 3 && !b.hasDims(n, blocks, blockSize / 2))
                || s.dtype() != DType.FLOAT || s.size() != n * blocks
                || (zp != null && (zp.dtype() != DType.UINT8 || zp.size() != n * zpRow))
                || ctx.input(4) != null || (bb != null && (bb.dtype() != DType.FLOAT || bb.size() != n))) {
            portable.run(ctx);
            return;
        }
        int m = a.size() / k;
        int[] outDims = a.dims().clone();
        outDims[outDims.length - 1] = n;
        Tensor y = ctx.output(0, DType.FLOAT, outDims);
        if (m == 0) return;
        if (ap.length < m * paddedK) ap = new float[m * paddedK];
        QuantGemv.permute(Segments.of(a), m, k, paddedK, true, ap);
        float[] bias = null;
        if (bb != null) {
            if (this.bias.length < n) this.bias = new float[n];
            FloatBuffer f = bb.floats();
            for (int j = 0; j < n; j++) this.bias[j] = f.get(j);
            bias = this.bias;
        }
        MemorySegment w = Segments.of(b);
        MemorySegment sc = Segments.of(s);
        MemorySegment z = zp == null ? null : Segments.of(zp);
        MemorySegment out = Segments.of(y);
        float[] perm = ap;
        float[] bi = bias;
        ctx.parallel().forRange(n, (from, to) ->
                QuantGemv.q4(w, sc, z, zpRow, perm, m, paddedK, blocks, blockSize, bi, out, n, from, to));
    }
}
