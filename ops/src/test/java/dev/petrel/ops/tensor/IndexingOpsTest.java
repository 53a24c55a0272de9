package dev.petrel.ops.tensor;

import static dev.petrel.ops.tensor.Harness.f;
import static dev.petrel.ops.tensor.Harness.i64;
import static dev.petrel.ops.tensor.Harness.op;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.DType;
import dev.petrel.Tensor;
import org.junit.jupiter.api.Test;

class IndexingOpsTest {
    private static Tensor bools(int... v) {
        boolean[] b = new boolean[v.length];
        for (int i = 0; i < v.length; i++) b[i] = v[i] != 0;
        return Tensor.of(b, v.length);
    }

    @Test
    void gatherRowsWithNegativeIndices() {
        Tensor data = f(new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
        Tensor y = op("Gather").in(data, Tensor.of(new long[] {0, 2, -1, 1}, 2, 2)).runKernel()[0];
        assertThat(y.dims()).containsExactly(2, 2, 2);
        assertThat(y.toFloatArray()).containsExactly(1, 2, 5, 6, 5, 6, 3, 4);
        Tensor s = op("Gather").in(data, Tensor.of(new long[] {1})).runKernel()[0];
        assertThat(s.dims()).containsExactly(2);
        assertThat(s.toFloatArray()).containsExactly(3, 4);
    }

    @Test
    void gatherInnerAxisWithInt32Indices() {
        Tensor data = Tensor.of(new long[] {0, 1, 2, 3, 4, 5}, 2, 3);
        Tensor y = op("Gather").attr("axis", -1L).in(data, Tensor.of(new int[] {2, 0}, 2)).runKernel()[0];
        assertThat(y.dims()).containsExactly(2, 2);
        assertThat(y.toLongArray()).containsExactly(2, 0, 5, 3);
    }

    @Test
    void gatherOutOfRangeNamesTheIndex() {
        Tensor data = f(new float[] {1, 2, 3}, 3);
        assertThatThrownBy(() -> op("Gather").in(data, i64(0, 3)).runKernel())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("value 3 at position [1]").hasMessageContaining("[-3, 2]");
        assertThatThrownBy(() -> op("Gather").in(data, i64(-4)).runKernel()).hasMessageContaining("value -4");
        assertThatThrownBy(() -> op("Gather").in(data, f(new float[] {0}, 1)).runKernel()).hasMessageContaining("INT32 or INT64");
    }

    @Test
    void gatherElementsAlongAxis() {
        Tensor data = f(new float[] {1, 2, 3, 4}, 2, 2);
        Tensor y = op("GatherElements").attr("axis", 1L).in(data, Tensor.of(new long[] {0, 0, 1, 0}, 2, 2)).runKernel()[0];
        assertThat(y.toFloatArray()).containsExactly(1, 1, 4, 3);
        y = op("GatherElements").in(data, Tensor.of(new long[] {-1, 0}, 1, 2)).runKernel()[0];
        assertThat(y.toFloatArray()).containsExactly(3, 2);
    }

    @Test
    void gatherNdTuplesBlocksAndBatchDims() {
        Tensor data = f(new float[] {0, 1, 2, 3}, 2, 2);
        assertThat(op("GatherND").in(data, Tensor.of(new long[] {0, 0, 1, 1}, 2, 2)).runKernel()[0].toFloatArray()).containsExactly(0, 3);
        Tensor rows = op("GatherND").in(data, Tensor.of(new long[] {1, 0}, 2, 1)).runKernel()[0];
        assertThat(rows.dims()).containsExactly(2, 2);
        assertThat(rows.toFloatArray()).containsExactly(2, 3, 0, 1);
        Tensor cube = f(new float[] {0, 1, 2, 3, 4, 5, 6, 7}, 2, 2, 2);
        Tensor b = op("GatherND").attr("batch_dims", 1L).in(cube, Tensor.of(new long[] {1, 0}, 2, 1)).runKernel()[0];
        assertThat(b.dims()).containsExactly(2, 2);
        assertThat(b.toFloatArray()).containsExactly(2, 3, 4, 5);
        assertThatThrownBy(() -> op("GatherND").in(data, Tensor.of(new long[] {2, 0}, 1, 2)).runKernel()).hasMessageContaining("value 2");
    }

    @Test
    void scatterElementsSpecExampleAndReductions() {
        Tensor data = f(new float[9], 3, 3);
        Tensor idx = Tensor.of(new long[] {1, 0, 2, 0, 2, 1}, 2, 3);
        Tensor upd = f(new float[] {1.0f, 1.1f, 1.2f, 2.0f, 2.1f, 2.2f}, 2, 3);
        assertThat(op("ScatterElements").in(data, idx, upd).runKernel()[0].toFloatArray())
                .containsExactly(2.0f, 1.1f, 0, 1.0f, 0, 2.2f, 0, 2.1f, 1.2f);
        assertThat(op("Scatter").opset(10).in(data, idx, upd).runKernel()[0].toFloatArray())
                .containsExactly(2.0f, 1.1f, 0, 1.0f, 0, 2.2f, 0, 2.1f, 1.2f);
        Tensor row = f(new float[] {1, 2, 3, 4, 5}, 1, 5);
        Tensor y = op("ScatterElements").attr("axis", 1L).attr("reduction", "add")
                .in(row, Tensor.of(new long[] {1, -4}, 1, 2), f(new float[] {1.1f, 2.1f}, 1, 2)).runKernel()[0];
        assertThat(y.toFloatArray()).containsExactly(1, 2 + 1.1f + 2.1f, 3, 4, 5);
        Tensor ints = Tensor.of(new int[] {2, 3}, 2);
        assertThat(op("ScatterElements").attr("reduction", "mul").in(ints, i64(0, 0), Tensor.of(new int[] {5, 7}, 2)).runKernel()[0].toIntArray())
                .containsExactly(70, 3);
        assertThat(op("ScatterElements").attr("reduction", "max").in(ints, i64(1, 1), Tensor.of(new int[] {1, 9}, 2)).runKernel()[0].toIntArray())
                .containsExactly(2, 9);
        assertThatThrownBy(() -> op("ScatterElements").opset(16).attr("reduction", "max").in(ints, i64(0), Tensor.of(new int[] {1}, 1)).runKernel())
                .hasMessageContaining("opset 18");
    }

    @Test
    void scatterNdReplacesAndAccumulates() {
        Tensor data = f(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 8);
        Tensor idx = Tensor.of(new long[] {4, 3, 1, 7}, 4, 1);
        assertThat(op("ScatterND").in(data, idx, f(new float[] {9, 10, 11, 12}, 4)).runKernel()[0].toFloatArray())
                .containsExactly(1, 11, 3, 10, 9, 6, 7, 12);
        assertThat(op("ScatterND").attr("reduction", "add").in(data, Tensor.of(new long[] {0, 0}, 2, 1), f(new float[] {5, 6}, 2)).runKernel()[0].toFloatArray())
                .containsExactly(12, 2, 3, 4, 5, 6, 7, 8);
        Tensor m = Tensor.of(DType.INT8, new byte[] {0, 0, 0, 0}, 2, 2);
        Tensor y = op("ScatterND").in(m, Tensor.of(new long[] {1}, 1, 1), Tensor.of(DType.INT8, new byte[] {7, -8}, 1, 2)).runKernel()[0];
        assertThat(y.toByteArray()).containsExactly(0, 0, 7, -8);
        assertThatThrownBy(() -> op("ScatterND").in(data, idx, f(new float[] {9}, 1)).runKernel()).hasMessageContaining("updates");
    }

    @Test
    void compressWithAndWithoutAxis() {
        Tensor x = f(new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
        assertThat(op("Compress").attr("axis", 0L).in(x, bools(0, 1)).runKernel()[0].toFloatArray()).containsExactly(3, 4);
        Tensor c = op("Compress").attr("axis", -1L).in(x, bools(0, 1)).runKernel()[0];
        assertThat(c.dims()).containsExactly(3, 1);
        assertThat(c.toFloatArray()).containsExactly(2, 4, 6);
        assertThat(op("Compress").in(x, bools(0, 1, 0, 0, 1)).runKernel()[0].toFloatArray()).containsExactly(2, 5);
        assertThatThrownBy(() -> op("Compress").attr("axis", 0L).in(x, bools(0, 0, 0, 1)).runKernel()).hasMessageContaining("index 3");
    }

    @Test
    void nonZeroCoordinates() {
        Tensor y = op("NonZero").in(f(new float[] {1, 0, 1, -0f}, 2, 2)).runKernel()[0];
        assertThat(y.dims()).containsExactly(2, 2);
        assertThat(y.toLongArray()).containsExactly(0, 1, 0, 0);
        Tensor b = op("NonZero").in(bools(0, 1, 1)).runKernel()[0];
        assertThat(b.dims()).containsExactly(1, 2);
        assertThat(b.toLongArray()).containsExactly(1, 2);
        Tensor s = op("NonZero").in(Tensor.scalar(5)).runKernel()[0];
        assertThat(s.dims()).containsExactly(1, 1);
        assertThat(s.toLongArray()).containsExactly(0);
        assertThat(op("NonZero").in(f(new float[0], 0, 3)).runKernel()[0].dims()).containsExactly(2, 0);
    }

    @Test
    void oneHotAxesNegativeAndOutOfRangeIndices() {
        Tensor idx = i64(0, -1, 5);
        Tensor y = op("OneHot").in(idx, Tensor.of(new long[] {3}), f(new float[] {0, 1}, 2)).runKernel()[0];
        assertThat(y.dims()).containsExactly(3, 3);
        assertThat(y.toFloatArray()).containsExactly(1, 0, 0, 0, 0, 1, 0, 0, 0);
        y = op("OneHot").attr("axis", 0L).in(idx, f(new float[] {3}, 1), Tensor.of(new long[] {2, 7}, 2)).runKernel()[0];
        assertThat(y.toLongArray()).containsExactly(7, 2, 2, 2, 2, 2, 2, 7, 2);
        assertThatThrownBy(() -> op("OneHot").attr("axis", 2L).in(idx, i64(3), i64(0, 1)).runKernel()).hasMessageContaining("axis 2");
    }

    @Test
    void uniqueSortedAndUnsorted() {
        Tensor x = f(new float[] {2, 1, 1, 3, 4, 3}, 6);
        Tensor[] s = op("Unique").outputs(4).in(x).runKernel();
        assertThat(s[0].toFloatArray()).containsExactly(1, 2, 3, 4);
        assertThat(s[1].toLongArray()).containsExactly(1, 0, 3, 4);
        assertThat(s[2].toLongArray()).containsExactly(1, 0, 0, 2, 3, 2);
        assertThat(s[3].toLongArray()).containsExactly(2, 1, 2, 1);
        Tensor[] u = op("Unique").attr("sorted", 0L).outputs(4).in(x).runKernel();
        assertThat(u[0].toFloatArray()).containsExactly(2, 1, 3, 4);
        assertThat(u[1].toLongArray()).containsExactly(0, 1, 3, 4);
        assertThat(u[2].toLongArray()).containsExactly(0, 1, 1, 2, 3, 2);
        assertThat(u[3].toLongArray()).containsExactly(1, 2, 2, 1);
    }

    @Test
    void uniqueSlicesAlongAxis() {
        Tensor x = Tensor.of(new long[] {1, 0, 0, 1, 0, 0, 2, 3, 4}, 3, 3);
        Tensor[] r = op("Unique").attr("axis", 0L).outputs(4).in(x).runKernel();
        assertThat(r[0].dims()).containsExactly(2, 3);
        assertThat(r[0].toLongArray()).containsExactly(1, 0, 0, 2, 3, 4);
        assertThat(r[1].toLongArray()).containsExactly(0, 2);
        assertThat(r[2].toLongArray()).containsExactly(0, 0, 1);
        assertThat(r[3].toLongArray()).containsExactly(2, 1);
        Tensor cols = op("Unique").attr("axis", -1L).in(Tensor.of(new int[] {2, 1, 0, 3}, 2, 2)).runKernel()[0];
        assertThat(cols.toIntArray()).containsExactly(1, 2, 3, 0);
        Tensor b = op("Unique").in(bools(1, 0, 1)).runKernel()[0];
        assertThat(b.toByteArray()).containsExactly(0, 1);
    }
}
