package dev.petrel.vector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.spi.Parallel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** FloatGemm directly: K longer than one KC chunk (partial sums added to C), row and column tails, packing. */
class FloatGemmTest {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Property(tries = 15)
    void severalKChunksMatchADoubleReference(@ForAll @IntRange(min = 1, max = 20) int m, @ForAll @IntRange(min = 1, max = 70) int n,
                                            @ForAll @IntRange(min = 1, max = 3) int chunks, @ForAll @IntRange(min = 0, max = 50) int extra,
                                            @ForAll boolean transposedB, @ForAll long seed) {
        int k = FloatGemm.KC * chunks - 25 + extra;
        Random rnd = new Random(seed);
        float[] a = values(rnd, m * k);
        float[] b = values(rnd, k * n);
        // B given as N x K when transposed: b[j*k + kk] is B(kk, j).
        FloatGemm g = new FloatGemm();
        g.packA(segment(a), 0, k, 1, m, k);
        PackedMatrix pb = PackedMatrix.of(segment(b), 0, k, n, transposedB);
        MemorySegment c = MemorySegment.ofBuffer(ByteBuffer.allocateDirect(m * n * 4));
        g.multiply(Parallel.SEQUENTIAL, pb, c, 0, n);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double ref = 0;
                for (int kk = 0; kk < k; kk++) ref += (double) a[i * k + kk] * (transposedB ? b[j * k + kk] : b[kk * n + j]);
                float got = c.get(F, (i * n + j) * 4L);
                assertThat(Math.abs(got - ref)).as("C(%d, %d) with K=%d", i, j, k).isLessThan(1e-5 * Math.sqrt(k) * 4);
            }
        }
    }

    /**
     * The fused epilogue (bias, Relu or GELU, residual) against the same product with the epilogue as
     * separate passes over C (the vector kernels' tested loops): row tails, partial panels, GELU staging
     * of more than one group of rows, and K in one or several chunks (the epilogue on the last one only).
     */
    @Property(tries = 40)
    void fusedEpilogueMatchesSeparatePasses(@ForAll @IntRange(min = 1, max = 41) int m, @ForAll @IntRange(min = 1, max = 110) int n,
                                            @ForAll @IntRange(min = 0, max = 2) int chunks, @ForAll @IntRange(min = 0, max = 3) int act,
                                            @ForAll boolean withBias, @ForAll boolean withResidual, @ForAll long seed) {
        int k = chunks == 0 ? 7 + (int) Math.floorMod(seed, 40L) : FloatGemm.KC * chunks + 5;
        Random rnd = new Random(seed);
        MemorySegment a = segment(values(rnd, m * k));
        PackedMatrix pb = PackedMatrix.of(segment(values(rnd, k * n)), 0, k, n, false);
        MemorySegment bias = withBias ? segment(values(rnd, n)) : null;
        MemorySegment res = withResidual ? segment(values(rnd, m * n)) : null;
        int fn = act == 3 ? VectorErf.GELU_TANH : VectorErf.GELU;
        int gemmAct = act == 0 ? FloatGemm.ACT_NONE : act == 1 ? FloatGemm.ACT_RELU : FloatGemm.ACT_GELU;

        FloatGemm g = new FloatGemm();
        g.packA(a, 0, k, 1, m, k);
        MemorySegment want = MemorySegment.ofBuffer(ByteBuffer.allocateDirect(m * n * 4));
        g.multiply(Parallel.SEQUENTIAL, pb, want, 0, n);
        if (act >= 2) {
            for (int r = 0; r < m; r++) VectorErf.map(fn, want, r * n * 4L, bias, want, r * n * 4L, n);
            VectorFusedMatMulKernel.biasRelu(want, null, res, n, 0, m, false);
        } else {
            VectorFusedMatMulKernel.biasRelu(want, bias, res, n, 0, m, act == 1);
        }

        g.packA(a, 0, k, 1, m, k);
        g.epilogue(bias, n, gemmAct, fn, res);
        MemorySegment got = MemorySegment.ofBuffer(ByteBuffer.allocateDirect(m * n * 4));
        g.multiply(Parallel.SEQUENTIAL, pb, got, 0, n);
        for (int i = 0; i < m * n; i++) {
            float w = want.get(F, i * 4L);
            assertThat(got.get(F, i * 4L)).as("element %d (row %d) with K=%d, act %d", i, i / n, k, act)
                    .isCloseTo(w, org.assertj.core.data.Offset.offset(1e-6f + 1e-6f * Math.abs(w)));
        }
        // The epilogue is for one product only.
        g.packA(a, 0, k, 1, m, k);
        g.multiply(Parallel.SEQUENTIAL, pb, got, 0, n);
        MemorySegment plain = MemorySegment.ofBuffer(ByteBuffer.allocateDirect(m * n * 4));
        g.packA(a, 0, k, 1, m, k);
        g.multiply(Parallel.SEQUENTIAL, pb, plain, 0, n);
        assertThat(got.asByteBuffer()).isEqualTo(plain.asByteBuffer());
    }

    @Test
    void lastPanelIsPaddedWithZeros() {
        int n = FloatGemm.NRW + 3;
        float[] b = new float[2 * n];
        for (int i = 0; i < b.length; i++) b[i] = i + 1;
        PackedMatrix p = PackedMatrix.of(segment(b), 0, 2, n, false);
        assertThat(p.panels).isEqualTo(2);
        int base = FloatGemm.NRW * 2;
        // Second panel, row 0: B(0, NRW..NRW+2) then zeros.
        assertThat(p.data[base]).isEqualTo(FloatGemm.NRW + 1f);
        assertThat(p.data[base + 2]).isEqualTo(FloatGemm.NRW + 3f);
        assertThat(p.data[base + 3]).isZero();
        assertThat(p.data[base + FloatGemm.NRW - 1]).isZero();
        // Second panel, row 1 starts with B(1, NRW).
        assertThat(p.data[base + FloatGemm.NRW]).isEqualTo(n + FloatGemm.NRW + 1f);
    }

    @Test
    void warmUpLeavesTheKernelsUsable() {
        FloatGemm.warmUp(3);
        FloatGemm.awaitWarm();
        FloatGemm g = new FloatGemm();
        g.packA(segment(new float[] {1, 2, 3, 4, 5, 6}), 0, 3, 1, 2, 3);
        PackedMatrix b = PackedMatrix.of(segment(new float[] {7, 8, 9, 10, 11, 12}), 0, 3, 2, false);
        MemorySegment c = MemorySegment.ofArray(new byte[16]);
        g.multiply(Parallel.SEQUENTIAL, b, c, 0, 2);
        assertThat(new float[] {c.get(F, 0), c.get(F, 4), c.get(F, 8), c.get(F, 12)}).containsExactly(58f, 64f, 139f, 154f);
    }

    private static float[] values(Random rnd, int size) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) v[i] = rnd.nextFloat() * 2 - 1;
        return v;
    }

    private static MemorySegment segment(float[] v) {
        ByteBuffer bb = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < v.length; i++) bb.putFloat(i * 4, v[i]);
        return MemorySegment.ofBuffer(bb);
    }
}
