package dev.petrel.ops.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.ops.OpHarness;
import org.junit.jupiter.api.Test;

class RoiAlignAndGridSampleTest {
    // 3x3 map with value 3y + x: bilinear sampling inside it is exact.
    private static final Tensor MAP = Tensor.of(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8}, 1, 1, 3, 3);
    private static final Tensor ROI = Tensor.of(new float[] {0, 0, 2, 2}, 1, 4);
    private static final Tensor BATCH = Tensor.of(new long[] {0}, 1);

    private static float roiAlign(int opset, Attribute... attrs) {
        Attribute[] all = new Attribute[attrs.length + 1];
        all[0] = Attribute.ofInt("sampling_ratio", 2);
        System.arraycopy(attrs, 0, all, 1, attrs.length);
        Tensor y = OpHarness.run("RoiAlign", opset, new Tensor[] {MAP, ROI, BATCH}, all);
        assertThat(y.dims()).containsExactly(1, 1, 1, 1);
        return y.toFloatArray()[0];
    }

    @Test
    void roiAlignHalfPixelSamplesAtPixelCenters() {
        // Start -0.5, bin 2, samples at 0 and 1 on each axis: mean of 0, 1, 3, 4.
        assertThat(roiAlign(16)).isCloseTo(2f, within(1e-6f));
    }

    @Test
    void roiAlignOutputHalfPixelIsTheOpset10Behaviour() {
        // Samples at 0.5 and 1.5: mean of 2, 3, 5, 6.
        assertThat(roiAlign(10)).isCloseTo(4f, within(1e-6f));
        assertThat(roiAlign(16, Attribute.ofString("coordinate_transformation_mode", "output_half_pixel"))).isCloseTo(4f, within(1e-6f));
    }

    @Test
    void roiAlignMaxTakesLargestWeightedCorner() {
        // Sample (1.5, 1.5) has corners 4, 5, 7, 8 with weight 1/4 each: its value is 2, the largest of the four samples.
        assertThat(roiAlign(10, Attribute.ofString("mode", "max"))).isCloseTo(2f, within(1e-6f));
    }

    private static final Tensor IMG = Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 2, 2);

    private static float[] grid(float[] xy, Attribute... attrs) {
        Tensor g = Tensor.of(xy, 1, 1, xy.length / 2, 2);
        return OpHarness.run("GridSample", 16, new Tensor[] {IMG, g}, attrs).toFloatArray();
    }

    @Test
    void gridSampleBilinearZerosPadding() {
        // (-1, -1) is the outer corner of pixel (0, 0): a quarter of it, the rest is zero padding.
        assertThat(grid(new float[] {-1, -1, 0, 0})).containsExactly(new float[] {0.25f, 2.5f}, within(1e-6f));
    }

    @Test
    void gridSampleAlignCornersAndBorder() {
        assertThat(grid(new float[] {-1, -1, 1, 1}, Attribute.ofInt("align_corners", 1))).containsExactly(1, 4);
        assertThat(grid(new float[] {-1, -1}, Attribute.ofString("padding_mode", "border"))).containsExactly(1);
    }

    @Test
    void gridSampleNearestRoundsHalfToEven() {
        // 0 maps to 0.5 -> 0; 0.5 maps to 1 -> 1.
        assertThat(grid(new float[] {0, 0, 0.5f, 0.5f}, Attribute.ofString("mode", "nearest"))).containsExactly(1, 4);
    }

    @Test
    void gridSampleReflection() {
        // x = -2 with align_corners is -0.5 pixels: reflected to 0.5, between 1 and 2.
        assertThat(grid(new float[] {-2, -1}, Attribute.ofString("padding_mode", "reflection"), Attribute.ofInt("align_corners", 1)))
                .containsExactly(new float[] {1.5f}, within(1e-6f));
    }

    @Test
    void gridSampleBicubicAtPixelCentersIsExact() {
        assertThat(grid(new float[] {-1, -1, 1, 1}, Attribute.ofString("mode", "bicubic"), Attribute.ofInt("align_corners", 1)))
                .containsExactly(new float[] {1, 4}, within(1e-6f));
    }
}
