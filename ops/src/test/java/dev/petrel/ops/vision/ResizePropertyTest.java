package dev.petrel.ops.vision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.ops.OpHarness;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class ResizePropertyTest {
    private static float[] data(int n, int seed) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = ((i * 7919 + seed * 31) % 97) / 8f;
        return v;
    }

    /** Nearest upsampling by an integer factor with asymmetric coordinates repeats every element k times per axis. */
    @Property(tries = 40)
    void nearestIntegerUpsampleRepeats(@ForAll @IntRange(min = 1, max = 5) int h, @ForAll @IntRange(min = 1, max = 5) int w,
                                       @ForAll @IntRange(min = 1, max = 4) int kh, @ForAll @IntRange(min = 1, max = 4) int kw,
                                       @ForAll @IntRange(min = 0, max = 100) int seed) {
        float[] x = data(h * w, seed);
        Tensor y = OpHarness.run("Resize", 13, new Tensor[] {Tensor.of(x, h, w), null, Tensor.of(new float[] {kh, kw}, 2)},
                Attribute.ofString("coordinate_transformation_mode", "asymmetric"), Attribute.ofString("nearest_mode", "floor"));
        assertThat(y.dims()).containsExactly(h * kh, w * kw);
        float[] out = y.toFloatArray();
        for (int i = 0; i < h * kh; i++) {
            for (int j = 0; j < w * kw; j++) assertThat(out[i * w * kw + j]).isEqualTo(x[(i / kh) * w + j / kw]);
        }
    }

    /** Linear and cubic resizing to the same size is the identity under every transform but tf_crop_and_resize. */
    @Property(tries = 30)
    void sameSizeIsIdentity(@ForAll @IntRange(min = 1, max = 6) int h, @ForAll @IntRange(min = 1, max = 6) int w,
                            @ForAll boolean cubic, @ForAll @IntRange(min = 0, max = 3) int transform) {
        String[] modes = {"half_pixel", "align_corners", "asymmetric", "pytorch_half_pixel"};
        float[] x = data(h * w, h + w);
        Tensor y = OpHarness.run("Resize", 13, new Tensor[] {Tensor.of(x, h, w), null, null, Tensor.of(new long[] {h, w}, 2)},
                Attribute.ofString("mode", cubic ? "cubic" : "linear"), Attribute.ofString("coordinate_transformation_mode", modes[transform]));
        assertThat(y.toFloatArray()).containsExactly(x);
    }
}
