package dev.petrel.ops.vision;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Float16;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The interpolation behind Resize and Upsample. Every mode (nearest, n-linear, cubic) is separable, so
 * the tensor is resampled one axis at a time: each output position along an axis is a weighted sum of
 * a few input positions (1, 2 or 4 taps), or the extrapolation value when tf_crop_and_resize maps it
 * outside the input. An axis whose mapping is the identity is skipped.
 */
final class Resampler {
    enum Mode { NEAREST, LINEAR, CUBIC }

    enum Coord { HALF_PIXEL, HALF_PIXEL_SYMMETRIC, PYTORCH_HALF_PIXEL, ALIGN_CORNERS, ASYMMETRIC, TF_HALF_PIXEL_FOR_NN, TF_CROP_AND_RESIZE }

    /** SIMPLE is the rounding of opsets before 11: ceil when downsampling, floor otherwise. */
    enum Rounding { ROUND_PREFER_FLOOR, ROUND_PREFER_CEIL, FLOOR, CEIL, SIMPLE }

    final Mode mode;
    final Coord coord;
    final Rounding rounding;
    final double cubicA;
    final boolean excludeOutside;
    final double extrapolation;

    Resampler(Mode mode, Coord coord, Rounding rounding, double cubicA, boolean excludeOutside, double extrapolation) {
        this.mode = mode;
        this.coord = coord;
        this.rounding = rounding;
        this.cubicA = cubicA;
        this.excludeOutside = excludeOutside;
        this.extrapolation = extrapolation;
    }

    static Mode mode(String s, String op) {
        switch (s) {
            case "nearest": return Mode.NEAREST;
            case "linear": case "bilinear": return Mode.LINEAR;
            case "cubic": return Mode.CUBIC;
            default: throw new IllegalArgumentException(op + " mode must be nearest, linear or cubic, got '" + s + "'");
        }
    }

    static Coord coord(String s, String op) {
        switch (s) {
            case "half_pixel": return Coord.HALF_PIXEL;
            case "half_pixel_symmetric": return Coord.HALF_PIXEL_SYMMETRIC;
            case "pytorch_half_pixel": return Coord.PYTORCH_HALF_PIXEL;
            case "align_corners": return Coord.ALIGN_CORNERS;
            case "asymmetric": return Coord.ASYMMETRIC;
            case "tf_half_pixel_for_nn": return Coord.TF_HALF_PIXEL_FOR_NN;
            case "tf_crop_and_resize": return Coord.TF_CROP_AND_RESIZE;
            default: throw new IllegalArgumentException(op + " coordinate_transformation_mode '" + s + "' is not defined");
        }
    }

    static Rounding rounding(String s, String op) {
        switch (s) {
            case "round_prefer_floor": return Rounding.ROUND_PREFER_FLOOR;
            case "round_prefer_ceil": return Rounding.ROUND_PREFER_CEIL;
            case "floor": return Rounding.FLOOR;
            case "ceil": return Rounding.CEIL;
            default: throw new IllegalArgumentException(op + " nearest_mode '" + s + "' is not defined");
        }
    }

    /** Taps of one axis: for output j, weights wt[j*taps+k] of input positions idx[j*taps+k]; extrap[j] marks outside. */
    private static final class AxisMap {
        int taps;
        int[] idx;
        double[] wt;
        boolean[] extrap;
        boolean identity;
    }

