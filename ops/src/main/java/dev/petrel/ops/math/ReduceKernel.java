package dev.petrel.ops.math;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * The Reduce* family. Axes come from the {@code axes} attribute, or from the optional second input
 * from opset 13 (ReduceSum) or 18 (the others); no axes means all of them, unless
 * {@code noop_with_empty_axes} is set, which makes the operator an identity.
 *
 * <p>Adjacent dimensions that are all reduced or all kept are merged first. When only the innermost
 * merged block is reduced (ReduceMean over the hidden size in LayerNorm exports) each output is a
 * contiguous run, summed in a local; any other axis set takes one pass over the input in storage
 * order, accumulating into a per-output scratch array. Floating types accumulate in double,
 * integers in 64 bits.
 */
final class ReduceKernel implements Kernel {
    /** The reductions; each defines its start value, how an element is folded in, and the final step. */
    enum Op {
        SUM, MEAN, MAX, MIN, PROD, L1, L2, LOG_SUM, LOG_SUM_EXP, SUM_SQUARE;

        double init() {
            switch (this) {
                case MAX: case LOG_SUM_EXP: return Double.NEGATIVE_INFINITY;
                case MIN: return Double.POSITIVE_INFINITY;
                case PROD: return 1;
                default: return 0;
            }
        }

        double fold(double acc, double x) {
            switch (this) {
                case MAX: return x > acc || Double.isNaN(x) ? x : acc;
                case MIN: return x < acc || Double.isNaN(x) ? x : acc;
                case PROD: return acc * x;
                case L1: return acc + Math.abs(x);
                case L2: case SUM_SQUARE: return acc + x * x;
                default: return acc + x;
            }
        }

        double finish(double acc, int count) {
            switch (this) {
                case MEAN: return acc / count;
                case L2: return Math.sqrt(acc);
                case LOG_SUM: return Math.log(acc);
                default: return acc;
            }
        }
    }

    private final Op op;
    private final long[] axesAttr;
    private final boolean axesFromInput;
    private final boolean keepdims;
    private final boolean noopWithEmptyAxes;
    private double[] accD = new double[0];
    private double[] maxD = new double[0];
    private long[] accL = new long[0];

    ReduceKernel(Op op, Node node, boolean axesFromInput) {
        this.op = op;
        this.axesFromInput = axesFromInput;
        this.axesAttr = node.attributes().getInts("axes");
        this.keepdims = node.attributes().getInt("keepdims", 1) != 0;
        this.noopWithEmptyAxes = node.attributes().getInt("noop_with_empty_axes", 0) != 0;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        long[] axes = axesAttr;
        if (axesFromInput) {
            Tensor at = ctx.input(1);
            axes = at == null ? null : Shapes.longs(at);
        }
        int rank = x.rank();
        int[] dims = x.dims();
        boolean[] reduced = new boolean[rank];
        if (axes == null || axes.length == 0) {
            if (noopWithEmptyAxes) {
                Tensor y = ctx.output(0, x.dtype(), dims);
                Tensor.copyBytes(x.bytes(), 0, y.bytes(), 0, x.bytes().limit());
                return;
            }
            Arrays.fill(reduced, true);
        } else {
            for (long a : axes) {
                int ax = Shapes.axis(a, rank);
                if (rank == 0) continue;
                if (reduced[ax]) throw new IllegalArgumentException("axis " + a + " is listed twice in axes " + Arrays.toString(axes));
                reduced[ax] = true;
            }
        }
        int outRank = 0;
        for (int d = 0; d < rank; d++) if (keepdims || !reduced[d]) outRank++;
        int[] outDims = new int[outRank];
        int o = 0;
        int count = 1;
        for (int d = 0; d < rank; d++) {
            if (reduced[d]) count *= dims[d];
            if (keepdims) outDims[o++] = reduced[d] ? 1 : dims[d];
            else if (!reduced[d]) outDims[o++] = dims[d];
        }
        Tensor y = ctx.output(0, x.dtype(), outDims);
        int outSize = y.size();
        if (outSize == 0) return;

        // Merge runs of dimensions with the same reduced flag; size-1 dimensions join either side.
        int[] md = new int[rank];
        boolean[] mr = new boolean[rank];
        int mrank = 0;
        for (int d = 0; d < rank; d++) {
            if (dims[d] == 1) continue;
            if (mrank > 0 && mr[mrank - 1] == reduced[d]) {
                md[mrank - 1] *= dims[d];
            } else {
                md[mrank] = dims[d];
                mr[mrank] = reduced[d];
                mrank++;
            }
        }
        DType t = x.dtype();
        boolean integer = !t.isFloatingPoint();
        boolean intAccumulate = integer && (op == Op.SUM || op == Op.PROD || op == Op.MAX || op == Op.MIN
                || op == Op.SUM_SQUARE || op == Op.L1 || op == Op.MEAN);
        int reducedGroups = 0;
        for (int d = 0; d < mrank; d++) if (mr[d]) reducedGroups++;
        if (x.size() == 0 || reducedGroups == 0) {
            reduceContiguous(x, y, outSize, x.size() == 0 ? 0 : 1, intAccumulate);
        } else if (reducedGroups == 1 && mr[mrank - 1]) {
            reduceContiguous(x, y, outSize, md[mrank - 1], intAccumulate);
        } else {
            reduceStrided(x, y, md, mr, mrank, outSize, count, intAccumulate);
        }
    }

