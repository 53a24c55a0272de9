package dev.petrel.ops.math;

import static dev.petrel.ops.Attrs.attrs;
import static dev.petrel.ops.math.LinalgHarness.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.petrel.Tensor;
import org.junit.jupiter.api.Test;

class DetKernelTest {
    @Test
    void twoByTwoAndBatched() {
        assertThat(run("Det", 11, attrs(), Tensor.of(new float[] {1, 2, 3, 4}, 2, 2)).toFloatArray()).containsExactly(-2);
        Tensor batch = Tensor.of(new double[] {2, 0, 0, 3, 1, 2, 2, 4, 0, 1, 1, 0}, 3, 2, 2);
        Tensor y = run("Det", 11, attrs(), batch);
        assertThat(y.shape()).containsExactly(3);
        assertThat(y.toDoubleArray()).containsExactly(6, 0, -1);
    }

    @Test
    void threeByThreeNeedsPivoting() {
        // [[0,2,1],[1,1,0],[3,0,1]]: det = 0*(1-0) - 2*(1-0) + 1*(0-3) = -5.
        Tensor x = Tensor.of(new float[] {0, 2, 1, 1, 1, 0, 3, 0, 1}, 3, 3);
        assertThat(run("Det", 11, attrs(), x).toFloatArray()[0]).isCloseTo(-5f, within(1e-5f));
    }
}
