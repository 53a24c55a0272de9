package dev.petrel.ops.signal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class FftPropertyTest {
    /** Textbook O(n^2) DFT, the reference for both the radix-2 and the Bluestein paths. */
    private static double[][] naive(double[] re, double[] im, boolean inverse) {
        int n = re.length;
        double[] yr = new double[n];
        double[] yi = new double[n];
        double sign = inverse ? 1 : -1;
        for (int k = 0; k < n; k++) {
            for (int j = 0; j < n; j++) {
                double a = sign * 2 * Math.PI * (((long) j * k) % n) / n;
                yr[k] += re[j] * Math.cos(a) - im[j] * Math.sin(a);
                yi[k] += re[j] * Math.sin(a) + im[j] * Math.cos(a);
            }
        }
        return new double[][] {yr, yi};
    }

    private static double[] random(Random rnd, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = rnd.nextDouble() * 2 - 1;
        return v;
    }

    @Property(tries = 200)
    void fftMatchesNaiveDftAndInverts(@ForAll @IntRange(min = 1, max = 300) int n, @ForAll long seed) {
        Random rnd = new Random(seed);
        double[] re = random(rnd, n);
        double[] im = random(rnd, n);
        double[][] expected = naive(re, im, false);
        double[] yr = re.clone();
        double[] yi = im.clone();
        Fft fft = new Fft(n);
        fft.transform(yr, yi, false);
        double tol = 1e-9 * n;
        assertThat(yr).containsExactly(expected[0], within(tol));
        assertThat(yi).containsExactly(expected[1], within(tol));

        double[][] back = naive(expected[0], expected[1], true);
        fft.transform(yr, yi, true);
        for (int k = 0; k < n; k++) {
            assertThat(yr[k] / n).isCloseTo(re[k], within(1e-9)).isCloseTo(back[0][k] / n, within(1e-9));
            assertThat(yi[k] / n).isCloseTo(im[k], within(1e-9)).isCloseTo(back[1][k] / n, within(1e-9));
        }
    }

    @Property(tries = 40)
    void dftOperatorRoundTripsThroughInverse(@ForAll @IntRange(min = 1, max = 70) int n, @ForAll long seed) {
        Random rnd = new Random(seed);
        double[] re = random(rnd, n);
        double[] im = random(rnd, n);
        double[] interleaved = new double[2 * n];
        for (int k = 0; k < n; k++) {
            interleaved[2 * k] = re[k];
            interleaved[2 * k + 1] = im[k];
        }
        Tensor x = Tensor.of(interleaved, 1, n, 2);
        Tensor spectrum = SignalGraphs.run("DFT", new Tensor[] {x});
        double[][] expected = naive(re, im, false);
        double[] s = spectrum.toDoubleArray();
        for (int k = 0; k < n; k++) {
            assertThat(s[2 * k]).isCloseTo(expected[0][k], within(1e-9 * n));
            assertThat(s[2 * k + 1]).isCloseTo(expected[1][k], within(1e-9 * n));
        }
        Tensor back = SignalGraphs.run("DFT", new Tensor[] {spectrum}, Attribute.ofInt("inverse", 1));
        assertThat(back.toDoubleArray()).containsExactly(interleaved, within(1e-9));
    }
}
