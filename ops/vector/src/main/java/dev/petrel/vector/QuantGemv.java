package dev.petrel.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Weight-only 4-bit products {@code y[m, n] = sum_k a[m, k] * w[n, k]} that read the packed weights
 * as they are (memory = the 4-bit file) and decode them in registers: a chunk of L bytes (L = float
 * lanes) holds 2L weights, whose low nibbles and high nibbles become two float vectors. Instead of
 * interleaving those back, A is permuted once per call so that each chunk of 2L values lists first
 * the elements of the low nibbles, then those of the high nibbles ({@link #permute}); then each chunk
 * is two loads of A and two FMAs against the decoded nibbles. The block's sum is scaled once per block.
 *
 * <p>Four rows of A share each decoded chunk (prefill); one row alone is the decode-time GEMV.
 * Callers split N over threads; the weights, scales and zero points are read from their segments.
 *
 * <p>Measured (QuantGemvBench, one thread, shared 2-core Zen 4, noisy: ±50%), GFLOP/s for
 * K×N = 768×3072 / 3072×768: fp32 GEMV 19.8 / 24.3 (its 9.4 MB of weights sit in L3 here), Q4 9.7 / 10.9,
 * NF4 9.7 / 7.4. So this decode is compute-bound at about half of the L3-resident fp32 GEMV: the
 * byte-to-float conversions of 16-byte vectors cost more than the FMAs. The next step is to decode in
 * int lanes (a 64-byte load as 16 ints, eight shift-and-mask steps, same-width I2F) with A permuted
 * by stride 8 and a per-lane scale vector; not done yet.
 */
final class QuantGemv {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8));
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(L * 32));
    /** Weights per chunk of L packed bytes. */
    static final int CHUNK = 2 * L;
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private QuantGemv() {}

    /** Whether blocks of this size are whole chunks (the vector path's condition). */
    static boolean fits(int blockSize) {
        return L >= 4 && blockSize % CHUNK == 0;
    }

    /**
     * Writes rows of A ([m, k] floats in {@code a}, little-endian) into {@code dst} as [m, paddedK]
     * with each chunk of 2L values reordered: elements in low nibbles, then those in high nibbles.
     * {@code lowIsEven}: MatMulNBits keeps element 2i in the low nibble, bitsandbytes in the high one.
     * Values past k are 0, so padding codes add nothing.
     */
    static void permute(MemorySegment a, int m, int k, int paddedK, boolean lowIsEven, float[] dst) {
        int first = lowIsEven ? 0 : 1;
        for (int i = 0; i < m; i++) {
            long src = (long) i * k * 4;
            int row = i * paddedK;
            for (int c = 0; c < paddedK; c += CHUNK) {
                for (int j = 0; j < L; j++) {
                    int lo = c + 2 * j + first;
                    int hi = c + 2 * j + 1 - first;
                    dst[row + c + j] = lo < k ? a.get(FLOAT_LE, src + lo * 4L) : 0f;
                    dst[row + c + L + j] = hi < k ? a.get(FLOAT_LE, src + hi * 4L) : 0f;
                }
            }
        }
    }

    /**
     * MatMulNBits 4-bit: rows [n0, n1) of y [m, n]. {@code zp} is the packed zero points (null: 8),
     * {@code zpRow} its bytes per row; {@code ap} is A from {@link #permute} (lowIsEven).
     */
    static void q4(MemorySegment w, MemorySegment scales, MemorySegment zp, int zpRow, float[] ap, int m, int paddedK,
                   int blocks, int bs, float[] bias, MemorySegment y, int n, int n0, int n1) {
        int blob = bs / 2;
        for (int j = n0; j < n1; j++) {
            long rowB = (long) j * blocks * blob;
            int i = 0;
            for (; i + 4 <= m; i += 4) {
                FloatVector t0 = FloatVector.zero(F), t1 = t0, t2 = t0, t3 = t0;
                for (int kb = 0; kb < blocks; kb++) {
                    ByteVector zv = ByteVector.broadcast(B, zeroPoint(zp, j * zpRow, kb));
                    FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
                    long boff = rowB + (long) kb * blob;
                    int a0 = i * paddedK + kb * bs;
                    for (int c = 0; c < bs; c += CHUNK, boff += L, a0 += CHUNK) {
                        ByteVector q = ByteVector.fromMemorySegment(B, w, boff, LE);
                        FloatVector lo = (FloatVector) q.and((byte) 0x0F).sub(zv).convertShape(VectorOperators.B2F, F, 0);
                        FloatVector hi = (FloatVector) q.lanewise(VectorOperators.LSHR, 4).sub(zv).convertShape(VectorOperators.B2F, F, 0);
                        s0 = hi.fma(FloatVector.fromArray(F, ap, a0 + L), lo.fma(FloatVector.fromArray(F, ap, a0), s0));
                        s1 = hi.fma(FloatVector.fromArray(F, ap, a0 + paddedK + L), lo.fma(FloatVector.fromArray(F, ap, a0 + paddedK), s1));
                        s2 = hi.fma(FloatVector.fromArray(F, ap, a0 + 2 * paddedK + L), lo.fma(FloatVector.fromArray(F, ap, a0 + 2 * paddedK), s2));
                        s3 = hi.fma(FloatVector.fromArray(F, ap, a0 + 3 * paddedK + L), lo.fma(FloatVector.fromArray(F, ap, a0 + 3 * paddedK), s3));
                    }
                    FloatVector s = FloatVector.broadcast(F, scales.get(FLOAT_LE, 4L * ((long) j * blocks + kb)));
                    t0 = s0.fma(s, t0);
                    t1 = s1.fma(s, t1);
                    t2 = s2.fma(s, t2);
                    t3 = s3.fma(s, t3);
                }
                store(y, n, i, j, t0, bias);
                store(y, n, i + 1, j, t1, bias);
                store(y, n, i + 2, j, t2, bias);
                store(y, n, i + 3, j, t3, bias);
            }
            for (; i < m; i++) {
                FloatVector t = FloatVector.zero(F);
                for (int kb = 0; kb < blocks; kb++) {
                    ByteVector zv = ByteVector.broadcast(B, zeroPoint(zp, j * zpRow, kb));
                    FloatVector sl = FloatVector.zero(F), sh = sl;
                    long boff = rowB + (long) kb * blob;
                    int a0 = i * paddedK + kb * bs;
                    for (int c = 0; c < bs; c += CHUNK, boff += L, a0 += CHUNK) {
                        ByteVector q = ByteVector.fromMemorySegment(B, w, boff, LE);
                        FloatVector lo = (FloatVector) q.and((byte) 0x0F).sub(zv).convertShape(VectorOperators.B2F, F, 0);
                        FloatVector hi = (FloatVector) q.lanewise(VectorOperators.LSHR, 4).sub(zv).convertShape(VectorOperators.B2F, F, 0);
                        sl = lo.fma(FloatVector.fromArray(F, ap, a0), sl);
                        sh = hi.fma(FloatVector.fromArray(F, ap, a0 + L), sh);
                    }
                    t = sl.add(sh).fma(FloatVector.broadcast(F, scales.get(FLOAT_LE, 4L * ((long) j * blocks + kb))), t);
                }
                store(y, n, i, j, t, bias);
            }
        }
    }

    private static byte zeroPoint(MemorySegment zp, long rowOff, int kb) {
        if (zp == null) return 8;
        int b = zp.get(ValueLayout.JAVA_BYTE, rowOff + (kb >>> 1)) & 0xFF;
        return (byte) ((kb & 1) == 0 ? b & 0x0F : b >>> 4);
    }

    /**
     * MatMulBnb4 with transB = 1 and K a multiple of the block size (blocks never span rows): rows
     * [n0, n1) of y. {@code table} holds the 16 code values (needs L == 16); {@code ap} is A from
     * {@link #permute} with lowIsEven = false.
     */
    static void bnb4(MemorySegment w, MemorySegment absmax, float[] table, float[] ap, int m, int k,
                     int bs, MemorySegment y, int n, int n0, int n1) {
        FloatVector tv = FloatVector.fromArray(F, table, 0);
        int blocks = k / bs;
        for (int j = n0; j < n1; j++) {
            long rowB = (long) j * k / 2;
            int i = 0;
            for (; i + 4 <= m; i += 4) {
                FloatVector t0 = FloatVector.zero(F), t1 = t0, t2 = t0, t3 = t0;
                for (int kb = 0; kb < blocks; kb++) {
                    FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
                    long boff = rowB + (long) kb * bs / 2;
                    int a0 = i * k + kb * bs;
                    for (int c = 0; c < bs; c += CHUNK, boff += L, a0 += CHUNK) {
                        ByteVector q = ByteVector.fromMemorySegment(B, w, boff, LE);
                        FloatVector lo = lookup(tv, q.and((byte) 0x0F));
                        FloatVector hi = lookup(tv, q.lanewise(VectorOperators.LSHR, 4));
                        s0 = hi.fma(FloatVector.fromArray(F, ap, a0 + L), lo.fma(FloatVector.fromArray(F, ap, a0), s0));
                        s1 = hi.fma(FloatVector.fromArray(F, ap, a0 + k + L), lo.fma(FloatVector.fromArray(F, ap, a0 + k), s1));
                        s2 = hi.fma(FloatVector.fromArray(F, ap, a0 + 2 * k + L), lo.fma(FloatVector.fromArray(F, ap, a0 + 2 * k), s2));
                        s3 = hi.fma(FloatVector.fromArray(F, ap, a0 + 3 * k + L), lo.fma(FloatVector.fromArray(F, ap, a0 + 3 * k), s3));
                    }
                    FloatVector s = FloatVector.broadcast(F, absmax.get(FLOAT_LE, 4L * ((long) j * blocks + kb)));
                    t0 = s0.fma(s, t0);
                    t1 = s1.fma(s, t1);
                    t2 = s2.fma(s, t2);
                    t3 = s3.fma(s, t3);
                }
                store(y, n, i, j, t0, null);
                store(y, n, i + 1, j, t1, null);
                store(y, n, i + 2, j, t2, null);
                store(y, n, i + 3, j, t3, null);
            }
            for (; i < m; i++) {
                FloatVector t = FloatVector.zero(F);
                for (int kb = 0; kb < blocks; kb++) {
                    FloatVector sl = FloatVector.zero(F), sh = sl;
                    long boff = rowB + (long) kb * bs / 2;
                    int a0 = i * k + kb * bs;
                    for (int c = 0; c < bs; c += CHUNK, boff += L, a0 += CHUNK) {
                        ByteVector q = ByteVector.fromMemorySegment(B, w, boff, LE);
                        sl = lookup(tv, q.and((byte) 0x0F)).fma(FloatVector.fromArray(F, ap, a0), sl);
                        sh = lookup(tv, q.lanewise(VectorOperators.LSHR, 4)).fma(FloatVector.fromArray(F, ap, a0 + L), sh);
                    }
                    t = sl.add(sh).fma(FloatVector.broadcast(F, absmax.get(FLOAT_LE, 4L * ((long) j * blocks + kb))), t);
                }
                store(y, n, i, j, t, null);
            }
        }
    }

    /** table[code] for each lane: a permute of the 16-entry table vector. */
    private static FloatVector lookup(FloatVector table, ByteVector codes) {
        IntVector idx = (IntVector) codes.convertShape(VectorOperators.B2I, I, 0);
        return table.rearrange(idx.toShuffle().cast(F));
    }

    private static void store(MemorySegment y, int n, int i, int j, FloatVector t, float[] bias) {
        float v = t.reduceLanes(VectorOperators.ADD);
        if (bias != null) v += bias[j];
        y.set(FLOAT_LE, 4L * ((long) i * n + j), v);
    }
}
