package dev.petrel.vector;

import static dev.petrel.vector.VectorHarness.PORTABLE;
import static dev.petrel.vector.VectorHarness.VECTOR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The vector Transpose (rows moved whole when the last axis stays last) against the portable one. */
class VectorTransposeTest {
    private static final int[] NONE = {};

    private static Tensor transpose(dev.petrel.spi.KernelRegistry r, int threads, Tensor x, long... perm) {
        return ElementwiseHarness.run(r, threads, "", "Transpose", 13, List.of(Attribute.ofInts("perm", perm)), NONE, x);
    }

    @Test
    void vitPackedQkvSplit() {
        // [B, N, 3, H, D] -> [3, B, H, N, D], D = 64: element (b, n, s, h, d) lands at (s, b, h, n, d).
        int n = 5, h = 3, d = 64;
        float[] v = new float[n * 3 * h * d];
        for (int i = 0; i < v.length; i++) v[i] = i;
        Tensor y = transpose(VECTOR, 1, Tensor.of(v, 1, n, 3, h, d), 2, 0, 3, 1, 4);
        assertThat(y.shape()).containsExactly(3, 1, h, n, d);
        float[] out = y.toFloatArray();
        for (int s = 0; s < 3; s++) {
            for (int hh = 0; hh < h; hh++) {
                for (int t = 0; t < n; t++) {
                    for (int dd = 0; dd < d; dd++) {
                        float want = (((t * 3 + s) * h + hh) * d) + dd;
                        assertThat(out[((s * h + hh) * n + t) * d + dd]).isEqualTo(want);
                    }
                }
            }
        }
    }

    @Test
    void badPermutationIsReported() {
        Tensor x = Tensor.of(new float[2 * 3 * 32], 2, 3, 32);
        assertThatThrownBy(() -> transpose(VECTOR, 1, x, 0, 0, 2)).hasMessageContaining("not a permutation");
    }

    @Property(tries = 150)
    void matchesPortable(@ForAll @IntRange(min = 2, max = 5) int rank, @ForAll @IntRange(min = 1, max = 70) int last,
                         @ForAll boolean keepLast, @ForAll @IntRange(min = 1, max = 2) int threads, @ForAll long seed) {
        Random rnd = new Random(seed);
        long[] dims = new long[rank];
        for (int i = 0; i < rank - 1; i++) dims[i] = 1 + rnd.nextInt(5);
        dims[rank - 1] = last;
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < (keepLast ? rank - 1 : rank); i++) order.add(i);
        Collections.shuffle(order, rnd);
        if (keepLast) order.add(rank - 1);
        long[] perm = new long[rank];
        for (int i = 0; i < rank; i++) perm[i] = order.get(i) - (rnd.nextBoolean() ? rank : 0);
        int size = 1;
        for (long dd : dims) size *= (int) dd;
        float[] v = new float[size];
        for (int i = 0; i < size; i++) v[i] = rnd.nextFloat();
        Tensor x = Tensor.of(v, dims);
        Tensor want = transpose(PORTABLE, 1, x, perm);
        Tensor got = transpose(VECTOR, threads, x, perm);
        assertThat(got.shape()).containsExactly(want.shape());
        assertThat(got.toFloatArray()).containsExactly(want.toFloatArray());
    }
}
