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
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
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

    private static final float LOG2E = 1.4426950408889634f;
    private static final float LN2_HI = 0.693145751953125f;
    private static final float LN2_LO = 1.428606765330187e-06f;
    /** 1.5·2^23: adding it rounds a float of magnitude < 2^22 to an integer, kept in the low mantissa bits. */
    private static final float ROUND = 12582912f;

    VectorErf(Node node, KernelSetup setup) {
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        Tensor y = ctx.output(0, DType.FLOAT, x.dims());
        erf(Segments.of(x), Segments.of(y), x.size());
    }

    /** y[i] = erf(x[i]) for i < n, little-endian floats; x and y may be the same memory. */
    static void erf(MemorySegment x, MemorySegment y, int n) {
        int l = S.length();
        int i = 0;
        for (; i + l <= n; i += l) {
            erf(FloatVector.fromMemorySegment(S, x, i * 4L, LE)).intoMemorySegment(y, i * 4L, LE);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            erf(FloatVector.fromMemorySegment(S, x, i * 4L, LE, m)).intoMemorySegment(y, i * 4L, LE, m);
        }
    }

    static FloatVector erf(FloatVector x) {
        FloatVector t = x.abs();
        FloatVector s = t.mul(t);
        FloatVector p = h(h(h(h(h(c(S5), s, S4), s, S3), s, S2), s, S1), s, S0);
        FloatVector small = t.mul(p);
        FloatVector u = t.min(4f);
        FloatVector q = h(h(h(h(h(h(h(h(h(c(Q9), u, Q8), u, Q7), u, Q6), u, Q5), u, Q4), u, Q3), u, Q2), u, Q1), u, Q0);
        FloatVector big = exp(q).neg().add(1f);
        FloatVector r = big.blend(small, t.lt(SPLIT)).blend(1f, t.compare(VectorOperators.GE, 4f));
        // erf is odd: give |erf| the sign of x (a NaN stays NaN).
        IntVector sign = x.reinterpretAsInts().and(0x80000000);
        return r.reinterpretAsInts().or(sign).reinterpretAsFloats();
    }

    /**
     * e^q for q clamped to [-87, 88] (results stay normal floats), relative error a few 1e-8:
     * q = n·ln2 + r with |r| <= ln2/2, e^r by its Taylor polynomial of degree 7, 2^n from the exponent bits.
     */
    static FloatVector exp(FloatVector q) {
        q = q.max(-87f).min(88f);
        FloatVector j = q.fma(c(LOG2E), c(ROUND));
        FloatVector n = j.sub(ROUND);
        FloatVector r = n.fma(c(-LN2_HI), q).add(n.mul(-LN2_LO));
        FloatVector p = h(h(h(h(h(h(h(c(1f / 5040), r, 1f / 720), r, 1f / 120), r, 1f / 24), r, 1f / 6), r, 0.5f), r, 1f), r, 1f);
        IntVector e = j.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUND)).add(127).lanewise(VectorOperators.LSHL, 23);
        return p.mul(e.reinterpretAsFloats());
    }

    private static FloatVector c(float v) {
        return FloatVector.broadcast(S, v);
    }

    /** One Horner step: acc·x + c. */
    private static FloatVector h(FloatVector acc, FloatVector x, float c) {
        return acc.fma(x, FloatVector.broadcast(S, c));
    }
}
