package dev.petrel.ops.quant;

import java.nio.ByteBuffer;

/**
 * One block of ONNX Runtime's {@code MatMulNBits} 4-bit weight layout: {@code blockSize} consecutive
 * weights of one output row n along K, stored as {@code blockSize / 2} bytes with the first element of
 * each pair in the LOW nibble, one scale per block, and a zero point (default 8) per block; the zero
 * points of a row pack two per byte in the same low-nibble-first order, a row starting on a byte.
 * A weight is {@code (q - zp) * scale}.
 *
 * <p>The last block of a row whose K is not a multiple of the block size is padded; its padding codes
 * are never read here. ONNX Runtime's contrib-op documentation fixes the layout and the dequantization,
 * not the quantizer: {@link #quantize} is one reasonable choice (round half to even, saturate).
 */
public final class Q4Block {
    /** Zero point of a block when the model gives none: 2^(bits-1). */
    public static final int DEFAULT_ZERO_POINT = 8;

    private Q4Block() {}

    /** Bytes holding one block of {@code blockSize} codes. */
    public static int blobSize(int blockSize) {
        return blockSize / 2;
    }

    /** Bytes of packed zero points per row for {@code blocks} blocks. */
    public static int zeroPointRowBytes(int blocks) {
        return (blocks + 1) / 2;
    }

    /** Code j of the block whose bytes start at {@code off}. */
    public static int code(ByteBuffer blob, int off, int j) {
        int b = blob.get(off + (j >>> 1)) & 0xFF;
        return (j & 1) == 0 ? b & 0x0F : b >>> 4;
    }

    /** Zero point of block {@code kb} in a row of packed zero points starting at byte {@code rowOff}. */
    public static int zeroPoint(ByteBuffer packed, int rowOff, int kb) {
        int b = packed.get(rowOff + (kb >>> 1)) & 0xFF;
        return (kb & 1) == 0 ? b & 0x0F : b >>> 4;
    }

    /** Writes the first {@code count} weights of a block: {@code (q - zp) * scale}, one rounding each. */
    public static void dequantize(ByteBuffer blob, int off, int count, float scale, int zp, float[] dst, int dstOff) {
        for (int j = 0; j < count; j++) dst[dstOff + j] = (code(blob, off, j) - zp) * scale;
    }

    /**
     * The same with a floating-point zero point (the unpacked form, in A's type): ONNX Runtime computes
     * {@code q * scale + (-scale * zp)}, which rounds differently from {@code (q - zp) * scale}.
     */
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
     * Quantizes {@code x[off, off + count)} ({@code count <= blockSize}) into the {@code blockSize / 2}
     * bytes at {@code blob[blobOff]} and returns the scale. Symmetric when {@code zeroPoint} is null
     * (zero point 8, scale = the value of largest magnitude / -8, as ggml's Q4_0): that value maps to
     * code 0 exactly. Otherwise asymmetric over [min(x, 0), max(x, 0)] with scale = range / 15 and the
     * chosen zero point written to {@code zeroPoint[0]}. Codes round half to even and saturate to
     * [0, 15]; padding codes equal the zero point (they dequantize to 0). An all-zero block gets scale 0.
     */
    public static float quantize(float[] x, int off, int count, int blockSize, int[] zeroPoint, byte[] blob, int blobOff) {
        if (count > blockSize || blockSize % 2 != 0) {
            throw new IllegalArgumentException("count " + count + " must be <= blockSize " + blockSize + " (even)");
        }
        float scale;
        int zp;
        if (zeroPoint == null) {
            float m = 0f;
            for (int j = 0; j < count; j++) if (Math.abs(x[off + j]) > Math.abs(m)) m = x[off + j];
            scale = m / -8f;
            zp = DEFAULT_ZERO_POINT;
        } else {
            float lo = 0f;
            float hi = 0f;
            for (int j = 0; j < count; j++) {
                lo = Math.min(lo, x[off + j]);
                hi = Math.max(hi, x[off + j]);
            }
            scale = (hi - lo) / 15f;
            zp = scale == 0f ? 0 : QuantMath.saturate(-lo / scale, 0, 15);
            zeroPoint[0] = zp;
        }
        for (int j = 0; j < blockSize; j += 2) {
            int q0 = j < count ? code(x[off + j], scale, zp) : zp;
            int q1 = j + 1 < count ? code(x[off + j + 1], scale, zp) : zp;
            blob[blobOff + j / 2] = (byte) (q0 | q1 << 4);
        }
        return scale;
    }

    private static int code(float v, float scale, int zp) {
        return scale == 0f ? zp : QuantMath.saturate((double) (v / scale) + zp, 0, 15);
    }

    /** Packs per-block zero points (0..15) of one row, two per byte, low nibble first. */
    public static void packZeroPoints(int[] zp, int zpOff, int blocks, byte[] dst, int dstOff) {
        for (int kb = 0; kb < blocks; kb += 2) {
            int lo = zp[zpOff + kb] & 0x0F;
            int hi = kb + 1 < blocks ? zp[zpOff + kb + 1] & 0x0F : 0;
            dst[dstOff + kb / 2] = (byte) (lo | hi << 4);
        }
    }

    /**
     * A whole [N, K] weight (row-major, like a PyTorch Linear) quantized in MatMulNBits' layout:
     * {@code data} is B ([N, kBlocks, blockSize/2]), {@code scales} [N, kBlocks], {@code zeroPoints}
     * packed [N, ceil(kBlocks/2)] or null when symmetric.
     */
    public static Quantized quantize(float[] w, int n, int k, int blockSize, boolean withZeroPoints) {
        int blocks = (k + blockSize - 1) / blockSize;
        int blob = blobSize(blockSize);
        byte[] data = new byte[n * blocks * blob];
        float[] scales = new float[n * blocks];
        int[] zps = new int[n * blocks];
        int[] one = withZeroPoints ? new int[1] : null;
        for (int r = 0; r < n; r++) {
            for (int kb = 0; kb < blocks; kb++) {
                int start = kb * blockSize;
                int count = Math.min(blockSize, k - start);
                scales[r * blocks + kb] = quantize(w, r * k + start, count, blockSize, one, data, (r * blocks + kb) * blob);
                zps[r * blocks + kb] = withZeroPoints ? one[0] : DEFAULT_ZERO_POINT;
            }
        }
        byte[] packed = null;
        if (withZeroPoints) {
            int rowBytes = zeroPointRowBytes(blocks);
            packed = new byte[n * rowBytes];
            for (int r = 0; r < n; r++) packZeroPoints(zps, r * blocks, blocks, packed, r * rowBytes);
        }
        return new Quantized(data, scales, packed, blocks);
    }

    /** The three tensors of a quantized weight. */
    public static final class Quantized {
        public final byte[] data;
        public final float[] scales;
        /** Packed zero points, or null (default 8). */
        public final byte[] zeroPoints;
        public final int blocks;

        Quantized(byte[] data, float[] scales, byte[] zeroPoints, int blocks) {
            this.data = data;
            this.scales = scales;
            this.zeroPoints = zeroPoints;
            this.blocks = blocks;
        }
    }
}
