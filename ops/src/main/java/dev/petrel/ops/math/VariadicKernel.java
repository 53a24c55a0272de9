package dev.petrel.ops.math;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.nio.FloatBuffer;

/**
 * Max, Min, Sum and Mean over one or more inputs broadcast together. The first input is broadcast into
 * the output (or an accumulator) and each further input is folded into it in place. Non-FLOAT types
 * accumulate in double or long and round or wrap once at the end.
 */
final class VariadicKernel implements Kernel {
    enum Op { MAX, MIN, SUM, MEAN }

    private final Op op;
    private final String name;

    VariadicKernel(Op op, String name) {
        this.op = op;
        this.name = name;
    }

    @Override
    public void run(KernelContext ctx) {
        int count = ctx.inputCount();
        if (count == 0) throw new IllegalArgumentException(name + " needs at least one input");
        Tensor[] in = new Tensor[count];
        int[][] dims = new int[count][];
        for (int k = 0; k < count; k++) {
            in[k] = ctx.requireInput(k);
            dims[k] = in[k].dims();
            if (in[k].dtype() != in[0].dtype()) {
                throw new IllegalArgumentException(name + " needs inputs of one type: input 0 is " + in[0].describe()
                        + ", input " + k + " is " + in[k].describe());
            }
        }
        DType t = in[0].dtype();
        int[] outDims = dev.petrel.ops.Broadcast.shape(dims);
        Tensor out = ctx.output(0, t, outDims);
        if (t == DType.FLOAT) {
            runFloat(in, outDims, out.floats());
        } else if (t.isFloatingPoint()) {
            double[] acc = new double[out.size()];
            for (int k = 0; k < count; k++) {
                double[] x = Elements.toDoubles(in[k]);
                BroadcastLoop loop = BroadcastLoop.of(outDims, dims[k]);
                int s = loop.innerStride(1);
                boolean first = k == 0;
                loop.forEachRow((o, off, n) -> {
                    for (int j = 0, i = off[1]; j < n; j++, i += s) acc[o + j] = first ? x[i] : combine(acc[o + j], x[i]);
                });
            }
            if (op == Op.MEAN) for (int i = 0; i < acc.length; i++) acc[i] /= count;
            Elements.storeDoubles(out, acc);
        } else {
            if (op == Op.MEAN) throw new IllegalArgumentException("Mean is not defined on " + t + " tensors");
            long[] acc = new long[out.size()];
            boolean u64 = t == DType.UINT64;
            for (int k = 0; k < count; k++) {
                long[] x = Elements.toLongs(in[k]);
                BroadcastLoop loop = BroadcastLoop.of(outDims, dims[k]);
                int s = loop.innerStride(1);
                boolean first = k == 0;
                loop.forEachRow((o, off, n) -> {
                    for (int j = 0, i = off[1]; j < n; j++, i += s) acc[o + j] = first ? x[i] : combine(acc[o + j], x[i], u64);
                });
            }
            Elements.storeLongs(out, acc);
        }
    }

    private void runFloat(Tensor[] in, int[] outDims, FloatBuffer z) {
        for (int k = 0; k < in.length; k++) {
            FloatBuffer x = in[k].floats();
            BroadcastLoop loop = BroadcastLoop.of(outDims, in[k].dims());
            int s = loop.innerStride(1);
            Op fold = k == 0 ? null : op;
            loop.forEachRow((o, off, n) -> {
                int end = o + n;
                int i = off[1];
                if (fold == null) {
                    for (int p = o; p < end; p++, i += s) z.put(p, x.get(i));
                } else if (fold == Op.MAX) {
                    for (int p = o; p < end; p++, i += s) z.put(p, Math.max(z.get(p), x.get(i)));
                } else if (fold == Op.MIN) {
                    for (int p = o; p < end; p++, i += s) z.put(p, Math.min(z.get(p), x.get(i)));
                } else {
                    for (int p = o; p < end; p++, i += s) z.put(p, z.get(p) + x.get(i));
                }
            });
        }
        if (op == Op.MEAN) {
            float c = in.length;
            int n = z.limit();
            for (int p = 0; p < n; p++) z.put(p, z.get(p) / c);
        }
    }

    private double combine(double acc, double x) {
        switch (op) {
            case MAX: return Math.max(acc, x);
            case MIN: return Math.min(acc, x);
            default: return acc + x;
        }
    }

    private long combine(long acc, long x, boolean u64) {
        switch (op) {
            case MAX: return Elements.compare(acc, x, u64) >= 0 ? acc : x;
            case MIN: return Elements.compare(acc, x, u64) <= 0 ? acc : x;
            default: return acc + x;
        }
    }
}
