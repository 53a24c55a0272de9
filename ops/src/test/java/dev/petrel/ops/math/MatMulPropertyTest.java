package dev.petrel.ops.math;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.Tensor;
import dev.petrel.spi.Parallel;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The blocked FLOAT MatMul against a naive triple loop over random shapes and batch broadcasting. */
class MatMulPropertyTest {
    @Provide
    Arbitrary<Integer> size() {
        return Arbitraries.of(1, 2, 3, 4, 17, 33, 64, 65);
    }

    @Provide
    Arbitrary<Integer> batch() {
        return Arbitraries.of(1, 2, 3);
    }

    @Property(tries = 60)
    void matchesNaiveProduct(@ForAll("size") int m, @ForAll("size") int k, @ForAll("size") int n,
                             @ForAll("batch") int batchA, @ForAll("batch") int batchB, @ForAll long seed) {
        // Leading dimensions [batchA, 1] and [batchB]: broadcast to [batchA, batchB].
        Random rnd = new Random(seed);
        float[] a = random(rnd, batchA * m * k);
        float[] b = random(rnd, batchB * k * n);
        Tensor y = MatMulKernelTest.matmul(Tensor.of(a, batchA, 1, m, k), Tensor.of(b, batchB, k, n));
        assertThat(y.shape()).containsExactly(batchA, batchB, m, n);
        float[] yv = y.toFloatArray();
        for (int p = 0; p < batchA; p++) {
            for (int q = 0; q < batchB; q++) {
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double s = 0;
                        for (int t = 0; t < k; t++) s += (double) a[(p * m + i) * k + t] * b[(q * k + t) * n + j];
                        float got = yv[((p * batchB + q) * m + i) * n + j];
                        assertThat((double) got).isCloseTo(s, org.assertj.core.data.Offset.offset(1e-4 * (k + Math.abs(s))));
                    }
                }
            }
        }
    }

    @Property(tries = 30)
    void sharedWeightsFoldIntoOneProduct(@ForAll("size") int m, @ForAll("size") int k, @ForAll("size") int n,
                                         @ForAll("batch") int batch, @ForAll long seed) {
        Random rnd = new Random(seed);
        float[] a = random(rnd, batch * m * k);
        float[] b = random(rnd, k * n);
        float[] yv = MatMulKernelTest.matmul(Tensor.of(a, batch, m, k), Tensor.of(b, k, n)).toFloatArray();
        for (int r = 0; r < batch * m; r++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int t = 0; t < k; t++) s += (double) a[r * k + t] * b[t * n + j];
                assertThat((double) yv[r * n + j]).isCloseTo(s, org.assertj.core.data.Offset.offset(1e-4 * (k + Math.abs(s))));
            }
        }
    }

    @Provide
    Arbitrary<Integer> bigSize() {
        return Arbitraries.of(1, 17, 65, 130, 257, 300);
    }

    /** Tiles dealt to several workers give bit-identical results to one worker (same order per element). */
    @Property(tries = 15)
    void workersAgreeWithOneThread(@ForAll("bigSize") int m, @ForAll("bigSize") int k, @ForAll("bigSize") int n,
                                   @ForAll("batch") int threads, @ForAll long seed) throws Exception {
        Random rnd = new Random(seed);
        FloatBuffer a = FloatBuffer.wrap(random(rnd, m * k));
        FloatBuffer bt = FloatBuffer.wrap(random(rnd, n * k));
        FloatBuffer one = FloatBuffer.allocate(m * n);
        FloatBuffer many = FloatBuffer.allocate(m * n);
        // B given transposed ([n, k]) to exercise strided panel packing.
        new FloatMatMul().multiply(a, 0, k, 1, bt, 0, 1, k, one, 0, n, m, n, k);
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        try {
            Parallel par = new Parallel() {
                @Override public int threads() { return threads + 1; }
                @Override public void forRange(int count, RangeBody body) {
                    List<Future<?>> fs = new ArrayList<>();
                    for (int i = 0; i < count; i++) {
                        int from = i;
                        fs.add(pool.submit(() -> body.run(from, from + 1)));
                    }
                    for (Future<?> f : fs) {
                        try {
                            f.get();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }
            };
            new FloatMatMul().multiply(par, a, 0, k, 1, bt, 0, 1, k, many, 0, n, m, n, k);
        } finally {
            pool.shutdown();
        }
        for (int i = 0; i < m * n; i++) assertThat(many.get(i)).isEqualTo(one.get(i));
        // Spot-check against the definition.
        double s = 0;
        for (int t = 0; t < k; t++) s += (double) a.get((m - 1) * k + t) * bt.get((n - 1) * k + t);
        assertThat((double) one.get(m * n - 1)).isCloseTo(s, org.assertj.core.data.Offset.offset(1e-4 * (k + Math.abs(s))));
    }

    private static float[] random(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = rnd.nextFloat() * 2 - 1;
        return v;
    }
}