    /**
     * Resamples {@code x} to {@code outDims} into {@code out}. {@code scales[d]} is the scale of axis d,
     * {@code roi} (2*rank values: starts then ends, or null) is used by tf_crop_and_resize.
     */
    void resize(Tensor x, Tensor out, double[] scales, double[] roi) {
        int[] dims = x.dims();
        int[] outDims = out.dims();
        int rank = dims.length;
        boolean floating = x.dtype().isFloatingPoint();
        if (mode != Mode.NEAREST && !floating) {
            throw new UnsupportedFeatureException("Resize in " + mode.name().toLowerCase() + " mode supports floating-point data only, got " + x.dtype());
        }
        AxisMap[] maps = new AxisMap[rank];
        for (int d = 0; d < rank; d++) {
            double start = roi == null ? 0 : roi[d];
            double end = roi == null ? 1 : roi[rank + d];
            maps[d] = map(dims[d], outDims[d], scales[d], start, end);
        }
        if (out.size() == 0) return;
        if (mode == Mode.NEAREST) {
            int es = x.dtype().byteSize();
            byte[] data = x.toByteArray();
            byte[] fill = encode(extrapolation, x.dtype());
            int[] cur = dims.clone();
            for (int d = rank - 1; d >= 0; d--) {
                if (maps[d].identity) continue;
                data = nearestPass(data, cur, d, outDims[d], maps[d], es, fill);
                cur[d] = outDims[d];
            }
            Tensor.copyBytes(ByteBuffer.wrap(data), 0, out.bytes(), 0, data.length);
        } else {
            double[] data = Elements.toDoubles(Elements.requireFloating(x, "Resize input X in " + mode + " mode"));
            int[] cur = dims.clone();
            for (int d = rank - 1; d >= 0; d--) {
                if (maps[d].identity) continue;
                data = weightedPass(data, cur, d, outDims[d], maps[d]);
                cur[d] = outDims[d];
            }
            Elements.storeDoubles(out, data);
        }
    }

    private AxisMap map(int in, int outLen, double scale, double start, double end) {
        AxisMap m = new AxisMap();
        m.taps = mode == Mode.NEAREST ? 1 : mode == Mode.LINEAR ? 2 : 4;
        m.idx = new int[outLen * m.taps];
        m.wt = new double[outLen * m.taps];
        m.extrap = new boolean[outLen];
        boolean identity = in == outLen;
        for (int j = 0; j < outLen; j++) {
            double xo = original(j, scale, in, outLen, start, end);
            int base = j * m.taps;
            if (coord == Coord.TF_CROP_AND_RESIZE && (xo < 0 || xo > in - 1)) {
                m.extrap[j] = true;
                identity = false;
                continue;
            }
            switch (mode) {
                case NEAREST: {
                    int i = clamp(round(xo, scale), in);
                    m.idx[base] = i;
                    m.wt[base] = 1;
                    identity &= i == j;
                    break;
                }
                case LINEAR: {
                    double xc = Math.max(0, Math.min(xo, in - 1));
                    int i0 = (int) Math.floor(xc);
                    int i1 = Math.min(i0 + 1, in - 1);
                    double w1 = xc - i0;
                    m.idx[base] = i0;
                    m.idx[base + 1] = i1;
                    m.wt[base] = 1 - w1;
                    m.wt[base + 1] = w1;
                    identity &= i0 == j && w1 == 0;
                    break;
                }
                default: {
                    int i0 = (int) Math.floor(xo);
                    double s = xo - i0;
                    double[] c = cubic(s);
                    double sum = 0;
                    for (int k = 0; k < 4; k++) {
                        int i = i0 - 1 + k;
                        if (excludeOutside && (i < 0 || i >= in)) c[k] = 0;
                        sum += c[k];
                        m.idx[base + k] = clamp(i, in);
                    }
                    for (int k = 0; k < 4; k++) m.wt[base + k] = excludeOutside && sum != 0 ? c[k] / sum : c[k];
                    identity &= s == 0 && i0 == j && !excludeOutside;
                    break;
                }
            }
        }
        m.identity = identity;
        return m;
    }

    /**
     * The input coordinate of output position j. As in the ONNX definition, the resized length in these
     * formulas is input length times scale, which need not be an integer (it differs from the output
     * length when downsampling by a scale like 0.6).
     */
    private double original(int j, double scale, int in, int outLen, double start, double end) {
        double resized = scale * in;
        switch (coord) {
            case HALF_PIXEL: return (j + 0.5) / scale - 0.5;
            case HALF_PIXEL_SYMMETRIC: {
                double adjustment = outLen / resized;
                double center = in / 2.0;
                return center * (1 - adjustment) + (j + 0.5) / scale - 0.5;
            }
            case PYTORCH_HALF_PIXEL: return resized > 1 ? (j + 0.5) / scale - 0.5 : 0;
            case ALIGN_CORNERS: return outLen == 1 || resized == 1 ? 0 : j * (double) (in - 1) / (resized - 1);
            case ASYMMETRIC: return j / scale;
            case TF_HALF_PIXEL_FOR_NN: return (j + 0.5) / scale;
            case TF_CROP_AND_RESIZE:
                return resized > 1 ? start * (in - 1) + j * (end - start) * (in - 1) / (resized - 1) : 0.5 * (start + end) * (in - 1);
            default: throw new AssertionError(coord);
        }
    }

