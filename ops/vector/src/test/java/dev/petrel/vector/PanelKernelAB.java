package dev.petrel.vector;

import dev.petrel.llm.QuantizedMatrix;
import dev.petrel.llm.WeightFormat;
import dev.petrel.spi.Parallel;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/** A/B of panel kernels on an L2-resident matrix, by the thread's CPU time (robust to a loaded machine). Not a test. */
public final class PanelKernelAB {
    public static void main(String[] args) {
        int k = Integer.parseInt(args.length > 0 ? args[0] : "768"), n = Integer.parseInt(args.length > 1 ? args[1] : "768");
        int reps = 200;
        FloatBuffer w = ByteBuffer.allocateDirect(4 * k * n).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < k * n; i++) w.put(i, (float) r.nextGaussian());
        int rows = Integer.parseInt(args.length > 2 ? args[2] : "1");
        float[] x = new float[k * rows], y = new float[n * rows];
        for (int i = 0; i < k * rows; i++) x[i] = (float) r.nextGaussian();
        QuantGemv.Panels[] p = {new QuantGemv.Panels(QuantizedMatrix.quantize(WeightFormat.Q4, w, k, n, false)),
                new QuantGemv.Panels(QuantizedMatrix.quantize(WeightFormat.Q8, w, k, n, false))};
        QuantGemv.Product[] t = new QuantGemv.Product[2];
        for (int i = 0; i < 2; i++) {
            t[i] = new QuantGemv.Product();
            t[i].w = p[i]; t[i].x = x; t[i].rows = rows; t[i].y = y;
        }
        float[] sums = new float[p[0].blocks];
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        String[] names = {"new q4", "old q4", "new q8", "old q8"};
        double[] best = new double[4];
        java.util.Arrays.fill(best, 1e9);
        for (int round = 0; round < 40; round++) {
            for (int v = 0; v < 4; v++) {
                long c0 = mx.getCurrentThreadCpuTime();
                for (int i = 0; i < reps; i++) {
                    switch (v) {
                        case 0: t[0].run(Parallel.SEQUENTIAL); break;
                        case 1: OldPanelKernels.q4Row(p[0], x, 0, sums, 0, null, y, 0, 0, p[0].panels); break;
                        case 2: t[1].run(Parallel.SEQUENTIAL); break;
                        default: OldPanelKernels.q8Row(p[1], x, 0, sums, 0, null, y, 0, 0, p[1].panels); break;
                    }
                }
                best[v] = Math.min(best[v], (mx.getCurrentThreadCpuTime() - c0) / 1e9 / reps);
            }
        }
        for (int v = 0; v < 4; v++) {
            System.out.printf("%s: %.1f us per call, %.1f G weights/s (CPU time)%n", names[v], best[v] * 1e6, (double) k * n * (v % 2 == 0 ? rows : 1) / best[v] / 1e9);
        }
    }
}
