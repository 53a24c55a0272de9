package dev.petrel.ops.tensor;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/** Range: start + i * delta for i in [0, max(ceil((limit - start) / delta), 0)). */
final class RangeKernel implements Kernel {
    @Override
    public void run(KernelContext ctx) {
        Tensor start = scalar(ctx, 0, "start");
        Tensor limit = scalar(ctx, 1, "limit");
        Tensor delta = scalar(ctx, 2, "delta");
        DType t = start.dtype();
        if (limit.dtype() != t || delta.dtype() != t) {
            throw new IllegalArgumentException("Range inputs must share one type, got " + start.describe() + ", "
                    + limit.describe() + ", " + delta.describe());
        }
        if (t == DType.FLOAT || t == DType.DOUBLE) {
            double s = Scalars.toDouble(start.bytes(), 0, t);
            double l = Scalars.toDouble(limit.bytes(), 0, t);
            double d = Scalars.toDouble(delta.bytes(), 0, t);
            if (d == 0) throw new IllegalArgumentException("Range delta is 0");
            double count = Math.ceil((l - s) / d);
            if (!(count <= Integer.MAX_VALUE)) throw new IllegalArgumentException("Range of " + count + " elements is too large");
            int n = (int) Math.max(count, 0);
            Tensor y = ctx.output(0, t, n);
            for (int i = 0; i < n; i++) {
                if (t == DType.FLOAT) y.floats().put(i, (float) s + i * (float) d);
                else y.doubles().put(i, s + i * d);
            }
        } else if (t == DType.INT16 || t == DType.INT32 || t == DType.INT64) {
            long s = Scalars.toLong(start.bytes(), 0, t);
            long l = Scalars.toLong(limit.bytes(), 0, t);
            long d = Scalars.toLong(delta.bytes(), 0, t);
            if (d == 0) throw new IllegalArgumentException("Range delta is 0");
            // Exact ceiling division in 128-bit-safe steps: the span may overflow a long for INT64 extremes.
            java.math.BigInteger span = java.math.BigInteger.valueOf(l).subtract(java.math.BigInteger.valueOf(s));
            java.math.BigInteger[] qr = span.divideAndRemainder(java.math.BigInteger.valueOf(d));
            java.math.BigInteger q = qr[0];
            if (qr[1].signum() != 0 && (qr[1].signum() == Long.signum(d))) q = q.add(java.math.BigInteger.ONE);
            if (q.compareTo(java.math.BigInteger.valueOf(Integer.MAX_VALUE)) > 0) {
                throw new IllegalArgumentException("Range of " + q + " elements is too large");
            }
            int n = Math.max(q.intValue(), 0);
            Tensor y = ctx.output(0, t, n);
            int w = t.byteSize();
            for (int i = 0; i < n; i++) ElementCopier.putBits(y.bytes(), i, s + i * d, w);
        } else {
            throw new IllegalArgumentException("Range does not support type " + t + " (FLOAT, DOUBLE, INT16, INT32, INT64)");
        }
    }

    private static Tensor scalar(KernelContext ctx, int i, String name) {
        Tensor t = ctx.requireInput(i);
        if (t.size() != 1) throw new IllegalArgumentException("Range input '" + name + "' must be a scalar, got " + t.describe());
        return t;
    }
}
