package dev.petrel.ops.quant;

import static dev.petrel.ops.quant.KernelHarness.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.Parallel;
import org.junit.jupiter.api.Test;

class DynamicQuantizeLinearKernelTest {
    private static Tensor[] run(float... x) {
        Tensor[] in = in(f(x));
        Kernel k = kernel("DynamicQuantizeLinear", 11, 3, in);
        return KernelHarness.run(k, 3, Parallel.SEQUENTIAL, in);
    }

    @Test
    void mixedSigns() {
        // range [-3, 2]: scale 5/255, zero point rint(3 / (5/255)) = 153. In float, -2.5 / scale is
        // -127.49999 (-> -127, so 26) and 0.5 / scale is exactly 25.5 (a tie, -> 26, so 179).
        Tensor[] out = run(0, 2, -3, -2.5f, 1.34f, 0.5f);
        float scale = 5f / 255f;
        assertThat(out[1].dtype()).isEqualTo(DType.FLOAT);
        assertThat(out[1].floats().get(0)).isEqualTo(scale);
        assertThat(ints(out[2])).containsExactly(153);
        assertThat(ints(out[0])).containsExactly(153, 255, 0, 26, 221, 179);
    }

    @Test
    void allPositiveRangeStartsAtZero() {
        Tensor[] out = run(1, 2, 3);
        assertThat(out[1].floats().get(0)).isEqualTo(3f / 255f);
        assertThat(ints(out[2])).containsExactly(0);
        assertThat(ints(out[0])).containsExactly(85, 170, 255);
    }

    @Test
    void allNegativeRangeEndsAtZero() {
        Tensor[] out = run(-1, -3, -4);
        assertThat(ints(out[2])).containsExactly(255);
        assertThat(ints(out[0])).containsExactly(191, 64, 0);
    }

    @Test
    void allZerosUseScaleOneAsOnnxRuntime() {
        Tensor[] out = run(0, 0, 0, 0);
        assertThat(out[1].floats().get(0)).isEqualTo(1f);
        assertThat(ints(out[2])).containsExactly(0);
        assertThat(ints(out[0])).containsExactly(0, 0, 0, 0);
    }
}
