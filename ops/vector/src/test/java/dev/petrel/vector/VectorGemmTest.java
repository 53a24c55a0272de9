package dev.petrel.vector;

import static dev.petrel.vector.VectorHarness.PORTABLE;
import static dev.petrel.vector.VectorHarness.VECTOR;
import static dev.petrel.vector.VectorHarness.assertClose;
import static dev.petrel.vector.VectorHarness.random;
import static dev.petrel.vector.VectorHarness.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The vector Gemm against the portable one: transposes, alpha/beta, every broadcast of C, constant or runtime B. */
class VectorGemmTest {
    @Test
    void handComputedLinearLayer() {
        // Y = 2 * A x B^T + 0.5 * bias, B stored [N, K] as exported linear layers are.
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        Tensor b = Tensor.of(new float[] {1, 0, 0, 1, 1, 1}, 3, 2);
        Tensor c = Tensor.of(new float[] {10, 20, 30}, 3);
        List<Attribute> attrs = List.of(Attribute.ofInt("transB", 1), Attribute.ofFloat("alpha", 2f), Attribute.ofFloat("beta", 0.5f));
        Tensor y = run(VECTOR, 1, "Gemm", 13, attrs, new int[] {1, 2}, a, b, c);
        assertThat(y.shape()).containsExactly(2, 3);
        assertThat(y.toFloatArray()).containsExactly(2 + 5, 4 + 10, 6 + 15, 6 + 5, 8 + 10, 14 + 15);
    }

    @Provide
    Arbitrary<Integer> cShape() {
        // 0: none, 1: [N], 2: [1, N], 3: [M, 1], 4: [M, N], 5: scalar [1]
        return Arbitraries.integers().between(0, 5);
    }

    @Property(tries = 80)
    void matchesPortable(@ForAll @IntRange(min = 1, max = 70) int m, @ForAll @IntRange(min = 1, max = 70) int k,
                         @ForAll @IntRange(min = 1, max = 70) int n, @ForAll boolean transA, @ForAll boolean transB,
                         @ForAll boolean constantB, @ForAll("cShape") int cShape, @ForAll boolean scaled,
                         @ForAll @IntRange(min = 1, max = 2) int threads, @ForAll long seed) {
        Random rnd = new Random(seed);
        Tensor a = transA ? random(rnd, k, m) : random(rnd, m, k);
        Tensor b = transB ? random(rnd, n, k) : random(rnd, k, n);
        Tensor c = switch (cShape) {
            case 1 -> random(rnd, n);
            case 2 -> random(rnd, 1, n);
            case 3 -> random(rnd, m, 1);
            case 4 -> random(rnd, m, n);
            case 5 -> random(rnd, 1);
            default -> null;
        };
        List<Attribute> attrs = List.of(Attribute.ofInt("transA", transA ? 1 : 0), Attribute.ofInt("transB", transB ? 1 : 0),
                Attribute.ofFloat("alpha", scaled ? 0.75f : 1f), Attribute.ofFloat("beta", scaled ? -1.5f : 1f));
        int[] consts = constantB ? new int[] {1} : new int[0];
        Tensor expected = run(PORTABLE, 1, "Gemm", 13, attrs, consts, a, b, c);
        assertClose(run(VECTOR, threads, "Gemm", 13, attrs, consts, a, b, c), expected, k);
    }
}
