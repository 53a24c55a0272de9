package dev.petrel.ops.math;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.nio.FloatBuffer;

/**
 * Pow with broadcasting; the exponent may have any numeric type (opset 12+) and the result has the
 * base's type. Integer bases with integer exponents multiply exactly (wrapping like C); with a
 * floating exponent the double result is truncated toward zero.
 */
final class PowKernel implements Kernel {
    @Override
    public void run(KernelContext ctx) {
        Tensor a = ctx.requireInput(0);
        Tensor b = ctx.requireInput(1);
        DType t = a.dtype();
        BroadcastLoop loop = BroadcastLoop.of(a.dims(), b.dims());
        Tensor c = ctx.output(0, t, loop.outDims);
        int sa = loop.innerStride(0);
        int sb = loop.innerStride(1);
        if (t == DType.FLOAT && b.dtype() == DType.FLOAT) {
            FloatBuffer x = a.floats();
            FloatBuffer y = b.floats();
            FloatBuffer z = c.floats();
            loop.forEachRow((o, in, n) -> {
                for (int j = 0, ia = in[0], ib = in[1]; j < n; j++, ia += sa, ib += sb) {
                    float e = y.get(ib);
                    float v = x.get(ia);
                    z.put(o + j, e == 2f ? v * v : (float) Math.pow(v, e));
                }
            });
        } else if (t.isFloatingPoint()) {
            double[] x = Elements.toDoubles(a);
            double[] y = Elements.toDoubles(b);
            double[] z = new double[loop.size];
            loop.forEachRow((o, in, n) -> {
                for (int j = 0, ia = in[0], ib = in[1]; j < n; j++, ia += sa, ib += sb) z[o + j] = Math.pow(x[ia], y[ib]);
            });
            Elements.storeDoubles(c, z);
        } else if (b.dtype().isFloatingPoint()) {
            double[] x = Elements.toDoubles(a);
            double[] y = Elements.toDoubles(b);
            long[] z = new long[loop.size];
            boolean u64 = t == DType.UINT64;
            loop.forEachRow((o, in, n) -> {
                for (int j = 0, ia = in[0], ib = in[1]; j < n; j++, ia += sa, ib += sb) {
                    double p = Math.pow(x[ia], y[ib]);
                    z[o + j] = u64 ? Elements.toUnsignedLong(p) : (long) p;
                }
            });
            Elements.storeLongs(c, z);
        } else {
            long[] x = Elements.toLongs(a);
            long[] y = Elements.toLongs(b);
            long[] z = new long[loop.size];
            boolean unsignedExponent = b.dtype() == DType.UINT64;
            loop.forEachRow((o, in, n) -> {
                for (int j = 0, ia = in[0], ib = in[1]; j < n; j++, ia += sa, ib += sb) {
                    z[o + j] = integerPow(x[ia], y[ib], unsignedExponent);
                }
            });
            Elements.storeLongs(c, z);
        }
    }

    /** base^exp by squaring, wrapping on overflow; negative exponents give the truncated reciprocal. */
    static long integerPow(long base, long exp, boolean unsignedExponent) {
        if (exp < 0 && !unsignedExponent) {
            if (base == 1) return 1;
            if (base == -1) return (exp & 1) == 0 ? 1 : -1;
            if (base == 0) throw new IllegalArgumentException("Pow: 0 raised to the negative integer power " + exp);
            return 0;
        }
        long result = 1;
        long b = base;
        for (long e = exp; e != 0; e >>>= 1) {
            if ((e & 1) != 0) result *= b;
            b *= b;
        }
        return result;
    }
}
