package dev.petrel.vector;

import dev.petrel.Model;
import dev.petrel.Options;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.spi.KernelRegistry;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Conv nodes alone at the SLAB models' shapes (patch embeddings, the SLA depth-wise 5x5) and a 3x3
 * layer, vector and portable interleaved in one process so both see the same machine load; best
 * round's mean per run. Not part of the test suite. Run:
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp ops/vector/target/test-classes:ops/vector/target/classes:engine/target/classes:ops/target/classes \
 *      dev.petrel.vector.ConvKernelBenchmark [rounds] [threads]
 * </pre>
 */
public final class ConvKernelBenchmark {
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        // The first pass compiles every path; the second is reported.
        for (int pass = 0; pass < 2; pass++) {
            all(pass == 0 ? 2 : rounds, threads, pass == 1);
        }
    }

    private static boolean print;

    private static void all(int rounds, int threads, boolean report) {
        print = report;
        Random rnd = new Random(1);
        bench("patch 8x8/8, 3x56x56 -> 64", rounds, threads, rnd, new int[] {1, 3, 56, 56}, new int[] {64, 3, 8, 8}, 1, 8, 0);
        bench("patch 4x4/4, 3x64x64 -> 32", rounds, threads, rnd, new int[] {1, 3, 64, 64}, new int[] {32, 3, 4, 4}, 1, 4, 0);
        bench("patch 16x16/16, 3x224x224 -> 192", rounds, threads, rnd, new int[] {1, 3, 224, 224}, new int[] {192, 3, 16, 16}, 1, 16, 0);
        bench("dwc 5x5, 4x16x7x7", rounds, threads, rnd, new int[] {4, 16, 7, 7}, new int[] {16, 1, 5, 5}, 16, 1, 2);
        bench("dwc 5x5, 3x64x14x14", rounds, threads, rnd, new int[] {3, 64, 14, 14}, new int[] {64, 1, 5, 5}, 64, 1, 2);
        bench("dwc 3x3, 1x96x56x56", rounds, threads, rnd, new int[] {1, 96, 56, 56}, new int[] {96, 1, 3, 3}, 96, 1, 1);
        bench("conv 3x3, 32x56x56 -> 64", rounds, threads, rnd, new int[] {1, 32, 56, 56}, new int[] {64, 32, 3, 3}, 1, 1, 1);
        bench("conv 1x1, 64x28x28 -> 128", rounds, threads, rnd, new int[] {1, 64, 28, 28}, new int[] {128, 64, 1, 1}, 1, 1, 0);
    }

    private static void bench(String name, int rounds, int threads, Random rnd, int[] xd, int[] wd, int group, int stride, int pad) {
        Tensor x = VectorHarness.random(rnd, xd);
        Tensor w = VectorHarness.random(rnd, wd);
        Tensor b = VectorHarness.random(rnd, wd[0]);
        List<Attribute> attrs = List.of(Attribute.ofInt("group", group), Attribute.ofInts("strides", new long[] {stride, stride}),
                Attribute.ofInts("pads", new long[] {pad, pad, pad, pad}));
        long macs = (long) wd[0] * wd[1] * wd[2] * wd[3] * xd[0] * ((xd[2] + 2 * pad - wd[2]) / stride + 1) * ((xd[3] + 2 * pad - wd[3]) / stride + 1);
        int reps = (int) Math.max(20, Math.min(5000, 2_000_000_000L / Math.max(1, macs) / 10));
        try (Session p = session(VectorHarness.PORTABLE, threads, attrs, x, w, b);
             Session v = session(VectorHarness.VECTOR, threads, attrs, x, w, b)) {
            Map<String, Tensor> feed = Map.of("x0", x);
            double bestP = Double.MAX_VALUE, bestV = Double.MAX_VALUE;
            for (int r = 0; r < rounds; r++) {
                bestP = Math.min(bestP, time(p, feed, reps));
                bestV = Math.min(bestV, time(v, feed, reps));
            }
            if (print) System.out.printf("%-36s %8.1f us portable %8.1f us vector  x%.1f  (%.1f GFLOP/s vector)%n", name, bestP, bestV,
                    bestP / bestV, 2.0 * macs / bestV / 1e3);
        }
    }

    private static Session session(KernelRegistry r, int threads, List<Attribute> attrs, Tensor x, Tensor w, Tensor b) {
        return Model.of(VectorHarness.graph("Conv", 11, attrs, new int[] {1, 2}, x, w, b), r).newSession(new Options().threads(threads));
    }

    private static double time(Session s, Map<String, Tensor> feed, int reps) {
        for (int i = 0; i < Math.max(3, reps / 10); i++) s.run(feed);
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) s.run(feed);
        return (System.nanoTime() - t0) / 1e3 / reps;
    }
}
