package dev.petrel.vector;

import dev.petrel.llm.DecoderMath;
import dev.petrel.llm.PortableAccess;
import dev.petrel.spi.Parallel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The decode kernels alone at GPT-2 small's shapes (12 layers of c_attn 768x2304, c_proj 768x768, c_fc
 * 768x3072, mlp c_proj 3072x768, then the 50257x768 logits), vector and portable interleaved in one
 * process so both see the same machine load; best of the rounds. Not part of the test suite. Run:
 *
 * <pre>
 * java -Xmx2g --add-modules jdk.incubator.vector -cp ops/vector/target/test-classes:ops/vector/target/classes:engine/llm/target/classes:engine/target/classes:ops/target/classes \
 *      dev.petrel.vector.DecoderKernelBenchmark [rounds] [threads...]
 * </pre>
 */
public final class DecoderKernelBenchmark {
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int[] threads = {1, 2};
        if (args.length > 1) {
            threads = new int[args.length - 1];
            for (int i = 1; i < args.length; i++) threads[i - 1] = Integer.parseInt(args[i]);
        }
        int d = 768, inner = 3072, vocab = 50257, layers = 12;
        FloatBuffer[][] w = new FloatBuffer[layers][];
        FloatBuffer[][] b = new FloatBuffer[layers][];
        for (int l = 0; l < layers; l++) {
            w[l] = new FloatBuffer[] {random(d * 3 * d, l), random(d * d, l + 100), random(d * inner, l + 200), random(inner * d, l + 300)};
            b[l] = new FloatBuffer[] {random(3 * d, 1), random(d, 2), random(inner, 3), random(d, 4)};
        }
        FloatBuffer e = random(vocab * d, 9);
        long bytes = 4L * layers * (3 * d * d + d * d + 2L * d * inner) + 4L * vocab * d;
        float[] x = new float[inner], y = new float[inner], logits = new float[vocab];
        for (int i = 0; i < inner; i++) x[i] = (float) Math.sin(i);
        for (int t : threads) {
            try (Parallel.Pool pool = Parallel.pool(t)) {
                DecoderMath[] maths = {new VectorDecoderMath(pool), PortableAccess.provider().create(pool)};
                String[] names = {"vector", "portable"};
                double[] best = {Double.MAX_VALUE, Double.MAX_VALUE}, bestProj = {Double.MAX_VALUE, Double.MAX_VALUE},
                        bestLogits = {Double.MAX_VALUE, Double.MAX_VALUE};
                for (int r = 0; r < rounds; r++) {
                    for (int m = 0; m < 2; m++) {
                        DecoderMath math = maths[m];
                        long t0 = System.nanoTime();
                        for (int l = 0; l < layers; l++) {
                            math.gemv(x, d, w[l][0], b[l][0], 3 * d, y);
                            math.gemv(x, d, w[l][1], b[l][1], d, y);
                            math.gemv(x, d, w[l][2], b[l][2], inner, y);
                            math.gemv(x, inner, w[l][3], b[l][3], d, y);
                        }
                        long t1 = System.nanoTime();
                        math.matmulTransposed(x, 1, d, e, vocab, logits, 0);
                        long t2 = System.nanoTime();
                        best[m] = Math.min(best[m], (t2 - t0) / 1e9);
                        bestProj[m] = Math.min(bestProj[m], (t1 - t0) / 1e9);
                        bestLogits[m] = Math.min(bestLogits[m], (t2 - t1) / 1e9);
                    }
                }
                // The machine's streaming rate now, for scale: the same bytes summed by one thread.
                double stream = Double.MAX_VALUE;
                float sink = 0;
                for (int r = 0; r < rounds; r++) {
                    long t0 = System.nanoTime();
                    for (int l = 0; l < layers; l++) for (FloatBuffer m : w[l]) sink += sum(m);
                    sink += sum(e);
                    stream = Math.min(stream, (System.nanoTime() - t0) / 1e9);
                }
                System.out.printf("threads %d stream   : one thread summing the same %.0f MB: %.1f GB/s (%s)%n", t, bytes / 1e6,
                        bytes / stream / 1e9, sink == 1 ? "" : "ok");
                for (int m = 0; m < 2; m++) {
                    System.out.printf("threads %d %-8s: one token's products %.1f ms (%.1f tok/s bound, %.1f GB/s);"
                                    + " projections %.1f GB/s, logits %.1f GB/s%n", t, names[m], best[m] * 1e3, 1 / best[m],
                            bytes / best[m] / 1e9, (bytes - 4L * vocab * d) / bestProj[m] / 1e9, 4L * vocab * d / bestLogits[m] / 1e9);
                }
            }
        }
    }

    private static float sum(FloatBuffer b) {
        java.lang.foreign.MemorySegment s = java.lang.foreign.MemorySegment.ofBuffer(b);
        jdk.incubator.vector.FloatVector a0 = jdk.incubator.vector.FloatVector.zero(FloatGemm.S), a1 = a0, a2 = a0, a3 = a0;
        long step = FloatGemm.S.vectorByteSize(), n = s.byteSize() - s.byteSize() % (4 * step);
        for (long o = 0; o < n; o += 4 * step) {
            a0 = a0.add(jdk.incubator.vector.FloatVector.fromMemorySegment(FloatGemm.S, s, o, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(jdk.incubator.vector.FloatVector.fromMemorySegment(FloatGemm.S, s, o + step, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(jdk.incubator.vector.FloatVector.fromMemorySegment(FloatGemm.S, s, o + 2 * step, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(jdk.incubator.vector.FloatVector.fromMemorySegment(FloatGemm.S, s, o + 3 * step, ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }

    private static FloatBuffer random(int n, long seed) {
        FloatBuffer f = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        for (int i = 0; i < n; i++) f.put(i, (float) (r.nextDouble() - 0.5) * 0.04f);
        return f;
    }
}
