package dev.petrel.ops.math;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.nio.FloatBuffer;

/**
 * Clip: bounds from the min/max attributes (opset 1-10) or from optional scalar inputs 1 and 2
 * (opset 11+). An absent bound is the type's extreme (infinity for floating types). A lower bound
 * above the upper one yields the upper bound everywhere, as the spec says; NaN passes through.
 */
final class ClipKernel implements Kernel {
    /** Bounds from the attributes; null when they come from inputs. */
    private final Float attrMin;
    private final Float attrMax;
    private final boolean fromInputs;

    private ClipKernel(Float attrMin, Float attrMax, boolean fromInputs) {
        this.attrMin = attrMin;
        this.attrMax = attrMax;
        this.fromInputs = fromInputs;
    }

    static ClipKernel withAttributes(Node node) {
        var a = node.attributes();
        return new ClipKernel(a.getFloat("min", Float.NEGATIVE_INFINITY), a.getFloat("max", Float.POSITIVE_INFINITY), false);
    }

    static ClipKernel withInputs() {
        return new ClipKernel(null, null, true);
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        DType t = x.dtype();
        Tensor lo = fromInputs ? bound(ctx, 1, t) : null;
        Tensor hi = fromInputs ? bound(ctx, 2, t) : null;
        Tensor y = ctx.output(0, t, x.dims());
        int n = x.size();
        if (t.isFloatingPoint()) {
            double min = fromInputs ? (lo == null ? Double.NEGATIVE_INFINITY : Elements.toDoubles(lo)[0]) : attrMin;
            double max = fromInputs ? (hi == null ? Double.POSITIVE_INFINITY : Elements.toDoubles(hi)[0]) : attrMax;
            if (t == DType.FLOAT) {
                float fmin = (float) min;
                float fmax = (float) max;
                FloatBuffer a = x.floats();
                FloatBuffer b = y.floats();
                for (int i = 0; i < n; i++) {
                    float v = a.get(i);
                    v = v < fmin ? fmin : v;
                    b.put(i, v > fmax ? fmax : v);
                }
            } else {
                double[] v = Elements.toDoubles(x);
                for (int i = 0; i < n; i++) {
                    double e = v[i] < min ? min : v[i];
                    v[i] = e > max ? max : e;
                }
                Elements.storeDoubles(y, v);
            }
        } else {
            if (!fromInputs) throw new IllegalArgumentException("Clip with min/max attributes is defined on floating-point inputs only, got " + x.describe());
            boolean u64 = t == DType.UINT64;
            long min = lo == null ? minOf(t) : Elements.toLongs(lo)[0];
            long max = hi == null ? maxOf(t) : Elements.toLongs(hi)[0];
            long[] v = Elements.toLongs(x);
            for (int i = 0; i < n; i++) {
                long e = Elements.compare(v[i], min, u64) < 0 ? min : v[i];
                v[i] = Elements.compare(e, max, u64) > 0 ? max : e;
            }
            Elements.storeLongs(y, v);
        }
    }

    private static Tensor bound(KernelContext ctx, int i, DType t) {
        Tensor b = ctx.input(i);
        if (b == null) return null;
        if (b.size() != 1) {
            throw new IllegalArgumentException("Clip " + (i == 1 ? "min" : "max") + " (input " + i + ") must be a scalar, got " + b.describe());
        }
        if (b.dtype() != t) {
            throw new IllegalArgumentException("Clip " + (i == 1 ? "min" : "max") + " (input " + i + ") must have the input's type "
                    + t + ", got " + b.describe());
        }
        return b;
    }

    /** The smallest value of an integer type, as {@link Elements#toLongs} represents it. */
    static long minOf(DType t) {
        switch (t) {
            case INT8: return Byte.MIN_VALUE;
            case INT16: return Short.MIN_VALUE;
            case INT32: return Integer.MIN_VALUE;
            case INT64: return Long.MIN_VALUE;
            default: return 0;
        }
    }

    /** The largest value of an integer type, as {@link Elements#toLongs} represents it (UINT64: all bits set). */
    static long maxOf(DType t) {
        switch (t) {
            case INT8: return Byte.MAX_VALUE;
            case INT16: return Short.MAX_VALUE;
            case INT32: return Integer.MAX_VALUE;
            case INT64: return Long.MAX_VALUE;
            case UINT8: return 0xFF;
            case UINT16: return 0xFFFF;
            case UINT32: return 0xFFFFFFFFL;
            case UINT64: return -1L;
            default: throw new IllegalArgumentException("Clip is not defined on " + t + " tensors");
        }
    }
}
