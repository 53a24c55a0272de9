package dev.petrel.ops.quant;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Bnb4FormatTest {
    @Test
    void tables() {
        float[] fp4 = Bnb4Format.FP4.table();
        assertThat(fp4).containsExactly(0f, 0.0625f / 12, 8f / 12, 1f, 4f / 12, 0.5f, 2f / 12, 0.25f,
                -0f, -0.0625f / 12, -8f / 12, -1f, -4f / 12, -0.5f, -2f / 12, -0.25f);
        assertThat(Float.floatToIntBits(fp4[8])).isEqualTo(Float.floatToIntBits(-0f));
        float[] nf4 = Bnb4Format.NF4.table();
        assertThat(nf4[0]).isEqualTo(-1f);
        assertThat(nf4[7]).isEqualTo(0f);
        assertThat(nf4[15]).isEqualTo(1f);
        for (int i = 1; i < 16; i++) assertThat(nf4[i]).isGreaterThan(nf4[i - 1]);
        assertThat(Bnb4Format.of(0)).isEqualTo(Bnb4Format.FP4);
        assertThat(Bnb4Format.of(1)).isEqualTo(Bnb4Format.NF4);
        assertThat(Bnb4Format.of(2)).isNull();
    }

    @Test
    void evenFlatIndexIsTheHighNibble() {
        ByteBuffer b = ByteBuffer.wrap(new byte[] {(byte) 0xF0, 0x07});
        assertThat(new int[] {Bnb4Format.code(b, 0), Bnb4Format.code(b, 1), Bnb4Format.code(b, 2), Bnb4Format.code(b, 3)})
                .containsExactly(15, 0, 0, 7);
        float[] w = new float[4];
        Bnb4Format.NF4.dequantize(b, 0, 4, 2f, w, 0);
        assertThat(w).containsExactly(2f, -2f, -2f, 0f);
        Bnb4Format.FP4.dequantize(b, 0, 4, 2f, w, 0);
        assertThat(w).containsExactly(-0.5f, 0f, 0f, 0.5f);
    }

    @Test
    void nearestCodeWithMidpointBoundaries() {
        Bnb4Format nf4 = Bnb4Format.NF4;
        assertThat(nf4.quantizeOne(1f)).isEqualTo(15);
        assertThat(nf4.quantizeOne(-1f)).isEqualTo(0);
        assertThat(nf4.quantizeOne(0.01f)).isEqualTo(7);
        // Just above / at the midpoint between codes 7 (0) and 8 (0.0795...): at the midpoint, the lower code.
        float mid = 0.07958029955625534f / 2;
        assertThat(nf4.quantizeOne(mid)).isEqualTo(7);
        assertThat(nf4.quantizeOne(Math.nextUp(mid))).isEqualTo(8);
        Bnb4Format fp4 = Bnb4Format.FP4;
        // 0.3 is nearest to 4/12 (code 4); -0.3 to code 12; 0.9 to 1 (code 3); 0.0859375 is the pivot 0.0052/0.1667.
        assertThat(fp4.quantizeOne(0.3f)).isEqualTo(4);
        assertThat(fp4.quantizeOne(-0.3f)).isEqualTo(12);
        assertThat(fp4.quantizeOne(0.9f)).isEqualTo(3);
        assertThat(fp4.quantizeOne(0.0859375f)).isEqualTo(1);
        assertThat(fp4.quantizeOne(0.0859376f)).isEqualTo(6);
        assertThat(fp4.quantizeOne(-0f)).isEqualTo(0);
        // Every code maps back to itself (but -0, which is 0).
        for (Bnb4Format f : Bnb4Format.values()) {
            for (int c = 0; c < 16; c++) {
                int expected = f == Bnb4Format.FP4 && c == 8 ? 0 : c;
                assertThat(f.quantizeOne(f.value(c))).as("%s code %d", f, c).isEqualTo(expected);
            }
        }
    }

    @Test
    void blocksSpanRowsAndRoundTripWithinHalfTheLargestGap() {
        Random r = new Random(3);
        for (Bnb4Format f : Bnb4Format.values()) {
            float[] sorted = f.table();
            java.util.Arrays.sort(sorted);
            float gap = 0;
            for (int i = 1; i < 16; i++) gap = Math.max(gap, sorted[i] - sorted[i - 1]);
            for (int trial = 0; trial < 50; trial++) {
                int n = 1 + r.nextInt(300);
                int bs = 16 << r.nextInt(3);
                float[] x = new float[n];
                for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
                Bnb4Format.Quantized q = f.quantize(x, bs);
                assertThat(q.data).hasSize((n + 1) / 2);
                assertThat(q.absmax).hasSize((n + bs - 1) / bs);
                float[] w = new float[n];
                ByteBuffer data = ByteBuffer.wrap(q.data);
                for (int b = 0; b < q.absmax.length; b++) {
                    int start = b * bs;
                    f.dequantize(data, start, Math.min(bs, n - start), q.absmax[b], w, start);
                }
                for (int i = 0; i < n; i++) {
                    float absmax = q.absmax[i / bs];
                    assertThat((double) Math.abs(w[i] - x[i])).isLessThanOrEqualTo(gap / 2 * absmax * (1 + 1e-5));
                }
                // The largest magnitude of each block comes back exactly.
                assertThat(Math.abs(w[0]) <= q.absmax[0]).isTrue();
            }
        }
    }

    @Test
    void oddElementCountLeavesTheLastLowNibbleZero() {
        float[] x = {1f, -1f, 0.5f};
        Bnb4Format.Quantized q = Bnb4Format.NF4.quantize(x, 64);
        assertThat(q.absmax).containsExactly(1f);
        // codes 15, 0, nearest(0.5) = 12 (0.4407; the 12|13 pivot is 0.5017) -> bytes 0xF0, 0xC0.
        assertThat(q.data).containsExactly((byte) 0xF0, (byte) 0xC0);
    }
}
