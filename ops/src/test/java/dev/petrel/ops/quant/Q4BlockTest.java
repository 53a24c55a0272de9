package dev.petrel.ops.quant;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Q4BlockTest {
    @Test
    void firstElementIsTheLowNibble() {
        // Byte 0x2A: element 0 = 0xA = 10, element 1 = 2; byte 0xF0: element 2 = 0, element 3 = 15.
        ByteBuffer b = ByteBuffer.wrap(new byte[] {0x2A, (byte) 0xF0});
        assertThat(new int[] {Q4Block.code(b, 0, 0), Q4Block.code(b, 0, 1), Q4Block.code(b, 0, 2), Q4Block.code(b, 0, 3)})
                .containsExactly(10, 2, 0, 15);
        float[] w = new float[4];
        Q4Block.dequantize(b, 0, 4, 0.5f, 8, w, 0);
        assertThat(w).containsExactly(1f, -3f, -4f, 3.5f);
        // Zero points: block 0 in the low nibble, block 1 in the high one.
        ByteBuffer zp = ByteBuffer.wrap(new byte[] {0x31});
        assertThat(Q4Block.zeroPoint(zp, 0, 0)).isEqualTo(1);
        assertThat(Q4Block.zeroPoint(zp, 0, 1)).isEqualTo(3);
        // dot = 2*1 + 1*(-3) + 0*(-4) + (-1)*3.5 = -4.5.
        assertThat(Q4Block.dot(b, 0, 4, 0.5f, 8, new float[] {2, 1, 0, -1}, 0)).isEqualTo(-4.5f);
    }

    @Test
    void floatZeroPointUsesOnnxRuntimesForm() {
        ByteBuffer b = ByteBuffer.wrap(new byte[] {0x31});
        float[] w = new float[2];
        Q4Block.dequantize(b, 0, 2, 0.25f, 1.5f, w, 0);
        // q * s - s * zp: 1 * 0.25 - 0.375 and 3 * 0.25 - 0.375.
        assertThat(w).containsExactly(-0.125f, 0.375f);
    }

    @Test
    void symmetricQuantizationOfAHandBlock() {
        // Largest magnitude -4 -> scale 0.5, codes x/0.5 + 8.
        float[] x = {-4f, 0f, 1f, 3.6f, 1.25f, -0.75f};
        byte[] blob = new byte[8];
        float s = Q4Block.quantize(x, 0, 6, 16, null, blob, 0);
        assertThat(s).isEqualTo(0.5f);
        ByteBuffer b = ByteBuffer.wrap(blob);
        int[] codes = new int[16];
        for (int j = 0; j < 16; j++) codes[j] = Q4Block.code(b, 0, j);
        // 3.6/0.5 = 7.2 -> 7 -> 15; 1.25/0.5 = 2.5 -> 2 (half to even) -> 10; -1.5 -> -2 -> 6; padding 8.
        assertThat(codes).containsExactly(0, 8, 10, 15, 10, 6, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8);
    }

    @Test
    void asymmetricQuantizationOfAHandBlock() {
        // Range [-1, 2] -> scale 0.2, zero point 5; 2 -> 15, -1 -> 0, 0.6 -> 3 + 5 = 8.
        float[] x = {2f, -1f, 0.6f, 0f};
        int[] zp = new int[1];
        byte[] blob = new byte[8];
        float s = Q4Block.quantize(x, 0, 4, 16, zp, blob, 0);
        assertThat(s).isEqualTo(3f / 15f);
        assertThat(zp[0]).isEqualTo(5);
        ByteBuffer b = ByteBuffer.wrap(blob);
        assertThat(new int[] {Q4Block.code(b, 0, 0), Q4Block.code(b, 0, 1), Q4Block.code(b, 0, 2), Q4Block.code(b, 0, 3)})
                .containsExactly(15, 0, 8, 5);
    }

    @Test
    void roundTripErrorIsBoundedByTheStep() {
        Random r = new Random(1);
        for (int trial = 0; trial < 200; trial++) {
            int bs = 16 << r.nextInt(4);
            int count = 1 + r.nextInt(bs);
            float[] x = new float[count];
            for (int j = 0; j < count; j++) x[j] = (float) r.nextGaussian() * (trial + 1);
            for (boolean asym : new boolean[] {false, true}) {
                int[] zp = asym ? new int[1] : null;
                byte[] blob = new byte[bs / 2];
                float s = Q4Block.quantize(x, 0, count, bs, zp, blob, 0);
                float[] w = new float[count];
                Q4Block.dequantize(ByteBuffer.wrap(blob), 0, count, s, asym ? zp[0] : 8, w, 0);
                for (int j = 0; j < count; j++) {
                    int q = Q4Block.code(ByteBuffer.wrap(blob), 0, j);
                    // Half a step inside the grid; the code saturated at an end (x/s just past 7.5, or a
                    // zero point rounded by half a step) is at most one step away.
                    boolean end = q == 15 || q == 0;
                    double bound = Math.abs(s) * (end ? 1.0 : 0.5) * (1 + 1e-5) + 1e-30;
                    assertThat((double) Math.abs(w[j] - x[j])).as("trial %d elem %d", trial, j).isLessThanOrEqualTo(bound);
                }
            }
        }
    }

    @Test
    void eightBitLayoutAndRoundTrip() {
        ByteBuffer b = ByteBuffer.wrap(new byte[] {(byte) 130, 0, (byte) 255});
        float[] w = new float[3];
        Q8Block.dequantize(b, 0, 3, 0.5f, Q8Block.DEFAULT_ZERO_POINT, w, 0);
        assertThat(w).containsExactly(1f, -64f, 63.5f);
        float[] x = {1f, -2f, 0.5f, 3f};
        byte[] blob = new byte[16];
        float s = Q8Block.quantize(x, 0, 4, 16, null, blob, 0);
        assertThat(s).isEqualTo(3f / -128f);
        float[] back = new float[4];
        Q8Block.dequantize(ByteBuffer.wrap(blob), 0, 4, s, 128, back, 0);
        for (int j = 0; j < 4; j++) assertThat(Math.abs(back[j] - x[j])).isLessThanOrEqualTo(Math.abs(s) * 0.5f + 1e-7f);
    }
}
