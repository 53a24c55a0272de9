package dev.petrel.ops.nn;

import static dev.petrel.ops.Attrs.i;
import static dev.petrel.ops.Attrs.ints;
import static dev.petrel.ops.OpHarness.run;
import static dev.petrel.ops.OpHarness.run1;
import static dev.petrel.ops.nn.NnHarness.seq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.ops.Attrs;
import java.util.List;
import org.junit.jupiter.api.Test;

class PoolKernelTest {
    private static final Tensor X44 = Tensor.of(seq(16), 1, 1, 4, 4);

    @Test
    void maxPoolWithPadsAndIndices() {
        Tensor[] out = run("MaxPool", 12, List.of(ints("kernel_shape", 2, 2), ints("strides", 2, 2), ints("pads", 1, 1, 1, 1)), 2, X44);
        assertThat(out[0].dims()).containsExactly(1, 1, 3, 3);
        assertThat(out[0].toFloatArray()).containsExactly(1, 3, 4, 9, 11, 12, 13, 15, 16);
        assertThat(out[1].dtype()).isEqualTo(DType.INT64);
        assertThat(out[1].toLongArray()).containsExactly(0, 2, 3, 8, 10, 11, 12, 14, 15);
    }

    @Test
    void maxPoolCeilMode() {
        List<dev.petrel.graph.Attribute> a = List.of(ints("kernel_shape", 3, 3), ints("strides", 2, 2), i("ceil_mode", 1));
        Tensor y = run1("MaxPool", 12, a, X44);
        assertThat(y.dims()).containsExactly(1, 1, 2, 2);
        assertThat(y.toFloatArray()).containsExactly(11, 12, 15, 16);
        Tensor floor = run1("MaxPool", 12, List.of(ints("kernel_shape", 3, 3), ints("strides", 2, 2)), X44);
        assertThat(floor.toFloatArray()).containsExactly(11);
    }

