package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.Tensor;
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
 * Dynamically quantized int8 GEMM ({@link Int8Gemm}: quantize A, u8 x u8 products in 16-bit lanes,
 * int32 sums, scales in the epilogue) at MiniLM's shapes, one thread, beside the fp32 GEMM
 * ({@link FloatGemm}, which is also what dequantized fp32 weight panels would run at) and an FMA-peak
 * loop in the same run.
 *
 * <p>Secondary metric {@code gop} (shown as ops/s) is GOP/s: 2*M*N*K / 1e9 per product (for the int8
 * benchmarks including the quantization of A and the epilogue), 2 per FMA lane for the peak.
 * <ul>
 *   <li>{@code int8}: weights kept as bytes (1x memory), each panel widened to 16 bits per call;
 *   <li>{@code int8Wide}: panels pre-widened at load (2x memory, {@code -Dpetrel.int8.wide=true});
 *   <li>{@code int8Float}: the default path ({@link Int8FloatGemm}: exact integer sums on the fp32 FMA
 *   micro-kernel, weight panels widened per K block; 1x memory);
 *   <li>{@code int8Quantize}: the quantization of A alone (counted with the product's GOP, for scale);
 *   <li>{@code fp32}: the fp32 micro-kernel on the same shape.
 * </ul>
 *
 * <p>Measured on the shared 2-core Zen 4 machine while other builds ran (GOP/s, JMH -f 1 -wi 3 -i 5):
 * see {@link Int8Gemm}'s and {@link Int8FloatGemm}'s Javadoc for the tables. Under heavy load the
 * JMH iterations drifted too much to rank the int8 paths; calling them in turn per product (fastest
 * of 300 calls each) gave Int8FloatGemm's table.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class IntGemmBench {

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Ops {
        public double gop;

        @Setup(Level.Iteration)
        public void reset() {
            gop = 0;
        }
    }

    @State(Scope.Thread)
    public static class Problem {
        /** M x K x N. */
        @Param({"128x384x384", "128x384x1536", "128x1536x384"})
        public String shape;

        int m;
        int k;
        int n;
        MemorySegment x;
        MemorySegment y;
        Int8Panels panels;
        Int8Panels widePanels;
        float[] wScale;
        float[] bias;
        final Int8Gemm gemm = new Int8Gemm();
        final Int8FloatGemm f8gemm = new Int8FloatGemm();
        Int8ColumnPanels columns;
        final FloatGemm fgemm = new FloatGemm();
        PackedMatrix fb;
        double gopPerCall;

        @Setup
        public void setUp() {
            String[] p = shape.split("x");
            m = Integer.parseInt(p[0]);
            k = Integer.parseInt(p[1]);
            n = Integer.parseInt(p[2]);
            Random r = new Random(42);
            Arena arena = Arena.ofAuto();
            x = arena.allocate((long) m * k * 4, 64);
            y = arena.allocate((long) m * n * 4, 64);
            MemorySegment bw = arena.allocate((long) k * n * 4, 64);
            for (long i = 0; i < (long) m * k; i++) x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) r.nextGaussian());
            byte[] w = new byte[k * n];
            r.nextBytes(w);
            for (int i = 0; i < k * n; i++) bw.setAtIndex(ValueLayout.JAVA_FLOAT, i, w[i]);
            byte[] zp = new byte[n];
            r.nextBytes(zp);
            Tensor wt = Tensor.of(DType.INT8, w, k, n);
            Tensor zt = Tensor.of(DType.INT8, zp, n);
            panels = Int8Panels.of(wt, zt, false);
            widePanels = Int8Panels.of(wt, zt, true);
            columns = Int8ColumnPanels.of(wt, zt);
            wScale = new float[n];
            bias = new float[n];
            for (int j = 0; j < n; j++) {
                wScale[j] = 0.01f + r.nextFloat() * 0.01f;
                bias[j] = r.nextFloat();
            }
            fb = PackedMatrix.of(bw, 0, k, n, false);
            gopPerCall = 2.0 * m * n * k / 1e9;
        }
    }

    @Benchmark
    public MemorySegment int8(Problem p, Ops o) {
        p.gemm.quantize(p.x, 0, p.m, p.k);
        p.gemm.multiply(Parallel.SEQUENTIAL, p.panels, p.wScale, p.bias, p.y);
        o.gop += p.gopPerCall;
        return p.y;
    }

    @Benchmark
    public MemorySegment int8Wide(Problem p, Ops o) {
        p.gemm.quantize(p.x, 0, p.m, p.k);
        p.gemm.multiply(Parallel.SEQUENTIAL, p.widePanels, p.wScale, p.bias, p.y);
        o.gop += p.gopPerCall;
        return p.y;
    }

    @Benchmark
    public MemorySegment int8Float(Problem p, Ops o) {
        p.f8gemm.quantize(p.x, 0, p.m, p.k);
        p.f8gemm.multiply(Parallel.SEQUENTIAL, p.columns, p.wScale, p.bias, -1, null, p.y);
        o.gop += p.gopPerCall;
        return p.y;
    }

    @Benchmark
    public float int8Quantize(Problem p, Ops o) {
        p.gemm.quantize(p.x, 0, p.m, p.k);
        o.gop += p.gopPerCall;
        return p.gemm.scale();
    }

    @Benchmark
    public MemorySegment fp32(Problem p, Ops o) {
        p.fgemm.packA(p.x, 0, p.k, 1, p.m, p.k);
        p.fgemm.multiply(Parallel.SEQUENTIAL, p.fb, p.y, 0, p.n);
        o.gop += p.gopPerCall;
        return p.y;
    }

    private static final int PEAK_STEPS = 1 << 14;

    /** 12 independent FMA chains of the preferred species: the fp32 ceiling of one core, in the same run. */
    @Benchmark
    public float fmaPeak(Ops o) {
        float r = fmaChains();
        o.gop += 12.0 * 2 * FloatVector.SPECIES_PREFERRED.length() * PEAK_STEPS / 1e9;
        return r;
    }

    /** Kept out of JMH's stub, which compiles the loop inlined into it about half as fast (see GemmBench). */
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
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
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
