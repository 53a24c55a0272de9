package dev.petrel.ops.signal;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.spi.Float16;

/** Reads signal-operator inputs as doubles or integer scalars, and writes doubles into any numeric tensor. */
final class SignalValues {
    private SignalValues() {}

    static double[] readReals(Tensor t, String what) {
        int n = t.size();
        double[] v = new double[n];
        switch (t.dtype()) {
            case FLOAT: for (int i = 0; i < n; i++) v[i] = t.floats().get(i); break;
            case DOUBLE: for (int i = 0; i < n; i++) v[i] = t.doubles().get(i); break;
            case FLOAT16: for (int i = 0; i < n; i++) v[i] = Float16.toFloat(t.shorts().get(i)); break;
            case BFLOAT16: for (int i = 0; i < n; i++) v[i] = Float16.bfloat16ToFloat(t.shorts().get(i)); break;
            default: throw new IllegalArgumentException(what + " must be a floating-point tensor, got " + t.describe());
        }
        return v;
    }

    static double realScalar(Tensor t, String what) {
        if (t.size() != 1) throw new IllegalArgumentException(what + " must be a scalar, got " + t.describe());
        return readReals(t, what)[0];
    }

    static long intScalar(Tensor t, String what) {
        if (t.size() != 1) throw new IllegalArgumentException(what + " must be a scalar, got " + t.describe());
        switch (t.dtype()) {
            case INT64: return t.longs().get(0);
            case INT32: return t.ints().get(0);
            default: throw new IllegalArgumentException(what + " must be int32 or int64, got " + t.describe());
        }
    }

    /** The output_datatype attribute as a type these operators can produce. */
    static DType outputType(long code, String op) {
        DType t;
        try {
            t = DType.fromOnnx((int) code);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(op + " output_datatype " + code + " is not a known element type");
        }
        switch (t) {
            case FLOAT: case DOUBLE: case FLOAT16: case BFLOAT16:
            case INT8: case INT16: case INT32: case INT64:
            case UINT8: case UINT16: case UINT32: case UINT64:
                return t;
            default:
                throw new IllegalArgumentException(op + " output_datatype must be a numeric type, got " + t);
        }
    }

    /** Stores {@code v} into {@code out}, converting like a C cast: integers truncate toward zero. */
    static void store(Tensor out, double[] v) {
        int n = out.size();
        switch (out.dtype()) {
            case FLOAT: for (int i = 0; i < n; i++) out.floats().put(i, (float) v[i]); break;
            case DOUBLE: for (int i = 0; i < n; i++) out.doubles().put(i, v[i]); break;
            case FLOAT16: for (int i = 0; i < n; i++) out.shorts().put(i, Float16.fromFloat((float) v[i])); break;
            case BFLOAT16: for (int i = 0; i < n; i++) out.shorts().put(i, Float16.floatToBfloat16((float) v[i])); break;
            case INT8: case UINT8: for (int i = 0; i < n; i++) out.bytes().put(i, (byte) (long) v[i]); break;
            case INT16: case UINT16: for (int i = 0; i < n; i++) out.shorts().put(i, (short) (long) v[i]); break;
            case INT32: case UINT32: for (int i = 0; i < n; i++) out.ints().put(i, (int) (long) v[i]); break;
            case INT64: for (int i = 0; i < n; i++) out.longs().put(i, (long) v[i]); break;
            case UINT64: for (int i = 0; i < n; i++) out.longs().put(i, toUnsigned(v[i])); break;
            default: throw new IllegalArgumentException("cannot store numbers into " + out.describe());
        }
    }

    private static long toUnsigned(double d) {
        if (d >= 0x1p63) return (long) (d - 0x1p63) ^ Long.MIN_VALUE;
        return (long) d;
    }
}
