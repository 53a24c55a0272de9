package dev.petrel.ops.signal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import org.junit.jupiter.api.Test;

class WindowAndMelTest {
    private static double[] window(String op, boolean periodic) {
        Tensor y = SignalGraphs.run(op, new Tensor[] {SignalGraphs.scalar(4)},
                Attribute.ofInt("periodic", periodic ? 1 : 0), Attribute.ofInt("output_datatype", DType.DOUBLE.onnxCode()));
        assertThat(y.dtype()).isEqualTo(DType.DOUBLE);
        return y.toDoubleArray();
    }

    @Test
    void hannOfSizeFour() {
        // Periodic: 0.5 - 0.5 cos(pi k / 2); symmetric: 0.5 - 0.5 cos(2 pi k / 3).
        assertThat(window("HannWindow", true)).containsExactly(new double[] {0, 0.5, 1, 0.5}, within(1e-12));
        assertThat(window("HannWindow", false)).containsExactly(new double[] {0, 0.75, 0.75, 0}, within(1e-12));
    }

    @Test
    void hammingOfSizeFourUsesAlphaTwentyFiveOverFortySix() {
        assertThat(window("HammingWindow", true)).containsExactly(new double[] {4.0 / 46, 25.0 / 46, 1, 25.0 / 46}, within(1e-12));
        // cos(2 pi / 3) = -1/2: 25/46 + 21/92 = 71/92.
        assertThat(window("HammingWindow", false)).containsExactly(new double[] {4.0 / 46, 71.0 / 92, 71.0 / 92, 4.0 / 46}, within(1e-12));
    }

    @Test
    void blackmanOfSizeFour() {
        assertThat(window("BlackmanWindow", true)).containsExactly(new double[] {0, 0.34, 1, 0.34}, within(1e-12));
        // 0.42 + 0.25 + 0.08 cos(4 pi / 3) = 0.63.
        assertThat(window("BlackmanWindow", false)).containsExactly(new double[] {0, 0.63, 0.63, 0}, within(1e-12));
    }

    @Test
    void windowDefaultsToPeriodicFloat() {
        Tensor y = SignalGraphs.run("HannWindow", new Tensor[] {Tensor.of(new int[] {4})});
        assertThat(y.dtype()).isEqualTo(DType.FLOAT);
        assertThat(y.toFloatArray()).containsExactly(new float[] {0, 0.5f, 1, 0.5f}, within(1e-7f));
    }

    @Test
    void melWeightMatrixFollowsTheReferenceBinning() {
        // 0..8000 Hz is 0..2840 mel; 4 points 710 mel apart are 0, 614, 1768, 3934 Hz, i.e. bins
        // floor(17 hz / 16000) = 0, 0, 1, 4. Filter 0 collapses onto bin 0; filter 1 rises 0 -> 1, falls 1 -> 4.
        Tensor y = SignalGraphs.run("MelWeightMatrix", new Tensor[] {
            SignalGraphs.scalar(2), SignalGraphs.scalar(16), SignalGraphs.scalar(16000),
            Tensor.of(new float[] {0}), Tensor.of(new float[] {8000})});
        assertThat(y.dims()).containsExactly(9, 2);
        assertThat(y.dtype()).isEqualTo(DType.FLOAT);
        float t = 1f / 3;
        assertThat(y.toFloatArray()).containsExactly(new float[] {
            1, 0,
            0, 1,
            0, 2 * t,
            0, t,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, within(1e-6f));
    }
}
