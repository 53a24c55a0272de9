package dev.petrel.ops.quant;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.ops.Elements;
import dev.petrel.ops.Shapes;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * N-D grouped convolution of 8-bit data with zero points, accumulating in int32:
 * {@code acc[n,m,p] = sum_{c,k} (x[n,c,p*s+k*d-pad] - x_zp) * (w[m,c,k] - w_zp[m])}, where padding
 * contributes nothing (it stands for x_zp). Each image and group is unfolded (im2col) into rows of
 * zero-point-corrected ints, one row per output position, so every output is a contiguous dot product.
 */
final class IntConv {
    private int[] cols = new int[0];
    private int[] weights = new int[0];

    /** Computes acc[N, M, out...] into {@code out} (row-major). */
    void compute(ConvGeometry g, Tensor x, int xZp, Tensor w, int[] wZp, int[] out) {
        checkByteType(x, "x");
        checkByteType(w, "w");
        int r = g.inSpatial.length;
        int cg = g.channels / g.group;
        int mg = g.outChannels / g.group;
        int kSize = Shapes.product(g.kernel, 0, r);
        int inSize = Shapes.product(g.inSpatial, 0, r);
        int outSize = Shapes.product(g.outSpatial, 0, r);
        int depth = cg * kSize;

        if (weights.length < g.outChannels * depth) weights = new int[g.outChannels * depth];
        ByteBuffer wb = w.bytes();
        boolean wSigned = w.dtype() == DType.INT8;
        for (int m = 0; m < g.outChannels; m++) {
            for (int q = 0; q < depth; q++) {
                int i = m * depth + q;
                weights[i] = (wSigned ? wb.get(i) : wb.get(i) & 0xFF) - wZp[m];
            }
        }

        if (cols.length < outSize * depth) cols = new int[outSize * depth];
        int[] inStrides = Shapes.strides(g.inSpatial);
        int[] kernelIdx = new int[r];
        int[] outIdx = new int[r];
        ByteBuffer xb = x.bytes();
        boolean xSigned = x.dtype() == DType.INT8;
        for (int n = 0; n < g.batch; n++) {
            for (int grp = 0; grp < g.group; grp++) {
                int channelBase = (n * g.channels + grp * cg) * inSize;
                Arrays.fill(outIdx, 0);
                for (int p = 0; p < outSize; p++) {
                    int rowBase = p * depth;
                    Arrays.fill(kernelIdx, 0);
                    for (int kp = 0; kp < kSize; kp++) {
                        int off = 0;
                        boolean inside = true;
                        for (int d = 0; d < r; d++) {
                            int c = outIdx[d] * g.stride[d] - g.padBegin[d] + kernelIdx[d] * g.dilation[d];
                            if (c < 0 || c >= g.inSpatial[d]) {
                                inside = false;
                                break;
                            }
                            off += c * inStrides[d];
                        }
                        for (int c = 0; c < cg; c++) {
                            int v = 0;
                            if (inside) {
                                int at = channelBase + c * inSize + off;
                                v = (xSigned ? xb.get(at) : xb.get(at) & 0xFF) - xZp;
                            }
                            cols[rowBase + c * kSize + kp] = v;
                        }
                        increment(kernelIdx, g.kernel);
                    }
                    increment(outIdx, g.outSpatial);
                }
                for (int mi = 0; mi < mg; mi++) {
                    int m = grp * mg + mi;
                    int wOff = m * depth;
                    int outOff = (n * g.outChannels + m) * outSize;
                    for (int p = 0; p < outSize; p++) {
                        int cOff = p * depth;
                        int s = 0;
                        for (int q = 0; q < depth; q++) s += weights[wOff + q] * cols[cOff + q];
                        out[outOff + p] = s;
                    }
                }
            }
        }
    }

    /** Zero point of w, expanded to one value per output channel. */
    static int[] weightZeroPoints(Tensor wZp, int outChannels, String name) {
        int[] z = new int[outChannels];
        if (wZp == null) return z;
        if (wZp.size() == 1) {
            Arrays.fill(z, (int) Elements.getLong(wZp, 0));
        } else if (wZp.rank() == 1 && wZp.dim(0) == outChannels) {
            for (int m = 0; m < outChannels; m++) z[m] = (int) Elements.getLong(wZp, m);
        } else {
            throw new IllegalArgumentException("input '" + name + "' " + wZp.describe()
                    + " must be a scalar or a 1-D tensor of " + outChannels + " values (one per output channel)");
        }
        return z;
    }

    private static void increment(int[] idx, int[] dims) {
        for (int d = idx.length - 1; d >= 0; d--) {
            if (++idx[d] < dims[d]) return;
            idx[d] = 0;
        }
    }

    private static void checkByteType(Tensor t, String name) {
        if (t.dtype() != DType.UINT8 && t.dtype() != DType.INT8) {
            throw new IllegalArgumentException("input '" + name + "' must be UINT8 or INT8, got " + t.describe());
        }
    }
}
