package dev.petrel.ops.math;

import static dev.petrel.ops.Attrs.attrs;
import static dev.petrel.ops.Attrs.i;
import static dev.petrel.ops.math.LinalgHarness.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.Tensor;
import org.junit.jupiter.api.Test;

class CumSumKernelTest {
    private static final Tensor V = Tensor.of(new float[] {1, 2, 3, 4});
    private static final Tensor AXIS0 = Tensor.of(new int[] {0});

    @Test
    void flagsCombine() {
        assertThat(run("CumSum", 14, attrs(), V, AXIS0).toFloatArray()).containsExactly(1, 3, 6, 10);
        assertThat(run("CumSum", 14, attrs(i("exclusive", 1)), V, AXIS0).toFloatArray()).containsExactly(0, 1, 3, 6);
        assertThat(run("CumSum", 14, attrs(i("reverse", 1)), V, AXIS0).toFloatArray()).containsExactly(10, 9, 7, 4);
        assertThat(run("CumSum", 14, attrs(i("reverse", 1), i("exclusive", 1)), V, AXIS0).toFloatArray()).containsExactly(9, 7, 4, 0);
    }

    @Test
    void alongAnAxisOfAMatrix() {
        Tensor m = Tensor.of(new long[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertThat(run("CumSum", 11, attrs(), m, Tensor.of(new long[] {0})).toLongArray()).containsExactly(1, 2, 3, 5, 7, 9);
        assertThat(run("CumSum", 11, attrs(), m, Tensor.of(new long[] {-1}, 1)).toLongArray()).containsExactly(1, 3, 6, 4, 9, 15);
    }
}
