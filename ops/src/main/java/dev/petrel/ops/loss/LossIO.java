package dev.petrel.ops.loss;

import dev.petrel.Tensor;
import dev.petrel.spi.Float16;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * Floating-point tensors to and from double arrays, so one loop serves FLOAT, DOUBLE, FLOAT16 and
 * BFLOAT16; the 16-bit types are rounded once, on write.
 */
final class LossIO {
    private LossIO() {}

    static double[] doubles(Tensor t, String what) {
        int n = t.size();
        double[] a = new double[n];
        switch (t.dtype()) {
            case FLOAT: {
                FloatBuffer b = t.floats();
                for (int i = 0; i < n; i++) a[i] = b.get(i);
                break;
            }
            case DOUBLE: {
                DoubleBuffer b = t.doubles();
                for (int i = 0; i < n; i++) a[i] = b.get(i);
                break;
            }
            case FLOAT16: {
                ShortBuffer b = t.shorts();
                for (int i = 0; i < n; i++) a[i] = Float16.toFloat(b.get(i));
                break;
            }
            case BFLOAT16: {
                ShortBuffer b = t.shorts();
                for (int i = 0; i < n; i++) a[i] = Float16.bfloat16ToFloat(b.get(i));
                break;
            }
            default:
                throw new IllegalArgumentException(what + " must be FLOAT, DOUBLE, FLOAT16 or BFLOAT16, got " + t.describe());
        }
        return a;
    }

    /** Writes {@code out.size()} values of {@code a}, rounded to {@code out}'s type. */
    static void write(Tensor out, double[] a) {
        int n = out.size();
        switch (out.dtype()) {
            case FLOAT: {
                FloatBuffer b = out.floats();
                for (int i = 0; i < n; i++) b.put(i, (float) a[i]);
                break;
            }
            case DOUBLE: {
                DoubleBuffer b = out.doubles();
                for (int i = 0; i < n; i++) b.put(i, a[i]);
                break;
            }
            case FLOAT16: {
                ShortBuffer b = out.shorts();
                for (int i = 0; i < n; i++) b.put(i, Float16.fromFloat((float) a[i]));
                break;
            }
            case BFLOAT16: {
                ShortBuffer b = out.shorts();
                for (int i = 0; i < n; i++) b.put(i, Float16.floatToBfloat16((float) a[i]));
                break;
            }
            default:
                throw new IllegalArgumentException("output element type " + out.dtype() + " is not supported here");
        }
    }
}
