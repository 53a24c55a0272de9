package dev.petrel.ops.vision;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.spi.Float16;

/** Reads floating-point tensors into double arrays and writes them back, rounding to the tensor's type. */
final class Reals {
    private Reals() {}

    static boolean supported(DType t) {
        return t == DType.FLOAT || t == DType.DOUBLE || t == DType.FLOAT16 || t == DType.BFLOAT16;
    }

    static double[] read(Tensor t) {
        int n = t.size();
        double[] v = new double[n];
        switch (t.dtype()) {
            case FLOAT: for (int i = 0; i < n; i++) v[i] = t.floats().get(i); break;
            case DOUBLE: for (int i = 0; i < n; i++) v[i] = t.doubles().get(i); break;
            case FLOAT16: for (int i = 0; i < n; i++) v[i] = Float16.toFloat(t.shorts().get(i)); break;
            case BFLOAT16: for (int i = 0; i < n; i++) v[i] = Float16.bfloat16ToFloat(t.shorts().get(i)); break;
            default: throw new IllegalArgumentException("expected a floating-point tensor, got " + t.describe());
        }
        return v;
    }

    static void write(Tensor t, double[] v) {
        int n = t.size();
        switch (t.dtype()) {
            case FLOAT: for (int i = 0; i < n; i++) t.floats().put(i, (float) v[i]); break;
            case DOUBLE: for (int i = 0; i < n; i++) t.doubles().put(i, v[i]); break;
            case FLOAT16: for (int i = 0; i < n; i++) t.shorts().put(i, Float16.fromFloat((float) v[i])); break;
            case BFLOAT16: for (int i = 0; i < n; i++) t.shorts().put(i, Float16.floatToBfloat16((float) v[i])); break;
            default: throw new IllegalArgumentException("expected a floating-point tensor, got " + t.describe());
        }
    }
}
