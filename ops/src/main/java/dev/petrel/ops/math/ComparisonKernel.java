package dev.petrel.ops.math;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * Equal, Less, Greater, LessOrEqual, GreaterOrEqual with broadcasting; the output is BOOL. Unsigned
 * types compare as unsigned (UINT64 values above 2^63 are large, not negative); NaN compares false.
 */
final class ComparisonKernel implements Kernel {
    enum Op { EQUAL, LESS, GREATER, LESS_EQUAL, GREATER_EQUAL }

    private final Op op;
    private final String name;

    ComparisonKernel(Op op, String name) {
        this.op = op;
        this.name = name;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor a = ctx.requireInput(0);
        Tensor b = ctx.requireInput(1);
        DType t = a.dtype();
        if (b.dtype() != t) {
            throw new IllegalArgumentException(name + " needs inputs of one type: input 0 is " + a.describe()
                    + ", input 1 is " + b.describe());
        }
        BroadcastLoop loop = BroadcastLoop.of(a.dims(), b.dims());
        ByteBuffer z = ctx.output(0, DType.BOOL, loop.outDims).bytes();
        int sa = loop.innerStride(0);
        int sb = loop.innerStride(1);
        if (t == DType.FLOAT) {
            FloatBuffer x = a.floats();
            FloatBuffer y = b.floats();
            loop.forEachRow((o, in, n) -> floatRow(x, in[0], sa, y, in[1], sb, z, o, n));
        } else if (t.isFloatingPoint()) {
            double[] x = Elements.toDoubles(a);
            double[] y = Elements.toDoubles(b);
            loop.forEachRow((o, in, n) -> {
                for (int j = 0, ia = in[0], ib = in[1]; j < n; j++, ia += sa, ib += sb) {
                    z.put(o + j, test(x[ia], y[ib]) ? (byte) 1 : (byte) 0);
                }
            });
        } else {
            long[] x = Elements.toLongs(a);
            long[] y = Elements.toLongs(b);
            boolean u64 = t == DType.UINT64;
            loop.forEachRow((o, in, n) -> {
                for (int j = 0, ia = in[0], ib = in[1]; j < n; j++, ia += sa, ib += sb) {
                    z.put(o + j, test(Elements.compare(x[ia], y[ib], u64)) ? (byte) 1 : (byte) 0);
                }
            });
        }
    }

    private void floatRow(FloatBuffer x, int ia, int sa, FloatBuffer y, int ib, int sb, ByteBuffer z, int o, int n) {
        int end = o + n;
        switch (op) {
            case EQUAL:
                for (int i = o; i < end; i++, ia += sa, ib += sb) z.put(i, x.get(ia) == y.get(ib) ? (byte) 1 : (byte) 0);
                break;
            case LESS:
                for (int i = o; i < end; i++, ia += sa, ib += sb) z.put(i, x.get(ia) < y.get(ib) ? (byte) 1 : (byte) 0);
                break;
            case GREATER:
                for (int i = o; i < end; i++, ia += sa, ib += sb) z.put(i, x.get(ia) > y.get(ib) ? (byte) 1 : (byte) 0);
                break;
            case LESS_EQUAL:
                for (int i = o; i < end; i++, ia += sa, ib += sb) z.put(i, x.get(ia) <= y.get(ib) ? (byte) 1 : (byte) 0);
                break;
            default:
                for (int i = o; i < end; i++, ia += sa, ib += sb) z.put(i, x.get(ia) >= y.get(ib) ? (byte) 1 : (byte) 0);
        }
    }

    private boolean test(double x, double y) {
        switch (op) {
            case EQUAL: return x == y;
            case LESS: return x < y;
            case GREATER: return x > y;
            case LESS_EQUAL: return x <= y;
            default: return x >= y;
        }
    }

    private boolean test(int cmp) {
        switch (op) {
            case EQUAL: return cmp == 0;
            case LESS: return cmp < 0;
            case GREATER: return cmp > 0;
            case LESS_EQUAL: return cmp <= 0;
            default: return cmp >= 0;
        }
    }
}
