package dev.petrel.ops;

import dev.petrel.DType;
import dev.petrel.Tensor;
import java.util.Arrays;

/** Shape arithmetic shared by kernels. */
public final class Shapes {
    private Shapes() {}

    /** Maps a possibly negative axis into [0, rank), failing with a clear message. */
    public static int axis(long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= Math.max(rank, 1)) {
            throw new IllegalArgumentException("axis " + axis + " is out of range for rank " + rank);
        }
        return (int) a;
    }

    /** Row-major element strides. */
    public static int[] strides(int[] dims) {
        int[] s = new int[dims.length];
        int acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    /** Product of dims[from..to). */
    public static int product(int[] dims, int from, int to) {
        long p = 1;
        for (int i = from; i < to; i++) p *= dims[i];
        if (p > Integer.MAX_VALUE) throw new IllegalArgumentException("too many elements: " + Arrays.toString(dims));
        return (int) p;
    }

    /** The values of an integer tensor (INT64, INT32, INT16, INT8, UINT8...) as longs. */
    public static long[] longs(Tensor t) {
        int n = t.size();
        long[] v = new long[n];
        switch (t.dtype()) {
            case INT64: case UINT64: for (int i = 0; i < n; i++) v[i] = t.longs().get(i); break;
            case INT32: for (int i = 0; i < n; i++) v[i] = t.ints().get(i); break;
            case UINT32: for (int i = 0; i < n; i++) v[i] = t.ints().get(i) & 0xFFFFFFFFL; break;
            case INT16: for (int i = 0; i < n; i++) v[i] = t.shorts().get(i); break;
            case UINT16: for (int i = 0; i < n; i++) v[i] = t.shorts().get(i) & 0xFFFF; break;
            case INT8: case BOOL: for (int i = 0; i < n; i++) v[i] = t.bytes().get(i); break;
            case UINT8: for (int i = 0; i < n; i++) v[i] = t.bytes().get(i) & 0xFF; break;
            default: throw new IllegalArgumentException("expected an integer tensor, got " + t.describe());
        }
        return v;
    }

    /** A shape given as an int64 tensor, checked for sanity. */
    public static int[] dimsFrom(Tensor shape) {
        long[] s = longs(shape);
        int[] d = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            if (s[i] < -1 || s[i] > Integer.MAX_VALUE) throw new IllegalArgumentException("invalid dimension " + s[i] + " in " + Arrays.toString(s));
            d[i] = (int) s[i];
        }
        return d;
    }

    /** True for element types stored as 1-byte integers. */
    public static boolean isByte(DType t) {
        return t.byteSize() == 1;
    }
}
