package dev.petrel.ops.tensor;

import dev.petrel.DType;
import dev.petrel.Tensor;
import java.util.Arrays;

/** Reading index tensors (INT32 or INT64) with negative indices wrapped and range checks that name the culprit. */
final class Indices {
    private Indices() {}

    static void requireIndexType(Tensor t, String what) {
        if (t.dtype() != DType.INT64 && t.dtype() != DType.INT32) {
            throw new IllegalArgumentException(what + " must be INT32 or INT64, got " + t.describe());
        }
    }

    static long raw(Tensor t, int i) {
        return t.dtype() == DType.INT64 ? t.longs().get(i) : t.ints().get(i);
    }

    /** Index {@code i} of {@code t}, wrapped if negative, checked against [0, dim). */
    static int get(Tensor t, int i, int dim, String what) {
        long v = raw(t, i);
        long w = v < 0 ? v + dim : v;
        if (w < 0 || w >= dim) {
            throw new IllegalArgumentException(what + " value " + v + " at position " + position(t, i)
                    + " is out of range [" + (-dim) + ", " + (dim - 1) + "]");
        }
        return (int) w;
    }

    /** The multi-index of flat element {@code i} of {@code t}, for messages. */
    static String position(Tensor t, int i) {
        int[] dims = t.dims();
        int[] idx = new int[dims.length];
        for (int d = dims.length - 1; d >= 0; d--) {
            if (dims[d] == 0) break;
            idx[d] = i % dims[d];
            i /= dims[d];
        }
        return Arrays.toString(idx);
    }
}
