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
 * Weight-only quantized products, two families:
 *
 * <p><b>Panels</b> ({@link Panels}, {@link Product}): the decoder's {@link QuantizedMatrix} layouts (and
 * MatMulNBits weights repacked into them), 16 output columns per vector. A 64-byte load is 16 ints,
 * int j holding column j's codes of 8 (Q4) or 4 (Q8) consecutive inputs; each code vector is isolated
 * by one AND and converted to float as it stands ({@code code·2^(bits·s)}), the activation having been
 * scaled by {@code 2^(−bits·s)} once per call (both exact), so the loop is AND, convert, FMA with a
 * broadcast of x per 16 weights; unsigned codes, their centre folded per block as
 * {@code −2^(bits−1)·sum(x over the block)}; per-block fp16 or fp32 scales applied once per block.
 * Four rows of x share each decoded vector below {@link VectorDecoderMath#DEQUANTIZED_GEMM_ROWS}
 * rows (the caller dequantizes into fp32 GEMM panels from there on: {@link #dequantize}).
 *
 * <p>Measured by thread CPU time on the shared 2-core Zen 4 VM (L2-resident 768×768, one thread):
 * Q4 21 G weights/s (42 GFLOP/s), Q8 about 20; the first version of these kernels (two shifts per
 * nibble, byte-to-float widening for Q8) ran 18.4 and 16.3. The limit is the vector pipes: four
 * 512-bit operations per 16 weights (broadcast, AND, convert, FMA), each taking a 256-bit pipe for
 * two cycles; dropping the broadcast or the convert alone measured +25% and +15%.
 *
 * <p><b>Byte lanes</b> ({@link #q4}, {@link #bnb4}): MatMulNBits weights that are not constants and
 * MatMulBnb4, read where they lie: a chunk of L bytes (L = float lanes) holds 2L weights, whose low
 * and high nibbles become two float vectors against A permuted once per call ({@link #permute}). About
 * half the fp32 GEMV's rate (byte shifts are emulated on x86).
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
    /** Per input k mod 8 (Q4) or mod 4 (Q8): the scale that undoes the code's place in its int (see {@link Product}). */
    private static final float[] Q4_FACTORS = {1f, 0x1p-4f, 0x1p-8f, 0x1p-12f, 0x1p-16f, 0x1p-20f, 0x1p-24f, 1f};
    private static final float[] Q8_FACTORS = {1f, 0x1p-8f, 0x1p-16f, 1f};
    /** The AND that isolates code s of each int (the top one is shifted instead). */
    private static final int[] Q4_MASKS = {0xF, 0xF0, 0xF00, 0xF000, 0xF0000, 0xF00000, 0xF000000, 0};
    private static final int[] Q8_MASKS = {0xFF, 0xFF00, 0xFF0000, 0};

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
        private float[] xp = new float[0], sums = new float[0], zero = new float[0];
        private int parts;
        private final Parallel.RangeBody byPart = (q0, q1) -> {
            int n = w.panels;
            panelRange((int) ((long) n * q0 / parts), (int) ((long) n * q1 / parts));
        };

        void run(Parallel parallel) {
            Panels w = this.w;
            int size = rows * w.paddedIn, nb = rows * w.blocks;
            if (xp.length < size) xp = new float[size];
            if (sums.length < nb) {
                sums = new float[nb];
                zero = new float[nb];
            }
            // Input k is multiplied by the code vector as it stands after its AND, code·2^(bits·s) with
            // s = k mod (32 / bits): scaling x by 2^(−bits·s) here (exact) makes the product code·x.
            // The top codes of each int are shifted down instead (their AND would set the sign bit).
            int per = 32 / w.bits;
            float[] factor = w.bits == 4 ? Q4_FACTORS : Q8_FACTORS;
            float mid = -(1 << (w.bits - 1));
            for (int r = 0; r < rows; r++) {
                int xo = r * w.in, po = r * w.paddedIn;
                for (int k = 0; k < w.in; k++) xp[po + k] = x[xo + k] * factor[k & (per - 1)];
                Arrays.fill(xp, po + w.in, po + w.paddedIn, 0f);
                QuantizedMatrix.blockSums(x, xo, w.in, w.bs, sums, r * w.blocks);
                for (int b = 0; b < w.blocks; b++) zero[r * w.blocks + b] = mid * sums[r * w.blocks + b];
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
                if (w.bits == 4) q4Rows4(w, xp, r * w.paddedIn, zero, sums, r * w.blocks, bias, y, yOffset + r * w.out, p0, p1);
                else q8Rows4(w, xp, r * w.paddedIn, zero, sums, r * w.blocks, bias, y, yOffset + r * w.out, p0, p1);
            }
            for (; r < rows; r++) {
                if (w.bits == 4) q4Row(w, xp, r * w.paddedIn, zero, sums, r * w.blocks, bias, y, yOffset + r * w.out, p0, p1);
                else q8Row(w, xp, r * w.paddedIn, zero, sums, r * w.blocks, bias, y, yOffset + r * w.out, p0, p1);
            }
        }
    }

    /**
     * Writes W (dequantized, fp32) into {@code dst} as {@link FloatGemm}'s B panels, for a prefill that
     * runs the fp32 GEMM: panels {@code [p0, p1)} of 16 columns; {@code dst} must already be sized
     * (K = in, N = out). The values are {@code code·scale + offset}, as {@link QuantizedMatrix#get}.
     */
    static void dequantize(Panels w, PackedMatrix dst, int p0, int p1) {
        final int nrw = FloatGemm.NRW, in = w.in, per = 32 / w.bits, mask = (1 << w.bits) - 1;
        final float mid = 1 << (w.bits - 1);
        final float[] d = dst.data;
        final long panelBytes = w.paddedIn * (long) (16 * w.bits / 8);
        for (int p = p0; p < p1; p++) {
            int n0 = p * 16, base = (n0 / nrw) * in * nrw + n0 % nrw;
            for (int b = 0; b < w.blocks; b++) {
                int pb = p * w.blocks + b;
                FloatVector scale = scales(w, pb);
                FloatVector shift = FloatVector.broadcast(F, -mid).mul(scale);
                if (w.offsets != null) shift = shift.add(FloatVector.fromMemorySegment(F, w.offsets, pb * 64L, LE));
                int k1 = Math.min(in, (b + 1) * w.bs);
                for (int k = b * w.bs; k < k1; k++) {
                    IntVector v = IntVector.fromMemorySegment(I, w.codes, p * panelBytes + (k / per) * 64L, LE);
                    IntVector u = v.lanewise(VectorOperators.LSHR, (k % per) * w.bits).and(mask);
                    f(u).fma(scale, shift).intoArray(d, base + k * nrw);
                }
            }
        }
    }

    /**
     * All of W dequantized into {@code dst} (grown if needed), the padding columns of its last panel
     * zeroed; panels of 16 columns split over {@code parallel}.
     */
    static void dequantizeAll(Parallel parallel, Panels w, PackedMatrix dst) {
        int nrw = FloatGemm.NRW;
        long size = (long) ((w.out + nrw - 1) / nrw) * nrw * w.in;
        if (size > Integer.MAX_VALUE) throw new IllegalArgumentException("matrix too large to dequantize: " + w.in + " x " + w.out);
        if (dst.data.length < size) dst.data = new float[(int) size];
        dst.k = w.in;
        dst.n = w.out;
        dst.panels = (w.out + nrw - 1) / nrw;
        // The micro-kernel reads the padding columns of the last panel: zeros.
        if (w.out % nrw != 0) Arrays.fill(dst.data, (w.out / nrw) * nrw * w.in, (int) size, 0f);
        if (parallel.threads() <= 1) {
            dequantize(w, dst, 0, w.panels);
        } else {
            parallel.forRange(w.panels, (p0, p1) -> dequantize(w, dst, p0, p1));
        }
    }

    /** The 16 scales of (panel, block) index {@code pb} as floats. */
    private static FloatVector scales(Panels w, int pb) {
        if (!w.half) return FloatVector.fromMemorySegment(F, w.scales, pb * 64L, LE);
        IntVector h = (IntVector) ShortVector.fromMemorySegment(SH256, w.scales, pb * 32L, LE).convertShape(VectorOperators.S2I, I, 0);
        IntVector bits = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).or(h.and(0x80000000));
        return bits.reinterpretAsFloats().mul(HALF_BIAS);
    }

    private static FloatVector f(IntVector v) {
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
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

    /** {@code total + (sum + zero)·scale (+ offset·blockSum)} at the end of a block. */
    private static FloatVector endBlock(Panels w, int pb, FloatVector total, FloatVector sum, float zero, float blockSum) {
        total = sum.add(FloatVector.broadcast(F, zero)).fma(scales(w, pb), total);
        if (w.offsets != null) {
            total = FloatVector.fromMemorySegment(F, w.offsets, pb * 64L, LE).fma(FloatVector.broadcast(F, blockSum), total);
        }
        return total;
    }

    /**
     * One row: {@code x[xo..]} is the row scaled per input ({@link Product}), {@code zero[zo + b]} the
     * block's {@code −8·sum}, {@code sums[zo + b]} its sum.
     */
    static void q4Row(Panels w, float[] x, int xo, float[] zero, float[] sums, int zo, MemorySegment bias, float[] y, int yo, int p0, int p1) {
        final MemorySegment codes = w.codes;
        final int blocks = w.blocks, bs = w.bs;
        final long panelBytes = w.paddedIn * 8L;
        for (int p = p0; p < p1; p++) {
            // The group's byte offset follows k (8 inputs per 64 bytes): k is the loop's induction
            // variable, so the JIT hoists the range checks of x[k + s] out of the loop.
            long c0 = p * panelBytes - xo * 8L;
            FloatVector total = FloatVector.zero(F);
            for (int b = 0; b < blocks; b++) {
                FloatVector even = FloatVector.zero(F), odd = even;
                int k0 = xo + b * bs, k1 = k0 + bs;
                for (int k = k0; k < k1; k += 8) {
                    IntVector v = IntVector.fromMemorySegment(I, codes, c0 + k * 8L, LE);
                    even = f(v.and(0xF)).fma(FloatVector.broadcast(F, x[k + 0]), even);
                    odd = f(v.and(0xF0)).fma(FloatVector.broadcast(F, x[k + 1]), odd);
                    even = f(v.and(0xF00)).fma(FloatVector.broadcast(F, x[k + 2]), even);
                    odd = f(v.and(0xF000)).fma(FloatVector.broadcast(F, x[k + 3]), odd);
                    even = f(v.and(0xF0000)).fma(FloatVector.broadcast(F, x[k + 4]), even);
                    odd = f(v.and(0xF00000)).fma(FloatVector.broadcast(F, x[k + 5]), odd);
                    even = f(v.and(0xF000000)).fma(FloatVector.broadcast(F, x[k + 6]), even);
                    odd = f(v.lanewise(VectorOperators.LSHR, 28)).fma(FloatVector.broadcast(F, x[k + 7]), odd);
                }
                total = endBlock(w, p * blocks + b, total, even.add(odd), zero[zo + b], sums[zo + b]);
            }
            store(total, bias, y, yo, w.out, p);
        }
    }

    /** {@link #q4Row} for the four rows at {@code xo + r·paddedIn}, each decoded code vector used four times. */
    static void q4Rows4(Panels w, float[] x, int xo, float[] zero, float[] sums, int zo, MemorySegment bias, float[] y, int yo, int p0, int p1) {
        final MemorySegment codes = w.codes;
        final int blocks = w.blocks, groups = w.bs >> 3, st = w.paddedIn, out = w.out;
        final long panelBytes = w.paddedIn * 8L;
        for (int p = p0; p < p1; p++) {
            long c = p * panelBytes;
            int k = xo;
            FloatVector t0 = FloatVector.zero(F), t1 = t0, t2 = t0, t3 = t0;
            for (int b = 0; b < blocks; b++) {
                FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
                for (int g = 0; g < groups; g++, c += 64, k += 8) {
                    IntVector v = IntVector.fromMemorySegment(I, codes, c, LE);
                    for (int s = 0; s < 8; s += 2) {
                        int kk = k + s;
                        FloatVector q = f(v.and(Q4_MASKS[s]));
                        e0 = q.fma(FloatVector.broadcast(F, x[kk]), e0);
                        e1 = q.fma(FloatVector.broadcast(F, x[kk + st]), e1);
                        e2 = q.fma(FloatVector.broadcast(F, x[kk + 2 * st]), e2);
                        e3 = q.fma(FloatVector.broadcast(F, x[kk + 3 * st]), e3);
                        // The top code of each int: shifted down (its AND would set the sign bit).
                        q = s + 2 == 8 ? f(v.lanewise(VectorOperators.LSHR, 28)) : f(v.and(Q4_MASKS[s + 1]));
                        o0 = q.fma(FloatVector.broadcast(F, x[kk + 1]), o0);
                        o1 = q.fma(FloatVector.broadcast(F, x[kk + 1 + st]), o1);
                        o2 = q.fma(FloatVector.broadcast(F, x[kk + 1 + 2 * st]), o2);
                        o3 = q.fma(FloatVector.broadcast(F, x[kk + 1 + 3 * st]), o3);
                    }
                }
                int pb = p * blocks + b;
                t0 = endBlock(w, pb, t0, e0.add(o0), zero[zo + b], sums[zo + b]);
                t1 = endBlock(w, pb, t1, e1.add(o1), zero[zo + blocks + b], sums[zo + blocks + b]);
                t2 = endBlock(w, pb, t2, e2.add(o2), zero[zo + 2 * blocks + b], sums[zo + 2 * blocks + b]);
                t3 = endBlock(w, pb, t3, e3.add(o3), zero[zo + 3 * blocks + b], sums[zo + 3 * blocks + b]);
            }
            store(t0, bias, y, yo, out, p);
            store(t1, bias, y, yo + out, out, p);
            store(t2, bias, y, yo + 2 * out, out, p);
            store(t3, bias, y, yo + 3 * out, out, p);
        }
    }

    static void q8Row(Panels w, float[] x, int xo, float[] zero, float[] sums, int zo, MemorySegment bias, float[] y, int yo, int p0, int p1) {
        final MemorySegment codes = w.codes;
        final int blocks = w.blocks, bs = w.bs;
        final long panelBytes = w.paddedIn * 16L;
        for (int p = p0; p < p1; p++) {
            long c0 = p * panelBytes - xo * 16L;
            FloatVector total = FloatVector.zero(F);
            for (int b = 0; b < blocks; b++) {
                FloatVector even = FloatVector.zero(F), odd = even;
                int k0 = xo + b * bs, k1 = k0 + bs;
                for (int k = k0; k < k1; k += 4) {
                    IntVector v = IntVector.fromMemorySegment(I, codes, c0 + k * 16L, LE);
                    even = f(v.and(0xFF)).fma(FloatVector.broadcast(F, x[k + 0]), even);
                    odd = f(v.and(0xFF00)).fma(FloatVector.broadcast(F, x[k + 1]), odd);
                    even = f(v.and(0xFF0000)).fma(FloatVector.broadcast(F, x[k + 2]), even);
                    odd = f(v.lanewise(VectorOperators.LSHR, 24)).fma(FloatVector.broadcast(F, x[k + 3]), odd);
                }
                total = endBlock(w, p * blocks + b, total, even.add(odd), zero[zo + b], sums[zo + b]);
            }
            store(total, bias, y, yo, w.out, p);
        }
    }

    /**
     * {@link #q4Rows4} for 8-bit codes. A copy rather than one method taking the codes per int: with
     * that count a parameter, C2 no longer unrolls the inner loop (measured on a 768 x 3072 product,
     * 4 rows: Q8 465 -> 530 us, Q4 450 -> 470 us).
     */
    static void q8Rows4(Panels w, float[] x, int xo, float[] zero, float[] sums, int zo, MemorySegment bias, float[] y, int yo, int p0, int p1) {
        final MemorySegment codes = w.codes;
        final int blocks = w.blocks, groups = w.bs >> 2, st = w.paddedIn, out = w.out;
        final long panelBytes = w.paddedIn * 16L;
        for (int p = p0; p < p1; p++) {
            long c = p * panelBytes;
            int k = xo;
            FloatVector t0 = FloatVector.zero(F), t1 = t0, t2 = t0, t3 = t0;
            for (int b = 0; b < blocks; b++) {
                FloatVector e0 = FloatVector.zero(F), e1 = e0, e2 = e0, e3 = e0, o0 = e0, o1 = e0, o2 = e0, o3 = e0;
                for (int g = 0; g < groups; g++, c += 64, k += 4) {
                    IntVector v = IntVector.fromMemorySegment(I, codes, c, LE);
                    for (int s = 0; s < 4; s += 2) {
                        int kk = k + s;
                        FloatVector q = f(v.and(Q8_MASKS[s]));
                        e0 = q.fma(FloatVector.broadcast(F, x[kk]), e0);
                        e1 = q.fma(FloatVector.broadcast(F, x[kk + st]), e1);
                        e2 = q.fma(FloatVector.broadcast(F, x[kk + 2 * st]), e2);
                        e3 = q.fma(FloatVector.broadcast(F, x[kk + 3 * st]), e3);
                        // The top code of each int: shifted down (its AND would set the sign bit).
                        q = s + 2 == 4 ? f(v.lanewise(VectorOperators.LSHR, 24)) : f(v.and(Q8_MASKS[s + 1]));
                        o0 = q.fma(FloatVector.broadcast(F, x[kk + 1]), o0);
                        o1 = q.fma(FloatVector.broadcast(F, x[kk + 1 + st]), o1);
                        o2 = q.fma(FloatVector.broadcast(F, x[kk + 1 + 2 * st]), o2);
                        o3 = q.fma(FloatVector.broadcast(F, x[kk + 1 + 3 * st]), o3);
                    }
                }
                int pb = p * blocks + b;
                t0 = endBlock(w, pb, t0, e0.add(o0), zero[zo + b], sums[zo + b]);
                t1 = endBlock(w, pb, t1, e1.add(o1), zero[zo + blocks + b], sums[zo + blocks + b]);
                t2 = endBlock(w, pb, t2, e2.add(o2), zero[zo + 2 * blocks + b], sums[zo + 2 * blocks + b]);
                t3 = endBlock(w, pb, t3, e3.add(o3), zero[zo + 3 * blocks + b], sums[zo + 3 * blocks + b]);
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
