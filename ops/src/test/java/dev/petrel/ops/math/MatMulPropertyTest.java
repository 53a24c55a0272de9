package dev.petrel.ops.math;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.Tensor;
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

    private static float[] random(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = rnd.nextFloat() * 2 - 1;
        return v;
    }
}
