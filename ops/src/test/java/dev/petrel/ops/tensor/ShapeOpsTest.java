package dev.petrel.ops.tensor;

import static dev.petrel.ops.tensor.Harness.d;
import static dev.petrel.ops.tensor.Harness.f;
import static dev.petrel.ops.tensor.Harness.i64;
import static dev.petrel.ops.tensor.Harness.op;
import static dev.petrel.ops.tensor.Harness.typed;
import static dev.petrel.ops.tensor.Harness.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.DType;
import dev.petrel.Tensor;
import org.junit.jupiter.api.Test;

class ShapeOpsTest {
    private static final float[] SIX = {1, 2, 3, 4, 5, 6};

    @Test
    void reshapeCopiesZeroAndInfersMinusOne() {
        Tensor x = f(new float[24], 2, 3, 4);
        assertThat(op("Reshape").in(x, i64(0, -1)).runKernel()[0].dims()).containsExactly(2, 12);
        assertThat(op("Reshape").in(x, i64(-1, 0, 2)).runKernel()[0].dims()).containsExactly(4, 3, 2);
        Tensor y = op("Reshape").in(f(SIX, 2, 3), i64(3, 2)).runKernel()[0];
        assertThat(y.dims()).containsExactly(3, 2);
        assertThat(y.toFloatArray()).containsExactly(SIX);
    }

    @Test
    void reshapeAllowZeroKeepsZeroAsEmptyDimension() {
        Tensor x = f(new float[0], 0, 3);
        assertThat(op("Reshape").attr("allowzero", 1L).in(x, i64(3, 0)).runKernel()[0].dims()).containsExactly(3, 0);
        // Without allowzero, 0 copies the input's dimension.
        assertThat(op("Reshape").in(f(SIX, 2, 3), i64(0, 3)).runKernel()[0].dims()).containsExactly(2, 3);
        assertThatThrownBy(() -> op("Reshape").attr("allowzero", 1L).in(x, i64(0, -1)).runKernel())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("allowzero");
    }

    @Test
    void reshapeRejectsBadShapes() {
        assertThatThrownBy(() -> op("Reshape").in(f(SIX, 2, 3), i64(4, -1)).runKernel())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        assertThatThrownBy(() -> op("Reshape").in(f(SIX, 2, 3), i64(-1, -1)).runKernel())
                .hasMessageContaining("more than one -1");
        assertThatThrownBy(() -> op("Reshape").in(f(SIX, 2, 3), i64(7)).runKernel())
                .hasMessageContaining("6 elements");
        assertThatThrownBy(() -> op("Reshape").in(f(SIX, 2, 3), i64(-2, 3)).runKernel())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-2");
    }

    @Test
    void reshapeOldOpsetUsesAttribute() {
        Tensor y = op("Reshape").opset(4).ints("shape", 6L).in(f(SIX, 2, 3)).runKernel()[0];
        assertThat(y.dims()).containsExactly(6);
    }

    @Test
    void reshapeMovesInt8AndBool() {
        Tensor b = Tensor.of(new boolean[] {true, false, true, true}, 2, 2);
        Tensor y = op("Reshape").in(b, i64(4)).runKernel()[0];
        assertThat(y.dtype()).isEqualTo(DType.BOOL);
        assertThat(y.toByteArray()).containsExactly(1, 0, 1, 1);
        Tensor i8 = Tensor.of(DType.INT8, new byte[] {-1, 2, -3}, 3);
        assertThat(op("Reshape").in(i8, i64(1, 3)).runKernel()[0].toByteArray()).containsExactly(-1, 2, -3);
    }

