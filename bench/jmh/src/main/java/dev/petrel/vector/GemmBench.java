package dev.petrel.vector;

import dev.petrel.spi.Parallel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * fp32 GEMM C[M,N] = A[M,K] x B[K,N] with B pre-packed (a weight), one thread, at transformer shapes,
 * beside an FMA-peak loop measured in the same run.
 *
 * <p>{@code -p threads=1,2} also measures the N split over two threads. {@code gemmBiasGelu} adds
 * FusedMatMul's fused bias + GELU epilogue (its GFLOP/s count only the product's flops).
 *
 * <p>Reading the results: each benchmark reports a secondary metric {@code gflop} in "ops/s" — that
 * is GFLOP/s (2*M*N*K / 1e9 per product; 2 flops per FMA lane for the peak loop). Efficiency = GEMM
 * gflop / fmaPeak gflop. The primary score (ops/s) is products per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GemmBench {

    /** Floating-point work done, in GFLOP; JMH divides it by the time: GFLOP/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public double gflop;

        @Setup(Level.Iteration)
        public void reset() {
            gflop = 0;
        }
    }

    @State(Scope.Thread)
    public static class Problem {
        /** M x K x N. */
        @Param({"128x384x384", "128x384x1536", "128x1536x384", "1x768x3072", "196x192x576", "196x192x192", "196x192x768", "196x768x192", "49x192x576", "49x768x192"})
        public String shape;

        /** Threads splitting the N dimension (a fixed pool, as a session's). */
        @Param({"1"})
        public int threads;

        int m;
        int k;
        Parallel parallel = Parallel.SEQUENTIAL;
        java.util.concurrent.ExecutorService pool;
        int n;
        MemorySegment a;
        MemorySegment c;
        MemorySegment bias;
        PackedMatrix b;
        final FloatGemm gemm = new FloatGemm();
        double flopPerCall;

        @Setup
        public void setUp() {
            String[] p = shape.split("x");
            m = Integer.parseInt(p[0]);
            k = Integer.parseInt(p[1]);
            n = Integer.parseInt(p[2]);
            Random r = new Random(42);
            Arena arena = Arena.ofAuto();
            a = arena.allocate((long) m * k * 4, 64);
            MemorySegment bw = arena.allocate((long) k * n * 4, 64);
            c = arena.allocate((long) m * n * 4, 64);
            bias = arena.allocate((long) n * 4, 64);
            for (long i = 0; i < n; i++) bias.setAtIndex(ValueLayout.JAVA_FLOAT, i, r.nextFloat() - 0.5f);
            for (long i = 0; i < (long) m * k; i++) a.setAtIndex(ValueLayout.JAVA_FLOAT, i, r.nextFloat() - 0.5f);
            for (long i = 0; i < (long) k * n; i++) bw.setAtIndex(ValueLayout.JAVA_FLOAT, i, r.nextFloat() - 0.5f);
            b = PackedMatrix.of(bw, 0, k, n, false);
            flopPerCall = 2.0 * m * n * k / 1e9;
            if (threads > 1) {
                pool = java.util.concurrent.Executors.newFixedThreadPool(threads - 1, r2 -> {
                    Thread t = new Thread(r2);
                    t.setDaemon(true);
                    return t;
                });
                parallel = new PoolParallel(pool, threads);
            }
        }

        @org.openjdk.jmh.annotations.TearDown
        public void tearDown() {
            if (pool != null) pool.shutdown();
        }
    }

    /** The same split as the engine's worker pool: one contiguous chunk per thread, the caller runs the first. */
    record PoolParallel(java.util.concurrent.ExecutorService pool, int threads) implements Parallel {
        @Override
        public void forRange(int count, RangeBody body) {
            int chunks = Math.min(threads, count);
            java.util.concurrent.Future<?>[] f = new java.util.concurrent.Future<?>[chunks - 1];
            for (int c = 1; c < chunks; c++) {
                int from = (int) ((long) count * c / chunks);
                int to = (int) ((long) count * (c + 1) / chunks);
                f[c - 1] = pool.submit(() -> body.run(from, to));
            }
            body.run(0, count / chunks);
            try {
                for (java.util.concurrent.Future<?> x : f) x.get();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Benchmark
    public MemorySegment gemm(Problem p, Flops f) {
        p.gemm.packA(p.a, 0, p.k, 1, p.m, p.k);
        p.gemm.multiply(p.parallel, p.b, p.c, 0, p.n);
        f.gflop += p.flopPerCall;
        return p.c;
    }

    /** FusedMatMul's fc1 form: bias and GELU (erf) fused into the product's tiles. Same flop count as {@link #gemm}. */
    @Benchmark
    public MemorySegment gemmBiasGelu(Problem p, Flops f) {
        p.gemm.packA(p.a, 0, p.k, 1, p.m, p.k);
        p.gemm.epilogue(p.bias, p.n, FloatGemm.ACT_GELU, VectorErf.GELU, null);
        p.gemm.multiply(p.parallel, p.b, p.c, 0, p.n);
        f.gflop += p.flopPerCall;
        return p.c;
    }

    private static final int PEAK_STEPS = 1 << 14;

    /** 12 independent FMA chains of the preferred species: what one core can do at best. */
    @Benchmark
    public float fmaPeak(Flops f) {
        float r = fmaChains();
        f.gflop += 12.0 * 2 * FloatVector.SPECIES_PREFERRED.length() * PEAK_STEPS / 1e9;
        return r;
    }

    /**
     * Kept out of JMH's stub: once the stub is compiled with this loop inlined into it, C2 emits a
     * slower loop (about half the rate), which would understate the peak.
     */
    @org.openjdk.jmh.annotations.CompilerControl(org.openjdk.jmh.annotations.CompilerControl.Mode.DONT_INLINE)
    private static float fmaChains() {
        var s = FloatVector.SPECIES_PREFERRED;
        FloatVector x = FloatVector.broadcast(s, 0.999999f);
        FloatVector y = FloatVector.broadcast(s, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(s, 1), a1 = FloatVector.broadcast(s, 2), a2 = FloatVector.broadcast(s, 3);
        FloatVector a3 = FloatVector.broadcast(s, 4), a4 = FloatVector.broadcast(s, 5), a5 = FloatVector.broadcast(s, 6);
        FloatVector a6 = FloatVector.broadcast(s, 7), a7 = FloatVector.broadcast(s, 8), a8 = FloatVector.broadcast(s, 9);
        FloatVector a9 = FloatVector.broadcast(s, 10), a10 = FloatVector.broadcast(s, 11), a11 = FloatVector.broadcast(s, 12);
        for (int i = 0; i < PEAK_STEPS; i++) {
            a0 = a0.fma(x, y); a1 = a1.fma(x, y); a2 = a2.fma(x, y); a3 = a3.fma(x, y);
            a4 = a4.fma(x, y); a5 = a5.fma(x, y); a6 = a6.fma(x, y); a7 = a7.fma(x, y);
            a8 = a8.fma(x, y); a9 = a9.fma(x, y); a10 = a10.fma(x, y); a11 = a11.fma(x, y);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
