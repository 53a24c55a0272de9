package dev.petrel.vector;

import dev.petrel.llm.QuantizedMatrix;
import dev.petrel.llm.WeightFormat;
import dev.petrel.ops.quant.Bnb4Format;
import dev.petrel.spi.Parallel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import dev.petrel.ops.quant.Q4Block;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.CompilerControl;
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
 * Decode-shaped weight-only GEMV (M = 1), one thread: fp32 weights against MatMulNBits Q4 (block 32,
 * packed zero points) and MatMulBnb4 NF4 (block 64) decoded in registers by {@link QuantGemv}, in the
 * same run. Weights live off-heap, as in a memory-mapped model.
 *
 * <p>Secondary metrics (shown as ops/s): {@code gflop} = 2·K·N / 1e9 per call, and {@code gb} = bytes
 * of weights streamed per call / 1e9 (fp32: 4·K·N; Q4: K·N/2 + 4 bytes of scale per block + packed
 * zero points; NF4: K·N/2 + 4 bytes of absmax per block).
 *
 * <p>Run: {@code java -jar bench/jmh/target/benchmarks.jar QuantGemvBench}. Numbers are in the
 * report of the branch that added this benchmark.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class QuantGemvBench {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Ops {
        public double gflop;
        public double gb;

        @Setup(Level.Iteration)
        public void reset() {
            gflop = 0;
            gb = 0;
        }
    }

    @State(Scope.Thread)
    public static class Problem {
        /** K x N: y[1, N] = x[1, K] · Wᵀ, W [N, K]. */
        @Param({"768x3072", "3072x768"})
        public String shape;

        int k;
        int n;
        MemorySegment x;
        MemorySegment y;
        MemorySegment w32;
        MemorySegment q4;
        MemorySegment q4Scales;
        MemorySegment q4Zp;
        int q4Blocks;
        MemorySegment nf4;
        MemorySegment nf4Absmax;
        float[] nf4Table = Bnb4Format.NF4.table();
        float[] xs;
        float[] ap;
        QuantGemv.Product panels8 = new QuantGemv.Product(), panels4 = new QuantGemv.Product();
        float[] yp;
        double flop;

        @Setup
        public void setUp() {
            String[] p = shape.split("x");
            k = Integer.parseInt(p[0]);
            n = Integer.parseInt(p[1]);
            Random r = new Random(42);
            Arena arena = Arena.ofAuto();
            float[] w = new float[n * k];
            for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
            xs = new float[k];
            for (int i = 0; i < k; i++) xs[i] = (float) r.nextGaussian();
            x = copy(arena, MemorySegment.ofArray(xs));
            y = arena.allocate((long) n * 4, 64);
            w32 = copy(arena, MemorySegment.ofArray(w));
            Q4Block.Quantized q = Q4Block.quantize(w, n, k, 32, true);
            q4 = copy(arena, MemorySegment.ofArray(q.data));
            q4Scales = copy(arena, MemorySegment.ofArray(q.scales));
            q4Zp = copy(arena, MemorySegment.ofArray(q.zeroPoints));
            q4Blocks = q.blocks;
            Bnb4Format.Quantized b = Bnb4Format.NF4.quantize(w, 64);
            nf4 = copy(arena, MemorySegment.ofArray(b.data));
            nf4Absmax = copy(arena, MemorySegment.ofArray(b.absmax));
            ap = new float[k];
            // The decoder's layout: W [K, N] (Conv1D), panels of 16 output columns.
            FloatBuffer wt = ByteBuffer.allocateDirect(4 * n * k).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            for (int i = 0; i < k; i++) for (int j = 0; j < n; j++) wt.put(i * n + j, w[j * k + i]);
            yp = new float[n];
            for (QuantGemv.Product t : new QuantGemv.Product[] {panels8, panels4}) {
                t.w = new QuantGemv.Panels(QuantizedMatrix.quantize(t == panels8 ? WeightFormat.Q8 : WeightFormat.Q4, wt, k, n, false));
                t.x = xs; t.rows = 1; t.y = yp;
            }
            flop = 2.0 * k * n / 1e9;
        }

        private static MemorySegment copy(Arena arena, MemorySegment heap) {
            MemorySegment s = arena.allocate(heap.byteSize(), 64);
            s.copyFrom(heap);
            return s;
        }
    }

    @Benchmark
    public MemorySegment fp32(Problem p, Ops o) {
        fp32Gemv(p.xs, p.w32, p.k, p.n, p.y);
        o.gflop += p.flop;
        o.gb += 4.0 * p.k * p.n / 1e9;
        return p.y;
    }

    @Benchmark
    public MemorySegment q4(Problem p, Ops o) {
        q4Gemv(p);
        o.gflop += p.flop;
        o.gb += (p.k * (double) p.n / 2 + 4.0 * p.n * p.q4Blocks + p.q4Zp.byteSize()) / 1e9;
        return p.y;
    }

    @Benchmark
    public MemorySegment nf4(Problem p, Ops o) {
        nf4Gemv(p);
        o.gflop += p.flop;
        o.gb += (p.k * (double) p.n / 2 + p.nf4Absmax.byteSize()) / 1e9;
        return p.y;
    }

    /** The decoder's Q8 panels (int8 + fp16 scale per 32): 8.5 bits per weight. */
    @Benchmark
    public float[] panelQ8(Problem p, Ops o) {
        p.panels8.run(Parallel.SEQUENTIAL);
        o.gflop += p.flop;
        o.gb += p.panels8.w.m.bytes() / 1e9;
        return p.yp;
    }

    /** The decoder's Q4 panels (4-bit in int lanes + fp16 scale per 32): 4.5 bits per weight. */
    @Benchmark
    public float[] panelQ4(Problem p, Ops o) {
        p.panels4.run(Parallel.SEQUENTIAL);
        o.gflop += p.flop;
        o.gb += p.panels4.w.m.bytes() / 1e9;
        return p.yp;
    }

    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    private static void q4Gemv(Problem p) {
        QuantGemv.permute(p.x, 1, p.k, p.k, true, p.ap);
        QuantGemv.q4(p.q4, p.q4Scales, p.q4Zp, (p.q4Blocks + 1) / 2, p.ap, 1, p.k, p.q4Blocks, 32, null, p.y, p.n, 0, p.n);
    }

    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    private static void nf4Gemv(Problem p) {
        QuantGemv.permute(p.x, 1, p.k, p.k, false, p.ap);
        QuantGemv.bnb4(p.nf4, p.nf4Absmax, p.nf4Table, p.ap, 1, p.k, 64, p.y, p.n, 0, p.n);
    }

    /** fp32 rows [N, K] dotted with x: four accumulators per row, the decode GEMV's plain form. */
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    private static void fp32Gemv(float[] x, MemorySegment w, int k, int n, MemorySegment y) {
        int l = S.length();
        for (int j = 0; j < n; j++) {
            long row = (long) j * k * 4;
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            int t = 0;
            for (; t + 4 * l <= k; t += 4 * l) {
                a0 = FloatVector.fromMemorySegment(S, w, row + 4L * t, java.nio.ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(S, x, t), a0);
                a1 = FloatVector.fromMemorySegment(S, w, row + 4L * (t + l), java.nio.ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(S, x, t + l), a1);
                a2 = FloatVector.fromMemorySegment(S, w, row + 4L * (t + 2 * l), java.nio.ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(S, x, t + 2 * l), a2);
                a3 = FloatVector.fromMemorySegment(S, w, row + 4L * (t + 3 * l), java.nio.ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(S, x, t + 3 * l), a3);
            }
            float s = a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
            for (; t < k; t++) s += x[t] * w.get(ValueLayout.JAVA_FLOAT_UNALIGNED, row + 4L * t);
            y.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * j, s);
        }
    }
}
