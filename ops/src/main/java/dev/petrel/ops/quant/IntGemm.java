package dev.petrel.ops.quant;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.ops.Broadcast;
import dev.petrel.ops.Elements;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Parallel;
import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.util.Arrays;

/**
 * Batched 8-bit integer matrix product with zero points and numpy MatMul broadcasting, accumulating in
 * int32: {@code C[b,i,j] = sum_k (A[b,i,k] - za[b,i]) * (B[b,k,j] - zb[b,j])}.
 *
 * <p>The zero points are taken out of the inner loop by expanding the product:
 * {@code sum ab - zb * rowSum(A) - za * colSum(B) + K * za * zb}. The int32 wrap-around of that sum is
 * the same as the wrap-around of the direct form (both are exact modulo 2^32). Both operands are
 * widened once into int arrays, B transposed so every output element is a contiguous dot product
 * that the JIT can vectorize; B's packed copy is kept across runs while B is the same read-only
 * tensor (a weight of the model). Scratch grows to the largest problem seen and is then reused.
 */
final class IntGemm {
    /** Column block: keeps that many packed columns of B hot in cache while all rows stream past. */
    private static final int COLUMN_BLOCK = 64;

    private int[] aPack = new int[0];
    private int[] aRowSum = new int[0];
    private int[] za = new int[0];
    private int[] bPack = new int[0];
    private int[] bColSum = new int[0];
    private int[] zb = new int[0];
    private int[] aBatchOf = new int[0];
    private int[] bBatchOf = new int[0];

    private Tensor packedB;
    private Tensor packedBZeroPoint;

    // Geometry of the current problem, set by prepare().
    int m;
    int n;
    int k;
    int batches;
    private int aBatches;
    private int bBatches;
    int[] outDims;

    /**
     * Checks shapes and packs both operands and their zero points. After this, {@link #outDims} is
     * the output shape and {@link #compute} fills it.
     */
    void prepare(Tensor a, Tensor aZp, Tensor b, Tensor bZp, String aName, String bName) {
        checkByteType(a, aName);
        checkByteType(b, bName);
        int[] ad = a.dims();
        int[] bd = b.dims();
        if (ad.length == 0 || bd.length == 0) {
            throw new IllegalArgumentException("inputs '" + aName + "' " + a.describe() + " and '" + bName + "' "
                    + b.describe() + " must have rank >= 1");
        }
        boolean aVector = ad.length == 1;
        boolean bVector = bd.length == 1;
        int[] am = aVector ? new int[] {1, ad[0]} : ad;
        int[] bm = bVector ? new int[] {bd[0], 1} : bd;
        m = am[am.length - 2];
        k = am[am.length - 1];
        n = bm[bm.length - 1];
        if (bm[bm.length - 2] != k) {
            throw new IllegalArgumentException("inner dimensions differ: '" + aName + "' " + a.describe() + " has K="
                    + k + " but '" + bName + "' " + b.describe() + " has K=" + bm[bm.length - 2]);
        }
        int[] aBatchDims = Arrays.copyOf(am, am.length - 2);
        int[] bBatchDims = Arrays.copyOf(bm, bm.length - 2);
        int[] batchDims = Broadcast.shape(aBatchDims, bBatchDims);
        aBatches = Shapes.product(aBatchDims, 0, aBatchDims.length);
        bBatches = Shapes.product(bBatchDims, 0, bBatchDims.length);
        batches = Shapes.product(batchDims, 0, batchDims.length);

        int rank = batchDims.length + (aVector ? 0 : 1) + (bVector ? 0 : 1);
        outDims = new int[rank];
        System.arraycopy(batchDims, 0, outDims, 0, batchDims.length);
        int p = batchDims.length;
        if (!aVector) outDims[p++] = m;
        if (!bVector) outDims[p] = n;

        mapBatches(aBatchDims, bBatchDims, batchDims);
        packA(a);
        expandZeroPoint(aZp, aBatchDims, true, "a_zero_point");
        if (b != packedB || bZp != packedBZeroPoint || !b.bytes().isReadOnly()
                || (bZp != null && !bZp.bytes().isReadOnly())) {
            packB(b);
            expandZeroPoint(bZp, bBatchDims, false, "b_zero_point");
            boolean cacheable = b.bytes().isReadOnly() && (bZp == null || bZp.bytes().isReadOnly());
            packedB = cacheable ? b : null;
            packedBZeroPoint = cacheable ? bZp : null;
        }
    }

