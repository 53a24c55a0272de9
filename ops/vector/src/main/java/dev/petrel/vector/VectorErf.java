package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.KernelSetup;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * FLOAT Erf (opset 9+) in single precision on whole vectors, and the vector erf and exp that the GELU
 * kernels share. Maximum absolute error about 1.2e-7 against the double-precision portable Erf
 * (checked by a sweep over the float range in the tests), i.e. two ulps of the result near 1.
 *
 * <p>For |x| < 0.875, {@code erf(x) = x·P(x²)} with P of degree 5; above,
 * {@code erf(x) = 1 - exp(Q(|x|))} with Q of degree 9 approximating {@code log(erfc(x))} up to 4, past
 * which erf rounds to 1 in float. Both are near-minimax fits (Lawson-weighted least squares) made for
 * this kernel. Each lane computes both branches and keeps one: blends are cheaper than splitting
 * lanes, and the exp is this class's own (exponent bits plus a degree-7 polynomial) so it never falls
 * back to a scalar library call.
 *
 * <p>{@link FloatGemm}'s fused GELU epilogue ({@link #geluInPlace}, fp32 products only) takes a cheaper
 * erf: {@code erf(z) = z·P(z²)/Q(z²)} with P and Q of degree 5 on z clamped to ±{@link #GELU_CLAMP}, where
 * the quotient is exactly 1 in float. About 16 operations and one division instead of about 40: measured,
 * GELU was 1.15 ms of a 29 ms SLAB-DeiT-224 run before. Its erf's absolute error is about 3.1e-7 (the
 * fit's coefficients rounded to float and tuned ulp by ulp in float arithmetic with FMA), so GELU's is at
 * most about 1.6e-7·|x| (2.4e-7 relative to max(1, |x|) measured over [-12, 12]): a few ulps wherever
 * GELU is not small, which the fp32 product that reads it cannot tell from its own rounding. In the far
 * negative tail, where GELU itself is below 1e-4 (x < -4), that is a large relative error, and past
 * x = -5.55 GELU is exactly -0 instead of a value below 2e-7. Everything else that computes GELU (the Gelu
 * operator, int8 products, the decoder) keeps the accurate erf above: an int8 product quantizes GELU's
 * output, and there an error of a few 1e-7 moves values across rounding steps (measured: int8 MiniLM
 * 1e-6 from ONNX Runtime with the accurate erf, 0.3 with the cheap one on one padded batch).
 * (The tanh form that models may use instead differs from the erf form by up to 4.7e-4.)
 */
final class VectorErf implements Kernel {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private static final float SPLIT = 0.875f;
    private static final float S0 = 1.1283791065216064f, S1 = -0.3761255741119385f, S2 = 0.11282525211572647f,
            S3 = -0.02679397538304329f, S4 = 0.005035899113863707f, S5 = -0.0006222551455721259f;
    private static final float Q0 = 0.00030459248227998614f, Q1 = -1.130178689956665f, Q2 = -0.6319025158882141f,
            Q3 = -0.11002787202596664f, Q4 = 0.02640622854232788f, Q5 = -0.004761728458106518f,
            Q6 = 0.0005997729022055864f, Q7 = -4.698667908087373e-05f, Q8 = 1.7697536804917036e-06f,
            Q9 = -7.441916416439653e-09f;

    /** GELU's erf: numerator and denominator coefficients (G0 + G1·s + ..., H0 = 1), and the clamp. */
    private static final float G0 = 1.1283788681030273f, G1 = 0.19297653436660767f, G2 = 0.05308481305837631f,
            G3 = 0.003876481903716922f, G4 = 0.0002874933707062155f, G5 = 2.030807991104666e-06f;
    private static final float H1 = 0.5043525695800781f, H2 = 0.11516902595758438f, H3 = 0.015188663266599178f,
            H4 = 0.0011897835647687316f, H5 = 3.8030884752515703e-05f;
    static final float GELU_CLAMP = 3.925f;

    private static final float LOG2E = 1.4426950408889634f;
    private static final float LN2_HI = 0.693145751953125f;
    private static final float LN2_LO = 1.428606765330187e-06f;
    /** 1.5·2^23: adding it rounds a float of magnitude < 2^22 to an integer, kept in the low mantissa bits. */
    private static final float ROUND = 12582912f;
    private static final float INV_SQRT2 = (float) (1 / Math.sqrt(2));
    private static final float TWO_SQRT_2_OVER_PI = (float) (2 * Math.sqrt(2 / Math.PI));

    VectorErf(Node node, KernelSetup setup) {
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        Tensor y = ctx.output(0, DType.FLOAT, x.dims());
        erf(Segments.of(x), Segments.of(y), x.size());
    }

    static final int ERF = 0, GELU = 1, GELU_TANH = 2;

    /**
     * Per-thread room for the last partial vector: native like every tensor the loops see, so their
     * loads stay compiled for native memory only (a heap array here would make C2 compile them for both).
     */
    private static final ThreadLocal<MemorySegment> TAIL =
            ThreadLocal.withInitial(() -> java.lang.foreign.Arena.ofAuto().allocate(2L * S.vectorByteSize(), 64));

    /** y[i] = erf(x[i]) for i < n, little-endian floats; x and y may be the same memory. */
    static void erf(MemorySegment x, MemorySegment y, int n) {
        map(ERF, x, 0, null, y, 0, n);
    }

    /**
     * {@code y[yo..][i] = f(x[xo..][i] + bias[i])} for i < n (byte offsets; no bias when null), f being erf,
     * GELU (erf form) or GELU (tanh form, as {@code x·sigmoid(2u)}); x and y may be the same memory.
     * Whole vectors run in the loops below; the last partial vector goes through the same loop on a
     * small padded copy, so the loops need no masks.
     */
    static void map(int fn, MemorySegment x, long xo, MemorySegment bias, MemorySegment y, long yo, int n) {
        int l = S.length();
        int full = n - n % l;
        if (full > 0) loop(fn, x, xo, bias, y, yo, full);
        if (full < n) {
            int rest = n - full;
            MemorySegment t = TAIL.get();
            MemorySegment.copy(x, xo + full * 4L, t, 0, rest * 4L);
            MemorySegment tb = null;
            if (bias != null) {
                tb = t.asSlice(l * 4L);
                MemorySegment.copy(bias, full * 4L, tb, 0, rest * 4L);
            }
            loop(fn, t, 0, tb, t, 0, l);
            MemorySegment.copy(t, 0, y, yo + full * 4L, rest * 4L);
        }
    }

    private static void loop(int fn, MemorySegment x, long xo, MemorySegment bias, MemorySegment y, long yo, int n) {
        if (fn == GELU_TANH) {
            tanhLoop(x, xo, bias, y, yo, n);
        } else {
            erfLoop(fn == GELU, x, xo, bias, y, yo, n);
        }
    }

    /*
     * The math is written out inside each loop, with no helper taking or returning a vector: a vector
     * that crosses a call C2 did not inline is boxed on the heap, and these are the hottest elementwise loops.
     */

    /** erf, or with {@code gelu} 0.5·x·(1 + erf(x/√2)), over n (a multiple of the vector length) elements. */
    private static void erfLoop(boolean gelu, MemorySegment x, long xo, MemorySegment bias, MemorySegment y, long yo, int n) {
        final FloatVector s0 = FloatVector.broadcast(S, S0), s1 = FloatVector.broadcast(S, S1), s2 = FloatVector.broadcast(S, S2),
                s3 = FloatVector.broadcast(S, S3), s4 = FloatVector.broadcast(S, S4), s5 = FloatVector.broadcast(S, S5);
        final FloatVector q0 = FloatVector.broadcast(S, Q0), q1 = FloatVector.broadcast(S, Q1), q2 = FloatVector.broadcast(S, Q2),
                q3 = FloatVector.broadcast(S, Q3), q4 = FloatVector.broadcast(S, Q4), q5 = FloatVector.broadcast(S, Q5),
                q6 = FloatVector.broadcast(S, Q6), q7 = FloatVector.broadcast(S, Q7), q8 = FloatVector.broadcast(S, Q8),
                q9 = FloatVector.broadcast(S, Q9);
        final FloatVector e2 = FloatVector.broadcast(S, 0.5f), e3 = FloatVector.broadcast(S, 1f / 6),
                e4 = FloatVector.broadcast(S, 1f / 24), e5 = FloatVector.broadcast(S, 1f / 120),
                e6 = FloatVector.broadcast(S, 1f / 720), e7 = FloatVector.broadcast(S, 1f / 5040);
        final FloatVector one = FloatVector.broadcast(S, 1f);
        final FloatVector log2e = FloatVector.broadcast(S, LOG2E), round = FloatVector.broadcast(S, ROUND);
        final FloatVector ln2hi = FloatVector.broadcast(S, -LN2_HI), ln2lo = FloatVector.broadcast(S, -LN2_LO);
        // x/√2 for GELU, x itself (times exactly 1) for erf; the GELU factors 0.5·x or, for erf, 1·1 and no +1.
        final float scale = gelu ? INV_SQRT2 : 1f;
        final float add = gelu ? 1f : 0f;
        final int roundBits = Float.floatToRawIntBits(ROUND) - 127;
        final int l = S.length();
        for (int i = 0; i < n; i += l) {
            long o = i * 4L;
            FloatVector v = FloatVector.fromMemorySegment(S, x, xo + o, LE);
            if (bias != null) v = v.add(FloatVector.fromMemorySegment(S, bias, o, LE));
            FloatVector z = v.mul(scale);
            FloatVector t = z.abs();
            FloatVector s = t.mul(t);
            FloatVector small = s5.fma(s, s4).fma(s, s3).fma(s, s2).fma(s, s1).fma(s, s0).mul(t);
            FloatVector u = t.min(4f);
            FloatVector a = q9.fma(u, q8).fma(u, q7).fma(u, q6).fma(u, q5).fma(u, q4).fma(u, q3).fma(u, q2).fma(u, q1).fma(u, q0);
            // e^a: a = k·ln2 + r, |r| <= ln2/2, e^r by Taylor to degree 7, 2^k from the exponent bits.
            FloatVector j = a.fma(log2e, round);
            FloatVector k = j.sub(round);
            FloatVector r = k.fma(ln2hi, a).add(k.mul(ln2lo));
            FloatVector p = e7.fma(r, e6).fma(r, e5).fma(r, e4).fma(r, e3).fma(r, e2).fma(r, one).fma(r, one);
            FloatVector ex = p.mul(j.reinterpretAsInts().sub(roundBits).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            FloatVector e = one.sub(ex).blend(small, t.lt(SPLIT)).blend(one, t.compare(VectorOperators.GE, 4f));
            // erf is odd: |erf| takes the sign of its argument (a NaN stays NaN).
            e = e.reinterpretAsInts().or(z.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats();
            FloatVector res = gelu ? v.mul(e.add(add)).mul(0.5f) : e;
            res.intoMemorySegment(y, yo + o, LE);
        }
    }

    /** x / (1 + e^(-2u)), u = √(2/π)·(x + 0.044715·x³), over n (a multiple of the vector length) elements. */
    private static void tanhLoop(MemorySegment x, long xo, MemorySegment bias, MemorySegment y, long yo, int n) {
        final FloatVector e2 = FloatVector.broadcast(S, 0.5f), e3 = FloatVector.broadcast(S, 1f / 6),
                e4 = FloatVector.broadcast(S, 1f / 24), e5 = FloatVector.broadcast(S, 1f / 120),
                e6 = FloatVector.broadcast(S, 1f / 720), e7 = FloatVector.broadcast(S, 1f / 5040);
        final FloatVector one = FloatVector.broadcast(S, 1f);
        final FloatVector log2e = FloatVector.broadcast(S, LOG2E), round = FloatVector.broadcast(S, ROUND);
        final FloatVector ln2hi = FloatVector.broadcast(S, -LN2_HI), ln2lo = FloatVector.broadcast(S, -LN2_LO);
        final FloatVector cubic = FloatVector.broadcast(S, 0.044715f), tanhScale = FloatVector.broadcast(S, -TWO_SQRT_2_OVER_PI);
        final int roundBits = Float.floatToRawIntBits(ROUND) - 127;
        final int l = S.length();
        for (int i = 0; i < n; i += l) {
            long o = i * 4L;
            FloatVector v = FloatVector.fromMemorySegment(S, x, xo + o, LE);
            if (bias != null) v = v.add(FloatVector.fromMemorySegment(S, bias, o, LE));
            FloatVector a = v.mul(v).fma(cubic, one).mul(v).mul(tanhScale).max(-87f).min(88f);
            FloatVector j = a.fma(log2e, round);
            FloatVector k = j.sub(round);
            FloatVector r = k.fma(ln2hi, a).add(k.mul(ln2lo));
            FloatVector p = e7.fma(r, e6).fma(r, e5).fma(r, e4).fma(r, e3).fma(r, e2).fma(r, one).fma(r, one);
            FloatVector ex = p.mul(j.reinterpretAsInts().sub(roundBits).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            v.div(ex.add(one)).intoMemorySegment(y, yo + o, LE);
        }
    }

    /**
     * {@code t[i] = f(t[i])} for off <= i < off + n (n a multiple of the vector length), f being GELU (erf form) or
     * GELU (tanh form): {@link FloatGemm}'s fused epilogue on its accumulator tile. On a float array,
     * not a segment: the segment loops' JDK access paths are shared by every caller, and once those
     * have seen heap, mapped and native segments C2 compiles them several times slower.
     */
    static void geluInPlace(int fn, float[] t, int off, int n) {
        if (fn == GELU_TANH) {
            tanhArray(t, off, n);
        } else {
            geluArray(t, off, n);
        }
    }

    /** GELU with the rational erf (class comment) on a float array. */
    private static void geluArray(float[] t, int off, int n) {
        final FloatVector g0 = FloatVector.broadcast(S, G0), g1 = FloatVector.broadcast(S, G1), g2 = FloatVector.broadcast(S, G2),
                g3 = FloatVector.broadcast(S, G3), g4 = FloatVector.broadcast(S, G4), g5 = FloatVector.broadcast(S, G5);
        final FloatVector h1 = FloatVector.broadcast(S, H1), h2 = FloatVector.broadcast(S, H2), h3 = FloatVector.broadcast(S, H3),
                h4 = FloatVector.broadcast(S, H4), h5 = FloatVector.broadcast(S, H5), one = FloatVector.broadcast(S, 1f);
        final int l = S.length();
        for (int i = off, end = off + n; i < end; i += l) {
            FloatVector v = FloatVector.fromArray(S, t, i);
            FloatVector z = v.mul(INV_SQRT2).min(GELU_CLAMP).max(-GELU_CLAMP);
            FloatVector s = z.mul(z);
            FloatVector p = g5.fma(s, g4).fma(s, g3).fma(s, g2).fma(s, g1).fma(s, g0);
            FloatVector q = h5.fma(s, h4).fma(s, h3).fma(s, h2).fma(s, h1).fma(s, one);
            v.mul(z.mul(p).div(q).add(1f)).mul(0.5f).intoArray(t, i);
        }
    }

    private static void tanhArray(float[] t, int off, int n) {
        final FloatVector e2 = FloatVector.broadcast(S, 0.5f), e3 = FloatVector.broadcast(S, 1f / 6),
                e4 = FloatVector.broadcast(S, 1f / 24), e5 = FloatVector.broadcast(S, 1f / 120),
                e6 = FloatVector.broadcast(S, 1f / 720), e7 = FloatVector.broadcast(S, 1f / 5040);
        final FloatVector one = FloatVector.broadcast(S, 1f);
        final FloatVector log2e = FloatVector.broadcast(S, LOG2E), round = FloatVector.broadcast(S, ROUND);
        final FloatVector ln2hi = FloatVector.broadcast(S, -LN2_HI), ln2lo = FloatVector.broadcast(S, -LN2_LO);
        final FloatVector cubic = FloatVector.broadcast(S, 0.044715f), tanhScale = FloatVector.broadcast(S, -TWO_SQRT_2_OVER_PI);
        final int roundBits = Float.floatToRawIntBits(ROUND) - 127;
        final int l = S.length();
        for (int i = off, end = off + n; i < end; i += l) {
            FloatVector v = FloatVector.fromArray(S, t, i);
            FloatVector a = v.mul(v).fma(cubic, one).mul(v).mul(tanhScale).max(-87f).min(88f);
            FloatVector j = a.fma(log2e, round);
            FloatVector k = j.sub(round);
            FloatVector r = k.fma(ln2hi, a).add(k.mul(ln2lo));
            FloatVector p = e7.fma(r, e6).fma(r, e5).fma(r, e4).fma(r, e3).fma(r, e2).fma(r, one).fma(r, one);
            FloatVector ex = p.mul(j.reinterpretAsInts().sub(roundBits).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            v.div(ex.add(one)).intoArray(t, i);
        }
    }
}
