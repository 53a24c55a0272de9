package dev.petrel.vector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.spi.Parallel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The two exact int8 formulations, the fp32-FMA one ({@link Int8FloatGemm}, the default) and the
 * 16-bit integer one ({@link Int8Gemm}), give the same floats on random shapes, weight types, zero
 * points and value ranges (full 8-bit, where K blocks are shortest, and 7-bit).
 */
class Int8GemmFormulationsTest {
    @Property(tries = 40)
    void bothFormulationsAgree(@ForAll @IntRange(min = 1, max = 70) int m, @ForAll @IntRange(min = 1, max = 700) int k,
                               @ForAll @IntRange(min = 1, max = 110) int n, @ForAll boolean signed, @ForAll boolean sevenBit,
                               @ForAll boolean bias, @ForAll long seed) {
        Random r = new Random(seed);
        byte[] w = new byte[k * n];
        for (int i = 0; i < w.length; i++) w[i] = (byte) (sevenBit ? r.nextInt(129) - 64 : r.nextInt(256));
        byte[] z = new byte[n];
        for (int j = 0; j < n; j++) z[j] = (byte) (sevenBit ? 0 : r.nextInt(256));
        DType t = signed ? DType.INT8 : DType.UINT8;
        Tensor wt = Tensor.of(t, w, k, n);
        Tensor zt = Tensor.of(t, z, n);
        float[] ws = new float[n];
        float[] b = new float[n];
        for (int j = 0; j < n; j++) {
            ws[j] = 0.001f + r.nextFloat() * 0.01f;
            b[j] = (float) r.nextGaussian();
        }
        Arena arena = Arena.ofAuto();
        MemorySegment x = arena.allocate((long) m * k * 4, 64);
        float spread = r.nextBoolean() ? 1f : 1000f;
        for (long i = 0; i < (long) m * k; i++) x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) r.nextGaussian() * spread + (r.nextBoolean() ? 0f : spread));
        MemorySegment y1 = arena.allocate((long) m * n * 4, 64);
        MemorySegment y2 = arena.allocate((long) m * n * 4, 64);
        Int8FloatGemm f = new Int8FloatGemm();
        f.quantize(x, 0, m, k);
        f.multiply(Parallel.SEQUENTIAL, Int8ColumnPanels.of(wt, zt), ws, bias ? b : null, -1, null, y1);
        Int8Gemm g = new Int8Gemm();
        g.quantize(x, 0, m, k);
        g.multiply(Parallel.SEQUENTIAL, Int8Panels.of(wt, zt, false), ws, bias ? b : null, y2);
        assertThat(f.scale()).isEqualTo(g.scale());
        assertThat(f.zeroPoint()).isEqualTo(g.zeroPoint());
        assertThat(y1.toArray(ValueLayout.JAVA_FLOAT)).containsExactly(y2.toArray(ValueLayout.JAVA_FLOAT));
    }
}