    @Test
    void flattenAtEveryAxisIncludingNegative() {
        Tensor x = f(new float[24], 2, 3, 4);
        assertThat(op("Flatten").attr("axis", 0L).in(x).runKernel()[0].dims()).containsExactly(1, 24);
        assertThat(op("Flatten").in(x).runKernel()[0].dims()).containsExactly(2, 12);
        assertThat(op("Flatten").attr("axis", 3L).in(x).runKernel()[0].dims()).containsExactly(24, 1);
        assertThat(op("Flatten").attr("axis", -1L).in(x).runKernel()[0].dims()).containsExactly(6, 4);
        assertThatThrownBy(() -> op("Flatten").attr("axis", 4L).in(x).runKernel()).hasMessageContaining("axis 4");
    }

    @Test
    void squeezeWithAndWithoutAxes() {
        Tensor x = f(SIX, 1, 2, 1, 3);
        assertThat(op("Squeeze").in(x).runKernel()[0].dims()).containsExactly(2, 3);
        assertThat(op("Squeeze").in(x, i64(-2)).runKernel()[0].dims()).containsExactly(1, 2, 3);
        assertThat(op("Squeeze").opset(11).ints("axes", 0L).in(x).runKernel()[0].dims()).containsExactly(2, 1, 3);
        assertThatThrownBy(() -> op("Squeeze").in(x, i64(1)).runKernel()).hasMessageContaining("size 2");
    }

    @Test
    void unsqueezeAxesAreOutputAxesInAnyOrder() {
        Tensor x = f(SIX, 2, 3);
        assertThat(op("Unsqueeze").in(x, i64(3, 0)).runKernel()[0].dims()).containsExactly(1, 2, 3, 1);
        assertThat(op("Unsqueeze").in(x, i64(-1)).runKernel()[0].dims()).containsExactly(2, 3, 1);
        assertThat(op("Unsqueeze").opset(11).ints("axes", 1L).in(x).runKernel()[0].dims()).containsExactly(2, 1, 3);
        assertThat(op("Unsqueeze").in(Tensor.scalar(7), i64(0)).runKernel()[0].toFloatArray()).containsExactly(7f);
        assertThatThrownBy(() -> op("Unsqueeze").in(x, i64(1, 1)).runKernel()).hasMessageContaining("repeats");
    }

    @Test
    void identityCopiesScalarsAndEmptyTensors() {
        assertThat(op("Identity").in(Tensor.scalar(3)).runKernel()[0].toFloatArray()).containsExactly(3f);
        assertThat(op("Identity").in(f(new float[0], 0, 4)).runKernel()[0].dims()).containsExactly(0, 4);
        Tensor h = typed(DType.FLOAT16, new long[] {1, -2}, 2);
        assertThat(values(op("Identity").in(h).runKernel()[0])).containsExactly(1, -2);
    }

    @Test
    void shapeWithClampedStartAndEnd() {
        Tensor x = f(new float[24], 2, 3, 4);
        assertThat(op("Shape").in(x).runKernel()[0].toLongArray()).containsExactly(2, 3, 4);
        assertThat(op("Shape").attr("start", 1L).in(x).runKernel()[0].toLongArray()).containsExactly(3, 4);
        assertThat(op("Shape").attr("end", -1L).in(x).runKernel()[0].toLongArray()).containsExactly(2, 3);
        assertThat(op("Shape").attr("start", -10L).attr("end", 10L).in(x).runKernel()[0].toLongArray()).containsExactly(2, 3, 4);
        assertThat(op("Shape").attr("start", 2L).attr("end", 1L).in(x).runKernel()[0].dims()).containsExactly(0);
        assertThat(op("Shape").in(Tensor.scalar(1)).runKernel()[0].dims()).containsExactly(0);
    }

    @Test
    void sizeIsRankZeroInt64() {
        Tensor y = op("Size").in(f(new float[24], 2, 3, 4)).runKernel()[0];
        assertThat(y.rank()).isZero();
        assertThat(y.toLongArray()).containsExactly(24);
        assertThat(op("Size").in(f(new float[0], 0, 5)).runKernel()[0].toLongArray()).containsExactly(0);
    }

    @Test
    void valuesHelperReadsEveryType() {
        assertThat(values(typed(DType.UINT16, new long[] {65535}, 1))).containsExactly(d(65535));
    }
}
