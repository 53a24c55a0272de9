package dev.petrel.ops.quant;

import java.nio.ByteBuffer;

/**
 * bitsandbytes' 4-bit formats as ONNX Runtime's {@code MatMulBnb4} reads them: the weight is flattened
 * row-major, cut into blocks of {@code blockSize} consecutive flat elements (a block may span rows and
 * the last may be partial), each block scaled by its absmax; a weight is {@code table[q] * absmax}.
 * Two codes share a byte with the EVEN flat index in the HIGH nibble.
 *
 * <p>Quantization maps {@code x * (1 / absmax)} to the nearest code with the midpoints between
 * neighbouring codes as boundaries, a value on a boundary going to the lower code (ONNX Runtime's
 * and bitsandbytes' {@code x > pivot} tests): NF4 searches its sorted table; FP4, whose table is in
 * bit-pattern order (bit 3 the sign), searches a sorted copy of its eight magnitudes and adds the sign
 * of x, so -0 and 0 both give code 0.
 */
public enum Bnb4Format {
    /** quant_type 0: E2M1 with exponent bias 2, divided by its largest magnitude 12. */
    FP4(0, fp4Table()),
    /** quant_type 1: normal-float quantiles; sorted, index 7 is 0. */
    NF4(1, new float[] {
            -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
            -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
            0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
            0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f});

    private final int quantType;
    private final float[] table;
    /** Codes in the order of the values searched ({@link #sorted}): all 16 for NF4, the 8 magnitudes for FP4. */
    private final int[] sortedCodes;
    private final float[] sorted;
    /** Midpoints between neighbours of {@link #sorted}, rounded once from the exact double midpoint. */
    private final float[] pivots;

    Bnb4Format(int quantType, float[] table) {
        this.quantType = quantType;
        this.table = table;
        int count = quantType == 0 ? 8 : 16;
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) order[i] = i;
        java.util.Arrays.sort(order, (x, y) -> Float.compare(table[x], table[y]));
        sortedCodes = new int[count];
        sorted = new float[count];
        for (int i = 0; i < count; i++) {
            sortedCodes[i] = order[i];
            sorted[i] = table[order[i]];
        }
        pivots = new float[count - 1];
        for (int i = 0; i < count - 1; i++) pivots[i] = (float) (((double) sorted[i] + sorted[i + 1]) / 2);
    }

    private static float[] fp4Table() {
        float[] raw = {0f, 0.0625f, 8f, 12f, 4f, 6f, 2f, 3f};
        float[] t = new float[16];
        for (int i = 0; i < 8; i++) {
            t[i] = raw[i] / 12f;
            t[i + 8] = -raw[i] / 12f;
        }
        return t;
    }

    /** MatMulBnb4's {@code quant_type} attribute value. */
    public int quantType() {
        return quantType;
    }

    /** The format of a {@code quant_type} value, or null for an unknown one. */
    public static Bnb4Format of(long quantType) {
        return quantType == 0 ? FP4 : quantType == 1 ? NF4 : null;
    }

    /** The code table (a copy), index = 4-bit code. */
    public float[] table() {
        return table.clone();
    }

    public float value(int code) {
        return table[code];
    }

    /** The code nearest to {@code v}, a value already divided by its block's absmax. */
    public int quantizeOne(float v) {
        if (quantType == 0) {
            int sign = v < 0 ? 8 : 0;
            return sortedCodes[rank(Math.abs(v))] | sign;
        }
        return sortedCodes[rank(v)];
    }

    /** Index into {@link #sorted} of the nearest value: the number of pivots strictly below v. */
    private int rank(float v) {
        int lo = 0;
        int hi = pivots.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (v > pivots[mid]) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /** Code of flat element {@code i}: even i in the high nibble of byte i / 2. */
    public static int code(ByteBuffer packed, int i) {
        int b = packed.get(i >>> 1) & 0xFF;
        return (i & 1) == 0 ? b >>> 4 : b & 0x0F;
    }

    /** Writes {@code w[dstOff + j] = table[q(start + j)] * absmax} for flat elements start..start+count. */
    public void dequantize(ByteBuffer packed, int start, int count, float absmax, float[] dst, int dstOff) {
        for (int j = 0; j < count; j++) dst[dstOff + j] = table[code(packed, start + j)] * absmax;
    }

    /** {@code sum_j a[aOff + j] * w(start + j)}, summed in order in fp32. */
    public float dot(ByteBuffer packed, int start, int count, float absmax, float[] a, int aOff) {
        float s = 0f;
        for (int j = 0; j < count; j++) s += a[aOff + j] * (table[code(packed, start + j)] * absmax);
        return s;
    }

    /**
     * Quantizes the flat block {@code x[start, start + count)} into the nibbles of flat elements
     * start..start+count of {@code packed} (other nibbles untouched) and returns its absmax, as
     * ONNX Runtime's quantizer does: absmax in fp32, values multiplied by its reciprocal (0 for an
     * all-zero block).
     */
    public float quantizeBlock(float[] x, int start, int count, byte[] packed) {
        float absmax = 0f;
        for (int j = 0; j < count; j++) absmax = Math.max(absmax, Math.abs(x[start + j]));
        float inv = absmax != 0f ? 1f / absmax : 0f;
        for (int j = 0; j < count; j++) {
            int i = start + j;
            int q = quantizeOne(x[i] * inv);
            int b = packed[i >>> 1] & 0xFF;
            packed[i >>> 1] = (byte) ((i & 1) == 0 ? (b & 0x0F) | q << 4 : (b & 0xF0) | q);
        }
        return absmax;
    }

    /** A whole flattened weight of {@code x.length} elements: packed codes ((n+1)/2 bytes) and absmax per block. */
    public Quantized quantize(float[] x, int blockSize) {
        int n = x.length;
        int blocks = (n + blockSize - 1) / blockSize;
        byte[] packed = new byte[(n + 1) / 2];
        float[] absmax = new float[blocks];
        for (int b = 0; b < blocks; b++) {
            int start = b * blockSize;
            absmax[b] = quantizeBlock(x, start, Math.min(blockSize, n - start), packed);
        }
        return new Quantized(packed, absmax);
    }

    /** Packed codes and absmax of a quantized weight. */
    public static final class Quantized {
        public final byte[] data;
        public final float[] absmax;

        Quantized(byte[] data, float[] absmax) {
            this.data = data;
            this.absmax = absmax;
        }
    }
}
