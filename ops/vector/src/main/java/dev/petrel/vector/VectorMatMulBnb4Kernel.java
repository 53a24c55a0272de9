package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.quant.Bnb4Format;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.KernelSetup;
import java.lang.foreign.MemorySegment;

/**
 * {@code com.microsoft::MatMulBnb4} (NF4 and FP4) on {@link QuantGemv}: the packed weight and absmax
 * are read where they lie, codes become floats by a 16-entry table permute in registers, N is split
 * over the session's threads. Needs 16 float lanes (the table in one vector), transB = 1, FLOAT A and
 * absmax, and K a multiple of the block size (blocks then never span rows) that is whole chunks; the
 * portable kernel takes every other case and reports bad inputs.
 */
final class VectorMatMulBnb4Kernel implements Kernel {
    private final int k;
    private final int n;
    private final int blockSize;
    private final boolean transB;
    private final float[] table;
    private final Kernel portable;
    private float[] ap = new float[0];

    VectorMatMulBnb4Kernel(Node node, KernelSetup setup) {
        this.portable = Segments.portableKernel(node, setup, DType.FLOAT);
        this.k = (int) node.attributes().requireInt("K");
        this.n = (int) node.attributes().requireInt("N");
        this.blockSize = (int) node.attributes().requireInt("block_size");
        this.transB = node.attributes().getInt("transB", 1) == 1;
        this.table = Bnb4Format.of(node.attributes().requireInt("quant_type")).table();
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor a = ctx.requireInput(0);
        Tensor b = ctx.requireInput(1);
        Tensor abs = ctx.requireInput(2);
        if (!transB || QuantGemv.L != 16 || !QuantGemv.fits(blockSize) || k % blockSize != 0
                || a.dtype() != DType.FLOAT || a.rank() < 1 || a.dim(a.rank() - 1) != k
                || b.dtype() != DType.UINT8 || (long) b.size() * 2 != (long) n * k
                || abs.dtype() != DType.FLOAT || (long) abs.size() * blockSize != (long) n * k) {
            portable.run(ctx);
            return;
        }
        int m = a.size() / k;
        int[] outDims = a.dims().clone();
        outDims[outDims.length - 1] = n;
        Tensor y = ctx.output(0, DType.FLOAT, outDims);
        if (m == 0) return;
        if (ap.length < m * k) ap = new float[m * k];
        QuantGemv.permute(Segments.of(a), m, k, k, false, ap);
        MemorySegment w = Segments.of(b);
        MemorySegment am = Segments.of(abs);
        MemorySegment out = Segments.of(y);
        float[] perm = ap;
        ctx.parallel().forRange(n, (from, to) -> QuantGemv.bnb4(w, am, table, perm, m, k, blockSize, out, n, from, to));
    }
}