    private int round(double x, double scale) {
        switch (rounding) {
            case ROUND_PREFER_FLOOR: return x == Math.floor(x) + 0.5 ? (int) Math.floor(x) : (int) Math.round(x);
            case ROUND_PREFER_CEIL: return (int) Math.floor(x + 0.5);
            case FLOOR: return (int) Math.floor(x);
            case CEIL: return (int) Math.ceil(x);
            case SIMPLE: return scale < 1 ? (int) Math.ceil(x) : (int) Math.floor(x);
            default: throw new AssertionError(rounding);
        }
    }

    private double[] cubic(double s) {
        double a = cubicA;
        double s1 = s + 1;
        double s2 = 1 - s;
        double s3 = 2 - s;
        return new double[] {
            ((a * s1 - 5 * a) * s1 + 8 * a) * s1 - 4 * a,
            ((a + 2) * s - (a + 3)) * s * s + 1,
            ((a + 2) * s2 - (a + 3)) * s2 * s2 + 1,
            ((a * s3 - 5 * a) * s3 + 8 * a) * s3 - 4 * a,
        };
    }

    private static int clamp(int i, int n) {
        return i < 0 ? 0 : i >= n ? n - 1 : i;
    }

    private static byte[] nearestPass(byte[] in, int[] dims, int axis, int outLen, AxisMap m, int es, byte[] fill) {
        int outer = product(dims, 0, axis);
        int inLen = dims[axis];
        int inner = product(dims, axis + 1, dims.length) * es;
        byte[] out = new byte[outer * outLen * inner];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < outLen; j++) {
                int dst = (o * outLen + j) * inner;
                if (m.extrap[j]) {
                    for (int b = 0; b < inner; b += es) System.arraycopy(fill, 0, out, dst + b, es);
                } else {
                    System.arraycopy(in, (o * inLen + m.idx[j]) * inner, out, dst, inner);
                }
            }
        }
        return out;
    }

    private double[] weightedPass(double[] in, int[] dims, int axis, int outLen, AxisMap m) {
        int outer = product(dims, 0, axis);
        int inLen = dims[axis];
        int inner = product(dims, axis + 1, dims.length);
        int taps = m.taps;
        double[] out = new double[outer * outLen * inner];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < outLen; j++) {
                int dst = (o * outLen + j) * inner;
                if (m.extrap[j]) {
                    for (int i = 0; i < inner; i++) out[dst + i] = extrapolation;
                    continue;
                }
                for (int k = 0; k < taps; k++) {
                    double w = m.wt[j * taps + k];
                    if (w == 0) continue;
                    int src = (o * inLen + m.idx[j * taps + k]) * inner;
                    for (int i = 0; i < inner; i++) out[dst + i] += w * in[src + i];
                }
            }
        }
        return out;
    }

    private static int product(int[] dims, int from, int to) {
        long p = 1;
        for (int i = from; i < to; i++) p *= dims[i];
        if (p > Integer.MAX_VALUE) throw new IllegalArgumentException("too many elements to resample");
        return (int) p;
    }

    /** One element of {@code type} holding {@code v} (cast as ONNX casts floats to integers: truncation). */
    private static byte[] encode(double v, DType type) {
        ByteBuffer b = ByteBuffer.allocate(Math.max(type.byteSize(), 1)).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case FLOAT: b.putFloat(0, (float) v); break;
            case DOUBLE: b.putDouble(0, v); break;
            case FLOAT16: b.putShort(0, Float16.fromFloat((float) v)); break;
            case BFLOAT16: b.putShort(0, Float16.floatToBfloat16((float) v)); break;
            case INT64: case UINT64: b.putLong(0, (long) v); break;
            case INT32: case UINT32: b.putInt(0, (int) (long) v); break;
            case INT16: case UINT16: b.putShort(0, (short) (long) v); break;
            case BOOL: b.put(0, (byte) (v != 0 ? 1 : 0)); break;
            default: b.put(0, (byte) (long) v); break;
        }
        return b.array();
    }
}
