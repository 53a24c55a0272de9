package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.graph.Node;
import dev.petrel.ops.fused.FusedMatMulAttributes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.KernelSetup;
import dev.petrel.spi.Parallel;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code dev.petrel::FusedMatMul(A, B[, bias])}, FLOAT: {@code act(A·B + bias)}, as the portable kernel
 * defines it. With {@code transB=0} the product is {@link VectorMatMulKernel}'s (packed constant
 * weights, any batch shape); with {@code transB=1} (B a 2-D [N, K]) a constant B is packed transposed
 * once, under the same shared key as {@link VectorGemmKernel}'s transposed weights. Bias and activation
 * then run as one vector pass over the output (measured: the output of a MiniLM layer, at most
 * 128 x 1536 floats, is still in L2 when the product ends), split over rows between threads.
 */
final class VectorFusedMatMulKernel implements Kernel {
    private static final VectorSpecies<Float> S = VectorErf.S;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int NONE = FloatGemm.ACT_NONE, RELU = FloatGemm.ACT_RELU, GELU = FloatGemm.ACT_GELU;
    /** Rows per epilogue chunk handed to a thread: below this many elements one thread does it all. */
    private static final int PARALLEL_MIN_ELEMENTS = 1 << 14;

    private final int activation;
    private final int gelu;
    private final boolean transB;
    private final VectorMatMulKernel matMul;
    private final PackedMatrix transposedWeights;
    private final FloatGemm gemm = new FloatGemm();
    private final Capture capture = new Capture();
    private final Parallel.RangeBody epilogueBody = this::epilogueRows;
    // State of the running epilogue, in fields so the per-row body allocates nothing.
    private MemorySegment ys;
    private MemorySegment biasSeg;
    private MemorySegment residualSeg;
    private final Node node;
    private final KernelSetup setup;
    private Kernel portable;
    private int n;

    VectorFusedMatMulKernel(Node node, KernelSetup setup) {
        this.node = node;
        this.setup = setup;
        FusedMatMulAttributes attrs = new FusedMatMulAttributes(node);
        this.transB = attrs.transB;
        this.activation = FloatGemm.activation(attrs.activation);
        this.gelu = activation == GELU ? VectorGeluKernel.parse(attrs.approximate) : -1;
        if (!transB) {
            Node mm = new Node(node.name(), "MatMul", "", 13, node.inputs().subList(0, 2), node.outputs().subList(0, 1),
                    new dev.petrel.graph.Attributes(List.of()));
            this.matMul = new VectorMatMulKernel(mm, setup);
            this.transposedWeights = null;
        } else {
            this.matMul = null;
            Tensor b = setup.constantInput(1);
            if (b != null && b.dtype() == DType.FLOAT && b.rank() == 2) {
                int k = b.dim(1);
                int nn = b.dim(0);
                this.transposedWeights = setup.shared(List.of(b, "vector-gemm-panels-" + FloatGemm.NRW + "-transposed"),
                        () -> PackedMatrix.of(Segments.of(b), 0, k, nn, true));
            } else {
                this.transposedWeights = null;
            }
        }
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor a = ctx.requireInput(0);
        Tensor b = ctx.requireInput(1);
        Tensor bias = ctx.input(2);
        Tensor residual = ctx.input(3);
        if (residual != null && (residual.dtype() != DType.FLOAT
                || !FusedMatMulAttributes.residualInPlace(residual, FusedMatMulAttributes.productDims(a, b, transB)))) {
            // A residual that broadcasts (or the wrong type, which the reference reports): the reference's way.
            if (portable == null) portable = Segments.portableKernel(node, setup, DType.FLOAT, DType.FLOAT, DType.FLOAT, DType.FLOAT);
            portable.run(ctx);
            return;
        }
        // The epilogue fuses into the product's tiles when the bias is what checkBias accepts; any
        // other bias takes the separate pass below, which reports it.
        int bCols = b.rank() < 2 ? -1 : transB ? b.dim(0) : b.dim(b.rank() - 1);
        boolean fusable = bias == null || (bias.dtype() == DType.FLOAT && bias.rank() == 1 && bias.size() == bCols);
        MemorySegment fBias = fusable && bias != null ? Segments.of(bias) : null;
        MemorySegment fRes = fusable && residual != null ? Segments.of(residual) : null;
        int act = activation;
        boolean fused;
        Tensor y;
        if (transB) {
            fused = fusable;
            y = multiplyTransposed(ctx, a, b, fused ? fBias : null, fused ? act : FloatGemm.ACT_NONE, fRes);
        } else {
            capture.parent = ctx;
            fused = fusable ? matMul.runFused(capture, fBias, act, gelu, fRes) : runPlain(capture);
            y = capture.result;
            capture.parent = null;
            capture.result = null;
        }
        int cols = y.rank() == 0 ? 1 : y.dim(y.rank() - 1);
        int size = y.size();
        FusedMatMulAttributes.checkBias(bias, cols);
        if (fused || size == 0 || (bias == null && activation == NONE && residual == null)) return;
        this.ys = Segments.of(y);
        this.biasSeg = bias == null ? null : Segments.of(bias);
        this.residualSeg = residual == null ? null : Segments.of(residual);
        this.n = cols;
        int rows = size / cols;
        Parallel p = ctx.parallel();
        if (size < PARALLEL_MIN_ELEMENTS || p.threads() <= 1) {
            epilogueRows(0, rows);
        } else {
            p.forRange(rows, epilogueBody);
        }
        this.ys = null;
        this.biasSeg = null;
        this.residualSeg = null;
    }

