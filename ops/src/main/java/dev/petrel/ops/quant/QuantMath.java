package dev.petrel.ops.quant;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.spi.Float16;

/** Element access and rounding shared by the quantization kernels. */
final class QuantMath {
    private QuantMath() {}

    /** Smallest value of a quantized integer type. */
    static int min(DType t) {
        switch (t) {
            case UINT8: case UINT16: return 0;
            case INT8: return -128;
            case INT16: return -32768;
            case INT32: return Integer.MIN_VALUE;
            default: throw new IllegalArgumentException("quantized type must be UINT8, INT8, UINT16, INT16 or INT32, got " + t);
        }
    }

    /** Largest value of a quantized integer type. */
    static int max(DType t) {
        switch (t) {
            case UINT8: return 255;
            case INT8: return 127;
            case UINT16: return 65535;
            case INT16: return 32767;
            case INT32: return Integer.MAX_VALUE;
            default: throw new IllegalArgumentException("quantized type must be UINT8, INT8, UINT16, INT16 or INT32, got " + t);
        }
    }

    /**
     * Rounds half to even and clamps into [lo, hi]. Comparing in floating point before the cast keeps
     * huge and infinite values saturating instead of wrapping; NaN, which has no defined result, maps to 0.
     */
    static int saturate(double v, int lo, int hi) {
        double r = Math.rint(v);
        if (r <= lo) return lo;
        if (r >= hi) return hi;
        return (int) r;
    }

    /** Element {@code i} of an integer tensor of up to 32 bits, sign- or zero-extended as its type says. */
    static int intAt(Tensor t, int i) {
        switch (t.dtype()) {
            case UINT8: return t.bytes().get(i) & 0xFF;
            case INT8: return t.bytes().get(i);
            case UINT16: return t.shorts().get(i) & 0xFFFF;
            case INT16: return t.shorts().get(i);
            case INT32: return t.ints().get(i);
            default: throw new IllegalArgumentException("expected an 8, 16 or 32-bit integer tensor, got " + t.describe());
        }
    }

    /** Stores {@code v} (already in range) as element {@code i} of an integer tensor. */
    static void putInt(Tensor t, int i, int v) {
        switch (t.dtype()) {
            case UINT8: case INT8: t.bytes().put(i, (byte) v); break;
            case UINT16: case INT16: t.shorts().put(i, (short) v); break;
            case INT32: t.ints().put(i, v); break;
            default: throw new IllegalArgumentException("cannot store integers into " + t.describe());
        }
    }

    /** Element {@code i} of a floating-point tensor as float. */
    static float floatAt(Tensor t, int i) {
        switch (t.dtype()) {
            case FLOAT: return t.floats().get(i);
            case FLOAT16: return Float16.toFloat(t.shorts().get(i));
            case BFLOAT16: return Float16.bfloat16ToFloat(t.shorts().get(i));
            case DOUBLE: return (float) t.doubles().get(i);
            default: throw new IllegalArgumentException("expected a floating-point tensor, got " + t.describe());
        }
    }

    /** Stores {@code v} as element {@code i} of a floating-point tensor, rounding to its precision. */
    static void putFloat(Tensor t, int i, float v) {
        switch (t.dtype()) {
            case FLOAT: t.floats().put(i, v); break;
            case FLOAT16: t.shorts().put(i, Float16.fromFloat(v)); break;
            case BFLOAT16: t.shorts().put(i, Float16.floatToBfloat16(v)); break;
            case DOUBLE: t.doubles().put(i, v); break;
            default: throw new IllegalArgumentException("cannot store floats into " + t.describe());
        }
    }

    /** True when the tensor holds a single element (a scalar or a one-element vector). */
    static boolean isScalar(Tensor t) {
        return t.size() == 1;
    }

    /** The single value of a scale input, failing with the input's name when it is not a scalar. */
    static float scalarScale(Tensor t, String name) {
        if (t == null) throw new IllegalArgumentException("input '" + name + "' is required");
        if (!isScalar(t)) throw new IllegalArgumentException("input '" + name + "' must be a scalar, got " + t.describe());
        return floatAt(t, 0);
    }

    /** The single value of an optional zero point input (0 when absent). */
    static int scalarZeroPoint(Tensor t, String name) {
        if (t == null) return 0;
        if (!isScalar(t)) throw new IllegalArgumentException("input '" + name + "' must be a scalar, got " + t.describe());
        return intAt(t, 0);
    }
}
