package dev.petrel.ops.quant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.DType;
import dev.petrel.Model;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import dev.petrel.spi.KernelRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The dynamic-quantization pattern of all-MiniLM-L6-v2's int8 model, through a planned session:
 * x -> DynamicQuantizeLinear -> MatMulInteger with an int8 weight and per-column zero points.
 */
class QuantizedMatMulSessionTest {
    @Test
    void dynamicQuantizationFeedsMatMulInteger() {
        byte[] w = {1, -2, 3, 0, 5, -6};
        Graph g = new Graph.Builder()
                .input(new ValueInfo("x", DType.FLOAT, null))
                .initializer("w", Tensor.wrap(DType.INT8, Tensor.of(DType.INT8, w, 2, 3).bytes().asReadOnlyBuffer(), 2, 3))
                .initializer("wz", Tensor.of(DType.INT8, new byte[] {1, 0, -1}, 3))
                .node(new Node("q", "DynamicQuantizeLinear", "", 11, List.of("x"), List.of("xq", "xs", "xz"), Attributes.empty()))
                .node(new Node("mm", "MatMulInteger", "", 10, List.of("xq", "w", "xz", "wz"), List.of("y"), Attributes.empty()))
                .output(new ValueInfo("y", DType.INT32, null))
                .output(new ValueInfo("xs", DType.FLOAT, null))
                .opset("", 13)
                .build();
        KernelRegistry r = new KernelRegistry();
        QuantKernels.register(r);
        try (Session s = Model.of(g, r).newSession()) {
            for (int run = 0; run < 2; run++) {
                // x [1, 2, 2] spans [-1, 4]: scale 5/255, zero point rint(1 / (5/255)) = 51.
                float[] x = {-1, 4, 2, 1 + run};
                Map<String, Tensor> out = s.run(Map.of("x", Tensor.of(x, 1, 2, 2)));
                float scale = out.get("xs").floats().get(0);
                assertThat(scale).isEqualTo(5f / 255f);
                // x - zero point after quantization: rint(x / scale) = -51, 204, 102, 51 (run 0) or 102 (run 1).
                int[] q = {-51, 204, 102, run == 0 ? 51 : 102};
                int[] wz = {1, 0, -1};
                Tensor y = out.get("y");
                assertThat(y.shape()).containsExactly(1, 2, 3);
                int[] expected = new int[6];
                for (int row = 0; row < 2; row++) {
                    for (int j = 0; j < 3; j++) {
                        int sum = 0;
                        for (int k = 0; k < 2; k++) sum += q[row * 2 + k] * (w[k * 3 + j] - wz[j]);
                        expected[row * 3 + j] = sum;
                    }
                }
                // Row 0 by hand: [-51, 204] x [[0, -2, 4], [-1, 5, -5]] = [-204, 1122, -1224].
                if (run == 0) assertThat(expected).startsWith(-204, 1122, -1224);
                assertThat(y.toIntArray()).containsExactly(expected);
            }
        }
    }
}
