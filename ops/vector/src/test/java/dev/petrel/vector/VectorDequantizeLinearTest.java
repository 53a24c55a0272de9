package dev.petrel.vector;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-tensor 8-bit DequantizeLinear against hand-computed values and the portable kernel. */
class VectorDequantizeLinearTest {
    private static float[] run(KernelRegistry kernels, Tensor x, Tensor scale, Tensor zp) {
        Graph.Builder g = new Graph.Builder().opset("", 13);
        g.input(new ValueInfo("x", x.dtype(), null));
        g.initializer("s", scale);
        List<String> in = new ArrayList<>(List.of("x", "s"));
        if (zp != null) {
            g.initializer("z", zp);
            in.add("z");
        }
        g.node(new Node("dq", "DequantizeLinear", "", 13, in, List.of("y"), new Attributes(List.of())));
        g.output(new ValueInfo("y", null, null));
        try (Session s = Model.of(g.build(), kernels).newSession()) {
            return s.run(Map.of("x", x)).get("y").toFloatArray();
        }
    }

    @Test
    void uint8AndInt8PerTensor() {
        Tensor u = Tensor.of(DType.UINT8, new byte[] {0, 1, (byte) 128, (byte) 255, 7}, 5);
        Tensor us = Tensor.of(new float[] {0.5f});
        Tensor uz = Tensor.of(DType.UINT8, new byte[] {(byte) 128});
        assertThat(run(VectorHarness.VECTOR, Tensor.of(DType.UINT8, new byte[] {0, 1, (byte) 128, (byte) 255, 7}, 5),
                Tensor.scalar(0.5f), Tensor.of(DType.UINT8, new byte[] {(byte) 128})))
                .containsExactly(-64f, -63.5f, 0f, 63.5f, -60.5f);
        Tensor i = Tensor.of(DType.INT8, new byte[] {-128, -1, 0, 127}, 2, 2);
        assertThat(run(VectorHarness.VECTOR, i, Tensor.scalar(0.25f), Tensor.of(DType.INT8, new byte[] {-1})))
                .containsExactly(-31.75f, 0f, 0.25f, 32f);
        assertThat(run(VectorHarness.VECTOR, i, Tensor.scalar(0.25f), null)).containsExactly(-32f, -0.25f, 0f, 31.75f);
        // A per-axis scale takes the portable kernel's path.
        Tensor axisScale = Tensor.of(new float[] {1f, 2f}, 2);
        assertThat(run(VectorHarness.VECTOR, i, axisScale, null)).containsExactly(run(VectorHarness.PORTABLE, i, axisScale, null));
        assertThat(run(VectorHarness.VECTOR, u, us, uz)).containsExactly(run(VectorHarness.PORTABLE, u, us, uz));
    }
}
