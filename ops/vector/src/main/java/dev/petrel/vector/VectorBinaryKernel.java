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
            loop(op.ordinal(), Segments.of(a), Segments.of(b), Segments.of(c), a.size(), a.size(), false, false);
        } else if (isRow(bd, ad)) {
            Tensor c = ctx.output(0, DType.FLOAT, ad);
            int w = bd.length == 0 ? 1 : bd[bd.length - 1];
            loop(op.ordinal(), Segments.of(a), Segments.of(b), Segments.of(c), a.size(), w == 1 ? a.size() : w, w == 1, false);
        } else if (isRow(ad, bd)) {
            Tensor c = ctx.output(0, DType.FLOAT, bd);
            int w = ad.length == 0 ? 1 : ad[ad.length - 1];
            loop(op.ordinal(), Segments.of(b), Segments.of(a), Segments.of(c), b.size(), w == 1 ? b.size() : w, w == 1, true);
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

    /**
     * c = big op other (other op big when {@code swapped}) in rows of {@code width} elements, other
     * being one such row repeated, or with {@code scalar} its single element everywhere. Equal shapes
     * are one row as wide as the tensor. The op is switched inside the loop (a loop invariant branch):
     * a helper taking vectors would box them wherever C2 does not inline it.
     */
    static void loop(int code, MemorySegment big, MemorySegment other, MemorySegment c, int size, int width, boolean scalar, boolean swapped) {
        final int l = S.length();
        final FloatVector sv = FloatVector.broadcast(S, scalar ? other.get(FLOAT_LE, 0) : 0f);
        final int full = width - width % l;
        final VectorMask<Float> tail = S.indexInRange(full, width);
        for (long base = 0; base < (long) size * 4L; base += width * 4L) {
            for (int j = 0; j < full; j += l) {
                long o = base + j * 4L;
                FloatVector x = FloatVector.fromMemorySegment(S, big, o, LE);
                FloatVector y = scalar ? sv : FloatVector.fromMemorySegment(S, other, j * 4L, LE);
                FloatVector a = swapped ? y : x;
                FloatVector b = swapped ? x : y;
                FloatVector r = code == 0 ? a.add(b) : code == 1 ? a.sub(b) : code == 2 ? a.mul(b) : a.div(b);
                r.intoMemorySegment(c, o, LE);
            }
            if (full < width) {
                long o = base + full * 4L;
                FloatVector x = FloatVector.fromMemorySegment(S, big, o, LE, tail);
                FloatVector y = scalar ? sv : FloatVector.fromMemorySegment(S, other, full * 4L, LE, tail);
                FloatVector a = swapped ? y : x;
                FloatVector b = swapped ? x : y;
                FloatVector r = code == 0 ? a.add(b) : code == 1 ? a.sub(b) : code == 2 ? a.mul(b) : a.div(b);
                r.intoMemorySegment(c, o, LE, tail);
            }
        }
    }

    private void fallback(KernelContext ctx, Tensor a, Tensor b) {
        if (portable == null) portable = Segments.portableKernel(node, setup, a.dtype(), b.dtype());
        portable.run(ctx);
    }
}
