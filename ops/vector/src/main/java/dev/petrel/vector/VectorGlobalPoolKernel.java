package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.KernelSetup;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * FLOAT GlobalAveragePool and GlobalMaxPool: one reduction per [N, C] plane, in vectors along the
 * contiguous spatial elements (any spatial rank), four accumulators deep so the adds do not wait on
 * each other. Other element types run the portable kernel.
 */
final class VectorGlobalPoolKernel implements Kernel {
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private final Node node;
    private final KernelSetup setup;
    private final boolean max;
    private Kernel portable;

    VectorGlobalPoolKernel(Node node, KernelSetup setup, boolean max) {
        this.node = node;
        this.setup = setup;
        this.max = max;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        if (x.dtype() != DType.FLOAT || x.rank() < 3) {
            if (portable == null) portable = Segments.portableKernel(node, setup, x.dtype());
            portable.run(ctx);
            return;
        }
        int[] xd = x.dims();
        int[] yd = new int[xd.length];
        java.util.Arrays.fill(yd, 1);
        yd[0] = xd[0];
        yd[1] = xd[1];
        Tensor y = ctx.output(0, DType.FLOAT, yd);
        int planes = xd[0] * xd[1];
        if (planes == 0) return;
        int size = x.size() / planes;
        MemorySegment xs = Segments.of(x);
        MemorySegment ys = Segments.of(y);
        for (int q = 0; q < planes; q++) {
            float v = reduce(xs, (long) q * size * 4L, size);
            ys.set(FLOAT_LE, q * 4L, max ? v : v / size);
        }
    }

    private float reduce(MemorySegment xs, long off, int n) {
        var s = FloatGemm.S;
        int l = s.length();
        float init = max ? Float.NEGATIVE_INFINITY : 0f;
        FloatVector a0 = FloatVector.broadcast(s, init), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        if (max) {
            for (; i + 4 * l <= n; i += 4 * l) {
                long o = off + i * 4L;
                a0 = a0.lanewise(VectorOperators.MAX, FloatVector.fromMemorySegment(s, xs, o, LE));
                a1 = a1.lanewise(VectorOperators.MAX, FloatVector.fromMemorySegment(s, xs, o + l * 4L, LE));
                a2 = a2.lanewise(VectorOperators.MAX, FloatVector.fromMemorySegment(s, xs, o + 2L * l * 4L, LE));
                a3 = a3.lanewise(VectorOperators.MAX, FloatVector.fromMemorySegment(s, xs, o + 3L * l * 4L, LE));
            }
            for (; i + l <= n; i += l) a0 = a0.lanewise(VectorOperators.MAX, FloatVector.fromMemorySegment(s, xs, off + i * 4L, LE));
            float r = a0.lanewise(VectorOperators.MAX, a1).lanewise(VectorOperators.MAX, a2.lanewise(VectorOperators.MAX, a3))
                    .reduceLanes(VectorOperators.MAX);
            for (; i < n; i++) r = Math.max(r, xs.get(FLOAT_LE, off + i * 4L));
            return r;
        }
        for (; i + 4 * l <= n; i += 4 * l) {
            long o = off + i * 4L;
            a0 = a0.add(FloatVector.fromMemorySegment(s, xs, o, LE));
            a1 = a1.add(FloatVector.fromMemorySegment(s, xs, o + l * 4L, LE));
            a2 = a2.add(FloatVector.fromMemorySegment(s, xs, o + 2L * l * 4L, LE));
            a3 = a3.add(FloatVector.fromMemorySegment(s, xs, o + 3L * l * 4L, LE));
        }
        for (; i + l <= n; i += l) a0 = a0.add(FloatVector.fromMemorySegment(s, xs, off + i * 4L, LE));
        float r = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) r += xs.get(FLOAT_LE, off + i * 4L);
        return r;
    }
}
