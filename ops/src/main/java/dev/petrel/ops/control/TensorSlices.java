package dev.petrel.ops.control;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Dim;
import dev.petrel.graph.ValueInfo;
import dev.petrel.spi.KernelContext;
import java.util.Arrays;
import java.util.List;

/** Byte-level copies shared by the control-flow kernels: they move tensors of any element type. */
final class TensorSlices {
    private TensorSlices() {}

    /** Copies {@code src} into output {@code i} of the node, when someone reads that output. */
    static void copyToOutput(KernelContext ctx, int i, Tensor src) {
        if (!ctx.hasOutput(i)) return;
        Tensor out = ctx.output(i, src.dtype(), src.dims());
        int n = src.bytes().limit();
        if (n > 0) Tensor.copyBytes(src.bytes(), 0, out.bytes(), 0, n);
    }

    /** The sub-tensor at {@code index} along {@code axis}, with that axis removed. */
    static Tensor slice(Tensor t, int axis, int index) {
        int[] dims = t.dims();
        int len = dims[axis];
        int outer = product(dims, 0, axis);
        int inner = product(dims, axis + 1, dims.length) * t.dtype().byteSize();
        int[] outDims = new int[dims.length - 1];
        for (int d = 0, k = 0; d < dims.length; d++) if (d != axis) outDims[k++] = dims[d];
        Tensor out = Tensor.allocate(t.dtype(), outDims);
        if (inner == 0) return out;
        for (int o = 0; o < outer; o++) {
            Tensor.copyBytes(t.bytes(), (o * len + index) * inner, out.bytes(), o * inner, inner);
        }
        return out;
    }

    /**
     * Writes {@code part} as position {@code index} along {@code axis} of {@code dst}, whose shape is
     * that of {@code part} with an axis of length {@code len} inserted at {@code axis}.
     */
    static void place(Tensor part, Tensor dst, int axis, int index, int len) {
        int[] dims = part.dims();
        int outer = product(dims, 0, axis);
        int inner = product(dims, axis, dims.length) * part.dtype().byteSize();
        if (inner == 0) return;
        for (int o = 0; o < outer; o++) {
            Tensor.copyBytes(part.bytes(), o * inner, dst.bytes(), (o * len + index) * inner, inner);
        }
    }

    /** {@code dims} with {@code len} inserted at {@code axis}. */
    static int[] insertAxis(int[] dims, int axis, int len) {
        int[] out = new int[dims.length + 1];
        for (int d = 0, k = 0; d < out.length; d++) out[d] = d == axis ? len : dims[k++];
        return out;
    }

    /** Checks that every tensor stacked into one output has the type and shape of the first. */
    static void checkSameShape(List<Tensor> parts, String what) {
        Tensor first = parts.get(0);
        for (int i = 1; i < parts.size(); i++) {
            Tensor p = parts.get(i);
            if (p.dtype() != first.dtype() || !p.hasDims(first.dims())) {
                throw new IllegalArgumentException(what + " has shape " + p.describe() + " in iteration " + i
                        + " but " + first.describe() + " in iteration 0; stacked outputs need one shape");
            }
        }
    }

    /**
     * The type and shape to give a stacked output when no iteration ran: [0, declared dims...] when the
     * body declares a fixed shape, else [0].
     */
    static Tensor emptyStack(ValueInfo declared, int axis) {
        DType type = declared.dtype() == null ? DType.FLOAT : declared.dtype();
        List<Dim> shape = declared.shape();
        int[] dims = null;
        if (shape != null) {
            dims = new int[shape.size()];
            for (int i = 0; i < dims.length; i++) {
                if (!shape.get(i).isFixed()) {
                    dims = null;
                    break;
                }
                dims[i] = (int) shape.get(i).value();
            }
        }
        if (dims == null) return Tensor.allocate(type, 0);
        return Tensor.allocate(type, insertAxis(dims, Math.min(axis, dims.length), 0));
    }

    /** The truth value of a one-element condition tensor. */
    static boolean truth(Tensor t, String what) {
        if (t.size() != 1) {
            throw new IllegalArgumentException(what + " must have one element, got " + t.describe());
        }
        switch (t.dtype()) {
            case BOOL: case INT8: case UINT8: return t.bytes().get(0) != 0;
            case INT32: case UINT32: return t.ints().get(0) != 0;
            case INT64: case UINT64: return t.longs().get(0) != 0;
            case FLOAT: return t.floats().get(0) != 0;
            case DOUBLE: return t.doubles().get(0) != 0;
            default: throw new IllegalArgumentException(what + " must be BOOL, got " + t.describe());
        }
    }

    static int product(int[] dims, int from, int to) {
        long p = 1;
        for (int i = from; i < to; i++) p *= dims[i];
        if (p > Integer.MAX_VALUE) throw new IllegalArgumentException("too many elements in " + Arrays.toString(dims));
        return (int) p;
    }
}
