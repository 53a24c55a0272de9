package dev.petrel.ops.tensor;

import static dev.petrel.ops.tensor.Harness.f;
import static dev.petrel.ops.tensor.Harness.i64;
import static dev.petrel.ops.tensor.Harness.op;
import static dev.petrel.ops.tensor.Harness.typed;
import static dev.petrel.ops.tensor.Harness.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import org.junit.jupiter.api.Test;

class GeneratorOpsTest {
    private static final float[] NINE = {1, 2, 3, 4, 5, 6, 7, 8, 9};

    @Test
    void constantOfShapeDefaultAndTypedValue() {
        Tensor z = op("ConstantOfShape").in(i64(2, 2)).runKernel()[0];
        assertThat(z.dtype()).isEqualTo(DType.FLOAT);
        assertThat(z.toFloatArray()).containsExactly(0, 0, 0, 0);
        Tensor s = op("ConstantOfShape").attr("value", Tensor.of(new long[] {7}, 1)).in(i64(3)).runKernel()[0];
        assertThat(s.toLongArray()).containsExactly(7, 7, 7);
        assertThat(op("ConstantOfShape").in(i64(0)).runKernel()[0].dims()).containsExactly(0);
        Tensor b = op("ConstantOfShape").attr("value", Tensor.of(new boolean[] {true}, 1)).in(i64(2)).runKernel()[0];
        assertThat(b.toByteArray()).containsExactly(1, 1);
        assertThatThrownBy(() -> op("ConstantOfShape").in(i64(2, -1)).runKernel())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid dimension -1");
        assertThatThrownBy(() -> op("ConstantOfShape").in(i64(1L << 20, 1L << 20)).runKernel()).hasMessageContaining("2^31-1");
    }

    @Test
    void rangeFloatIntAndEmpty() {
        Tensor y = op("Range").in(Tensor.scalar(1), Tensor.scalar(5), Tensor.scalar(2)).runKernel()[0];
        assertThat(y.toFloatArray()).containsExactly(1, 3);
        Tensor i = op("Range").in(Tensor.of(new int[] {10}), Tensor.of(new int[] {4}), Tensor.of(new int[] {-3})).runKernel()[0];
        assertThat(i.toIntArray()).containsExactly(10, 7);
        assertThat(op("Range").in(Tensor.of(new long[] {5}), Tensor.of(new long[] {1}), Tensor.of(new long[] {1})).runKernel()[0].dims())
                .containsExactly(0);
        Tensor l = op("Range").in(Tensor.of(new long[] {Long.MAX_VALUE - 2}), Tensor.of(new long[] {Long.MAX_VALUE}), Tensor.of(new long[] {1})).runKernel()[0];
        assertThat(l.toLongArray()).containsExactly(Long.MAX_VALUE - 2, Long.MAX_VALUE - 1);
        Tensor s = op("Range").in(typed(DType.INT16, new long[] {0}), typed(DType.INT16, new long[] {3}), typed(DType.INT16, new long[] {1})).runKernel()[0];
        assertThat(values(s)).containsExactly(0, 1, 2);
        assertThatThrownBy(() -> op("Range").in(Tensor.scalar(0), Tensor.scalar(1), Tensor.scalar(0)).runKernel()).hasMessageContaining("delta is 0");
    }

    @Test
    void triluUpperLowerWithK() {
        Tensor x = f(NINE, 3, 3);
        assertThat(op("Trilu").in(x).runKernel()[0].toFloatArray()).containsExactly(1, 2, 3, 0, 5, 6, 0, 0, 9);
        assertThat(op("Trilu").attr("upper", 0L).in(x, Tensor.of(new long[] {-1})).runKernel()[0].toFloatArray())
                .containsExactly(0, 0, 0, 4, 0, 0, 7, 8, 0);
        assertThat(op("Trilu").in(x, Tensor.of(new long[] {5})).runKernel()[0].toFloatArray()).containsExactly(new float[9]);
        assertThat(op("Trilu").attr("upper", 0L).in(x, Tensor.of(new long[] {-5})).runKernel()[0].toFloatArray()).containsExactly(new float[9]);
        Tensor batch = Tensor.of(DType.INT8, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2);
        assertThat(op("Trilu").attr("upper", 0L).in(batch).runKernel()[0].toByteArray()).containsExactly(1, 0, 3, 4, 5, 0, 7, 8);
        Tensor wide = f(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertThat(op("Trilu").in(wide, Tensor.of(new long[] {1})).runKernel()[0].toFloatArray()).containsExactly(0, 2, 3, 0, 0, 6);
    }

    @Test
    void eyeLikeWithOffsetAndType() {
        Tensor y = op("EyeLike").attr("k", 1L).in(f(new float[6], 2, 3)).runKernel()[0];
        assertThat(y.toFloatArray()).containsExactly(0, 1, 0, 0, 0, 1);
        Tensor i = op("EyeLike").attr("dtype", (long) DType.INT32.onnxCode()).in(f(new float[4], 2, 2)).runKernel()[0];
        assertThat(i.toIntArray()).containsExactly(1, 0, 0, 1);
        Tensor h = op("EyeLike").attr("k", -1L).in(typed(DType.FLOAT16, new long[4], 2, 2)).runKernel()[0];
        assertThat(values(h)).containsExactly(0, 0, 1, 0);
        Tensor b = op("EyeLike").in(Tensor.of(new boolean[4], 2, 2)).runKernel()[0];
        assertThat(b.toByteArray()).containsExactly(1, 0, 0, 1);
    }

    @Test
    void dropoutIsACopyAtInference() {
        Tensor x = f(new float[] {1, 2, 3}, 3);
        Tensor[] y = op("Dropout").outputs(2).in(x).runKernel();
        assertThat(y[0].toFloatArray()).containsExactly(1, 2, 3);
        assertThat(y[1].dtype()).isEqualTo(DType.BOOL);
        assertThat(y[1].toByteArray()).containsExactly(1, 1, 1);
        Tensor[] old = op("Dropout").opset(7).outputs(2).in(x).runKernel();
        assertThat(old[1].toFloatArray()).containsExactly(1, 1, 1);
        Tensor on = Tensor.of(new boolean[] {true});
        assertThatThrownBy(() -> op("Dropout").in(x, Tensor.scalar(0.5f), on).runKernel())
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("training mode is not supported");
        assertThat(op("Dropout").in(x, Tensor.scalar(0f), on).runKernel()[0].toFloatArray()).containsExactly(1, 2, 3);
        assertThat(op("Dropout").opset(6).attr("is_test", 1L).in(x).runKernel()[0].toFloatArray()).containsExactly(1, 2, 3);
        assertThatThrownBy(() -> op("Dropout").opset(6).in(x).runKernel()).isInstanceOf(UnsupportedFeatureException.class);
    }
}