    /**
     * Computes all {@code batches * m * n} outputs in row-major order into {@code outArray} (when not
     * null) or {@code outBuffer}.
     */
    void compute(Parallel parallel, int[] outArray, IntBuffer outBuffer) {
        final int rows = batches * m;
        if (rows == 0 || n == 0) return;
        parallel.forRange(rows, (from, to) -> rows(from, to, outArray, outBuffer));
    }

    private void rows(int from, int to, int[] outArray, IntBuffer outBuffer) {
        final int kk = k;
        final int nn = n;
        final int mm = m;
        final int[] ap = aPack;
        final int[] bp = bPack;
        for (int j0 = 0; j0 < nn; j0 += COLUMN_BLOCK) {
            int j1 = Math.min(nn, j0 + COLUMN_BLOCK);
            for (int r = from; r < to; r++) {
                int batch = r / mm;
                int i = r - batch * mm;
                int aRow = aBatchOf[batch] * mm + i;
                int aOff = aRow * kk;
                int zaRow = za[aRow];
                int rowSum = aRowSum[aRow];
                int bBase = bBatchOf[batch] * nn;
                int outOff = r * nn;
                int j = j0;
                // Four columns at a time: each element of the A row is loaded once for four products.
                for (; j + 3 < j1; j += 4) {
                    int col = bBase + j;
                    int b0 = col * kk;
                    int b1 = b0 + kk;
                    int b2 = b1 + kk;
                    int b3 = b2 + kk;
                    int s0 = 0;
                    int s1 = 0;
                    int s2 = 0;
                    int s3 = 0;
                    for (int q = 0; q < kk; q++) {
                        int x = ap[aOff + q];
                        s0 += x * bp[b0 + q];
                        s1 += x * bp[b1 + q];
                        s2 += x * bp[b2 + q];
                        s3 += x * bp[b3 + q];
                    }
                    store(outArray, outBuffer, outOff + j, correct(s0, col, zaRow, rowSum, kk));
                    store(outArray, outBuffer, outOff + j + 1, correct(s1, col + 1, zaRow, rowSum, kk));
                    store(outArray, outBuffer, outOff + j + 2, correct(s2, col + 2, zaRow, rowSum, kk));
                    store(outArray, outBuffer, outOff + j + 3, correct(s3, col + 3, zaRow, rowSum, kk));
                }
                for (; j < j1; j++) {
                    int col = bBase + j;
                    int bOff = col * kk;
                    int s = 0;
                    for (int q = 0; q < kk; q++) s += ap[aOff + q] * bp[bOff + q];
                    store(outArray, outBuffer, outOff + j, correct(s, col, zaRow, rowSum, kk));
                }
            }
        }
    }

    /** sum (a - za)(b - zb) from sum ab: subtracts zb * sum a and za * sum b, adds K * za * zb. */
    private int correct(int dot, int col, int zaRow, int rowSum, int kk) {
        int zbCol = zb[col];
        return dot - zbCol * rowSum - zaRow * bColSum[col] + kk * zaRow * zbCol;
    }

    private static void store(int[] outArray, IntBuffer outBuffer, int index, int v) {
        if (outArray != null) outArray[index] = v;
        else outBuffer.put(index, v);
    }

    private static void checkByteType(Tensor t, String name) {
        if (t.dtype() != DType.UINT8 && t.dtype() != DType.INT8) {
            throw new IllegalArgumentException("input '" + name + "' must be UINT8 or INT8, got " + t.describe());
        }
    }

