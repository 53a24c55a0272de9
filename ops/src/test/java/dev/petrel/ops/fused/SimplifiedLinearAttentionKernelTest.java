package dev.petrel.ops.fused;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.petrel.Model;
import dev.petrel.Options;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The portable dev.petrel::SimplifiedLinearAttention: hand-computed cases and a literal double-precision reference. */
class SimplifiedLinearAttentionKernelTest {

    /** Runs the operator; null inputs are absent. */
    static Tensor run(int threads, List<Attribute> attrs, Tensor... inputs) {
        Graph.Builder g = new Graph.Builder().opset("", 14).opset("dev.petrel", 1);
        List<String> in = new ArrayList<>();
        Map<String, Tensor> feed = new HashMap<>();
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] == null) {
                in.add("");
                continue;
            }
            in.add("x" + i);
            g.input(new ValueInfo("x" + i, inputs[i].dtype(), null));
            feed.put("x" + i, inputs[i]);
        }
        g.output(new ValueInfo("y", null, null));
        g.node(new Node("sla", "SimplifiedLinearAttention", "dev.petrel", 1, in, List.of("y"), new Attributes(attrs)));
        try (Session s = Model.of(g.build()).newSession(new Options().threads(threads))) {
            Tensor first = s.run(feed).get("y");
            assertThat(s.run(feed).get("y").toFloatArray()).containsExactly(first.toFloatArray());
            return first;
        }
    }

    static List<Attribute> heads(int h) {
        return List.of(Attribute.ofInt("num_heads", h));
    }

    @Test
    void oneTokenOneChannel() {
        // q = 2, K + P = 3 - 1 = 2, v = 5: kv = 10, z = 2, O = 2·10 / (2·2 + 1e-6) ≈ 5; DWC (1×1, w 0.5, bias 1) = 3.5.
        Tensor y = run(1, heads(1), Tensor.of(new float[] {2, 3, 5}, 1, 1, 3), Tensor.of(new float[] {-1}, 1, 1, 1),
                Tensor.of(new float[] {0.5f}, 1, 1, 1, 1), Tensor.of(new float[] {1}, 1));
        assertThat(y.dims()).containsExactly(1, 1, 1);
        assertThat(y.toFloatArray()[0]).isCloseTo(20f / (4f + 1e-6f) + 3.5f, within(1e-6f));
    }

    @Test
    void negativeQueryGivesOnlyTheConvolution() {
        // ReLU(q) = 0: numerator 0, denominator eps: the attention term is exactly 0.
        Tensor y = run(1, heads(1), Tensor.of(new float[] {-2, 3, 5}, 1, 1, 3), null, Tensor.of(new float[] {2f}, 1, 1, 1, 1), null);
        assertThat(y.toFloatArray()[0]).isEqualTo(10f);
    }

    @Test
    void twoByTwoGridWithThreeByThreeOnes() {
        // c = 1, N = 4 (2×2): a 3×3 filter of ones sees the whole grid from every token: DWC = Σv = 10.
        // k = [1, 0 (ReLU), 2, 1], v = [1, 2, 3, 4]: kv = 1 + 6 + 4 = 11, z = 4. q_i = [1, 2, 0, 3]:
        // O_i = q·11 / (q·4 + 1e-6) ≈ 2.75 for q > 0, 0 for q = 0.
        float[] qkv = {1, 1, 1, 2, -1, 2, 0, 2, 3, 3, 1, 4};
        Tensor y = run(1, heads(1), Tensor.of(qkv, 1, 4, 3), null, Tensor.of(new float[] {1, 1, 1, 1, 1, 1, 1, 1, 1}, 1, 1, 3, 3), null);
        float[] o = y.toFloatArray();
        assertThat(o[0]).isCloseTo(11f / 4f + 10f, within(1e-5f));
        assertThat(o[1]).isCloseTo(11f / 4f + 10f, within(1e-5f));
        assertThat(o[2]).isEqualTo(10f);
        assertThat(o[3]).isCloseTo(11f / 4f + 10f, within(1e-5f));
    }

    @Test
    void matchesLiteralReferenceWithHeadsBatchesAndRectangularGrid() {
        Random r = new Random(7);
        int b = 2, h = 3, c = 5, height = 3, width = 4, n = height * width, cc = h * c;
        Tensor qkv = random(r, b, n, 3 * cc);
        Tensor pos = random(r, 1, n, cc);
        Tensor w = random(r, c, 1, 5, 5);
        Tensor bias = random(r, c);
        List<Attribute> attrs = List.of(Attribute.ofInt("num_heads", h), Attribute.ofInt("height", height), Attribute.ofInt("width", width));
        float[] expected = reference(qkv.toFloatArray(), pos.toFloatArray(), w.toFloatArray(), bias.toFloatArray(), b, n, h, c, height, width, 5, 5, 1e-6);
        for (int threads : new int[] {1, 2}) {
            float[] got = run(threads, attrs, qkv, pos, w, bias).toFloatArray();
            for (int i = 0; i < got.length; i++) assertThat(got[i]).as("element %d", i).isCloseTo(expected[i], within(1e-4f));
        }
    }

    @Test
    void rejectsBadShapes() {
        Tensor qkv = Tensor.of(new float[2 * 5 * 6], 2, 5, 6);
        assertThatThrownBy(() -> run(1, heads(1), qkv, null, null, null)).hasMessageContaining("not a perfect square");
        Tensor sq = Tensor.of(new float[4 * 6], 1, 4, 6);
        assertThatThrownBy(() -> run(1, heads(3), sq, null, null, null)).hasMessageContaining("does not divide");
        assertThatThrownBy(() -> run(1, heads(1), sq, null, Tensor.of(new float[8], 2, 1, 2, 2), null)).hasMessageContaining("odd kh, kw");
    }

    static Tensor random(Random r, int... dims) {
        int size = 1;
        long[] shape = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            size *= dims[i];
            shape[i] = dims[i];
        }
        float[] v = new float[size];
        for (int i = 0; i < size; i++) v[i] = (float) r.nextGaussian();
        return Tensor.of(v, shape);
    }

    /** The formula read literally, in double: per batch and head O = q·kv/(q·Σk + eps) + DWC(V). */
    static float[] reference(float[] qkv, float[] pos, float[] w, float[] bias, int batch, int n, int heads, int c,
                             int height, int width, int kh, int kw, double eps) {
        int cc = heads * c;
        float[] out = new float[batch * n * cc];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                double[][] q = new double[n][c], k = new double[n][c], v = new double[n][c];
                for (int j = 0; j < n; j++) {
                    for (int t = 0; t < c; t++) {
                        int base = (b * n + j) * 3 * cc + h * c + t;
                        q[j][t] = Math.max(0, qkv[base]);
                        k[j][t] = Math.max(0, qkv[base + cc] + (pos == null ? 0 : pos[j * cc + h * c + t]));
                        v[j][t] = qkv[base + 2 * cc];
                    }
                }
                for (int i = 0; i < n; i++) {
                    double den = eps;
                    for (int j = 0; j < n; j++) for (int t = 0; t < c; t++) den += q[i][t] * k[j][t];
                    for (int d = 0; d < c; d++) {
                        double num = 0;
                        for (int j = 0; j < n; j++) {
                            double qk = 0;
                            for (int t = 0; t < c; t++) qk += q[i][t] * k[j][t];
                            num += qk * v[j][d];
                        }
                        double conv = bias == null ? 0 : bias[d];
                        if (w != null) {
                            int py = i / width, px = i % width;
                            for (int u = 0; u < kh; u++) {
                                for (int s = 0; s < kw; s++) {
                                    int yy = py + u - kh / 2, xx = px + s - kw / 2;
                                    if (yy >= 0 && yy < height && xx >= 0 && xx < width) conv += w[(d * kh + u) * kw + s] * v[yy * width + xx][d];
                                }
                            }
                        }
                        out[(b * n + i) * cc + h * c + d] = (float) (num / den + conv);
                    }
                }
            }
        }
        return out;
    }
}
