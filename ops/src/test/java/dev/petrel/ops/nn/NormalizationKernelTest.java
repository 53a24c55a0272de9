package dev.petrel.ops.nn;

import static dev.petrel.ops.Attrs.f;
import static dev.petrel.ops.Attrs.i;
import static dev.petrel.ops.OpHarness.run;
import static dev.petrel.ops.OpHarness.run1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.petrel.DType;
import dev.petrel.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class NormalizationKernelTest {
    // [1, 2, 3, 4] has mean 2.5 and variance 1.25: normalized = [-1.5, -0.5, 0.5, 1.5] / sqrt(1.25).
    private static final float N1 = 1.3416407865f;
    private static final float N2 = 0.4472135955f;

    @Test
    void layerNormalizationOfARow() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 1, 4);
        Tensor scale = Tensor.of(new float[] {1, 2, 1, 2}, 4);
        Tensor bias = Tensor.of(new float[] {0, 0, 1, 1}, 4);
        Tensor[] out = run("LayerNormalization", 17, List.of(f("epsilon", 0)), 3, x, scale, bias);
        assertThat(out[0].toFloatArray()).containsExactly(new float[] {-N1, -2 * N2, 1 + N2, 1 + 2 * N1}, within(1e-6f));
        assertThat(out[1].dims()).containsExactly(1, 1);
        assertThat(out[1].toFloatArray()).containsExactly(2.5f);
        assertThat(out[2].toFloatArray()).containsExactly(new float[] {(float) (1 / Math.sqrt(1.25))}, within(1e-6f));
    }

    @Test
    void layerNormalizationOverTwoAxesWithoutBias() {
        // axis 0 on [2, 2]: one group of four values; default epsilon 1e-5.
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4}, 2, 2);
        Tensor scale = Tensor.of(new double[] {1, 1, 1, 1}, 2, 2);
        Tensor[] out = run("LayerNormalization", 17, List.of(i("axis", 0)), 2, x, scale);
        double inv = 1 / Math.sqrt(1.25 + 1e-5);
        assertThat(out[0].toDoubleArray()).containsExactly(new double[] {-1.5 * inv, -0.5 * inv, 0.5 * inv, 1.5 * inv}, within(1e-6));
        assertThat(out[1].dtype()).isEqualTo(DType.FLOAT);
        assertThat(out[1].dims()).containsExactly(1, 1);
    }

    @Test
    void batchNormalizationInference() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 1, 2, 1, 2);
        Tensor y = run1("BatchNormalization", 15, List.of(f("epsilon", 0)), x,
                Tensor.of(new float[] {1, 2}, 2), Tensor.of(new float[] {0, 1}, 2),
                Tensor.of(new float[] {1.5f, 3.5f}, 2), Tensor.of(new float[] {0.25f, 0.25f}, 2));
        assertThat(y.toFloatArray()).containsExactly(new float[] {-1, 1, -1, 3}, within(1e-6f));
    }

    @Test
    void batchNormalizationTrainingModeUsesBatchStatistics() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 1, 2, 1, 2);
        Tensor[] out = run("BatchNormalization", 15, List.of(f("epsilon", 0), i("training_mode", 1)), 3, x,
                Tensor.of(new float[] {1, 2}, 2), Tensor.of(new float[] {0, 1}, 2),
                Tensor.of(new float[] {0, 0}, 2), Tensor.of(new float[] {1, 1}, 2));
        assertThat(out[0].toFloatArray()).containsExactly(new float[] {-1, 1, -1, 3}, within(1e-6f));
        assertThat(out[1].toFloatArray()).containsExactly(new float[] {0.15f, 0.35f}, within(1e-6f));
        assertThat(out[2].toFloatArray()).containsExactly(new float[] {0.925f, 0.925f}, within(1e-6f));
    }

    @Test
    void instanceNormalization() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 4);
        Tensor y = run1("InstanceNormalization", 6, List.of(f("epsilon", 0)), x, Tensor.of(new float[] {2}, 1), Tensor.of(new float[] {1}, 1));
        assertThat(y.toFloatArray()).containsExactly(new float[] {1 - 2 * N1, 1 - 2 * N2, 1 + 2 * N2, 1 + 2 * N1}, within(1e-6f));
    }

    @Test
    void lpNormalization() {
        Tensor x = Tensor.of(new float[] {3, 4, 0, 0}, 2, 2);
        assertThat(run1("LpNormalization", 1, List.of(), x).toFloatArray()).containsExactly(0.6f, 0.8f, 0f, 0f);
        assertThat(run1("LpNormalization", 1, List.of(i("p", 1)), x).toFloatArray())
                .containsExactly(new float[] {3f / 7, 4f / 7, 0, 0}, within(1e-7f));
        // Along axis 0: columns [3, 0] and [4, 0].
        assertThat(run1("LpNormalization", 1, List.of(i("axis", 0)), x).toFloatArray()).containsExactly(1f, 1f, 0f, 0f);
    }

    @Test
    void meanVarianceNormalization() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 1, 4);
        assertThat(run1("MeanVarianceNormalization", 13, List.of(), x).toFloatArray())
                .containsExactly(new float[] {-N1, -N2, N2, N1}, within(1e-6f));
    }

    @Test
    void groupNormalizationPerGroupParams() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 5}, 1, 4, 1);
        Tensor y = run1("GroupNormalization", 18, List.of(i("num_groups", 2), f("epsilon", 0)), x,
                Tensor.of(new float[] {1, 3}, 2), Tensor.of(new float[] {0, 1}, 2));
        // Group {1, 2}: [-1, 1]; group {3, 5}: [-1, 1] * 3 + 1.
        assertThat(y.toFloatArray()).containsExactly(new float[] {-1, 1, -2, 4}, within(1e-6f));
    }

    @Test
    void localResponseNormalization() {
        Tensor x = Tensor.of(new float[] {1, 2, 3}, 1, 3, 1, 1);
        Tensor y = run1("LRN", 13, List.of(i("size", 3), f("alpha", 3), f("beta", 1), f("bias", 1)), x);
        // alpha / size = 1: y = x / (1 + sum of squares of the neighbouring channels).
        assertThat(y.toFloatArray()).containsExactly(new float[] {1f / 6, 2f / 15, 3f / 14}, within(1e-7f));
    }
}
