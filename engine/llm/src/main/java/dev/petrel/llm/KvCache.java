package dev.petrel.llm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Keys and values of every layer for every position of the context, allocated once off-heap: per layer
 * one direct buffer of keys and one of values, each {@code [positions, d]} (head h in columns
 * {@code [h·headSize, (h+1)·headSize)}), as {@link DecoderMath#attention} reads them.
 */
public final class KvCache {
    private final FloatBuffer[] keys;
    private final FloatBuffer[] values;
    private final int positions;
    private final int width;

    KvCache(int layers, int positions, int width) {
        if ((long) positions * width * 4 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a KV cache of " + positions + " positions x " + width
                    + " floats per layer does not fit one buffer");
        }
        this.positions = positions;
        this.width = width;
        keys = new FloatBuffer[layers];
        values = new FloatBuffer[layers];
        for (int l = 0; l < layers; l++) {
            keys[l] = ByteBuffer.allocateDirect(4 * positions * width).order(ByteOrder.nativeOrder()).asFloatBuffer();
            values[l] = ByteBuffer.allocateDirect(4 * positions * width).order(ByteOrder.nativeOrder()).asFloatBuffer();
        }
    }

    /** Positions the cache holds: the model's context length. */
    public int positions() {
        return positions;
    }

    /** Off-heap bytes of the cache: layers × 2 × positions × d × 4. */
    public long bytes() {
        return 2L * keys.length * positions * width * 4;
    }

    FloatBuffer keys(int layer) {
        return keys[layer];
    }

    FloatBuffer values(int layer) {
        return values[layer];
    }

    /** Stores key and value of {@code rows} rows of a c_attn output {@code [rows, 3·d]} at positions {@code first + r}. */
    void store(int layer, int first, float[] qkv, int rows) {
        FloatBuffer k = keys[layer], v = values[layer];
        int d = width;
        for (int r = 0; r < rows; r++) {
            int src = r * 3 * d, dst = (first + r) * d;
            for (int i = 0; i < d; i++) {
                k.put(dst + i, qkv[src + d + i]);
                v.put(dst + i, qkv[src + 2 * d + i]);
            }
        }
    }
}
