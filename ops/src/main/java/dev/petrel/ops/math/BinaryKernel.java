package dev.petrel.ops.math;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Two same-typed inputs broadcast against each other, result of the same type: arithmetic, Mod,
 * bit operations, boolean logic and PRelu. Integers follow C: they wrap on overflow, division
 * truncates toward zero, and UINT64 divides and compares unsigned.
 */
final class BinaryKernel implements Kernel {
    enum Op {
        ADD, SUB, MUL, DIV,
        /** Mod with fmod=0: the remainder takes the divisor's sign (integers only). */
        MOD,
        /** Mod with fmod=1: the remainder takes the dividend's sign, as C fmod and integer %. */
        FMOD,
        SHIFT_LEFT, SHIFT_RIGHT, BIT_AND, BIT_OR, BIT_XOR,
        /** x where x >= 0, slope * x elsewhere; the slope broadcasts to x's shape only. */
        PRELU
    }

    private final Op op;
    private final String name;
    /** PRelu before opset 7: a 1-D slope of length C applies along axis 1 (the channels), not the last axis. */
    private final boolean channelSlope;

    BinaryKernel(Op op, String name) {
        this(op, name, false);
    }

    BinaryKernel(Op op, String name, boolean channelSlope) {
        this.op = op;
        this.name = name;
        this.channelSlope = channelSlope;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor a = ctx.requireInput(0);
        Tensor b = ctx.requireInput(1);
        if (channelSlope && b.rank() == 1 && a.rank() > 2 && b.dim(0) == a.dim(1)) {
            int[] d = new int[a.rank() - 1];
            Arrays.fill(d, 1);
            d[0] = b.dim(0);
            b = b.reshape(d);
        }
        DType t = a.dtype();
        if (b.dtype() != t) {
            throw new IllegalArgumentException(name + " needs inputs of one type: input 0 is " + a.describe()
                    + ", input 1 is " + b.describe());
        }
        BroadcastLoop loop = BroadcastLoop.of(a.dims(), b.dims());
        if (op == Op.PRELU && !Arrays.equals(loop.outDims, a.dims())) {
            throw new IllegalArgumentException("PRelu slope " + b.describe() + " does not broadcast to the input's shape "
                    + a.describe());
        }
        if (op == Op.MOD && t.isFloatingPoint()) {
            throw new IllegalArgumentException("Mod with fmod=0 is not supported for " + t
                    + " inputs: the spec requires fmod=1 for floating-point types");
        }
        Tensor c = ctx.output(0, t, loop.outDims);
        if (t == DType.FLOAT) {
            runFloat(loop, a.floats(), b.floats(), c.floats());
        } else if (t.isFloatingPoint()) {
            double[] x = Elements.toDoubles(a);
            double[] y = Elements.toDoubles(b);
            double[] z = new double[loop.size];
            int sa = loop.innerStride(0);
            int sb = loop.innerStride(1);
            loop.forEachRow((o, in, n) -> {
                for (int j = 0, ia = in[0], ib = in[1]; j < n; j++, ia += sa, ib += sb) z[o + j] = applyDouble(x[ia], y[ib]);
            });
            Elements.storeDoubles(c, z);
        } else {
            long[] x = Elements.toLongs(a);
            long[] y = Elements.toLongs(b);
            long[] z = new long[loop.size];
            int sa = loop.innerStride(0);
            int sb = loop.innerStride(1);
            boolean u64 = t == DType.UINT64;
            int bits = t == DType.BOOL ? 1 : t.byteSize() * 8;
            loop.forEachRow((o, in, n) -> {
                for (int j = 0, ia = in[0], ib = in[1]; j < n; j++, ia += sa, ib += sb) {
                    z[o + j] = applyLong(x[ia], y[ib], u64, bits, t);
                }
            });
            Elements.storeLongs(c, z);
        }
    }

    private void runFloat(BroadcastLoop loop, FloatBuffer a, FloatBuffer b, FloatBuffer c) {
        int sa = loop.innerStride(0);
        int sb = loop.innerStride(1);
        loop.forEachRow((o, in, n) -> floatRow(a, in[0], sa, b, in[1], sb, c, o, n));
    }

    private void floatRow(FloatBuffer a, int ia, int sa, FloatBuffer b, int ib, int sb, FloatBuffer c, int o, int n) {
        int end = o + n;
        switch (op) {
            case ADD:
                for (int i = o; i < end; i++, ia += sa, ib += sb) c.put(i, a.get(ia) + b.get(ib));
                break;
            case SUB:
                for (int i = o; i < end; i++, ia += sa, ib += sb) c.put(i, a.get(ia) - b.get(ib));
                break;
            case MUL:
                for (int i = o; i < end; i++, ia += sa, ib += sb) c.put(i, a.get(ia) * b.get(ib));
                break;
            case DIV:
                for (int i = o; i < end; i++, ia += sa, ib += sb) c.put(i, a.get(ia) / b.get(ib));
                break;
            case PRELU:
                for (int i = o; i < end; i++, ia += sa, ib += sb) {
                    float x = a.get(ia);
                    c.put(i, x < 0f ? x * b.get(ib) : x);
                }
                break;
            default:
                for (int i = o; i < end; i++, ia += sa, ib += sb) c.put(i, (float) applyDouble(a.get(ia), b.get(ib)));
        }
    }

    private double applyDouble(double x, double y) {
        switch (op) {
            case ADD: return x + y;
            case SUB: return x - y;
            case MUL: return x * y;
            case DIV: return x / y;
            case FMOD: return x % y;
            case PRELU: return x < 0 ? x * y : x;
            default: throw new IllegalArgumentException(name + " is not defined on floating-point tensors");
        }
    }

    private long applyLong(long x, long y, boolean u64, int bits, DType t) {
        switch (op) {
            case ADD: return x + y;
            case SUB: return x - y;
            case MUL: return x * y;
            case DIV:
                checkDivisor(y);
                return u64 ? Long.divideUnsigned(x, y) : x / y;
            case FMOD:
                checkDivisor(y);
                return u64 ? Long.remainderUnsigned(x, y) : x % y;
            case MOD: {
                checkDivisor(y);
                if (u64) return Long.remainderUnsigned(x, y);
                long r = x % y;
                return r != 0 && (r < 0) != (y < 0) ? r + y : r;
            }
            case SHIFT_LEFT: return Long.compareUnsigned(y, bits) >= 0 ? 0 : x << y;
            case SHIFT_RIGHT: return Long.compareUnsigned(y, bits) >= 0 ? 0 : x >>> y;
            case BIT_AND: return x & y;
            case BIT_OR: return x | y;
            case BIT_XOR: return x ^ y;
            case PRELU: return x < 0 && !t.isUnsigned() ? x * y : x;
            default: throw new IllegalArgumentException(name + " is not defined on " + t + " tensors");
        }
    }

    private void checkDivisor(long y) {
        if (y == 0) throw new IllegalArgumentException(name + ": integer division by zero (input 1 has a 0 element)");
    }
}