    private void mapBatches(int[] aBatchDims, int[] bBatchDims, int[] batchDims) {
        if (aBatchOf.length < batches) aBatchOf = new int[batches];
        if (bBatchOf.length < batches) bBatchOf = new int[batches];
        int[] as = Broadcast.strides(aBatchDims, batchDims);
        int[] bs = Broadcast.strides(bBatchDims, batchDims);
        int rank = batchDims.length;
        int[] idx = new int[rank];
        int ao = 0;
        int bo = 0;
        for (int t = 0; t < batches; t++) {
            aBatchOf[t] = ao;
            bBatchOf[t] = bo;
            for (int d = rank - 1; d >= 0; d--) {
                idx[d]++;
                ao += as[d];
                bo += bs[d];
                if (idx[d] < batchDims[d]) break;
                ao -= as[d] * batchDims[d];
                bo -= bs[d] * batchDims[d];
                idx[d] = 0;
            }
        }
    }

    private void packA(Tensor a) {
        int total = aBatches * m * k;
        int rows = aBatches * m;
        if (aPack.length < total) aPack = new int[total];
        if (aRowSum.length < rows) aRowSum = new int[rows];
        ByteBuffer src = a.bytes();
        boolean signed = a.dtype() == DType.INT8;
        for (int r = 0; r < rows; r++) {
            int off = r * k;
            int sum = 0;
            if (signed) {
                for (int q = 0; q < k; q++) {
                    int v = src.get(off + q);
                    aPack[off + q] = v;
                    sum += v;
                }
            } else {
                for (int q = 0; q < k; q++) {
                    int v = src.get(off + q) & 0xFF;
                    aPack[off + q] = v;
                    sum += v;
                }
            }
            aRowSum[r] = sum;
        }
    }

    private void packB(Tensor b) {
        int cols = bBatches * n;
        int total = cols * k;
        if (bPack.length < total) bPack = new int[total];
        if (bColSum.length < cols) bColSum = new int[cols];
        ByteBuffer src = b.bytes();
        boolean signed = b.dtype() == DType.INT8;
        int kn = k * n;
        for (int bb = 0; bb < bBatches; bb++) {
            int base = bb * kn;
            int colBase = bb * n;
            for (int j = 0; j < n; j++) bColSum[colBase + j] = 0;
            for (int q = 0; q < k; q++) {
                int rowOff = base + q * n;
                for (int j = 0; j < n; j++) {
                    int v = signed ? src.get(rowOff + j) : src.get(rowOff + j) & 0xFF;
                    bPack[(colBase + j) * k + q] = v;
                    bColSum[colBase + j] += v;
                }
            }
        }
    }

    /**
     * Expands a zero point into one value per row of A (perRow) or per column of B, over all batches
     * of that operand. Accepted shapes: one element; a vector over the rows/columns; or, per batch,
     * A's batch dims + [M, 1] / B's batch dims + [1, N].
     */
    private void expandZeroPoint(Tensor zp, int[] batchDims, boolean perRow, String name) {
        int per = perRow ? m : n;
        int count = (perRow ? aBatches : bBatches) * per;
        int[] dst = perRow ? za : zb;
        if (dst.length < count) dst = new int[count];
        if (perRow) za = dst; else zb = dst;
        if (zp == null) {
            Arrays.fill(dst, 0, count, 0);
            return;
        }
        if (zp.dtype() != DType.UINT8 && zp.dtype() != DType.INT8) {
            throw new IllegalArgumentException("input '" + name + "' must be UINT8 or INT8, got " + zp.describe());
        }
        if (zp.size() == 1) {
            Arrays.fill(dst, 0, count, (int) Elements.getLong(zp, 0));
            return;
        }
        if (zp.rank() == 1 && zp.dim(0) == per) {
            for (int t = 0; t < count; t++) dst[t] = (int) Elements.getLong(zp, t % per);
            return;
        }
        int[] expected = Arrays.copyOf(batchDims, batchDims.length + 2);
        expected[batchDims.length] = perRow ? m : 1;
        expected[batchDims.length + 1] = perRow ? 1 : n;
        if (zp.hasDims(expected)) {
            for (int t = 0; t < count; t++) dst[t] = (int) Elements.getLong(zp, t);
            return;
        }
        throw new IllegalArgumentException("input '" + name + "' " + zp.describe() + " must be a scalar, a 1-D tensor of "
                + per + " values (one per " + (perRow ? "row of A" : "column of B") + ") or of shape "
                + Arrays.toString(expected));
    }
}
