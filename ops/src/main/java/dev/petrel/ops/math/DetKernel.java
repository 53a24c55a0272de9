package dev.petrel.ops.math;

import dev.petrel.Tensor;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.util.Arrays;

/**
 * Det: the determinant of each square matrix in the last two dimensions, by LU decomposition with
 * partial pivoting in double precision.
 */
final class DetKernel implements Kernel {
    private double[] lu = new double[0];

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        int rank = x.rank();
        if (rank < 2 || x.dim(rank - 1) != x.dim(rank - 2)) {
            throw new IllegalArgumentException("Det input must be [..., M, M], got " + x.describe());
        }
        int m = x.dim(rank - 1);
        int[] outDims = Arrays.copyOf(x.dims(), rank - 2);
        Tensor y = ctx.output(0, x.dtype(), outDims);
        int batches = y.size();
        if (lu.length < m * m) lu = new double[m * m];
        double[] a = lu;
        for (int b = 0; b < batches; b++) {
            int base = b * m * m;
            for (int i = 0; i < m * m; i++) a[i] = Elements.getDouble(x, base + i);
            Elements.putDouble(y, b, determinant(a, m));
        }
    }

    /** Determinant of the m x m row-major matrix in {@code a}, which is overwritten. */
    static double determinant(double[] a, int m) {
        double det = 1;
        for (int c = 0; c < m; c++) {
            int pivot = c;
            double best = Math.abs(a[c * m + c]);
            for (int r = c + 1; r < m; r++) {
                double v = Math.abs(a[r * m + c]);
                if (v > best) {
                    best = v;
                    pivot = r;
                }
            }
            if (best == 0) return 0;
            if (pivot != c) {
                for (int j = 0; j < m; j++) {
                    double t = a[c * m + j];
                    a[c * m + j] = a[pivot * m + j];
                    a[pivot * m + j] = t;
                }
                det = -det;
            }
            double d = a[c * m + c];
            det *= d;
            for (int r = c + 1; r < m; r++) {
                double f = a[r * m + c] / d;
                if (f == 0) continue;
                for (int j = c + 1; j < m; j++) a[r * m + j] -= f * a[c * m + j];
            }
        }
        return det;
    }
}
