package dev.petrel.vector;

import static dev.petrel.vector.VectorHarness.PORTABLE;
import static dev.petrel.vector.VectorHarness.VECTOR;
import static dev.petrel.vector.VectorHarness.assertClose;
import static dev.petrel.vector.VectorHarness.random;
import static dev.petrel.vector.VectorHarness.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.DType;
import dev.petrel.KernelException;
import dev.petrel.Tensor;
import dev.petrel.graph.Graph;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The vector MatMul against the portable one: random shapes with tails, weights and runtime B, batches, threads. */
class VectorMatMulTest {
    private static final int[] NONE = {};
    private static final int[] B_CONST = {1};

    @Test
    void vectorKernelIsTheOneSelected() {
        Graph g = VectorHarness.graph("MatMul", 13, List.of(), B_CONST, Tensor.of(new float[4], 2, 2), Tensor.of(new float[4], 2, 2));
        assertThat(VECTOR.find(g.nodes().get(0), new DType[] {DType.FLOAT, DType.FLOAT}).backend()).isEqualTo("vector");
        assertThat(VECTOR.find(g.nodes().get(0), new DType[] {DType.DOUBLE, DType.DOUBLE}).backend()).isEqualTo("portable");
    }

    @Test
    void handComputedProduct() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor b = Tensor.of(new float[] {7, 8, 9, 10, 11, 12}, 3, 2);
        for (int[] consts : new int[][] {NONE, B_CONST}) {
            Tensor y = run(VECTOR, 1, "MatMul", 13, List.of(), consts, a, b);
            assertThat(y.shape()).containsExactly(2, 2);
            // [1 2 3; 4 5 6] x [7 8; 9 10; 11 12] = [58 64; 139 154]
            assertThat(y.toFloatArray()).containsExactly(58f, 64f, 139f, 154f);
        }
    }

    @Property(tries = 80)
    void matchesPortable(@ForAll @IntRange(min = 1, max = 70) int m, @ForAll @IntRange(min = 1, max = 70) int k,
                         @ForAll @IntRange(min = 1, max = 70) int n, @ForAll boolean constantB, @ForAll long seed) {
        Random rnd = new Random(seed);
        Tensor a = random(rnd, m, k);
        Tensor b = random(rnd, k, n);
        int[] consts = constantB ? B_CONST : NONE;
        assertClose(run(VECTOR, 1, "MatMul", 13, List.of(), consts, a, b), run(PORTABLE, 1, "MatMul", 13, List.of(), consts, a, b), k);
    }

    @Provide
    Arbitrary<int[]> leading() {
        return Arbitraries.of(new int[] {2}, new int[] {1, 3}, new int[] {2, 3});
    }

    @Property(tries = 30)
    void weightAfterRank3And4Activations(@ForAll("leading") int[] lead, @ForAll @IntRange(min = 1, max = 40) int s,
                                         @ForAll @IntRange(min = 1, max = 50) int k, @ForAll @IntRange(min = 1, max = 70) int n,
                                         @ForAll long seed) {
        Random rnd = new Random(seed);
        int[] ad = new int[lead.length + 2];
        System.arraycopy(lead, 0, ad, 0, lead.length);
        ad[lead.length] = s;
        ad[lead.length + 1] = k;
        Tensor a = random(rnd, ad);
        Tensor b = random(rnd, k, n);
        assertClose(run(VECTOR, 1, "MatMul", 13, List.of(), B_CONST, a, b), run(PORTABLE, 1, "MatMul", 13, List.of(), B_CONST, a, b), k);
    }

    @Property(tries = 30)
    void batchedAttentionProducts(@ForAll @IntRange(min = 1, max = 2) int batch, @ForAll @IntRange(min = 1, max = 4) int heads,
                                  @ForAll @IntRange(min = 1, max = 40) int seq, @ForAll @IntRange(min = 1, max = 33) int d,
                                  @ForAll @IntRange(min = 1, max = 2) int threads, @ForAll long seed) {
        Random rnd = new Random(seed);
        Tensor q = random(rnd, batch, heads, seq, d);
        Tensor kt = random(rnd, batch, heads, d, seq);
        Tensor scores = run(VECTOR, threads, "MatMul", 13, List.of(), NONE, q, kt);
        assertClose(scores, run(PORTABLE, 1, "MatMul", 13, List.of(), NONE, q, kt), d);
        Tensor p = random(rnd, batch, heads, seq, seq);
        Tensor v = random(rnd, batch, heads, seq, d);
        assertClose(run(VECTOR, threads, "MatMul", 13, List.of(), NONE, p, v), run(PORTABLE, 1, "MatMul", 13, List.of(), NONE, p, v), seq);
    }

    @Property(tries = 20)
    void broadcastBatches(@ForAll @IntRange(min = 1, max = 3) int ba, @ForAll @IntRange(min = 1, max = 3) int bb,
                          @ForAll @IntRange(min = 1, max = 20) int m, @ForAll @IntRange(min = 1, max = 20) int k,
                          @ForAll @IntRange(min = 1, max = 40) int n, @ForAll long seed) {
        Random rnd = new Random(seed);
        Tensor a = random(rnd, ba, 1, m, k);
        Tensor b = random(rnd, bb, k, n);
        assertClose(run(VECTOR, 2, "MatMul", 13, List.of(), NONE, a, b), run(PORTABLE, 1, "MatMul", 13, List.of(), NONE, a, b), k);
        // B with batch dimensions while A has none: B is broadcast the other way.
        Tensor a2 = random(rnd, m, k);
        assertClose(run(VECTOR, 1, "MatMul", 13, List.of(), NONE, a2, b), run(PORTABLE, 1, "MatMul", 13, List.of(), NONE, a2, b), k);
    }

    @Test
    void vectorOperandsGoToThePortableKernel() {
        Tensor a = Tensor.of(new float[] {1, 2, 3}, 3);
        Tensor b = Tensor.of(new float[] {1, 0, 0, 1, 1, 1}, 3, 2);
        Tensor y = run(VECTOR, 1, "MatMul", 13, List.of(), B_CONST, a, b);
        assertThat(y.shape()).containsExactly(2);
        assertThat(y.toFloatArray()).containsExactly(4f, 5f);
    }

    @Test
    void emptyInnerDimensionGivesZeros() {
        Tensor a = Tensor.of(new float[0], 3, 0);
        Tensor b = Tensor.of(new float[0], 0, 5);
        Tensor y = run(VECTOR, 1, "MatMul", 13, List.of(), B_CONST, a, b);
        assertThat(y.toFloatArray()).hasSize(15).containsOnly(0f);
    }

    @Test
    void mismatchedInnerDimensionsAreRejected() {
        Tensor a = Tensor.of(new float[6], 2, 3);
        Tensor b = Tensor.of(new float[8], 4, 2);
        assertThatThrownBy(() -> run(VECTOR, 1, "MatMul", 13, List.of(), B_CONST, a, b))
                .isInstanceOf(KernelException.class).hasMessageContaining("inner dimensions differ");
    }

    @Test
    void twoThreadsGiveTheSameBitsAsOne() {
        Random rnd = new Random(7);
        for (int[] s : new int[][] {{128, 384, 384}, {1, 768, 3072}, {37, 65, 300}}) {
            Tensor a = random(rnd, s[0], s[1]);
            Tensor b = random(rnd, s[1], s[2]);
            Tensor one = run(VECTOR, 1, "MatMul", 13, List.of(), B_CONST, a, b);
            Tensor two = run(VECTOR, 2, "MatMul", 13, List.of(), B_CONST, a, b);
            assertThat(two.toFloatArray()).containsExactly(one.toFloatArray());
        }
    }

    @Test
    void transformerSizedProduct() {
        Random rnd = new Random(3);
        Tensor a = random(rnd, 128, 384);
        Tensor b = random(rnd, 384, 1536);
        assertClose(run(VECTOR, 2, "MatMul", 13, List.of(), B_CONST, a, b), run(PORTABLE, 1, "MatMul", 13, List.of(), B_CONST, a, b), 384);
        Tensor a2 = random(rnd, 29, 1536);
        Tensor b2 = random(rnd, 1536, 70);
        assertClose(run(VECTOR, 1, "MatMul", 13, List.of(), NONE, a2, b2), run(PORTABLE, 1, "MatMul", 13, List.of(), NONE, a2, b2), 1536);
    }
}
