package dev.petrel.vector;

import static dev.petrel.vector.VectorHarness.PORTABLE;
import static dev.petrel.vector.VectorHarness.VECTOR;
import static dev.petrel.vector.VectorHarness.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.petrel.DType;
import dev.petrel.Model;
import dev.petrel.Options;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import dev.petrel.spi.KernelRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The vector dev.petrel::SimplifiedLinearAttention against the portable one: random shapes, heads, tails, threads. */
class VectorLinearAttentionTest {

    private static Graph graph(List<Attribute> attrs, Tensor... inputs) {
        Graph.Builder g = new Graph.Builder().opset("", 14).opset("dev.petrel", 1);
        List<String> in = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] == null) {
                in.add("");
                continue;
            }
            in.add("x" + i);
            g.input(new ValueInfo("x" + i, inputs[i].dtype(), null));
        }
        g.output(new ValueInfo("y", null, null));
        g.node(new Node("sla", "SimplifiedLinearAttention", "dev.petrel", 1, in, List.of("y"), new Attributes(attrs)));
        return g.build();
    }

    static Tensor run(KernelRegistry kernels, int threads, List<Attribute> attrs, Tensor... inputs) {
        Map<String, Tensor> feed = new HashMap<>();
        for (int i = 0; i < inputs.length; i++) if (inputs[i] != null) feed.put("x" + i, inputs[i]);
        try (Session s = Model.of(graph(attrs, inputs), kernels).newSession(new Options().threads(threads))) {
            Tensor first = s.run(feed).get("y");
            // The second run reuses the plan and every buffer: same bits.
            assertThat(s.run(feed).get("y").toFloatArray()).containsExactly(first.toFloatArray());
            return first;
        }
    }

    @Test
    void vectorKernelIsTheOneSelected() {
        Tensor x = Tensor.of(new float[3], 1, 1, 3);
        Node n = graph(List.of(Attribute.ofInt("num_heads", 1)), x).nodes().get(0);
        assertThat(VECTOR.find(n, new DType[] {DType.FLOAT}).backend()).isEqualTo("vector");
    }

    @Test
    void handComputedGrid() {
        // Same case as the portable test: c = 1, 2×2 grid, 3×3 filter of ones (DWC = Σv = 10), kv = 11, z = 4.
        float[] qkv = {1, 1, 1, 2, -1, 2, 0, 2, 3, 3, 1, 4};
        float[] o = run(VECTOR, 1, List.of(Attribute.ofInt("num_heads", 1)), Tensor.of(qkv, 1, 4, 3), null,
                Tensor.of(new float[] {1, 1, 1, 1, 1, 1, 1, 1, 1}, 1, 1, 3, 3), null).toFloatArray();
        assertThat(o[0]).isCloseTo(11f / 4f + 10f, within(1e-5f));
        assertThat(o[1]).isCloseTo(11f / 4f + 10f, within(1e-5f));
        assertThat(o[2]).isEqualTo(10f);
        assertThat(o[3]).isCloseTo(11f / 4f + 10f, within(1e-5f));
    }

    @Property(tries = 60)
    void matchesPortable(@ForAll @IntRange(min = 1, max = 3) int batch, @ForAll @IntRange(min = 1, max = 20) int height,
                         @ForAll @IntRange(min = 0, max = 3) int widthDelta, @ForAll @IntRange(min = 1, max = 4) int heads,
                         @ForAll @IntRange(min = 1, max = 40) int headDim, @ForAll @IntRange(min = 0, max = 2) int kernel,
                         @ForAll @IntRange(min = 0, max = 7) int flags, @ForAll long seed) {
        Random r = new Random(seed);
        // Square grids (sizes odd and even) unless widthDelta > 0: then a rectangle given by attributes.
        int width = height + widthDelta;
        int n = height * width;
        int cc = heads * headDim;
        int k = 2 * kernel + 1;
        boolean withPos = (flags & 1) == 0, withWeight = (flags & 2) == 0, withBias = withWeight && (flags & 4) == 0;
        Tensor qkv = random(r, batch, n, 3 * cc);
        Tensor pos = withPos ? random(r, 1, n, cc) : null;
        Tensor w = withWeight ? random(r, headDim, 1, k, k) : null;
        Tensor b = withBias ? random(r, headDim) : null;
        List<Attribute> attrs = new ArrayList<>(List.of(Attribute.ofInt("num_heads", heads)));
        if (widthDelta > 0) {
            attrs.add(Attribute.ofInt("height", height));
            attrs.add(Attribute.ofInt("width", width));
        }
        float[] expected = run(PORTABLE, 1, attrs, qkv, pos, w, b).toFloatArray();
        float[] one = run(VECTOR, 1, attrs, qkv, pos, w, b).toFloatArray();
        float[] two = run(VECTOR, 2, attrs, qkv, pos, w, b).toFloatArray();
        assertThat(two).as("1 and 2 threads").containsExactly(one);
        double tol = 2e-6 * Math.sqrt(n * headDim + k * k);
        for (int i = 0; i < one.length; i++) {
            double d = Math.abs(one[i] - expected[i]);
            if (d > tol * Math.max(1, Math.abs(expected[i]))) {
                throw new AssertionError("element " + i + ": " + one[i] + " vs portable " + expected[i] + " (n " + n + ", c " + headDim + ")");
            }
        }
    }

    @Test
    void longSequenceSplitsIntoChunks() {
        // 40×40 = 1600 tokens: seven partial kᵀv sums per head, added in order; 1, 2 and 3 threads agree bit for bit.
        Random r = new Random(3);
        int n = 1600, heads = 2, c = 24;
        Tensor qkv = random(r, 1, n, 3 * heads * c);
        Tensor pos = random(r, 1, n, heads * c);
        Tensor w = random(r, c, 1, 5, 5);
        Tensor b = random(r, c);
        List<Attribute> attrs = List.of(Attribute.ofInt("num_heads", heads));
        float[] expected = run(PORTABLE, 1, attrs, qkv, pos, w, b).toFloatArray();
        float[] one = run(VECTOR, 1, attrs, qkv, pos, w, b).toFloatArray();
        assertThat(run(VECTOR, 2, attrs, qkv, pos, w, b).toFloatArray()).containsExactly(one);
        assertThat(run(VECTOR, 3, attrs, qkv, pos, w, b).toFloatArray()).containsExactly(one);
        for (int i = 0; i < one.length; i++) assertThat(one[i]).as("element %d", i).isCloseTo(expected[i], within(5e-4f * Math.max(1, Math.abs(expected[i]))));
    }

    /** Once planned, a run allocates its heap output and little else, on either kernel. */
    @Test
    void steadyRunsAllocateOnlyTheirOutput() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        Random r = new Random(5);
        int n = 784, heads = 2, c = 32;
        Tensor qkv = random(r, 1, n, 3 * heads * c);
        Tensor pos = random(r, 1, n, heads * c);
        Tensor w = random(r, c, 1, 5, 5);
        Tensor b = random(r, c);
        List<Attribute> attrs = List.of(Attribute.ofInt("num_heads", heads));
        long outputBytes = 4L * n * heads * c;
        for (KernelRegistry kernels : List.of(PORTABLE, VECTOR)) {
            // P and the filter are weights (initializers); qkv is the run's input.
            Graph.Builder gb = new Graph.Builder().opset("", 14).opset("dev.petrel", 1);
            gb.input(new ValueInfo("x0", DType.FLOAT, null));
            gb.initializer("x1", pos).initializer("x2", w).initializer("x3", b);
            gb.output(new ValueInfo("y", null, null));
            gb.node(new Node("sla", "SimplifiedLinearAttention", "dev.petrel", 1, List.of("x0", "x1", "x2", "x3"), List.of("y"), new Attributes(attrs)));
            Map<String, Tensor> feed = Map.of("x0", qkv);
            try (Session s = Model.of(gb.build(), kernels).newSession(new Options().threads(1))) {
                long perRun = Long.MAX_VALUE;
                // Vector API code allocates boxes until C2 compiles it (measured: about 800 runs of this
                // size before the per-task loops are compiled): the best of up to 4000 runs.
                for (int i = 0; i < 4000 && perRun >= outputBytes + 32 * 1024; i++) {
                    long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
                    s.run(feed);
                    perRun = Math.min(perRun, mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before);
                }
                System.out.printf("SLA %s: %,d bytes per run, output %,d%n", kernels == PORTABLE ? "portable" : "vector", perRun, outputBytes);
                assertThat(perRun).as("bytes per run beyond the %d-byte output", outputBytes).isLessThan(outputBytes + 32 * 1024);
            }
        }
    }
}
