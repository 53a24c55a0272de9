package dev.petrel.ops.nn;

import dev.petrel.UnsupportedFeatureException;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Node;
import java.util.Arrays;

/**
 * The sliding-window attributes shared by Conv and the pooling operators (kernel_shape, strides,
 * dilations, pads, auto_pad, ceil_mode), parsed once, and their resolution against an input shape.
 *
 * <p>Resolved geometry is always 3-D: 1-D and 2-D windows get leading spatial dimensions of size 1
 * (kernel 1, stride 1, no padding), so one set of loops serves every rank. Public for the other backends'
 * Conv and pooling kernels, so that every backend resolves a window by the same arithmetic.
 */
public final class Window {
    enum AutoPad { NOTSET, SAME_UPPER, SAME_LOWER, VALID }

    final long[] kernelShape;
    final long[] strides;
    final long[] dilations;
    final long[] pads;
    final AutoPad autoPad;
    final boolean ceilMode;
    final String op;

    public Window(Node node) {
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

    /** Geometry for one input shape, in 3-D form (axis 0 depth, 1 height, 2 width). */
    public static final class Resolved {
        final int rank;
        final int[] in = new int[3];
        final int[] out = new int[3];
        final int[] k = new int[3];
        final int[] s = new int[3];
        final int[] d = new int[3];
        final int[] pb = new int[3];
        final int[] pe = new int[3];

        Resolved(int rank) {
            this.rank = rank;
            Arrays.fill(in, 1);
            Arrays.fill(out, 1);
            Arrays.fill(k, 1);
            Arrays.fill(s, 1);
            Arrays.fill(d, 1);
        }

        /** Spatial rank of the input (1 to 3). */
        public int rank() { return rank; }
        /** Input size along spatial axis {@code a} of the 3-D form. */
        public int in(int a) { return in[a]; }
        public int out(int a) { return out[a]; }
        public int kernel(int a) { return k[a]; }
        public int stride(int a) { return s[a]; }
        public int dilation(int a) { return d[a]; }
        public int padBegin(int a) { return pb[a]; }
        public int padEnd(int a) { return pe[a]; }

        int inSize() {
            return in[0] * in[1] * in[2];
        }

        int outSize() {
            return out[0] * out[1] * out[2];
        }

        int kernelSize() {
            return k[0] * k[1] * k[2];
        }

        /**
         * The input positions under the window of output position (oz, oy, ox) that lie inside the input
         * (padding never contributes), in kernel order: each one's offset within an input plane goes to
         * {@code inOffsets} and, when that is non-null, its offset within the kernel to {@code kernelOffsets}.
         * Both arrays need {@link #kernelSize()} entries. Returns how many positions there are.
         */
        int taps(int oz, int oy, int ox, int[] inOffsets, int[] kernelOffsets) {
            int n = 0;
            for (int kz = 0; kz < k[0]; kz++) {
                int iz = oz * s[0] - pb[0] + kz * d[0];
                if (iz < 0 || iz >= in[0]) continue;
                for (int ky = 0; ky < k[1]; ky++) {
                    int iy = oy * s[1] - pb[1] + ky * d[1];
                    if (iy < 0 || iy >= in[1]) continue;
                    for (int kx = 0; kx < k[2]; kx++) {
                        int ix = ox * s[2] - pb[2] + kx * d[2];
                        if (ix < 0 || ix >= in[2]) continue;
                        inOffsets[n] = (iz * in[1] + iy) * in[2] + ix;
                        if (kernelOffsets != null) kernelOffsets[n] = (kz * k[1] + ky) * k[2] + kx;
                        n++;
                    }
                }
            }
            return n;
        }

        /** [n, c, out spatial...] in the input's rank. */
        int[] outDims(int n, int c) {
            int[] r = new int[rank + 2];
            r[0] = n;
            r[1] = c;
            for (int i = 0; i < rank; i++) r[2 + i] = out[3 - rank + i];
            return r;
        }
    }

    /**
     * Resolves against an input of shape [N, C, spatial...].
     *
     * @param kernel the window size per spatial axis (from kernel_shape or the weight's shape)
     */
    public Resolved resolve(int[] inDims, int[] kernel) {
        int rank = inDims.length - 2;
        if (rank < 1) throw new IllegalArgumentException(op + " input must have rank >= 3 ([N, C, spatial...]), got " + Arrays.toString(inDims));
        if (rank > 3) throw new UnsupportedFeatureException(op + " with " + rank + " spatial dimensions is not supported (at most 3)");
        if (kernel.length != rank) {
            throw new IllegalArgumentException(op + " kernel has " + kernel.length + " dimensions but the input has " + rank
                    + " spatial dimensions: " + Arrays.toString(inDims));
        }
        expectLength(strides, rank, "strides");
        expectLength(dilations, rank, "dilations");
        expectLength(pads, 2 * rank, "pads");
        Resolved r = new Resolved(rank);
        for (int i = 0; i < rank; i++) {
            int j = 3 - rank + i;
            int in = inDims[2 + i];
            int k = kernel[i];
            int s = strides == null ? 1 : (int) strides[i];
            int d = dilations == null ? 1 : (int) dilations[i];
            int effK = (k - 1) * d + 1;
            int pb = 0;
            int pe = 0;
            int out;
            switch (autoPad) {
                case SAME_UPPER:
                case SAME_LOWER: {
                    out = (in + s - 1) / s;
                    int total = Math.max(0, (out - 1) * s + effK - in);
                    pb = autoPad == AutoPad.SAME_UPPER ? total / 2 : total - total / 2;
                    pe = total - pb;
                    break;
                }
                case VALID:
                    out = in >= effK ? (in - effK) / s + 1 : 0;
                    break;
                default: {
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
            r.in[j] = in;
            r.out[j] = out;
            r.k[j] = k;
            r.s[j] = s;
            r.d[j] = d;
            r.pb[j] = pb;
            r.pe[j] = pe;
        }
        return r;
    }

    /** kernel_shape as ints, or null when the attribute is absent (Conv takes it from the weight). */
    public int[] kernelShape() {
        return kernelShape == null ? null : requireKernel();
    }

    /** kernel_shape as ints, required. */
    int[] requireKernel() {
        if (kernelShape == null) throw new IllegalArgumentException(op + " requires the kernel_shape attribute");
        int[] k = new int[kernelShape.length];
        for (int i = 0; i < k.length; i++) k[i] = (int) kernelShape[i];
        return k;
    }

    private void expectLength(long[] v, int n, String name) {
        if (v != null && v.length != n) {
            throw new IllegalArgumentException(op + " attribute " + name + " has " + v.length + " values, expected " + n
                    + ": " + Arrays.toString(v));
        }
    }
}
