package dev.petrel.ops.math;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.ops.Broadcast;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Float16;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.Parallel;
import java.util.Arrays;

/**
 * MatMul with numpy semantics: a 1-D first input is a row vector and a 1-D second input a column
 * vector (the added dimension is removed from the result), and the leading "batch" dimensions
 * broadcast. FLOAT16/BFLOAT16 accumulate in float, integers in 64 bits (wrapping to the type).
 */
final class MatMulKernel implements Kernel {
    private final FloatMatMul floatMatMul = new FloatMatMul();
    private double[] doubleRow = new double[0];
    private float[] floatRow = new float[0];
    private long[] longRow = new long[0];

    @Override
    public void run(KernelContext ctx) {
        Tensor a = ctx.requireInput(0);
        Tensor b = ctx.requireInput(1);
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException("MatMul inputs must have the same type, got " + a.describe() + " and " + b.describe());
        }
        int[] ad = a.dims();
        int[] bd = b.dims();
        if (ad.length == 0 || bd.length == 0) {
            throw new IllegalArgumentException("MatMul inputs must have rank >= 1, got " + a.describe() + " and " + b.describe());
        }
        boolean aVec = ad.length == 1;
        boolean bVec = bd.length == 1;
        int m = aVec ? 1 : ad[ad.length - 2];
        int k = ad[ad.length - 1];
        int kb = bVec ? bd[0] : bd[bd.length - 2];
        int n = bVec ? 1 : bd[bd.length - 1];
        if (k != kb) {
            throw new IllegalArgumentException("MatMul inner dimensions differ: A " + a.describe() + " has K=" + k
                    + ", B " + b.describe() + " has K=" + kb);
        }
        int[] aBatch = aVec ? new int[0] : Arrays.copyOf(ad, ad.length - 2);
        int[] bBatch = bVec ? new int[0] : Arrays.copyOf(bd, bd.length - 2);
        int[] batch = Broadcast.shape(aBatch, bBatch);
        int[] outDims = Arrays.copyOf(batch, batch.length + (aVec ? 0 : 1) + (bVec ? 0 : 1));
        int p = batch.length;
        if (!aVec) outDims[p++] = m;
        if (!bVec) outDims[p] = n;
        Tensor y = ctx.output(0, a.dtype(), outDims);

        int batches = 1;
        for (int d : batch) batches *= d;
        int aBatches = 1;
        for (int d : aBatch) aBatches *= d;
        int bBatches = 1;
        for (int d : bBatch) bBatches *= d;
        if (batches == 0) return;
        if (bBatches == 1 && aBatches == batches) {
            // B is shared by every batch and A is not broadcast: one product with all A rows stacked.
            multiply(ctx.parallel(), a, 0, b, 0, y, 0, batches * m, n, k);
            return;
        }
        int[] as = Broadcast.strides(aBatch, batch);
        int[] bs = Broadcast.strides(bBatch, batch);
        int[] idx = new int[batch.length];
        int aOff = 0;
        int bOff = 0;
        int aSize = m * k;
        int bSize = k * n;
        for (int t = 0; t < batches; t++) {
            multiply(ctx.parallel(), a, aOff * aSize, b, bOff * bSize, y, t * m * n, m, n, k);
            for (int d = batch.length - 1; d >= 0; d--) {
                idx[d]++;
                aOff += as[d];
                bOff += bs[d];
                if (idx[d] < batch[d]) break;
                aOff -= as[d] * batch[d];
                bOff -= bs[d] * batch[d];
                idx[d] = 0;
            }
        }
    }

    /** Y[yOff..] = A[aOff..] (m x k, row-major) times B[bOff..] (k x n, row-major). */
    private void multiply(Parallel parallel, Tensor a, int aOff, Tensor b, int bOff, Tensor y, int yOff, int m, int n, int k) {
        switch (a.dtype()) {
            case FLOAT:
                floatMatMul.multiply(parallel, a.floats(), aOff, k, 1, b.floats(), bOff, n, 1, y.floats(), yOff, n, m, n, k);
                return;
            case DOUBLE: {
                if (doubleRow.length < n) doubleRow = new double[n];
                double[] row = doubleRow;
                for (int i = 0; i < m; i++) {
                    Arrays.fill(row, 0, n, 0);
                    for (int kk = 0; kk < k; kk++) {
                        double av = a.doubles().get(aOff + i * k + kk);
                        int br = bOff + kk * n;
                        for (int j = 0; j < n; j++) row[j] += av * b.doubles().get(br + j);
                    }
                    for (int j = 0; j < n; j++) y.doubles().put(yOff + i * n + j, row[j]);
                }
                return;
            }
            case FLOAT16:
            case BFLOAT16: {
                boolean bf = a.dtype() == DType.BFLOAT16;
                if (floatRow.length < n) floatRow = new float[n];
                float[] row = floatRow;
                for (int i = 0; i < m; i++) {
                    Arrays.fill(row, 0, n, 0);
                    for (int kk = 0; kk < k; kk++) {
                        float av = half(a.shorts().get(aOff + i * k + kk), bf);
                        int br = bOff + kk * n;
                        for (int j = 0; j < n; j++) row[j] += av * half(b.shorts().get(br + j), bf);
                    }
                    for (int j = 0; j < n; j++) {
                        y.shorts().put(yOff + i * n + j, bf ? Float16.floatToBfloat16(row[j]) : Float16.fromFloat(row[j]));
                    }
                }
                return;
            }
            default: {
                if (longRow.length < n) longRow = new long[n];
                long[] row = longRow;
                for (int i = 0; i < m; i++) {
                    Arrays.fill(row, 0, n, 0);
                    for (int kk = 0; kk < k; kk++) {
                        long av = Elements.getLong(a, aOff + i * k + kk);
                        int br = bOff + kk * n;
                        for (int j = 0; j < n; j++) row[j] += av * Elements.getLong(b, br + j);
                    }
                    for (int j = 0; j < n; j++) Elements.putLong(y, yOff + i * n + j, row[j]);
                }
            }
        }
    }

    private static float half(short bits, boolean bfloat) {
        return bfloat ? Float16.bfloat16ToFloat(bits) : Float16.toFloat(bits);
    }
}
