package dev.petrel.models;

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
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Scaling of {@code dev.petrel::SimplifiedLinearAttention} against Petrel's softmax
 * {@code dev.petrel::Attention} of the same width, over token counts (square grids): SLA's cost is
 * N·c² per head (plus the 5×5 convolution, N·c·25), softmax attention's N²·c. Both run as one-node
 * graphs through a session (the kernels the registry picks: the Vector API ones when available), batch 1;
 * each time is the best of several runs after a warm-up. Prints a table and the crossover N.
 *
 * <p>Run: {@code mvn -o -pl bench -am test -Dtest=LinearAttentionBench -Dpetrel.bench.sla=true
 * -Dsurefire.failIfNoSpecifiedTests=false} ({@code -Dpetrel.bench.threads=2} for two threads).
 */
class LinearAttentionBench {
    /** Grid sides: 4² .. 56² tokens (1600 = 40² stands in for 1568, which is not a square). */
    static final int[] SIDES = {4, 7, 10, 14, 28, 40, 56};

    @Test
    @EnabledIfSystemProperty(named = "petrel.bench.sla", matches = "true")
    void scaling() {
        main(new String[0]);
    }

    public static void main(String[] args) {
        int threads = Integer.getInteger("petrel.bench.threads", 1);
        System.out.println("backends " + Model.backends() + ", threads " + threads + ", best of runs after warm-up (ms per op, batch 1)");
        for (int[] width : new int[][] {{64, 2}, {192, 3}}) {
            int cc = width[0], heads = width[1], c = cc / heads;
            System.out.printf("%nC = %d, %d heads (c = %d)%n%8s %12s %12s %8s%n", cc, heads, c, "N", "SLA ms", "softmax ms", "ratio");
            // Both kernels compiled before the table: on 2 shared cores the JIT's own threads otherwise
            // inflate the first rows.
            for (int side : new int[] {14, 28}) {
                int n = side * side;
                Random r = new Random(n);
                time(slaGraph(r, n, cc, heads, c), Map.of("qkv", random(r, 1, n, 3 * cc)), threads, 2);
                Tensor t = random(r, 1, n, heads, c);
                time(softmaxGraph(c), Map.of("q", t, "k", t, "v", t), threads, 2);
            }
            double[] ratios = new double[SIDES.length];
            for (int si = 0; si < SIDES.length; si++) {
                int n = SIDES[si] * SIDES[si];
                Random r = new Random(n);
                double sla = time(slaGraph(r, n, cc, heads, c), Map.of("qkv", random(r, 1, n, 3 * cc)), threads, 1);
                Tensor q = random(r, 1, n, heads, c), k = random(r, 1, n, heads, c), v = random(r, 1, n, heads, c);
                double soft = time(softmaxGraph(c), Map.of("q", q, "k", k, "v", v), threads, 1);
                ratios[si] = soft / sla;
                System.out.printf("%8d %12.3f %12.3f %8.2f%n", n, sla, soft, ratios[si]);
            }
            // The crossover: the smallest N from which SLA stays faster at every larger N measured.
            int crossover = -1;
            for (int si = SIDES.length - 1; si >= 0 && ratios[si] > 1; si--) crossover = SIDES[si] * SIDES[si];
            double last = ratios[SIDES.length - 1];
            System.out.printf("crossover: SLA faster from N = %s; at 3136 tokens SLA is %.1fx faster (target >= 5x: %s)%n",
                    crossover < 0 ? "never" : crossover, last, last >= 5 ? "met" : "NOT met");
        }
    }

    static Graph slaGraph(Random r, int n, int cc, int heads, int c) {
        Graph.Builder g = new Graph.Builder().opset("", 17).opset("dev.petrel", 1);
        g.input(new ValueInfo("qkv", DType.FLOAT, null));
        g.initializer("pos", random(r, 1, n, cc));
        g.initializer("w", random(r, c, 1, 5, 5));
        g.initializer("b", random(r, c));
        g.output(new ValueInfo("y", null, null));
        g.node(new Node("sla", "SimplifiedLinearAttention", "dev.petrel", 1, List.of("qkv", "pos", "w", "b"), List.of("y"),
                new Attributes(List.of(Attribute.ofInt("num_heads", heads)))));
        return g.build();
    }

    /** Softmax attention reading and writing [B, N, H, c] (heads concatenated), as the optimizer emits it. */
    static Graph softmaxGraph(int c) {
        Graph.Builder g = new Graph.Builder().opset("", 17).opset("dev.petrel", 1);
        for (String in : List.of("q", "k", "v")) g.input(new ValueInfo(in, DType.FLOAT, null));
        g.output(new ValueInfo("y", null, null));
        g.node(new Node("attn", "Attention", "dev.petrel", 1, List.of("q", "k", "v"), List.of("y"), new Attributes(List.of(
                Attribute.ofFloat("scale", (float) (1 / Math.sqrt(c))), Attribute.ofInt("sequence_major", 1)))));
        return g.build();
    }

    /** Best wall time of one run, in ms, after a warm-up of at least 5 runs and {@code seconds}. */
    static double time(Graph graph, Map<String, Tensor> feed, int threads, double seconds) {
        try (Session s = Model.of(graph).newSession(new Options().threads(threads))) {
            long warm = System.nanoTime();
            for (int i = 0; i < 5 || System.nanoTime() - warm < seconds * 1e9; i++) s.run(feed);
            double best = Double.MAX_VALUE;
            long start = System.nanoTime();
            for (int i = 0; i < 7 || (i < 200 && System.nanoTime() - start < 1_000_000_000L); i++) {
                long t0 = System.nanoTime();
                s.run(feed);
                best = Math.min(best, (System.nanoTime() - t0) / 1e6);
            }
            return best;
        }
    }

    static Tensor random(Random r, int... dims) {
        int size = 1;
        long[] shape = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            size *= dims[i];
            shape[i] = dims[i];
        }
        float[] v = new float[size];
        for (int i = 0; i < size; i++) v[i] = r.nextFloat() * 2 - 1;
        return Tensor.of(v, shape);
    }
}
