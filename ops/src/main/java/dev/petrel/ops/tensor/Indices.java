package dev.petrel.ops.tensor;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.ops.Shapes;
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

    /**
     * For GatherElements and ScatterElements, which pair each element of {@code indices} with the element
     * of {@code data} at the same coordinates but the axis one: checks that indices fits into data off
     * the axis.
     */
    static void requireWithinOffAxis(Tensor data, Tensor indices, int axis, String op) {
        for (int d = 0; d < data.rank(); d++) {
            if (d != axis && indices.dim(d) > data.dim(d)) {
                throw new IllegalArgumentException(op + " indices " + indices.describe() + " exceed data "
                        + data.describe() + " in dimension " + d);
            }
        }
    }

    /**
     * The flat offset in {@code data} of each element of {@code indices} with its {@code axis} coordinate
     * replaced by the element's (wrapped, range-checked) value; see {@link #requireWithinOffAxis}.
     */
    static int[] elementOffsets(Tensor data, Tensor indices, int axis, String what) {
        int r = data.rank();
        int n = indices.size();
        int[] offsets = new int[n];
        int[] dStrides = Shapes.strides(data.dims());
        int[] idims = indices.dims();
        int[] pos = new int[r];
        int base = 0;
        int dim = data.dim(axis);
        for (int i = 0; i < n; i++) {
            offsets[i] = base + get(indices, i, dim, what) * dStrides[axis];
            for (int d = r - 1; d >= 0; d--) {
                pos[d]++;
                if (d != axis) base += dStrides[d];
                if (pos[d] < idims[d]) break;
                if (d != axis) base -= dStrides[d] * idims[d];
                pos[d] = 0;
            }
        }
        return offsets;
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
