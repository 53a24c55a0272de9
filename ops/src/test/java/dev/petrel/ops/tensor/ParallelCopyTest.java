package dev.petrel.ops.tensor;

import static dev.petrel.ops.tensor.Harness.i64;
import static dev.petrel.ops.tensor.Harness.op;
import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.Tensor;
import org.junit.jupiter.api.Test;

/** Kernels that split large copies over threads give the same bytes as the sequential path. */
class ParallelCopyTest {
    private static Tensor iota(int... dims) {
        int n = 1;
        for (int d : dims) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = i;
        long[] shape = new long[dims.length];
        for (int i = 0; i < dims.length; i++) shape[i] = dims[i];
        return Tensor.of(v, shape);
    }

    @Test
    void transposeAttentionPatternChunked() {
        Tensor x = iota(2, 128, 12, 64);
        Tensor seq = op("Transpose").ints("perm", 0, 2, 1, 3).in(x).runKernel()[0];
        Tensor par = op("Transpose").ints("perm", 0, 2, 1, 3).in(x).chunked().runKernel()[0];
        assertThat(par.toFloatArray()).containsExactly(seq.toFloatArray());
        // y[b, h, s, d] = x[b, s, h, d]
        assertThat(par.floats().get(((1 * 12 + 5) * 128 + 7) * 64 + 3)).isEqualTo(((1 * 128 + 7) * 12 + 5) * 64 + 3);
    }

    @Test
    void transposeInnerAxisChunked() {
        Tensor x = iota(300, 257);
        Tensor par = op("Transpose").in(x).chunked().runKernel()[0];
        assertThat(par.toFloatArray()).containsExactly(op("Transpose").in(x).runKernel()[0].toFloatArray());
        assertThat(par.floats().get(5 * 300 + 299)).isEqualTo(299 * 257 + 5);
    }

    @Test
    void embeddingGatherChunked() {
        Tensor table = iota(1000, 128);
        long[] ids = new long[600];
        for (int i = 0; i < ids.length; i++) ids[i] = (i * 37L) % 1000 - (i % 2 == 0 ? 0 : 1000);
        Tensor par = op("Gather").in(table, Tensor.of(ids, 1, 600)).chunked().runKernel()[0];
        assertThat(par.dims()).containsExactly(1, 600, 128);
        assertThat(par.toFloatArray()).containsExactly(op("Gather").in(table, Tensor.of(ids, 1, 600)).runKernel()[0].toFloatArray());
        assertThat(par.floats().get(3 * 128 + 2)).isEqualTo(((3 * 37) % 1000) * 128 + 2);
    }

    @Test
    void expandChunked() {
        Tensor x = iota(1, 300);
        Tensor par = op("Expand").in(x, i64(400, 300)).chunked().runKernel()[0];
        assertThat(par.floats().get(399 * 300 + 17)).isEqualTo(17);
        assertThat(par.toFloatArray()).containsExactly(op("Expand").in(x, i64(400, 300)).runKernel()[0].toFloatArray());
    }
}
