package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.KernelSetup;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * FLOAT Add, Sub, Mul and Div (opset 7+) for the broadcasts transformers use: equal shapes, one operand
 * a row over the last axis of the other (a bias: all its dimensions 1 but the last, rank not above the
 * other's), and one operand a single element. Any other broadcast, and other element types, run on
 * the portable kernel.
 */
final class VectorBinaryKernel implements Kernel {
    enum Op { ADD, SUB, MUL, DIV }

    private static final VectorSpecies<Float> S = VectorErf.S;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final java.lang.foreign.ValueLayout.OfFloat FLOAT_LE =
            java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);

    private final Op op;
    private final Node node;
    private final KernelSetup setup;
    private Kernel portable;

    VectorBinaryKernel(Op op, Node node, KernelSetup setup) {
        this.op = op;
        this.node = node;
        this.setup = setup;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor a = ctx.requireInput(0);
        Tensor b = ctx.requireInput(1);
        if (a.dtype() != DType.FLOAT || b.dtype() != DType.FLOAT) {
            fallback(ctx, a, b);
            return;
        }
        int[] ad = a.dims();
        int[] bd = b.dims();
        if (Arrays.equals(ad, bd)) {
            Tensor c = ctx.output(0, DType.FLOAT, ad);
            same(Segments.of(a), Segments.of(b), Segments.of(c), a.size());
        } else if (isRow(bd, ad)) {
            Tensor c = ctx.output(0, DType.FLOAT, ad);
            rows(Segments.of(a), Segments.of(b), Segments.of(c), a.size(), bd.length == 0 ? 1 : bd[bd.length - 1], false);
        } else if (isRow(ad, bd)) {
            Tensor c = ctx.output(0, DType.FLOAT, bd);
            rows(Segments.of(b), Segments.of(a), Segments.of(c), b.size(), ad.length == 0 ? 1 : ad[ad.length - 1], true);
        } else {
            fallback(ctx, a, b);
        }
    }

    /**
     * True when {@code small} broadcasts to {@code big} (which is then the output shape) as one row over
     * its last axis or a single element: rank not above, every dimension 1 but the last, the last 1 or
     * equal to big's.
     */
    private static boolean isRow(int[] small, int[] big) {
        if (small.length > big.length || big.length == 0) return false;
        for (int i = 0; i < small.length - 1; i++) if (small[i] != 1) return false;
        if (small.length == 0) return true;
        int last = small[small.length - 1];
        return last == 1 || last == big[big.length - 1];
    }

    private void same(MemorySegment a, MemorySegment b, MemorySegment c, int n) {
        int l = S.length();
        int i = 0;
        for (; i + l <= n; i += l) {
            long o = i * 4L;
            apply(FloatVector.fromMemorySegment(S, a, o, LE), FloatVector.fromMemorySegment(S, b, o, LE)).intoMemorySegment(c, o, LE);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            long o = i * 4L;
            apply(FloatVector.fromMemorySegment(S, a, o, LE, m), FloatVector.fromMemorySegment(S, b, o, LE, m)).intoMemorySegment(c, o, LE, m);
        }
    }

    /**
     * c = big op row (or row op big when {@code swapped}), the row of {@code width} elements repeated
     * over big's last axis; a width of 1 (a single element) repeats it everywhere.
     */
    private void rows(MemorySegment big, MemorySegment row, MemorySegment c, int size, int width, boolean swapped) {
        int l = S.length();
        if (width == 1) {
            FloatVector r = FloatVector.broadcast(S, row.get(FLOAT_LE, 0));
            int i = 0;
            for (; i + l <= size; i += l) {
                long o = i * 4L;
                FloatVector x = FloatVector.fromMemorySegment(S, big, o, LE);
                (swapped ? apply(r, x) : apply(x, r)).intoMemorySegment(c, o, LE);
            }
            if (i < size) {
                VectorMask<Float> m = S.indexInRange(i, size);
                long o = i * 4L;
                FloatVector x = FloatVector.fromMemorySegment(S, big, o, LE, m);
                (swapped ? apply(r, x) : apply(x, r)).intoMemorySegment(c, o, LE, m);
            }
            return;
        }
        int full = width - width % l;
        VectorMask<Float> tail = S.indexInRange(full, width);
        for (long base = 0; base < (long) size * 4L; base += width * 4L) {
            for (int j = 0; j < full; j += l) {
                long o = base + j * 4L;
                FloatVector x = FloatVector.fromMemorySegment(S, big, o, LE);
                FloatVector r = FloatVector.fromMemorySegment(S, row, j * 4L, LE);
                (swapped ? apply(r, x) : apply(x, r)).intoMemorySegment(c, o, LE);
            }
            if (full < width) {
                long o = base + full * 4L;
                FloatVector x = FloatVector.fromMemorySegment(S, big, o, LE, tail);
                FloatVector r = FloatVector.fromMemorySegment(S, row, full * 4L, LE, tail);
                (swapped ? apply(r, x) : apply(x, r)).intoMemorySegment(c, o, LE, tail);
            }
        }
    }

    private FloatVector apply(FloatVector x, FloatVector y) {
        return switch (op) {
            case ADD -> x.add(y);
            case SUB -> x.sub(y);
            case MUL -> x.mul(y);
            case DIV -> x.div(y);
        };
    }

    private void fallback(KernelContext ctx, Tensor a, Tensor b) {
        if (portable == null) portable = Segments.portableKernel(node, setup, a.dtype(), b.dtype());
        portable.run(ctx);
    }
}
