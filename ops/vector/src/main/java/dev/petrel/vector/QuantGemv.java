package dev.petrel.vector;

import dev.petrel.llm.QuantizedMatrix;
import dev.petrel.spi.Parallel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.Buffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
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

    // ---- panel products (QuantizedMatrix layouts) ----

    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    static final VectorSpecies<Short> SH256 = ShortVector.SPECIES_256;
    /** fp16 bits shifted into an fp32 exponent field are 2^−112 of the value (normal and subnormal alike). */
    private static final float HALF_BIAS = 0x1p112f;

    /** Whether the panel kernels run here: one 16-float vector per panel. */
    static boolean panelsFit() {
        return L == QuantizedMatrix.PANEL;
    }

    /** A {@link QuantizedMatrix} viewed as native segments. */
    static final class Panels {
        final QuantizedMatrix m;
        final MemorySegment codes, scales, offsets;
        final int bits, in, out, bs, blocks, paddedIn, panels;
        final boolean half;

        Panels(QuantizedMatrix m) {
            this.m = m;
            this.codes = segment(m.codes());
            this.scales = segment(m.scales());
            this.offsets = m.offsets() == null ? null : segment(m.offsets());
            this.bits = m.bits(); this.in = m.in(); this.out = m.out(); this.bs = m.blockSize(); this.blocks = m.blocks();
            this.paddedIn = m.paddedIn(); this.panels = m.panels(); this.half = m.halfScales();
        }

        private static MemorySegment segment(java.nio.ByteBuffer b) {
            java.nio.ByteBuffer all = b.duplicate();
            ((Buffer) all).clear();
            return MemorySegment.ofBuffer(all);
        }
    }

    /**
     * {@code y = x·W + bias} over {@link Panels}, as a reusable task: set the fields, call {@link #run(Parallel)}.
     * Activations are copied once per call into rows of {@code paddedIn} floats (zeros past {@code in}),
     * so that every block is whole; four rows share each decoded code vector. Each output column follows
     * {@link QuantizedMatrix}'s order lane by lane with fused multiply-adds, whatever the number of rows.
     */
    static final class Product implements Parallel.RangeBody {
        Panels w;
        float[] x, y;
        int rows, yOffset;
        MemorySegment bias;
        private float[] xp = new float[0], sums = new float[0], one = new float[0];
        private int parts;
        private final Parallel.RangeBody byPart = (q0, q1) -> {
            int n = w.panels;
            panelRange((int) ((long) n * q0 / parts), (int) ((long) n * q1 / parts));
        };

        void run(Parallel parallel) {
            Panels w = this.w;
            int size = rows * w.paddedIn;
            if (xp.length < size) xp = new float[size];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(x, r * w.in, xp, r * w.paddedIn, w.in);
                Arrays.fill(xp, r * w.paddedIn + w.in, (r + 1) * w.paddedIn, 0f);
            }
            if (w.offsets != null) {
                if (sums.length < rows * w.blocks) sums = new float[rows * w.blocks];
                if (one.length < w.blocks) one = new float[w.blocks];
                for (int r = 0; r < rows; r++) {
                    QuantizedMatrix.blockSums(x, r * w.in, w.in, w.bs, one);
                    System.arraycopy(one, 0, sums, r * w.blocks, w.blocks);
                }
            }
            // One contiguous run of panels per thread: each streams its part of the codes in address order.
            if (parallel.threads() <= 1 || (long) w.paddedIn * w.out * rows < 1 << 14) {
                panelRange(0, w.panels);
            } else {
                parts = Math.min(w.panels, parallel.threads());
                parallel.forRange(parts, byPart);
            }
        }

        @Override
        public void run(int from, int to) {
            panelRange(from, to);
        }

        private void panelRange(int p0, int p1) {
            Panels w = this.w;
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                if (w.bits == 4) q4Rows4(w, xp, r * w.paddedIn, sums, r * w.blocks, bias, y, yOffset + r * w.out, p0, p1);
                else q8Rows4(w, xp, r * w.paddedIn, sums, r * w.blocks, bias, y, yOffset + r * w.out, p0, p1);
            }
            for (; r < rows; r++) {
                if (w.bits == 4) q4Row(w, xp, r * w.paddedIn, sums, r * w.blocks, bias, y, yOffset + r * w.out, p0, p1);
                else q8Row(w, xp, r * w.paddedIn, sums, r * w.blocks, bias, y, yOffset + r * w.out, p0, p1);
            }
        }
    }

    /** The 16 scales of (panel, block) index {@code pb} as floats. */
    private static FloatVector scales(Panels w, int pb) {
        if (!w.half) return FloatVector.fromMemorySegment(F, w.scales, pb * 64L, LE);
        IntVector h = (IntVector) ShortVector.fromMemorySegment(SH256, w.scales, pb * 32L, LE).convertShape(VectorOperators.S2I, I, 0);
        IntVector bits = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).or(h.and(0x80000000));
        return bits.reinterpretAsFloats().mul(HALF_BIAS);
    }

    /** Nibble s of each int lane, sign-extended, as floats. */
    private static FloatVector nibble(IntVector v, int s) {
        IntVector t = s == 7 ? v : v.lanewise(VectorOperators.LSHL, 28 - 4 * s);
        return (FloatVector) t.lanewise(VectorOperators.ASHR, 28).convert(VectorOperators.I2F, 0);
    }

    /** Writes a panel's 16 sums (plus bias) at {@code y[yo + p·16]}, masked for the last, partial panel. */
    private static void store(FloatVector t, MemorySegment bias, float[] y, int yo, int out, int p) {
        int n0 = p * 16;
        if (n0 + 16 <= out) {
            if (bias != null) t = t.add(FloatVector.fromMemorySegment(F, bias, n0 * 4L, LE));
            t.intoArray(y, yo + n0);
        } else {
            VectorMask<Float> m = F.indexInRange(n0, out);
            if (bias != null) t = t.add(FloatVector.fromMemorySegment(F, bias, n0 * 4L, LE, m));
            t.intoArray(y, yo + n0, m);
        }
    }

    static void q4Row(Panels w, float[] x, int xo, float[] sums, int so, MemorySegment bias, float[] y, int yo, int p0, int p1) {
        final MemorySegment codes = w.codes;
        final int blocks = w.blocks, groups = w.bs >> 3;
        final long panelBytes = w.paddedIn * 8L;
        for (int p = p0; p < p1; p++) {
            long c = p * panelBytes;
            int k = xo;
            FloatVector total = FloatVector.zero(F);
            for (int b = 0; b < blocks; b++) {
                FloatVector even = FloatVector.zero(F), odd = even;
                for (int g = 0; g < groups; g++, c += 64, k += 8) {
                    IntVector v = IntVector.fromMemorySegment(I, codes, c, LE);
                    even = nibble(v, 0).fma(FloatVector.broadcast(F, x[k]), even);
                    odd = nibble(v, 1).fma(FloatVector.broadcast(F, x[k + 1]), odd);
                    even = nibble(v, 2).fma(FloatVector.broadcast(F, x[k + 2]), even);
                    odd = nibble(v, 3).fma(FloatVector.broadcast(F, x[k + 3]), odd);
                    even = nibble(v, 4).fma(FloatVector.broadcast(F, x[k + 4]), even);
                    odd = nibble(v, 5).fma(FloatVector.broadcast(F, x[k + 5]), odd);
                    even = nibble(v, 6).fma(FloatVector.broadcast(F, x[k + 6]), even);
                    odd = nibble(v, 7).fma(FloatVector.broadcast(F, x[k + 7]), odd);
                }
                int pb = p * blocks + b;
                total = even.add(odd).fma(scales(w, pb), total);
                if (w.offsets != null) {
                    total = FloatVector.fromMemorySegment(F, w.offsets, pb * 64L, LE).fma(FloatVector.broadcast(F, sums[so + b]), total);
                }
            }
            store(total, bias, y, yo, w.out, p);
        }
    }

    /** {@link #q4Row} for rows xo, xo + paddedIn, ... (four), each decoded code vector used four times. */
    static void q4Rows4(Panels w, float[] x, int xo, float[] sums, int so, MemorySegment bias, float[] y, int yo, int p0, int p1) {
        final MemorySegment codes = w.codes;
        final int blocks = w.blocks, groups = w.bs >> 3, st = w.paddedIn, out = w.out;
        final long panelBytes = w.paddedIn * 8L;
        for (int p = p0; p < p1; p++) {
            long c = p * panelBytes;
            int k = xo;
            FloatVector t0 = FloatVector.zero(F), t1 = t0, t2 = t0, t3 = t0;
            for (int b = 0; b < blocks; b++) {
                FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
                for (int g = 0; g < groups; g++, c += 64) {
                    IntVector v = IntVector.fromMemorySegment(I, codes, c, LE);
                    for (int s = 0; s < 8; s += 2, k += 2) {
                        FloatVector q = nibble(v, s);
                        e0 = q.fma(FloatVector.broadcast(F, x[k]), e0);
                        e1 = q.fma(FloatVector.broadcast(F, x[k + st]), e1);
                        e2 = q.fma(FloatVector.broadcast(F, x[k + 2 * st]), e2);
                        e3 = q.fma(FloatVector.broadcast(F, x[k + 3 * st]), e3);
                        q = nibble(v, s + 1);
                        o0 = q.fma(FloatVector.broadcast(F, x[k + 1]), o0);
                        o1 = q.fma(FloatVector.broadcast(F, x[k + 1 + st]), o1);
                        o2 = q.fma(FloatVector.broadcast(F, x[k + 1 + 2 * st]), o2);
                        o3 = q.fma(FloatVector.broadcast(F, x[k + 1 + 3 * st]), o3);
                    }
                }
                int pb = p * blocks + b;
                FloatVector d = scales(w, pb);
                t0 = e0.add(o0).fma(d, t0);
                t1 = e1.add(o1).fma(d, t1);
                t2 = e2.add(o2).fma(d, t2);
                t3 = e3.add(o3).fma(d, t3);
                if (w.offsets != null) {
                    FloatVector m = FloatVector.fromMemorySegment(F, w.offsets, pb * 64L, LE);
                    t0 = m.fma(FloatVector.broadcast(F, sums[so + b]), t0);
                    t1 = m.fma(FloatVector.broadcast(F, sums[so + blocks + b]), t1);
                    t2 = m.fma(FloatVector.broadcast(F, sums[so + 2 * blocks + b]), t2);
                    t3 = m.fma(FloatVector.broadcast(F, sums[so + 3 * blocks + b]), t3);
                }
            }
            store(t0, bias, y, yo, out, p);
            store(t1, bias, y, yo + out, out, p);
            store(t2, bias, y, yo + 2 * out, out, p);
            store(t3, bias, y, yo + 3 * out, out, p);
        }
    }

    /** int8 codes of input k: 16 bytes, one per column, widened to floats. */
    private static FloatVector bytes(MemorySegment codes, long c) {
        return (FloatVector) ByteVector.fromMemorySegment(B128, codes, c, LE).convertShape(VectorOperators.B2F, F, 0);
    }

    static void q8Row(Panels w, float[] x, int xo, float[] sums, int so, MemorySegment bias, float[] y, int yo, int p0, int p1) {
        final MemorySegment codes = w.codes;
        final int blocks = w.blocks, bs = w.bs;
        final long panelBytes = w.paddedIn * 16L;
        for (int p = p0; p < p1; p++) {
            long c = p * panelBytes;
            int k = xo;
            FloatVector total = FloatVector.zero(F);
            for (int b = 0; b < blocks; b++) {
                FloatVector even = FloatVector.zero(F), odd = even;
                for (int t = 0; t < bs; t += 4, c += 64, k += 4) {
                    even = bytes(codes, c).fma(FloatVector.broadcast(F, x[k]), even);
                    odd = bytes(codes, c + 16).fma(FloatVector.broadcast(F, x[k + 1]), odd);
                    even = bytes(codes, c + 32).fma(FloatVector.broadcast(F, x[k + 2]), even);
                    odd = bytes(codes, c + 48).fma(FloatVector.broadcast(F, x[k + 3]), odd);
                }
                int pb = p * blocks + b;
                total = even.add(odd).fma(scales(w, pb), total);
                if (w.offsets != null) {
                    total = FloatVector.fromMemorySegment(F, w.offsets, pb * 64L, LE).fma(FloatVector.broadcast(F, sums[so + b]), total);
                }
            }
            store(total, bias, y, yo, w.out, p);
        }
    }

    static void q8Rows4(Panels w, float[] x, int xo, float[] sums, int so, MemorySegment bias, float[] y, int yo, int p0, int p1) {
        final MemorySegment codes = w.codes;
        final int blocks = w.blocks, bs = w.bs, st = w.paddedIn, out = w.out;
        final long panelBytes = w.paddedIn * 16L;
        for (int p = p0; p < p1; p++) {
            long c = p * panelBytes;
            int k = xo;
            FloatVector t0 = FloatVector.zero(F), t1 = t0, t2 = t0, t3 = t0;
            for (int b = 0; b < blocks; b++) {
                FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
                for (int t = 0; t < bs; t += 2, c += 32, k += 2) {
                    FloatVector q = bytes(codes, c);
                    e0 = q.fma(FloatVector.broadcast(F, x[k]), e0);
                    e1 = q.fma(FloatVector.broadcast(F, x[k + st]), e1);
                    e2 = q.fma(FloatVector.broadcast(F, x[k + 2 * st]), e2);
                    e3 = q.fma(FloatVector.broadcast(F, x[k + 3 * st]), e3);
                    q = bytes(codes, c + 16);
                    o0 = q.fma(FloatVector.broadcast(F, x[k + 1]), o0);
                    o1 = q.fma(FloatVector.broadcast(F, x[k + 1 + st]), o1);
                    o2 = q.fma(FloatVector.broadcast(F, x[k + 1 + 2 * st]), o2);
                    o3 = q.fma(FloatVector.broadcast(F, x[k + 1 + 3 * st]), o3);
                }
                int pb = p * blocks + b;
                FloatVector d = scales(w, pb);
                t0 = e0.add(o0).fma(d, t0);
                t1 = e1.add(o1).fma(d, t1);
                t2 = e2.add(o2).fma(d, t2);
                t3 = e3.add(o3).fma(d, t3);
                if (w.offsets != null) {
                    FloatVector m = FloatVector.fromMemorySegment(F, w.offsets, pb * 64L, LE);
                    t0 = m.fma(FloatVector.broadcast(F, sums[so + b]), t0);
                    t1 = m.fma(FloatVector.broadcast(F, sums[so + blocks + b]), t1);
                    t2 = m.fma(FloatVector.broadcast(F, sums[so + 2 * blocks + b]), t2);
                    t3 = m.fma(FloatVector.broadcast(F, sums[so + 3 * blocks + b]), t3);
                }
            }
            store(t0, bias, y, yo, out, p);
            store(t1, bias, y, yo + out, out, p);
            store(t2, bias, y, yo + 2 * out, out, p);
            store(t3, bias, y, yo + 3 * out, out, p);
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
