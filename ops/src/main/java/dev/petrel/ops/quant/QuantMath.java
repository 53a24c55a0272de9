package dev.petrel.ops.quant;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.ops.Elements;

/** Ranges, rounding and scalar parameters shared by the quantization kernels. */
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

    /** True when the tensor holds a single element (a scalar or a one-element vector). */
    static boolean isScalar(Tensor t) {
        return t.size() == 1;
    }

    /** The single value of a scale input, failing with the input's name when it is not a scalar. */
    static float scalarScale(Tensor t, String name) {
        if (t == null) throw new IllegalArgumentException("input '" + name + "' is required");
        if (!isScalar(t)) throw new IllegalArgumentException("input '" + name + "' must be a scalar, got " + t.describe());
        return (float) Elements.getDouble(t, 0);
    }

    /** The single value of an optional zero point input (0 when absent). */
    static int scalarZeroPoint(Tensor t, String name) {
        if (t == null) return 0;
        if (!isScalar(t)) throw new IllegalArgumentException("input '" + name + "' must be a scalar, got " + t.describe());
        return (int) Elements.getLong(t, 0);
    }
}
