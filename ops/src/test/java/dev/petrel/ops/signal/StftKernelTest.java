package dev.petrel.ops.signal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import org.junit.jupiter.api.Test;

class StftKernelTest {
    private static final Tensor SIGNAL = Tensor.of(new float[] {1, 2, 3, 4}, 1, 4, 1);

    @Test
    void framesOfTwoWithStepTwo() {
        // Frames [1, 2] and [3, 4]; a 2-point DFT gives [a + b, a - b], onesided keeps both bins.
        Tensor y = SignalGraphs.run("STFT", new Tensor[] {SIGNAL, SignalGraphs.scalar(2), null, SignalGraphs.scalar(2)});
        assertThat(y.dims()).containsExactly(1, 2, 2, 2);
        assertThat(y.toFloatArray()).containsExactly(new float[] {3, 0, -1, 0, 7, 0, -1, 0}, within(1e-6f));
    }

    @Test
    void windowWeightsEachFrameAndSetsItsLength() {
        // Step 1 gives 3 frames: [0.5, 2], [1, 3], [1.5, 4].
        Tensor window = Tensor.of(new float[] {0.5f, 1}, 2);
        Tensor y = SignalGraphs.run("STFT", new Tensor[] {SIGNAL, SignalGraphs.scalar(1), window});
        assertThat(y.dims()).containsExactly(1, 3, 2, 2);
        assertThat(y.toFloatArray()).containsExactly(new float[] {2.5f, 0, -1.5f, 0, 4, 0, -2, 0, 5.5f, 0, -2.5f, 0}, within(1e-6f));
    }

    @Test
    void twoSidedOutputOfAFourPointFrame() {
        // One frame [1, 2, 3, 4]: X = 10, -2 + 2i, -2, -2 - 2i.
        Tensor y = SignalGraphs.run("STFT", new Tensor[] {SIGNAL, SignalGraphs.scalar(4)}, Attribute.ofInt("onesided", 0));
        assertThat(y.dims()).containsExactly(1, 1, 4, 2);
        assertThat(y.toFloatArray()).containsExactly(new float[] {10, 0, -2, 2, -2, 0, -2, -2}, within(1e-5f));
    }
}
