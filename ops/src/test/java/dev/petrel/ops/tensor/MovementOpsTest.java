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
import org.junit.jupiter.api.Test;

class MovementOpsTest {
    private static float[] iota(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = i;
        return v;
    }

    @Test
    void transposeDefaultReversesAxes() {
        Tensor y = op("Transpose").in(f(new float[] {1, 2, 3, 4, 5, 6}, 2, 3)).runKernel()[0];
        assertThat(y.dims()).containsExactly(3, 2);
        assertThat(y.toFloatArray()).containsExactly(1, 4, 2, 5, 3, 6);
    }

    @Test
    void transposeAttentionHeadSplit() {
        Tensor y = op("Transpose").ints("perm", 0, 2, 1, 3).in(f(iota(8), 1, 2, 2, 2)).runKernel()[0];
        assertThat(y.dims()).containsExactly(1, 2, 2, 2);
        assertThat(y.toFloatArray()).containsExactly(0, 1, 4, 5, 2, 3, 6, 7);
    }

    @Test
    void transposeOfInt64AndBool() {
        Tensor y = op("Transpose").in(Tensor.of(new long[] {1, 2, 3, 4, 5, 6}, 3, 2)).runKernel()[0];
        assertThat(y.toLongArray()).containsExactly(1, 3, 5, 2, 4, 6);
        Tensor b = op("Transpose").in(Tensor.of(new boolean[] {true, false, false, false}, 2, 2)).runKernel()[0];
        assertThat(b.toByteArray()).containsExactly(1, 0, 0, 0);
        assertThatThrownBy(() -> op("Transpose").ints("perm", 0, 0).in(f(iota(4), 2, 2)).runKernel())
                .hasMessageContaining("not a permutation");
    }

    @Test
    void concatNegativeAxisAndEmptyInput() {
        Tensor a = f(new float[] {1, 2, 3, 4}, 2, 2);
        Tensor b = f(new float[] {5, 6}, 2, 1);
        Tensor e = f(new float[0], 2, 0);
        Tensor y = op("Concat").attr("axis", -1L).in(a, e, b).runKernel()[0];
        assertThat(y.dims()).containsExactly(2, 3);
        assertThat(y.toFloatArray()).containsExactly(1, 2, 5, 3, 4, 6);
        assertThat(op("Concat").attr("axis", 0L).in(a, a).runKernel()[0].toFloatArray()).containsExactly(1, 2, 3, 4, 1, 2, 3, 4);
        assertThatThrownBy(() -> op("Concat").attr("axis", 0L).in(a, b).runKernel()).hasMessageContaining("dimension 1 must be 2");
    }

    @Test
    void splitEvenUnevenAndExplicit() {
        Tensor x = f(new float[] {1, 2, 3, 4, 5}, 5);
        Tensor[] y = op("Split").attr("num_outputs", 2L).outputs(2).in(x).runKernel();
        assertThat(y[0].toFloatArray()).containsExactly(1, 2, 3);
        assertThat(y[1].toFloatArray()).containsExactly(4, 5);
        y = op("Split").opset(13).outputs(2).in(x, i64(1, 4)).runKernel();
        assertThat(y[0].toFloatArray()).containsExactly(1);
        assertThat(y[1].toFloatArray()).containsExactly(2, 3, 4, 5);
        y = op("Split").opset(11).ints("split", 2, 0, 3).outputs(3).in(x).runKernel();
        assertThat(y[1].dims()).containsExactly(0);
        assertThat(y[2].toFloatArray()).containsExactly(3, 4, 5);
        assertThatThrownBy(() -> op("Split").opset(13).outputs(2).in(x).runKernel()).hasMessageContaining("equal parts");
        Tensor m = f(iota(6), 2, 3);
        y = op("Split").opset(13).attr("axis", -1L).outputs(3).in(m).runKernel();
        assertThat(y[2].toFloatArray()).containsExactly(2, 5);
    }

