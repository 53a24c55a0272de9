package dev.petrel.vector;

import dev.petrel.llm.DecoderMath;
import dev.petrel.llm.QuantizedMatrix;
import dev.petrel.llm.WeightFormat;
import dev.petrel.spi.Parallel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * One decode step's products at GPT-2 small's shapes (12 × c_attn, c_proj, c_fc, mlp c_proj, then the
 * 50257 × 768 logits) with fp32, Q8 and Q4 weights, interleaved in one process so all see the same
 * machine load; best of the rounds, and the median. Not part of the test suite. Run (after test-compile):
 *
 * <pre>
 * java -Xmx3g --add-modules jdk.incubator.vector -cp ops/vector/target/test-classes:ops/vector/target/classes:engine/llm/target/classes:engine/target/classes:ops/target/classes \
 *      dev.petrel.vector.QuantDecodeBenchmark [rounds] [threads...]
 * </pre>
 */
public final class QuantDecodeBenchmark {
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int[] threads = {1, 2};
        if (args.length > 1) {
            threads = new int[args.length - 1];
            for (int i = 1; i < args.length; i++) threads[i - 1] = Integer.parseInt(args[i]);
        }
        int d = 768, inner = 3072, vocab = 50257, layers = 12;
        int[][] shapes = {{d, 3 * d}, {d, d}, {d, inner}, {inner, d}};
        FloatBuffer[][] w = new FloatBuffer[layers][4];
        QuantizedMatrix[][][] q = new QuantizedMatrix[2][layers][4];
        FloatBuffer[] b = new FloatBuffer[4];
        for (int s = 0; s < 4; s++) b[s] = random(shapes[s][1], s);
        for (int l = 0; l < layers; l++) {
            for (int s = 0; s < 4; s++) {
                w[l][s] = random(shapes[s][0] * shapes[s][1], 10 * l + s);
                q[0][l][s] = QuantizedMatrix.quantize(WeightFormat.Q8, w[l][s], shapes[s][0], shapes[s][1], false);
                q[1][l][s] = QuantizedMatrix.quantize(WeightFormat.Q4, w[l][s], shapes[s][0], shapes[s][1], false);
            }
        }
        FloatBuffer e = random(vocab * d, 9);
        QuantizedMatrix[] eq = {QuantizedMatrix.quantize(WeightFormat.Q8, e, d, vocab, true), QuantizedMatrix.quantize(WeightFormat.Q4, e, d, vocab, true)};
        long[] bytes = {4L * layers * (3 * d * d + d * d + 2L * d * inner) + 4L * vocab * d, 0, 0};
        for (int f = 0; f < 2; f++) {
            bytes[f + 1] = eq[f].bytes();
            for (int l = 0; l < layers; l++) for (int s = 0; s < 4; s++) bytes[f + 1] += q[f][l][s].bytes();
        }
        float[] x = new float[inner], y = new float[inner], logits = new float[vocab];
        for (int i = 0; i < inner; i++) x[i] = (float) Math.sin(i);
        String[] names = {"fp32", "q8", "q4"};
        for (int t : threads) {
            try (Parallel.Pool pool = Parallel.pool(t)) {
                DecoderMath math = new VectorDecoderMath(pool);
                double[][] proj = new double[3][rounds], logit = new double[3][rounds], cpu = new double[3][rounds];
                java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
                for (int r = 0; r < rounds; r++) {
                    for (int f = 0; f < 3; f++) {
                        long c0 = mx.getCurrentThreadCpuTime();
                        long t0 = System.nanoTime();
                        for (int l = 0; l < layers; l++) {
                            for (int s = 0; s < 4; s++) {
                                if (f == 0) math.gemv(x, shapes[s][0], w[l][s], b[s], shapes[s][1], y);
                                else math.multiply(x, 1, q[f - 1][l][s], b[s], y, 0);
                            }
                        }
                        long t1 = System.nanoTime();
                        if (f == 0) math.matmulTransposed(x, 1, d, e, vocab, logits, 0);
                        else math.multiply(x, 1, eq[f - 1], null, logits, 0);
                        long t2 = System.nanoTime();
                        cpu[f][r] = (mx.getCurrentThreadCpuTime() - c0) / 1e9;
                        proj[f][r] = (t1 - t0) / 1e9;
                        logit[f][r] = (t2 - t1) / 1e9;
                    }
                }
                for (int f = 0; f < 3; f++) {
                    double[] tot = new double[rounds];
                    for (int r = 0; r < rounds; r++) tot[r] = proj[f][r] + logit[f][r];
                    java.util.Arrays.sort(tot);
                    java.util.Arrays.sort(proj[f]);
                    java.util.Arrays.sort(logit[f]);
                    java.util.Arrays.sort(cpu[f]);
                    double best = tot[0], med = tot[rounds / 2];
                    System.out.printf("threads %d %-4s: %.0f MB/token, best %.2f ms (%.0f tok/s bound, %.1f GB/s, %.1f GFLOP/s), median %.2f ms;"
                                    + " projections %.2f ms, logits %.2f ms; caller's CPU time best %.2f ms, median %.2f ms%n", t, names[f], bytes[f] / 1e6, best * 1e3, 1 / best,
                            bytes[f] / best / 1e9, 2.0 * (bytes[0] / 4) / best / 1e9, med * 1e3, proj[f][0] * 1e3, logit[f][0] * 1e3, cpu[f][0] * 1e3, cpu[f][rounds / 2] * 1e3);
                }
            }
        }
    }

    private static FloatBuffer random(int n, long seed) {
        FloatBuffer f = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        for (int i = 0; i < n; i++) f.put(i, (float) (r.nextDouble() - 0.5) * 0.04f);
        return f;
    }
}
