package dev.petrel.ops.math;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.Tensor;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The broadcasting FLOAT Add fast path against a naive index-by-index reference. */
class BroadcastAddPropertyTest {
    @Property(tries = 300)
    void addMatchesNaiveReference(@ForAll("seed") @IntRange(min = 0, max = 1_000_000) int seed) {
        Random rnd = new Random(seed);
        int rank = rnd.nextInt(5);
        int[] out = new int[rank];
        for (int d = 0; d < rank; d++) out[d] = rnd.nextInt(6) == 0 ? 1 : 1 + rnd.nextInt(5);
        if (rank > 0 && rnd.nextInt(20) == 0) out[rnd.nextInt(rank)] = 0;
        int[] a = derived(out, rnd);
        int[] b = derived(out, rnd);
        Tensor ta = random(a, rnd);
        Tensor tb = random(b, rnd);
        Tensor y = KernelHarness.run("Add", ta, tb);

        int[] expectedDims = dev.petrel.ops.Broadcast.shape(a, b);
        assertThat(y.dims()).containsExactly(expectedDims);
        int n = Tensor.checkedSize(expectedDims);
        int[] idx = new int[expectedDims.length];
        for (int i = 0; i < n; i++) {
            float expected = ta.floats().get(flat(idx, a)) + tb.floats().get(flat(idx, b));
            assertThat(y.floats().get(i)).as("element %d of %s + %s", i, java.util.Arrays.toString(a), java.util.Arrays.toString(b))
                    .isEqualTo(expected);
            for (int d = idx.length - 1; d >= 0; d--) {
                if (++idx[d] < expectedDims[d]) break;
                idx[d] = 0;
            }
        }
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<Integer> seed() {
        return net.jqwik.api.Arbitraries.integers().between(0, 1_000_000);
    }

    /** A shape that broadcasts to {@code out}: a suffix of it with some dimensions replaced by 1. */
    private static int[] derived(int[] out, Random rnd) {
        int drop = out.length == 0 ? 0 : rnd.nextInt(out.length + 1);
        int[] s = new int[out.length - drop];
        for (int i = 0; i < s.length; i++) s[i] = rnd.nextInt(3) == 0 ? 1 : out[drop + i];
        return s;
    }

    private static Tensor random(int[] dims, Random rnd) {
        Tensor t = Tensor.allocate(dev.petrel.DType.FLOAT, dims);
        for (int i = 0; i < t.size(); i++) t.floats().put(i, rnd.nextInt(2001) - 1000 + rnd.nextFloat());
        return t;
    }

    /** Offset in a tensor of shape {@code dims} of the output index {@code idx} (right-aligned, size-1 repeated). */
    private static int flat(int[] idx, int[] dims) {
        int off = 0;
        int shift = idx.length - dims.length;
        for (int d = 0; d < dims.length; d++) off = off * dims[d] + (dims[d] == 1 ? 0 : idx[shift + d]);
        return off;
    }
}
