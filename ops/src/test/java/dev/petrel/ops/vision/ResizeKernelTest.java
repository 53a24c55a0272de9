package dev.petrel.ops.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.graph.Attribute;
import dev.petrel.ops.OpHarness;
import org.junit.jupiter.api.Test;

class ResizeKernelTest {
    private static final Tensor X = Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 2, 2);
    private static final Tensor SCALES2 = Tensor.of(new float[] {1, 1, 2, 2}, 4);
    private static final float[] NEAREST2 = {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4};

    @Test
    void nearestTwiceWithScales() {
        Tensor y = OpHarness.run("Resize", 13, new Tensor[] {X, null, SCALES2}, Attribute.ofString("mode", "nearest"));
        assertThat(y.dims()).containsExactly(1, 1, 4, 4);
        assertThat(y.toFloatArray()).containsExactly(NEAREST2);
    }

    @Test
    void nearestTwiceWithSizesAndIntegerData() {
        Tensor xi = Tensor.of(new long[] {1, 2, 3, 4}, 1, 1, 2, 2);
        Tensor y = OpHarness.run("Resize", 13, new Tensor[] {xi, null, null, Tensor.of(new long[] {1, 1, 4, 4}, 4)});
        assertThat(y.toLongArray()).containsExactly(1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4);
    }

    @Test
    void linearTwiceHalfPixel() {
        Tensor y = OpHarness.run("Resize", 13, new Tensor[] {X, null, SCALES2}, Attribute.ofString("mode", "linear"));
        // X = 1 + x + 2y sampled at source positions 0, 0.25, 0.75, 1 (the outer ones clamped) on each axis.
        assertThat(y.toFloatArray()).containsExactly(new float[] {1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f,
                2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4}, within(1e-6f));
    }

    @Test
    void linearTwiceAlignCorners() {
        Tensor y = OpHarness.run("Resize", 13, new Tensor[] {X, null, SCALES2}, Attribute.ofString("mode", "linear"),
                Attribute.ofString("coordinate_transformation_mode", "align_corners"));
        float[] expected = new float[16];
        for (int i = 0; i < 4; i++) for (int j = 0; j < 4; j++) expected[i * 4 + j] = 1 + j / 3f + 2 * i / 3f;
        assertThat(y.toFloatArray()).containsExactly(expected, within(1e-6f));
    }

    @Test
    void opset10AndUpsampleUseAsymmetricFloor() {
        Tensor r10 = OpHarness.run("Resize", 10, new Tensor[] {X, SCALES2});
        assertThat(r10.toFloatArray()).containsExactly(NEAREST2);
        Tensor up = OpHarness.run("Upsample", 9, new Tensor[] {X, SCALES2});
        assertThat(up.toFloatArray()).containsExactly(NEAREST2);
        Tensor up7 = OpHarness.run("Upsample", 7, new Tensor[] {X}, Attribute.ofFloats("scales", new float[] {1, 1, 1, 2}),
                Attribute.ofString("mode", "linear"));
        assertThat(up7.toFloatArray()).containsExactly(1, 1.5f, 2, 2, 3, 3.5f, 4, 4);
    }

    @Test
    void cropAndResizeExtrapolates() {
        Tensor x = Tensor.of(new float[] {0, 10, 20, 30}, 4);
        Tensor y = OpHarness.run("Resize", 13, new Tensor[] {x, Tensor.of(new float[] {0.5f, 1.5f}, 2), null,
                Tensor.of(new long[] {3}, 1)}, Attribute.ofString("mode", "linear"),
                Attribute.ofString("coordinate_transformation_mode", "tf_crop_and_resize"),
                Attribute.ofFloat("extrapolation_value", -1));
        // Source positions 1.5, 3 and 4.5; the last is outside [0, 3].
        assertThat(y.toFloatArray()).containsExactly(15, 30, -1);
    }

    @Test
    void cubicAtIntegerPositionsReproducesTheInput() {
        Tensor x = Tensor.of(new float[] {1, 5, 2, 8}, 4);
        Tensor y = OpHarness.run("Resize", 13, new Tensor[] {x, null, Tensor.of(new float[] {0.5f}, 1)},
                Attribute.ofString("mode", "cubic"), Attribute.ofString("coordinate_transformation_mode", "asymmetric"));
        assertThat(y.toFloatArray()).containsExactly(1, 2);
    }

    @Test
    void linearOnIntegersIsUnsupported() {
        Tensor xi = Tensor.of(new int[] {1, 2}, 2);
        assertThatThrownBy(() -> OpHarness.run("Resize", 13, new Tensor[] {xi, null, Tensor.of(new float[] {2}, 1)},
                Attribute.ofString("mode", "linear"))).isInstanceOf(UnsupportedFeatureException.class);
    }
}
