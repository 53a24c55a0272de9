package dev.petrel.ops.math;

import static dev.petrel.ops.Attrs.attrs;
import static dev.petrel.ops.math.LinalgHarness.iota;
import static dev.petrel.ops.math.LinalgHarness.run;
import static dev.petrel.ops.Attrs.s;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.Tensor;
import org.junit.jupiter.api.Test;

class EinsumKernelTest {
    private static Tensor einsum(String eq, Tensor... xs) {
        return run("Einsum", 12, attrs(s("equation", eq)), xs);
    }

    @Test
    void matrixProductExplicitAndImplicit() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor b = Tensor.of(new float[] {7, 8, 9, 10, 11, 12}, 3, 2);
        assertThat(einsum("ij,jk->ik", a, b).toFloatArray()).containsExactly(58, 64, 139, 154);
        assertThat(einsum("ij, jk", a, b).toFloatArray()).containsExactly(58, 64, 139, 154);
        // Implicit output takes the labels used once in alphabetical order: y[a][c] = sum_b B[b][a] A[c][b] = (AB)'.
        Tensor t = einsum("ba,cb", b, a);
        assertThat(t.shape()).containsExactly(2, 2);
        assertThat(t.toFloatArray()).containsExactly(58, 139, 64, 154);
    }

    @Test
    void transposeSumAndTrace() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor t = einsum("ij->ji", a);
        assertThat(t.shape()).containsExactly(3, 2);
        assertThat(t.toFloatArray()).containsExactly(1, 4, 2, 5, 3, 6);
        assertThat(einsum("ij->i", a).toFloatArray()).containsExactly(6, 15);
        Tensor sq = iota(3, 3);
        Tensor trace = einsum("ii", sq);
        assertThat(trace.shape()).isEmpty();
        assertThat(trace.toFloatArray()).containsExactly(12);
        assertThat(einsum("ii->i", sq).toFloatArray()).containsExactly(0, 4, 8);
    }

    @Test
    void ellipsisBroadcastsBatches() {
        // Batched diagonal: "...ii->...i" on [2,2,2].
        Tensor x = iota(2, 2, 2);
        Tensor d = einsum("...ii->...i", x);
        assertThat(d.shape()).containsExactly(2, 2);
        assertThat(d.toFloatArray()).containsExactly(0, 3, 4, 7);
        // Batched matrices [2,1,2] times one shared [2,1] matrix.
        Tensor a = iota(2, 1, 2);
        Tensor b = Tensor.of(new float[] {1, 10}, 2, 1);
        Tensor y = einsum("...ij,jk->...ik", a, b);
        assertThat(y.shape()).containsExactly(2, 1, 1);
        assertThat(y.toFloatArray()).containsExactly(10, 32);
        // Implicit output keeps the ellipsis first.
        assertThat(einsum("...j,j", iota(3, 2), Tensor.of(new float[] {1, 1}, 2)).toFloatArray()).containsExactly(1, 5, 9);
    }

    @Test
    void innerAndOuterProductsOfIntegers() {
        Tensor u = Tensor.of(new long[] {1, 2, 3}, 3);
        Tensor v = Tensor.of(new long[] {4, 5, 6}, 3);
        assertThat(einsum("i,i", u, v).toLongArray()).containsExactly(32);
        assertThat(einsum("i,j->ij", u, Tensor.of(new long[] {1, -1}, 2)).toLongArray()).containsExactly(1, -1, 2, -2, 3, -3);
    }

    @Test
    void rejectsMismatchedSizes() {
        assertThatThrownBy(() -> einsum("ij,jk->ik", iota(2, 3), iota(2, 2))).hasMessageContaining("label 'j'");
    }
}