    @Test
    void maxPoolColumnMajorIndices() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 1, 1, 2, 3);
        Tensor[] rowMajor = run("MaxPool", 12, List.of(ints("kernel_shape", 2, 2)), 2, x);
        assertThat(rowMajor[1].toLongArray()).containsExactly(4, 5);
        Tensor[] colMajor = run("MaxPool", 12, List.of(ints("kernel_shape", 2, 2), i("storage_order", 1)), 2, x);
        assertThat(colMajor[0].toFloatArray()).containsExactly(5, 6);
        assertThat(colMajor[1].toLongArray()).containsExactly(3, 5);
    }

    @Test
    void maxPoolUint8() {
        Tensor x = Tensor.of(DType.UINT8, new byte[] {(byte) 200, 10, 30, (byte) 255}, 1, 1, 4);
        Tensor y = run1("MaxPool", 12, List.of(ints("kernel_shape", 2)), x);
        assertThat(y.dtype()).isEqualTo(DType.UINT8);
        assertThat(y.toByteArray()).containsExactly((byte) 200, 30, (byte) 255);
    }

    @Test
    void averagePoolCeilModeDividesByTheCoveredElements() {
        List<dev.petrel.graph.Attribute> a = List.of(ints("kernel_shape", 3, 3), ints("strides", 2, 2), i("ceil_mode", 1));
        assertThat(run1("AveragePool", 11, a, X44).toFloatArray()).containsExactly(6f, 7.5f, 12f, 13.5f);
    }

    @Test
    void averagePoolPadsWithAndWithoutCountIncludePad() {
        Tensor x = Tensor.of(seq(9), 1, 1, 3, 3);
        List<dev.petrel.graph.Attribute> a = List.of(ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1));
        float[] excl = run1("AveragePool", 11, a, x).toFloatArray();
        assertThat(excl).containsExactly(new float[] {3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7}, within(1e-6f));
        List<dev.petrel.graph.Attribute> b = List.of(ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1), i("count_include_pad", 1));
        float[] incl = run1("AveragePool", 11, b, x).toFloatArray();
        assertThat(incl).containsExactly(new float[] {12f / 9, 21f / 9, 16f / 9, 27f / 9, 5, 33f / 9, 24f / 9, 39f / 9, 28f / 9}, within(1e-6f));
    }

    @Test
    void globalPools() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 1, 2, 1, 2);
        Tensor avg = run1("GlobalAveragePool", 1, List.of(), x);
        assertThat(avg.dims()).containsExactly(1, 2, 1, 1);
        assertThat(avg.toFloatArray()).containsExactly(1.5f, 3.5f);
        assertThat(run1("GlobalMaxPool", 1, List.of(), x).toFloatArray()).containsExactly(2f, 4f);
        assertThat(run1("GlobalLpPool", 2, List.of(), Tensor.of(new float[] {3, 4}, 1, 1, 2)).toFloatArray()).containsExactly(5f);
    }

    @Test
    void lpPool() {
        Tensor x = Tensor.of(new float[] {3, -4, 0, 1}, 1, 1, 4);
        Tensor y = run1("LpPool", 11, List.of(ints("kernel_shape", 2), ints("strides", 2)), x);
        assertThat(y.toFloatArray()).containsExactly(5f, 1f);
        Tensor l1 = run1("LpPool", 11, List.of(ints("kernel_shape", 2), ints("strides", 2), i("p", 1)), x);
        assertThat(l1.toFloatArray()).containsExactly(7f, 1f);
    }

    @Test
    void maxUnpoolPlacesValuesAtTheirIndices() {
        Tensor x = Tensor.of(new float[] {5, 6, 7, 8}, 1, 1, 2, 2);
        Tensor idx = Tensor.of(new long[] {5, 7, 13, 15}, 1, 1, 2, 2);
        Tensor y = run1("MaxUnpool", 11, List.of(ints("kernel_shape", 2, 2), ints("strides", 2, 2)), x, idx);
        assertThat(y.dims()).containsExactly(1, 1, 4, 4);
        assertThat(y.toFloatArray()).containsExactly(0, 0, 0, 0, 0, 5, 0, 6, 0, 0, 0, 0, 0, 7, 0, 8);
        Tensor bigger = run1("MaxUnpool", 11, List.of(ints("kernel_shape", 2, 2), ints("strides", 2, 2)), x, idx,
                Tensor.of(new long[] {1, 1, 5, 5}, 4));
        assertThat(bigger.dims()).containsExactly(1, 1, 5, 5);
        // Indices are coordinates in the unpooled 4x4 shape: (1, 1) stays (1, 1) on the 5x5 canvas.
        assertThat(bigger.toFloatArray()).containsExactly(0, 0, 0, 0, 0, 0, 5, 0, 6, 0, 0, 0, 0, 0, 0, 0, 7, 0, 8, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void maxRoiPoolTakesBinMaxima() {
        // Region x 0..3, y 0..1 of the 4x4 ramp, pooled to 1x2: columns {0, 1} and {2, 3} of rows 0-1.
        Tensor rois = Tensor.of(new float[] {0, 0, 0, 3, 1}, 1, 5);
        Tensor y = run1("MaxRoiPool", 1, List.of(ints("pooled_shape", 1, 2)), X44, rois);
        assertThat(y.dims()).containsExactly(1, 1, 1, 2);
        assertThat(y.toFloatArray()).containsExactly(6f, 8f);
        // spatial_scale 0.5 maps [0, 0, 6, 6] onto pixels 0..3: the whole image in one bin.
        Tensor scaled = run1("MaxRoiPool", 1, List.of(ints("pooled_shape", 1, 1), Attrs.f("spatial_scale", 0.5f)),
                X44, Tensor.of(new float[] {0, 0, 0, 6, 6}, 1, 5));
        assertThat(scaled.toFloatArray()).containsExactly(16f);
    }
}
