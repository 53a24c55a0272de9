package dev.petrel.ops.quant;

import dev.petrel.graph.Attributes;
import dev.petrel.graph.Node;
import java.util.Arrays;

/**
 * The Conv attributes (auto_pad, dilations, group, kernel_shape, pads, strides) parsed once per node,
 * resolved against the input shapes at run time.
 */
final class ConvGeometry {
    private final String autoPad;
    private final long[] dilations;
    private final long[] kernelShape;
    private final long[] pads;
    private final long[] strides;
    final int group;

    // Resolved by resolve().
    int batch;
    int channels;
    int outChannels;
    int[] inSpatial;
    int[] kernel;
    int[] stride;
    int[] dilation;
    int[] padBegin;
    int[] outSpatial;

    ConvGeometry(Node node) {
        Attributes a = node.attributes();
        this.autoPad = a.getString("auto_pad", "NOTSET");
        if (!autoPad.equals("NOTSET") && !autoPad.equals("VALID") && !autoPad.equals("SAME_UPPER")
                && !autoPad.equals("SAME_LOWER")) {
            throw new IllegalArgumentException("auto_pad '" + autoPad + "' not supported: expected NOTSET, VALID, SAME_UPPER or SAME_LOWER");
        }
        this.dilations = a.getInts("dilations");
        this.kernelShape = a.getInts("kernel_shape");
        this.pads = a.getInts("pads");
        this.strides = a.getInts("strides");
        long g = a.getInt("group", 1);
        if (g < 1) throw new IllegalArgumentException("group must be >= 1, got " + g);
        this.group = (int) g;
    }

    /** Validates x [N, C, D1..Dn] and w [M, C/group, k1..kn] and works out padding and output size. */
    void resolve(int[] x, int[] w) {
        if (x.length < 3 || w.length != x.length) {
            throw new IllegalArgumentException("input 'x' " + Arrays.toString(x) + " and 'w' " + Arrays.toString(w)
                    + " must have the same rank >= 3 ([N, C, spatial...] and [M, C/group, kernel...])");
        }
        int r = x.length - 2;
        batch = x[0];
        channels = x[1];
        outChannels = w[0];
        if (channels % group != 0 || outChannels % group != 0 || w[1] * group != channels) {
            throw new IllegalArgumentException("channels do not match: x has " + channels + ", w " + Arrays.toString(w)
                    + " expects " + w[1] + " per group, group is " + group + " (output channels " + outChannels + ")");
        }
        inSpatial = Arrays.copyOfRange(x, 2, x.length);
        kernel = Arrays.copyOfRange(w, 2, w.length);
        if (kernelShape != null) {
            if (kernelShape.length != r) throw new IllegalArgumentException("kernel_shape " + Arrays.toString(kernelShape) + " must have " + r + " values");
            for (int i = 0; i < r; i++) {
                if (kernelShape[i] != kernel[i]) {
                    throw new IllegalArgumentException("kernel_shape " + Arrays.toString(kernelShape) + " does not match 'w' " + Arrays.toString(w));
                }
            }
        }
        stride = values(strides, r, "strides");
        dilation = values(dilations, r, "dilations");
        padBegin = new int[r];
        int[] padEnd = new int[r];
        if (pads != null) {
            if (pads.length != 2 * r) throw new IllegalArgumentException("pads " + Arrays.toString(pads) + " must have " + 2 * r + " values");
            for (int i = 0; i < r; i++) {
                padBegin[i] = (int) pads[i];
                padEnd[i] = (int) pads[i + r];
                if (padBegin[i] < 0 || padEnd[i] < 0) throw new IllegalArgumentException("negative pads not supported: " + Arrays.toString(pads));
            }
        }
        outSpatial = new int[r];
        for (int i = 0; i < r; i++) {
            int effK = (kernel[i] - 1) * dilation[i] + 1;
            int in = inSpatial[i];
            if (autoPad.equals("SAME_UPPER") || autoPad.equals("SAME_LOWER")) {
                int out = (in + stride[i] - 1) / stride[i];
                int total = Math.max(0, (out - 1) * stride[i] + effK - in);
                padBegin[i] = autoPad.equals("SAME_UPPER") ? total / 2 : total - total / 2;
                outSpatial[i] = out;
            } else {
                if (autoPad.equals("VALID")) {
                    padBegin[i] = 0;
                    padEnd[i] = 0;
                }
                int span = in + padBegin[i] + padEnd[i] - effK;
                if (span < 0) {
                    throw new IllegalArgumentException("kernel " + Arrays.toString(kernel) + " (dilations " + Arrays.toString(dilation)
                            + ") is larger than the padded input " + Arrays.toString(inSpatial));
                }
                outSpatial[i] = span / stride[i] + 1;
            }
        }
    }

    /** [N, M, out spatial...] */
    int[] outputDims() {
        int[] d = new int[outSpatial.length + 2];
        d[0] = batch;
        d[1] = outChannels;
        System.arraycopy(outSpatial, 0, d, 2, outSpatial.length);
        return d;
    }

    private static int[] values(long[] v, int r, String name) {
        int[] out = new int[r];
        if (v == null) {
            Arrays.fill(out, 1);
            return out;
        }
        if (v.length != r) throw new IllegalArgumentException(name + " " + Arrays.toString(v) + " must have " + r + " values");
        for (int i = 0; i < r; i++) {
            if (v[i] < 1) throw new IllegalArgumentException(name + " must be >= 1, got " + Arrays.toString(v));
            out[i] = (int) v[i];
        }
        return out;
    }
}
