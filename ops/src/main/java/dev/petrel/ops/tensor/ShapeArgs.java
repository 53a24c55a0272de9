package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import dev.petrel.ops.Shapes;
import java.util.Arrays;

/** Checks of the shapes, axes and integer arguments that the kernels of this family receive. */
final class ShapeArgs {
    private ShapeArgs() {}

    /** An output shape from int64 values: every dimension in [0, 2^31-1] and at most 2^31-1 elements. */
    static int[] dims(long[] dims, String what) {
        int[] d = new int[dims.length];
        long n = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0 || dims[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(what + " " + Arrays.toString(dims) + " has invalid dimension " + dims[i] + " at index " + i);
            }
            d[i] = (int) dims[i];
            n *= dims[i];
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(what + " " + Arrays.toString(dims) + " has more than 2^31-1 elements");
            }
        }
        return d;
    }

    /** Element count of a shape whose dimensions are known to be valid, checked for int overflow. */
    static int size(int[] dims, String what) {
        long n = 1;
        for (int x : dims) {
            n *= x;
            if (n > Integer.MAX_VALUE) throw new IllegalArgumentException(what + " " + Arrays.toString(dims) + " has more than 2^31-1 elements");
        }
        return (int) n;
    }

    /** The values of an integer input tensor, naming it in errors. */
    static long[] ints(Tensor t, String what) {
        if (!t.dtype().isInteger()) throw new IllegalArgumentException(what + " must be an integer tensor, got " + t.describe());
        return Shapes.longs(t);
    }

    /** A scalar (or one-element) integer input. */
    static long scalar(Tensor t, String what) {
        if (t.size() != 1) throw new IllegalArgumentException(what + " must have exactly one element, got " + t.describe());
        return ints(t, what)[0];
    }

    /** Axes normalized into [0, rank), rejecting out-of-range and repeated axes. */
    static int[] axes(long[] axes, int rank, String what) {
        int[] a = new int[axes.length];
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < axes.length; i++) {
            long x = axes[i] < 0 ? axes[i] + rank : axes[i];
            if (x < 0 || x >= rank) {
                throw new IllegalArgumentException(what + " " + Arrays.toString(axes) + ": axis " + axes[i] + " is out of range for rank " + rank);
            }
            if (seen[(int) x]) throw new IllegalArgumentException(what + " " + Arrays.toString(axes) + " repeats axis " + axes[i]);
            seen[(int) x] = true;
            a[i] = (int) x;
        }
        return a;
    }

    /** One axis in [-rank, rank) normalized. */
    static int axis(long axis, int rank, String what) {
        long x = axis < 0 ? axis + rank : axis;
        if (x < 0 || x >= rank) throw new IllegalArgumentException(what + " " + axis + " is out of range for rank " + rank);
        return (int) x;
    }
}
