package dev.petrel.vector;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** {@link VectorDecoderMath#sum4} gives {@link VectorDecoderMath#sumLanes}'s bits for each of its four vectors. */
class VectorLaneSumTest {
    @Property(tries = 200)
    void sum4IsFourPairwiseTrees(@ForAll @IntRange(min = 0, max = 100000) int seed) {
        if (VectorDecoderMath.L != 16) return;
        Random r = new Random(seed);
        float[] t = new float[64];
        // Mixed magnitudes make the order of additions visible in the low bits.
        for (int i = 0; i < 64; i++) t[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(7) - 3));
        FloatVector[] a = new FloatVector[4];
        for (int q = 0; q < 4; q++) a[q] = FloatVector.fromArray(VectorDecoderMath.S, t, 16 * q);
        float[] got = new float[16];
        VectorDecoderMath.sum4(a[0], a[1], a[2], a[3]).intoArray(got, 0);
        for (int q = 0; q < 4; q++) assertThat(got[q]).isEqualTo(VectorDecoderMath.sumLanes(t.clone(), 16 * q));
    }
}
