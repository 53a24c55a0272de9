package dev.petrel.vector;

import dev.petrel.UnsupportedFeatureException;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Node;
import java.util.Arrays;

/**
 * The window attributes of a 1-D or 2-D Conv or pooling node (kernel_shape, strides, dilations, pads,
 * auto_pad, ceil_mode), parsed once, and their resolution against an input shape in 2-D form: a 1-D
 * window gets a leading height of 1 (kernel 1, stride 1, no padding). The arithmetic follows the
 * portable operators' (the ONNX output-size formulas), so both backends agree on every shape.
 */
final class ConvGeometry {
    enum AutoPad { NOTSET, SAME_UPPER, SAME_LOWER, VALID }

    private final String op;
    private final long[] kernelShape;
    private final long[] strides;
    private final long[] dilations;
    private final long[] pads;
    private final AutoPad autoPad;
    private final boolean ceilMode;

    ConvGeometry(Node node) {
        Attributes a = node.attributes();
        this.op = node.opType();
        this.kernelShape = a.getInts("kernel_shape");
        this.strides = a.getInts("strides");
        this.dilations = a.getInts("dilations");
        this.pads = a.getInts("pads");
        this.ceilMode = a.getInt("ceil_mode", 0) != 0;
        String ap = a.getString("auto_pad", "NOTSET");
        try {
            this.autoPad = AutoPad.valueOf(ap.isEmpty() ? "NOTSET" : ap);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op + " auto_pad must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got '" + ap + "'");
        }
        check(strides, "strides", 1);
        check(dilations, "dilations", 1);
        check(kernelShape, "kernel_shape", 1);
        check(pads, "pads", 0);
    }

    private void check(long[] v, String name, long min) {
        if (v == null) return;
        for (long x : v) {
            if (x < min || x > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(op + " attribute " + name + " must hold values >= " + min + ", got " + Arrays.toString(v));
            }
        }
    }

    /** kernel_shape, or null when the attribute is absent. */
    int[] kernelShape() {
        if (kernelShape == null) return null;
        int[] k = new int[kernelShape.length];
        for (int i = 0; i < k.length; i++) k[i] = (int) kernelShape[i];
        return k;
    }

    /** Geometry for one input shape: height and width of input, output, kernel, stride, dilation, padding. */
    static final class Resolved {
        final int rank;
        int inH = 1, inW, outH = 1, outW, kH = 1, kW, sH = 1, sW, dH = 1, dW;
        int padTop, padLeft, padBottom, padRight;

        Resolved(int rank) {
            this.rank = rank;
        }

        int inSize() {
            return inH * inW;
        }

        int outSize() {
            return outH * outW;
        }

        int kernelSize() {
            return kH * kW;
        }

        /** [n, c, out spatial...] in the input's rank. */
        int[] outDims(int n, int c) {
            return rank == 1 ? new int[] {n, c, outW} : new int[] {n, c, outH, outW};
        }
    }

    /**
     * Resolves against an input of shape [N, C, W] or [N, C, H, W] and a window of {@code kernel}
     * (from kernel_shape or the weight's shape). Other ranks are the caller's to route elsewhere.
     */
    Resolved resolve(int[] inDims, int[] kernel) {
        int rank = inDims.length - 2;
        if (rank < 1 || rank > 2) throw new UnsupportedFeatureException(op + " vector path takes 1-D or 2-D windows, got input " + Arrays.toString(inDims));
        if (kernel.length != rank) {
            throw new IllegalArgumentException(op + " kernel has " + kernel.length + " dimensions but the input has " + rank
                    + " spatial dimensions: " + Arrays.toString(inDims));
        }
        expectLength(strides, rank, "strides");
        expectLength(dilations, rank, "dilations");
        expectLength(pads, 2 * rank, "pads");
        Resolved r = new Resolved(rank);
        for (int i = 0; i < rank; i++) {
            int in = inDims[2 + i];
            int k = kernel[i];
            int s = strides == null ? 1 : (int) strides[i];
            int d = dilations == null ? 1 : (int) dilations[i];
            int effK = (k - 1) * d + 1;
            int pb = 0;
            int pe = 0;
            int out;
            switch (autoPad) {
                case SAME_UPPER, SAME_LOWER -> {
                    out = (in + s - 1) / s;
                    int total = Math.max(0, (out - 1) * s + effK - in);
                    pb = autoPad == AutoPad.SAME_UPPER ? total / 2 : total - total / 2;
                    pe = total - pb;
                }
                case VALID -> out = in >= effK ? (in - effK) / s + 1 : 0;
                default -> {
                    pb = pads == null ? 0 : (int) pads[i];
                    pe = pads == null ? 0 : (int) pads[i + rank];
                    long span = (long) in + pb + pe - effK;
                    if (span < 0) {
                        throw new IllegalArgumentException(op + " window of " + effK + " (kernel " + k + ", dilation " + d
                                + ") is larger than the padded input " + (in + pb + pe) + " on spatial axis " + i);
                    }
                    if (ceilMode) {
                        out = (int) ((span + s - 1) / s) + 1;
                        // The last window must start inside the input or its leading padding.
                        if ((long) (out - 1) * s >= (long) in + pb) out--;
                    } else {
                        out = (int) (span / s) + 1;
                    }
                }
            }
            boolean height = rank == 2 && i == 0;
            if (height) {
                r.inH = in; r.outH = out; r.kH = k; r.sH = s; r.dH = d; r.padTop = pb; r.padBottom = pe;
            } else {
                r.inW = in; r.outW = out; r.kW = k; r.sW = s; r.dW = d; r.padLeft = pb; r.padRight = pe;
            }
        }
        return r;
    }

    private void expectLength(long[] v, int n, String name) {
        if (v != null && v.length != n) {
            throw new IllegalArgumentException(op + " attribute " + name + " has " + v.length + " values, expected " + n
                    + ": " + Arrays.toString(v));
        }
    }
}
