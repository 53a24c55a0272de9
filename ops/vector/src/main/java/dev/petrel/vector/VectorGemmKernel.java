package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.math.GemmShape;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.KernelSetup;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import jdk.incubator.vector.FloatVector;

/**
 * FLOAT Gemm (opset 7+): Y = alpha * A' x B' + beta * C on {@link FloatGemm}. A constant B is packed
 * once per model, transposed at packing time when {@code transB} (the usual layout of exported
 * linear layers), so the product runs the same micro-kernel either way; A' is packed per call with
 * its strides. alpha and the broadcast C are applied in one pass over Y afterwards.
 */
final class VectorGemmKernel implements Kernel {
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private final boolean transA;
    private final boolean transB;
    private final float alpha;
    private final float beta;
    private final PackedMatrix weights;
    private final FloatGemm gemm = new FloatGemm();

    VectorGemmKernel(Node node, KernelSetup setup) {
        this.transA = node.attributes().getInt("transA", 0) != 0;
        this.transB = node.attributes().getInt("transB", 0) != 0;
        this.alpha = node.attributes().getFloat("alpha", 1f);
        this.beta = node.attributes().getFloat("beta", 1f);
        Tensor b = setup.constantInput(1);
        if (b != null && b.dtype() == DType.FLOAT && b.rank() == 2) {
            int k = transB ? b.dim(1) : b.dim(0);
            int n = transB ? b.dim(0) : b.dim(1);
            boolean t = transB;
            this.weights = setup.shared(List.of(b, "vector-gemm-panels-" + FloatGemm.NRW + (t ? "-transposed" : "")),
                    () -> PackedMatrix.of(Segments.of(b), 0, k, n, t));
        } else {
            this.weights = null;
        }
    }

    @Override
    public void run(KernelContext ctx) {
        FloatGemm.awaitWarm();
        Tensor a = ctx.requireInput(0);
        Tensor b = ctx.requireInput(1);
        Tensor c = ctx.input(2);
        GemmShape shape = GemmShape.of(a, b, c, transA, transB);
        if (a.dtype() != DType.FLOAT) throw new IllegalArgumentException("this Gemm kernel takes FLOAT inputs, got " + a.describe());
        int m = shape.m;
        int k = shape.k;
        int n = shape.n;
        int csm = shape.cStrideM;
        int csn = shape.cStrideN;
        Tensor y = ctx.output(0, DType.FLOAT, m, n);
        if (m == 0 || n == 0) return;
        MemorySegment ys = Segments.of(y);
        PackedMatrix pb = weights;
        if (pb == null) {
            pb = gemm.bScratch;
            pb.pack(Segments.of(b), 0, k, n, transB);
        }
        gemm.packA(ctx.parallel(), Segments.of(a), 0, transA ? 1 : k, transA ? m : 1, m, k);
        gemm.multiply(ctx.parallel(), pb, ys, 0, n);
        boolean useC = c != null && beta != 0f;
        if (alpha != 1f || useC) {
            epilogue(ys, useC ? Segments.of(c) : null, csm, csn, m, n);
        }
    }

    /** Y = alpha * Y + beta * C, C broadcast with strides (csm, csn) over [M, N]. */
    private void epilogue(MemorySegment ys, MemorySegment cs, int csm, int csn, int m, int n) {
        var s = FloatGemm.S;
        int l = s.length();
        FloatVector va = FloatVector.broadcast(s, alpha);
        FloatVector vb = FloatVector.broadcast(s, beta);
        for (int i = 0; i < m; i++) {
            long row = (long) i * n * 4L;
            int j = 0;
            if (cs == null || csn == 1) {
                long crow = (long) i * csm * 4L;
                for (; j + l <= n; j += l) {
                    FloatVector v = FloatVector.fromMemorySegment(s, ys, row + j * 4L, LE).mul(va);
                    if (cs != null) v = FloatVector.fromMemorySegment(s, cs, crow + j * 4L, LE).fma(vb, v);
                    v.intoMemorySegment(ys, row + j * 4L, LE);
                }
            }
            for (; j < n; j++) {
                float v = alpha * ys.get(FLOAT_LE, row + j * 4L);
                if (cs != null) v += beta * cs.get(FLOAT_LE, ((long) i * csm + (long) j * csn) * 4L);
                ys.set(FLOAT_LE, row + j * 4L, v);
            }
        }
    }
}