    private boolean runPlain(KernelContext c) {
        matMul.run(c);
        return false;
    }

    /** The fused node's context as the MatMul step sees it, keeping the tensor it writes. */
    private static final class Capture implements KernelContext {
        KernelContext parent;
        Tensor result;

        @Override public int inputCount() { return 2; }
        @Override public Tensor input(int i) { return i < 2 ? parent.input(i) : null; }
        @Override public Tensor requireInput(int i) { return parent.requireInput(i); }
        @Override public int outputCount() { return 1; }
        @Override public boolean hasOutput(int i) { return i == 0; }

        @Override
        public Tensor output(int i, DType dtype, int... dims) {
            result = parent.output(i, dtype, dims);
            return result;
        }

        @Override public Tensor[] runSubgraph(dev.petrel.graph.Graph graph, Tensor... in) { return parent.runSubgraph(graph, in); }
        @Override public Parallel parallel() { return parent.parallel(); }
    }

    private void epilogueRows(int r0, int r1) {
        final MemorySegment y = ys;
        final MemorySegment bs = biasSeg;
        final int n = this.n;
        final MemorySegment rs = residualSeg;
        if (activation == GELU) {
            for (int r = r0; r < r1; r++) VectorErf.map(gelu, y, (long) r * n * 4L, bs, y, (long) r * n * 4L, n);
            if (rs != null) biasRelu(y, null, rs, n, r0, r1, false);
            return;
        }
        biasRelu(y, bs, rs, n, r0, r1, activation == RELU);
    }

    /** Rows r0..r1 of y (n wide): y += bias (when not null), then Relu when {@code relu}, then y += residual (when not null, y's shape). */
    static void biasRelu(MemorySegment y, MemorySegment bs, MemorySegment rs, int n, int r0, int r1, boolean relu) {
        final int l = S.length();
        final int full = n - n % l;
        final VectorMask<Float> tail = S.indexInRange(full, n);
        final FloatVector zero = FloatVector.zero(S);
        for (int r = r0; r < r1; r++) {
            long row = (long) r * n * 4L;
            for (int j = 0; j < full; j += l) {
                long o = row + j * 4L;
                FloatVector v = FloatVector.fromMemorySegment(S, y, o, LE);
                if (bs != null) v = v.add(FloatVector.fromMemorySegment(S, bs, j * 4L, LE));
                // Not max(v, 0): NaN and -0 pass through unchanged, as in the portable kernel.
                if (relu) v = v.blend(zero, v.lt(0f));
                if (rs != null) v = v.add(FloatVector.fromMemorySegment(S, rs, o, LE));
                v.intoMemorySegment(y, o, LE);
            }
            if (full < n) {
                long o = row + full * 4L;
                FloatVector v = FloatVector.fromMemorySegment(S, y, o, LE, tail);
                if (bs != null) v = v.add(FloatVector.fromMemorySegment(S, bs, full * 4L, LE, tail));
                if (relu) v = v.blend(zero, v.lt(0f));
                if (rs != null) v = v.add(FloatVector.fromMemorySegment(S, rs, o, LE, tail));
                v.intoMemorySegment(y, o, LE, tail);
            }
        }
    }

    /** Y[..., M, N] = A[..., M, K] · Bᵀ for a 2-D B of [N, K]. */
    private Tensor multiplyTransposed(KernelContext ctx, Tensor a, Tensor b, MemorySegment bias, int act, MemorySegment residual) {
        if (b.rank() != 2 || a.rank() < 2) {
            throw new UnsupportedFeatureException("FusedMatMul transB=1 needs A of rank >= 2 and a 2-D B, got "
                    + a.describe() + " and " + b.describe());
        }
        FloatGemm.awaitWarm();
        int[] ad = a.dims();
        int k = ad[ad.length - 1];
        int nn = b.dim(0);
        if (b.dim(1) != k) {
            throw new IllegalArgumentException("FusedMatMul inner dimensions differ: A " + a.describe() + ", B (transposed) " + b.describe());
        }
        int[] yd = ad.clone();
        yd[yd.length - 1] = nn;
        Tensor y = ctx.output(0, DType.FLOAT, yd);
        int rows = k == 0 ? Tensor.checkedSize(yd) / Math.max(1, nn) : a.size() / k;
        if (rows == 0 || nn == 0) return y;
        PackedMatrix pb = transposedWeights;
        if (pb == null) {
            pb = gemm.bScratch;
            pb.pack(Segments.of(b), 0, k, nn, true);
        }
        gemm.packA(ctx.parallel(), Segments.of(a), 0, k, 1, rows, k);
        gemm.epilogue(bias, nn, act, gelu, residual);
        gemm.multiply(ctx.parallel(), pb, Segments.of(y), 0, nn);
        return y;
    }
}
