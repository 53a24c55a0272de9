package dev.petrel.llm;

/**
 * {@link QuantizedMatrix} with 4-bit codes in [−8, 7]: per 8 inputs of a panel, 16 little-endian ints,
 * int j holding column j's 8 codes, input {@code k0 + s} in bits {@code [4s, 4s + 4)} as {@code code + 8}
 * (0..15, as ggml stores them). Quantizer as ggml
 * Q4_0: the block's value of largest magnitude m gets code −8, {@code scale = m/−8} rounded to fp16,
 * {@code code = round(w/scale)} clamped to [−8, 7].
 */
public final class Q4Matrix extends QuantizedMatrix {
    Q4Matrix(int in, int out, int blockSize, boolean halfScales, boolean withOffsets) {
        super(4, in, out, blockSize, halfScales, withOffsets);
    }

    Q4Matrix(int in, int out, int blockSize, boolean halfScales, java.nio.ByteBuffer codes, java.nio.ByteBuffer scales,
             java.nio.ByteBuffer offsets) {
        super(4, in, out, blockSize, halfScales, codes, scales, offsets, offsets != null);
    }

    /** Byte offset of the int holding {@code W[k, n]}. */
    private int intIndex(int n, int k) {
        return (((n / PANEL) * paddedIn + k) >> 3) * 64 + 4 * (n % PANEL);
    }

    @Override
    void putCode(int n, int k, int code) {
        if (code < -8 || code > 7) throw new IllegalArgumentException("4-bit code " + code + " out of [-8, 7]");
        int i = intIndex(n, k), shift = 4 * (k & 7);
        int v = codes.getInt(i);
        codes.putInt(i, (v & ~(0xF << shift)) | ((code + 8) << shift));
    }

    @Override
    public int code(int n, int k) {
        int v = codes.getInt(intIndex(n, k));
        return ((v >>> (4 * (k & 7))) & 0xF) - 8;
    }

    @Override
    float quantizeBlock(float[] v, int o, int count, int[] q) {
        float m = 0f;
        for (int i = 0; i < count; i++) if (Math.abs(v[o + i]) > Math.abs(m)) m = v[o + i];
        float d = toHalf(m / -8f), id = d == 0f ? 0f : 1f / d;
        // ggml's rule: trunc(w/d + 8.5), at most 15 (w/d >= -8 keeps the sum positive: trunc rounds half up).
        for (int i = 0; i < count; i++) q[i] = Math.max(0, Math.min(15, (int) (v[o + i] * id + 8.5f))) - 8;
        return d;
    }

    @Override
    void putCodes(int n, int k0, int count, int[] q) {
        if (count % 8 != 0 || k0 % 8 != 0) {
            super.putCodes(n, k0, count, q);
            return;
        }
        for (int g = 0; g < count; g += 8) {
            int v = 0;
            for (int s = 0; s < 8; s++) v |= (q[g + s] + 8) << (4 * s);
            codes.putInt(intIndex(n, k0 + g), v);
        }
    }
}
