package dev.petrel.ops.math;

import dev.petrel.Tensor;

/**
 * The checked geometry of one ONNX Gemm: Y[M, N] = alpha * op(A)[M, K] * op(B)[K, N] + beta * C, with C
 * unidirectionally broadcast to [M, N]. Shared by every backend's Gemm kernel so that all of them accept
 * and reject exactly the same inputs, with the same messages.
 */
public final class GemmShape {
    public final int m;
    public final int k;
    public final int n;
    /** Element strides of C over [M, N]: 0 along a broadcast dimension (both 0 when C is absent). */
    public final int cStrideM;
    public final int cStrideN;

    private GemmShape(int m, int k, int n, int cStrideM, int cStrideN) {
        this.m = m;
        this.k = k;
        this.n = n;
        this.cStrideM = cStrideM;
        this.cStrideN = cStrideN;
    }

    /** Checks ranks, one element type, inner dimensions and C's broadcast; {@code c} may be null. */
    public static GemmShape of(Tensor a, Tensor b, Tensor c, boolean transA, boolean transB) {
        if (a.rank() != 2 || b.rank() != 2) {
            throw new IllegalArgumentException("Gemm inputs A and B must be 2-D, got " + a.describe() + " and " + b.describe());
        }
        if (a.dtype() != b.dtype() || (c != null && c.dtype() != a.dtype())) {
            throw new IllegalArgumentException("Gemm inputs must share one type, got A " + a.describe() + ", B " + b.describe()
                    + (c == null ? "" : ", C " + c.describe()));
        }
        int m = transA ? a.dim(1) : a.dim(0);
        int k = transA ? a.dim(0) : a.dim(1);
        int kb = transB ? b.dim(1) : b.dim(0);
        int n = transB ? b.dim(0) : b.dim(1);
        if (k != kb) {
            throw new IllegalArgumentException("Gemm inner dimensions differ: A " + a.describe() + (transA ? " (transposed)" : "")
                    + " gives K=" + k + ", B " + b.describe() + (transB ? " (transposed)" : "") + " gives K=" + kb);
        }
        int csm = 0;
        int csn = 0;
        if (c != null) {
            int[] cd = c.dims();
            if (cd.length > 2) throw new IllegalArgumentException("Gemm input C must have rank <= 2, got " + c.describe());
            int cm = cd.length == 2 ? cd[0] : 1;
            int cn = cd.length >= 1 ? cd[cd.length - 1] : 1;
            if ((cm != 1 && cm != m) || (cn != 1 && cn != n)) {
                throw new IllegalArgumentException("Gemm input C " + c.describe() + " cannot be broadcast to [" + m + ", " + n + "]");
            }
            csm = cm == 1 ? 0 : cn;
            csn = cn == 1 ? 0 : 1;
        }
        return new GemmShape(m, k, n, csm, csn);
    }
}
