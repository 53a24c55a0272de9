package dev.petrel.ops.quant;

import java.nio.ByteBuffer;

/**
 * One block of ONNX Runtime's {@code MatMulNBits} 8-bit weight layout: {@code blockSize} consecutive
 * weights of one output row along K, one byte each, a scale per block, and a zero point (default 128)
 * per block, one byte each. A weight is {@code (q - zp) * scale}.
 */
public final class Q8Block {
    /** Zero point of a block when the model gives none: 2^(bits-1). */
    public static final int DEFAULT_ZERO_POINT = 128;

    private Q8Block() {}

    public static int code(ByteBuffer blob, int off, int j) {
        return blob.get(off + j) & 0xFF;
    }

    public static void dequantize(ByteBuffer blob, int off, int count, float scale, int zp, float[] dst, int dstOff) {
        for (int j = 0; j < count; j++) dst[dstOff + j] = (code(blob, off, j) - zp) * scale;
    }

    /** As {@link Q4Block#dequantize(ByteBuffer, int, int, float, float, float[], int)}: ONNX Runtime's float zero point form. */
    public static void dequantize(ByteBuffer blob, int off, int count, float scale, float zp, float[] dst, int dstOff) {
        float adjust = -scale * zp;
        for (int j = 0; j < count; j++) dst[dstOff + j] = code(blob, off, j) * scale + adjust;
    }

    /** {@code sum_j a[aOff + j] * w_j} over the first {@code count} weights, summed in order in fp32. */
    public static float dot(ByteBuffer blob, int off, int count, float scale, int zp, float[] a, int aOff) {
        float s = 0f;
        for (int j = 0; j < count; j++) s += a[aOff + j] * ((code(blob, off, j) - zp) * scale);
        return s;
    }

    /**
     * Quantizes {@code x[off, off + count)} into {@code blockSize} bytes at {@code blob[blobOff]} and
     * returns the scale: symmetric (zero point 128, scale = largest-magnitude value / -128) when
     * {@code zeroPoint} is null, else asymmetric over [min(x, 0), max(x, 0)] (scale = range / 255, zero
     * point written to {@code zeroPoint[0]}). Round half to even, saturate to [0, 255]; padding codes
     * equal the zero point.
     */
    public static float quantize(float[] x, int off, int count, int blockSize, int[] zeroPoint, byte[] blob, int blobOff) {
        if (count > blockSize) throw new IllegalArgumentException("count " + count + " must be <= blockSize " + blockSize);
        float scale;
        int zp;
        if (zeroPoint == null) {
            float m = 0f;
            for (int j = 0; j < count; j++) if (Math.abs(x[off + j]) > Math.abs(m)) m = x[off + j];
            scale = m / -128f;
            zp = DEFAULT_ZERO_POINT;
        } else {
            float lo = 0f;
            float hi = 0f;
            for (int j = 0; j < count; j++) {
                lo = Math.min(lo, x[off + j]);
                hi = Math.max(hi, x[off + j]);
            }
            scale = (hi - lo) / 255f;
            zp = scale == 0f ? 0 : QuantMath.saturate(-lo / scale, 0, 255);
            zeroPoint[0] = zp;
        }
        for (int j = 0; j < blockSize; j++) {
            int q = j >= count || scale == 0f ? zp : QuantMath.saturate((double) (x[off + j] / scale) + zp, 0, 255);
            blob[blobOff + j] = (byte) q;
        }
        return scale;
    }
}