    /** Output {@code i} reduces input elements [i*run, (i+1)*run). */
    private void reduceContiguous(Tensor x, Tensor y, int outSize, int run, boolean intAccumulate) {
        if (intAccumulate) {
            for (int i = 0; i < outSize; i++) {
                long acc = initLong(x.dtype());
                int base = i * run;
                for (int j = 0; j < run; j++) acc = foldLong(acc, Elements.getLong(x, base + j), x.dtype());
                Elements.putLong(y, i, finishLong(acc, run));
            }
            return;
        }
        boolean isFloat = x.dtype() == DType.FLOAT;
        FloatBuffer xf = isFloat ? x.floats() : null;
        for (int i = 0; i < outSize; i++) {
            int base = i * run;
            double acc = op.init();
            if (op == Op.LOG_SUM_EXP) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < run; j++) max = Math.max(max, get(x, xf, base + j));
                acc = 0;
                if (Double.isInfinite(max)) max = 0;
                for (int j = 0; j < run; j++) acc += Math.exp(get(x, xf, base + j) - max);
                acc = Math.log(acc) + max;
            } else if (isFloat && (op == Op.SUM || op == Op.MEAN)) {
                for (int j = 0; j < run; j++) acc += xf.get(base + j);
            } else {
                for (int j = 0; j < run; j++) acc = op.fold(acc, get(x, xf, base + j));
            }
            put(y, i, op.finish(acc, run));
        }
    }

    /** One pass over the input in storage order; the output offset follows an odometer. */
    private void reduceStrided(Tensor x, Tensor y, int[] md, boolean[] mr, int mrank, int outSize, int count,
                               boolean intAccumulate) {
        // Output strides over the merged input dimensions: 0 along reduced ones.
        int[] os = new int[mrank];
        int s = 1;
        for (int d = mrank - 1; d >= 0; d--) {
            if (!mr[d]) {
                os[d] = s;
                s *= md[d];
            }
        }
        int inner = md[mrank - 1];
        int innerStride = os[mrank - 1];
        int rows = x.size() / inner;
        int[] idx = new int[mrank];
        if (intAccumulate) {
            if (accL.length < outSize) accL = new long[outSize];
            long[] acc = accL;
            Arrays.fill(acc, 0, outSize, initLong(x.dtype()));
            DType t = x.dtype();
            int off = 0;
            for (int r = 0; r < rows; r++) {
                int base = r * inner;
                for (int j = 0; j < inner; j++) {
                    int oi = off + j * innerStride;
                    acc[oi] = foldLong(acc[oi], Elements.getLong(x, base + j), t);
                }
                off = advance(idx, md, os, mrank, off);
            }
            for (int i = 0; i < outSize; i++) Elements.putLong(y, i, finishLong(acc[i], count));
            return;
        }
        if (accD.length < outSize) accD = new double[outSize];
        double[] acc = accD;
        FloatBuffer xf = x.dtype() == DType.FLOAT ? x.floats() : null;
        double[] max = null;
        if (op == Op.LOG_SUM_EXP) {
            if (maxD.length < outSize) maxD = new double[outSize];
            max = maxD;
            Arrays.fill(max, 0, outSize, Double.NEGATIVE_INFINITY);
            int off = 0;
            Arrays.fill(idx, 0);
            for (int r = 0; r < rows; r++) {
                int base = r * inner;
                for (int j = 0; j < inner; j++) {
                    int oi = off + j * innerStride;
                    max[oi] = Math.max(max[oi], get(x, xf, base + j));
                }
                off = advance(idx, md, os, mrank, off);
            }
            for (int i = 0; i < outSize; i++) if (Double.isInfinite(max[i])) max[i] = 0;
            Arrays.fill(acc, 0, outSize, 0);
            Arrays.fill(idx, 0);
            off = 0;
            for (int r = 0; r < rows; r++) {
                int base = r * inner;
                for (int j = 0; j < inner; j++) {
                    int oi = off + j * innerStride;
                    acc[oi] += Math.exp(get(x, xf, base + j) - max[oi]);
                }
                off = advance(idx, md, os, mrank, off);
            }
            for (int i = 0; i < outSize; i++) put(y, i, Math.log(acc[i]) + max[i]);
            return;
        }
        Arrays.fill(acc, 0, outSize, op.init());
        int off = 0;
        for (int r = 0; r < rows; r++) {
            int base = r * inner;
            for (int j = 0; j < inner; j++) {
                int oi = off + j * innerStride;
                acc[oi] = op.fold(acc[oi], get(x, xf, base + j));
            }
            off = advance(idx, md, os, mrank, off);
        }
        for (int i = 0; i < outSize; i++) put(y, i, op.finish(acc[i], count));
    }

    /** Steps the odometer over all merged dimensions but the innermost; returns the new output offset. */
    private static int advance(int[] idx, int[] md, int[] os, int mrank, int off) {
        for (int d = mrank - 2; d >= 0; d--) {
            idx[d]++;
            off += os[d];
            if (idx[d] < md[d]) return off;
            off -= os[d] * md[d];
            idx[d] = 0;
        }
        return off;
    }

    private static double get(Tensor x, FloatBuffer xf, int i) {
        if (xf != null) return xf.get(i);
        return Elements.getDouble(x, i);
    }

    private static void put(Tensor y, int i, double v) {
        Elements.putDouble(y, i, v);
    }

    private long initLong(DType t) {
        switch (op) {
            case PROD: return 1;
            case MAX: return t == DType.UINT64 ? 0 : minValue(t);
            case MIN: return t == DType.UINT64 ? -1L : maxValue(t);
            default: return 0;
        }
    }

    private long foldLong(long acc, long v, DType t) {
        switch (op) {
            case PROD: return acc * v;
            case MAX:
                if (t == DType.UINT64) return Long.compareUnsigned(v, acc) > 0 ? v : acc;
                return Math.max(acc, v);
            case MIN:
                if (t == DType.UINT64) return Long.compareUnsigned(v, acc) < 0 ? v : acc;
                return Math.min(acc, v);
            case L1: return acc + Math.abs(v);
            case SUM_SQUARE: return acc + v * v;
            default: return acc + v;
        }
    }

    private long finishLong(long acc, int count) {
        // Integer mean truncates, as integer division does in ONNX Runtime.
        return op == Op.MEAN ? (count == 0 ? 0 : acc / count) : acc;
    }

    private static long minValue(DType t) {
        switch (t) {
            case INT8: return Byte.MIN_VALUE;
            case INT16: return Short.MIN_VALUE;
            case INT32: return Integer.MIN_VALUE;
            case INT64: return Long.MIN_VALUE;
            default: return 0;
        }
    }

    private static long maxValue(DType t) {
        switch (t) {
            case INT8: return Byte.MAX_VALUE;
            case UINT8: case BOOL: return 0xFF;
            case INT16: return Short.MAX_VALUE;
            case UINT16: return 0xFFFF;
            case INT32: return Integer.MAX_VALUE;
            case UINT32: return 0xFFFFFFFFL;
            default: return Long.MAX_VALUE;
        }
    }
}