    @Test
    void sliceNegativeStepsAndClamping() {
        Tensor x = f(iota(10), 10);
        assertThat(op("Slice").in(x, i64(8), i64(1), null, i64(-3)).runKernel()[0].toFloatArray()).containsExactly(8, 5, 2);
        assertThat(op("Slice").in(x, i64(-1), i64(Long.MIN_VALUE), i64(0), i64(-1)).runKernel()[0].toFloatArray())
                .containsExactly(9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
        assertThat(op("Slice").in(x, i64(-100), i64(100)).runKernel()[0].toFloatArray()).containsExactly(iota(10));
        assertThat(op("Slice").in(x, i64(20), i64(30)).runKernel()[0].dims()).containsExactly(0);
        assertThat(op("Slice").in(x, i64(3), i64(Long.MAX_VALUE), null, i64(Long.MAX_VALUE)).runKernel()[0].toFloatArray()).containsExactly(3);
        assertThatThrownBy(() -> op("Slice").in(x, i64(0), i64(3), null, i64(0)).runKernel()).hasMessageContaining("step");
    }

    @Test
    void sliceTwoAxesAndReversedColumns() {
        Tensor x = f(iota(12), 3, 4);
        Tensor y = op("Slice").in(x, i64(0, 1), i64(Long.MAX_VALUE, 3), i64(0, -1), i64(2, 1)).runKernel()[0];
        assertThat(y.dims()).containsExactly(2, 2);
        assertThat(y.toFloatArray()).containsExactly(1, 2, 9, 10);
        y = op("Slice").in(x, i64(-1), i64(-5), i64(1), i64(-1)).runKernel()[0];
        assertThat(y.toFloatArray()).containsExactly(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8);
        y = op("Slice").opset(9).ints("starts", 1).ints("ends", 2).ints("axes", 0).in(x).runKernel()[0];
        assertThat(y.toFloatArray()).containsExactly(4, 5, 6, 7);
        Tensor e = f(new float[0], 0);
        assertThat(op("Slice").in(e, i64(-1), i64(Long.MIN_VALUE), null, i64(-1)).runKernel()[0].dims()).containsExactly(0);
    }

    @Test
    void expandBroadcastsBothWays() {
        Tensor x = f(new float[] {1, 2, 3}, 3, 1);
        Tensor y = op("Expand").in(x, i64(2, 1, 2)).runKernel()[0];
        assertThat(y.dims()).containsExactly(2, 3, 2);
        assertThat(y.toFloatArray()).containsExactly(1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3);
        assertThat(op("Expand").in(x, i64(1, 1)).runKernel()[0].dims()).containsExactly(3, 1);
        assertThat(op("Expand").in(Tensor.scalar(4), i64(2)).runKernel()[0].toFloatArray()).containsExactly(4, 4);
        assertThatThrownBy(() -> op("Expand").in(x, i64(2, 2)).runKernel()).hasMessageContaining("broadcast");
        assertThatThrownBy(() -> op("Expand").in(x, i64(-1, 1)).runKernel()).hasMessageContaining("-1");
    }

    @Test
    void tileRepeatsEachAxis() {
        Tensor x = f(new float[] {1, 2, 3, 4}, 2, 2);
        assertThat(op("Tile").in(x, i64(1, 2)).runKernel()[0].toFloatArray()).containsExactly(1, 2, 1, 2, 3, 4, 3, 4);
        assertThat(op("Tile").in(x, i64(2, 1)).runKernel()[0].toFloatArray()).containsExactly(1, 2, 3, 4, 1, 2, 3, 4);
        assertThat(op("Tile").in(x, i64(0, 3)).runKernel()[0].dims()).containsExactly(0, 6);
        Tensor i8 = Tensor.of(DType.INT8, new byte[] {-5, 6}, 2);
        assertThat(op("Tile").in(i8, i64(2)).runKernel()[0].toByteArray()).containsExactly(-5, 6, -5, 6);
        assertThatThrownBy(() -> op("Tile").in(x, i64(1)).runKernel()).hasMessageContaining("one entry per dimension");
    }

    @Test
    void padModes() {
        Tensor v = f(new float[] {1, 2, 3}, 3);
        assertThat(op("Pad").attr("mode", "reflect").in(v, i64(2, 2)).runKernel()[0].toFloatArray()).containsExactly(3, 2, 1, 2, 3, 2, 1);
        assertThat(op("Pad").attr("mode", "edge").in(v, i64(2, 1)).runKernel()[0].toFloatArray()).containsExactly(1, 1, 1, 2, 3, 3);
        assertThat(op("Pad").opset(19).attr("mode", "wrap").in(v, i64(2, 1)).runKernel()[0].toFloatArray()).containsExactly(2, 3, 1, 2, 3, 1);
        Tensor row = f(new float[] {1, 2}, 1, 2);
        assertThat(op("Pad").in(row, i64(0, 1, 0, 2), Tensor.scalar(9)).runKernel()[0].toFloatArray()).containsExactly(9, 1, 2, 9, 9);
        assertThat(op("Pad").in(f(new float[] {1, 2, 3, 4}, 4), i64(-1, 1)).runKernel()[0].toFloatArray()).containsExactly(2, 3, 4, 0);
        Tensor m = f(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertThat(op("Pad").attr("mode", "reflect").in(m, i64(1, 0, 1, 0)).runKernel()[0].toFloatArray())
                .containsExactly(4, 5, 6, 1, 2, 3, 4, 5, 6, 1, 2, 3);
        assertThat(op("Pad").opset(2).ints("pads", 1, 1).attr("value", 7.5f).in(v).runKernel()[0].toFloatArray()).containsExactly(7.5f, 1, 2, 3, 7.5f);
        Tensor sq = f(new float[] {1, 2, 3, 4}, 2, 2);
        assertThat(op("Pad").in(sq, i64(1, 0), null, i64(-1)).runKernel()[0].toFloatArray()).containsExactly(0, 1, 2, 0, 3, 4);
        Tensor i8 = Tensor.of(DType.INT8, new byte[] {5}, 1);
        Tensor c = Tensor.of(DType.INT8, new byte[] {-1});
        assertThat(op("Pad").in(i8, i64(1, 1), c).runKernel()[0].toByteArray()).containsExactly(-1, 5, -1);
        assertThatThrownBy(() -> op("Pad").in(v, i64(-2, -2)).runKernel()).hasMessageContaining("below zero");
        assertThatThrownBy(() -> op("Pad").attr("mode", "edge").in(f(new float[0], 0), i64(1, 1)).runKernel()).hasMessageContaining("empty axis");
    }

    @Test
    void depthToSpaceBothModesAndSpaceToDepthInverse() {
        Tensor x = f(iota(8), 1, 8, 1, 1);
        Tensor dcr = op("DepthToSpace").attr("blocksize", 2L).in(x).runKernel()[0];
        assertThat(dcr.dims()).containsExactly(1, 2, 2, 2);
        assertThat(dcr.toFloatArray()).containsExactly(0, 2, 4, 6, 1, 3, 5, 7);
        Tensor crd = op("DepthToSpace").attr("blocksize", 2L).attr("mode", "CRD").in(x).runKernel()[0];
        assertThat(crd.toFloatArray()).containsExactly(iota(8));
        Tensor s = op("SpaceToDepth").attr("blocksize", 2L).in(f(iota(8), 1, 2, 2, 2)).runKernel()[0];
        assertThat(s.dims()).containsExactly(1, 8, 1, 1);
        assertThat(s.toFloatArray()).containsExactly(0, 4, 1, 5, 2, 6, 3, 7);
        Tensor back = op("DepthToSpace").attr("blocksize", 2L).in(s).runKernel()[0];
        assertThat(back.toFloatArray()).containsExactly(iota(8));
        assertThatThrownBy(() -> op("DepthToSpace").attr("blocksize", 2L).in(f(iota(3), 1, 3, 1, 1)).runKernel())
                .hasMessageContaining("divisible");
    }

    @Test
    void reverseSequenceTimeMajor() {
        Tensor x = f(iota(8), 4, 2);
        Tensor y = op("ReverseSequence").in(x, i64(4, 2)).runKernel()[0];
        assertThat(y.toFloatArray()).containsExactly(6, 3, 4, 1, 2, 5, 0, 7);
        Tensor bm = op("ReverseSequence").attr("batch_axis", 0L).attr("time_axis", 1L).in(f(iota(6), 2, 3), i64(2, 3)).runKernel()[0];
        assertThat(bm.toFloatArray()).containsExactly(1, 0, 2, 5, 4, 3);
    }

    @Test
    void halfPrecisionMovesBitsUnchanged() {
        Tensor h = typed(DType.BFLOAT16, new long[] {1, 2, 3, 4}, 2, 2);
        assertThat(values(op("Transpose").in(h).runKernel()[0])).containsExactly(1, 3, 2, 4);
    }
}
