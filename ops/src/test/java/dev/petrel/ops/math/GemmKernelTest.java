package dev.petrel.ops.math;

import static dev.petrel.ops.Attrs.attrs;
import static dev.petrel.ops.Attrs.f;
import static dev.petrel.ops.Attrs.i;
import static dev.petrel.ops.math.LinalgHarness.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.KernelException;
import dev.petrel.Tensor;
import org.junit.jupiter.api.Test;

class GemmKernelTest {
    // A = [[1,2],[3,4]], B = [[5,6],[7,8]]; AB = [[19,22],[43,50]], A'B = [[26,30],[38,44]],
    // AB' = [[17,23],[39,53]], A'B' = [[23,31],[34,46]].
    private static final Tensor A = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
    private static final Tensor B = Tensor.of(new float[] {5, 6, 7, 8}, 2, 2);

    @Test
    void transposesEitherInput() {
        assertThat(run("Gemm", 13, attrs(), A, B).toFloatArray()).containsExactly(19, 22, 43, 50);
        assertThat(run("Gemm", 13, attrs(i("transA", 1)), A, B).toFloatArray()).containsExactly(26, 30, 38, 44);
        assertThat(run("Gemm", 13, attrs(i("transB", 1)), A, B).toFloatArray()).containsExactly(17, 23, 39, 53);
        assertThat(run("Gemm", 13, attrs(i("transA", 1), i("transB", 1)), A, B).toFloatArray()).containsExactly(23, 31, 34, 46);
    }

    @Test
    void scalesAndBroadcastsTheBias() {
        Tensor row = Tensor.of(new float[] {1, -1}, 2);
        assertThat(run("Gemm", 13, attrs(f("alpha", 2), f("beta", 3)), A, B, row).toFloatArray())
                .containsExactly(41, 41, 89, 97);
        Tensor column = Tensor.of(new float[] {10, 20}, 2, 1);
        assertThat(run("Gemm", 13, attrs(), A, B, column).toFloatArray()).containsExactly(29, 32, 63, 70);
        assertThat(run("Gemm", 13, attrs(), A, B, Tensor.scalar(1)).toFloatArray()).containsExactly(20, 23, 44, 51);
        assertThat(run("Gemm", 7, attrs(f("beta", 0)), A, B, Tensor.of(new float[] {9, 9, 9, 9}, 2, 2)).toFloatArray())
                .containsExactly(19, 22, 43, 50);
    }

    @Test
    void nonSquareWithTransposedWeights() {
        // Like torch Linear: x [1,3] times W' where W is [2,3], plus b.
        Tensor x = Tensor.of(new float[] {1, 2, 3}, 1, 3);
        Tensor w = Tensor.of(new float[] {1, 0, -1, 2, 2, 2}, 2, 3);
        Tensor b = Tensor.of(new float[] {0.5f, -0.5f}, 2);
        Tensor y = run("Gemm", 11, attrs(i("transB", 1)), x, w, b);
        assertThat(y.shape()).containsExactly(1, 2);
        assertThat(y.toFloatArray()).containsExactly(-1.5f, 11.5f);
    }

    @Test
    void legacyBroadcastAttributeAndOtherTypes() {
        Tensor y = run("Gemm", 6, attrs(i("broadcast", 1)), A, B, Tensor.of(new float[] {1, 2}, 2));
        assertThat(y.toFloatArray()).containsExactly(20, 24, 44, 52);
        Tensor d = run("Gemm", 13, attrs(f("alpha", 0.5f)), Tensor.of(new double[] {1, 2, 3, 4}, 2, 2),
                Tensor.of(new double[] {5, 6, 7, 8}, 2, 2));
        assertThat(d.toDoubleArray()).containsExactly(9.5, 11, 21.5, 25);
        Tensor l = run("Gemm", 13, attrs(), Tensor.of(new long[] {1, 2, 3, 4}, 2, 2), Tensor.of(new long[] {5, 6, 7, 8}, 2, 2),
                Tensor.of(new long[] {1}, 1));
        assertThat(l.toLongArray()).containsExactly(20, 23, 44, 51);
    }

    @Test
    void rejectsABiasThatDoesNotBroadcast() {
        assertThatThrownBy(() -> run("Gemm", 13, attrs(), A, B, Tensor.of(new float[] {1, 2, 3}, 3)))
                .isInstanceOf(KernelException.class).hasMessageContaining("cannot be broadcast to [2, 2]");
    }
}
