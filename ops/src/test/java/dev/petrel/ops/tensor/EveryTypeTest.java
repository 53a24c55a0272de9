package dev.petrel.ops.tensor;

import static dev.petrel.ops.tensor.Harness.i64;
import static dev.petrel.ops.tensor.Harness.op;
import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.DType;
import dev.petrel.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Data movement is bit-exact for every storable element type, on both the per-element and the bulk path. */
class EveryTypeTest {
    private static Tensor pattern(DType t, int rows, int cols) {
        Tensor x = Tensor.allocate(t, rows, cols);
        for (int i = 0; i < x.bytes().limit(); i++) x.bytes().put(i, (byte) (i * 31 + 7));
        return x;
    }

    private static long at(Tensor t, int row, int col) {
        return ElementCopier.bits(t, row * t.dim(1) + col);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"STRING", "COMPLEX64", "COMPLEX128"}, mode = EnumSource.Mode.EXCLUDE)
    void concatSliceTransposeGatherKeepBits(DType t) {
        // 3 x 40 elements: rows of at least 40 bytes take the per-element path for 1-byte types and the bulk path otherwise.
        Tensor a = pattern(t, 3, 40);
        Tensor b = pattern(t, 3, 2);
        Tensor c = op("Concat").attr("axis", 1L).in(a, b).runKernel()[0];
        assertThat(c.dims()).containsExactly(3, 42);
        assertThat(at(c, 2, 39)).isEqualTo(at(a, 2, 39));
        assertThat(at(c, 1, 41)).isEqualTo(at(b, 1, 1));

        Tensor s = op("Slice").in(a, i64(-1, 1), i64(Long.MIN_VALUE, 40), i64(0, 1), i64(-2, 3)).runKernel()[0];
        assertThat(s.dims()).containsExactly(2, 13);
        assertThat(at(s, 1, 12)).isEqualTo(at(a, 0, 37));

        Tensor tr = op("Transpose").in(a).runKernel()[0];
        assertThat(at(tr, 39, 2)).isEqualTo(at(a, 2, 39));

        Tensor g = op("Gather").in(a, i64(2, -3)).runKernel()[0];
        assertThat(at(g, 0, 5)).isEqualTo(at(a, 2, 5));
        assertThat(at(g, 1, 39)).isEqualTo(at(a, 0, 39));

        Tensor id = op("Identity").in(a).runKernel()[0];
        assertThat(id.toByteArray()).containsExactly(a.toByteArray());
    }
}
