package dev.petrel.ops.nn;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.ops.Broadcast;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Float16;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * Moves floating-point tensors to and from plain arrays, so that one loop body serves FLOAT, DOUBLE,
 * FLOAT16 and BFLOAT16 (16-bit types are computed in float and rounded back once, on write).
 */
final class NnIO {
    private NnIO() {}

    static final Set<DType> FLOATS = EnumSet.of(DType.FLOAT, DType.DOUBLE, DType.FLOAT16, DType.BFLOAT16);

    /** {@code t}'s elements as doubles, in {@code scratch} when it is large enough (else a new array). */
    static double[] doubles(Tensor t, double[] scratch) {
        int n = t.size();
        double[] a = scratch != null && scratch.length >= n ? scratch : new double[n];
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
                throw new UnsupportedFeatureException("element type " + t.dtype() + " is not supported here; expected "
                        + FLOATS + ", got " + t.describe());
        }
        return a;
    }

    /** {@code t}'s elements as floats, in {@code scratch} when it is large enough (else a new array). */
    static float[] floats(Tensor t, float[] scratch) {
        int n = t.size();
        float[] a = scratch != null && scratch.length >= n ? scratch : new float[n];
        switch (t.dtype()) {
            case FLOAT: {
                FloatBuffer b = t.floats();
                for (int i = 0; i < n; i++) a[i] = b.get(i);
                break;
            }
            case DOUBLE: {
                DoubleBuffer b = t.doubles();
                for (int i = 0; i < n; i++) a[i] = (float) b.get(i);
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
                throw new UnsupportedFeatureException("element type " + t.dtype() + " is not supported here; expected "
                        + FLOATS + ", got " + t.describe());
        }
        return a;
    }

    /** Writes the first {@code out.size()} values of {@code a} into {@code out}, rounding to its type. */
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
                throw new UnsupportedFeatureException("element type " + out.dtype() + " is not supported here");
        }
    }

    /** Writes the first {@code out.size()} values of {@code a} into {@code out}, rounding to its type. */
    static void write(Tensor out, float[] a) {
        int n = out.size();
        switch (out.dtype()) {
            case FLOAT: {
                FloatBuffer b = out.floats();
                for (int i = 0; i < n; i++) b.put(i, a[i]);
                break;
            }
            case DOUBLE: {
                DoubleBuffer b = out.doubles();
                for (int i = 0; i < n; i++) b.put(i, a[i]);
                break;
            }
            case FLOAT16: {
                ShortBuffer b = out.shorts();
                for (int i = 0; i < n; i++) b.put(i, Float16.fromFloat(a[i]));
                break;
            }
            case BFLOAT16: {
                ShortBuffer b = out.shorts();
                for (int i = 0; i < n; i++) b.put(i, Float16.floatToBfloat16(a[i]));
                break;
            }
            default:
                throw new UnsupportedFeatureException("element type " + out.dtype() + " is not supported here");
        }
    }

    /**
     * {@code t} broadcast (numpy rules) to {@code target} and flattened: used for per-element scale and
     * bias operands that may be given in a smaller, broadcastable shape.
     */
    static double[] expand(Tensor t, int[] target, String what) {
        double[] src = doubles(t, null);
        int[] td = t.dims();
        int n = Shapes.product(target, 0, target.length);
        if (td.length > target.length) {
            throw new IllegalArgumentException(what + " has shape " + t.describe() + ", which does not broadcast to "
                    + Arrays.toString(target));
        }
        for (int i = 0; i < td.length; i++) {
            int d = td[i];
            int o = target[target.length - td.length + i];
            if (d != 1 && d != o) {
                throw new IllegalArgumentException(what + " has shape " + t.describe() + ", which does not broadcast to "
                        + Arrays.toString(target));
            }
        }
        if (src.length == n) return src;
        int[] st = Broadcast.strides(td, target);
        double[] out = new double[n];
        int rank = target.length;
        int[] idx = new int[rank];
        for (int i = 0; i < n; i++) {
            int off = 0;
            for (int d = 0; d < rank; d++) off += idx[d] * st[d];
            out[i] = src[off];
            for (int d = rank - 1; d >= 0; d--) {
                if (++idx[d] < target[d]) break;
                idx[d] = 0;
            }
        }
        return out;
    }
}
