package dev.petrel.llm;

/**
 * {@link QuantizedMatrix} with 8-bit codes in [−128, 127]: per 4 inputs of a panel, 16 little-endian ints,
 * int j holding column j's 4 codes, input {@code k0 + s} in bits {@code [8s, 8s + 8)} as {@code code + 128}.
 * Quantizer as ggml Q8_0: {@code scale = amax/127} rounded to fp16, {@code code = round(w/scale)}
 * (halves away from zero), clamped to [−127, 127].
 */
public final class Q8Matrix extends QuantizedMatrix {
    Q8Matrix(int in, int out, int blockSize, boolean halfScales, boolean withOffsets) {
        super(8, in, out, blockSize, halfScales, withOffsets);
    }

    Q8Matrix(int in, int out, int blockSize, boolean halfScales, java.nio.ByteBuffer codes, java.nio.ByteBuffer scales,
             java.nio.ByteBuffer offsets) {
        super(8, in, out, blockSize, halfScales, codes, scales, offsets, offsets != null);
    }

    private int index(int n, int k) {
        return (((n / PANEL) * paddedIn + k) >> 2) * 64 + 4 * (n % PANEL) + (k & 3);
    }

    @Override
    void putCode(int n, int k, int code) {
        if (code < -128 || code > 127) throw new IllegalArgumentException("8-bit code " + code + " out of [-128, 127]");
        codes.put(index(n, k), (byte) (code + 128));
    }

    @Override
    public int code(int n, int k) {
        return (codes.get(index(n, k)) & 0xFF) - 128;
    }

    @Override
    float quantizeBlock(float[] v, int o, int count, int[] q) {
        float amax = 0f;
        for (int i = 0; i < count; i++) amax = Math.max(amax, Math.abs(v[o + i]));
        float d = toHalf(amax / 127f), id = d == 0f ? 0f : 1f / d;
        for (int i = 0; i < count; i++) q[i] = Math.max(-127, Math.min(127, roundAway(v[o + i] * id)));
        return d;
    }

    @Override
    void putCodes(int n, int k0, int count, int[] q) {
        if (count % 4 != 0 || k0 % 4 != 0) {
            super.putCodes(n, k0, count, q);
            return;
        }
        for (int g = 0; g < count; g += 4) {
            int v = 0;
            for (int s = 0; s < 4; s++) v |= (q[g + s] + 128) << (8 * s);
            codes.putInt(index(n, k0 + g), v);
        }
    }
}
