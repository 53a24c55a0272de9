package dev.petrel.ops.quant;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.ops.Broadcast;
import dev.petrel.ops.fused.FusedMatMulAttributes;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelRegistry;
import dev.petrel.spi.KernelContext;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * {@code dev.petrel::DynamicQuantMatMul(x, Wq, Ws, Wzp[, bias[, residual]])}: the fused form of
 * DynamicQuantizeLinear → MatMulInteger → Cast → Mul (→ Add bias) (→ Add residual) that ONNX Runtime's
 * dynamic quantizer writes (see {@code dev.petrel.optimize.QuantizedMatMulFusion}).
 *
 * <p>x (FLOAT, rank >= 1, last dimension K) is quantized per tensor to uint8 exactly as
 * DynamicQuantizeLinear does ({@link #scale}, {@link #zeroPoint}, {@link #quantize}); Wq is an INT8 or
 * UINT8 [K, N] matrix with zero point Wzp (same type, scalar or [N], absent = 0) and scale Ws (FLOAT,
 * scalar or [N]). The output, FLOAT with x's leading dimensions and N, is
 * {@code (float) sum_k (qx[i,k] - zx) * (Wq[k,j] - Wzp[j]) * (sx * Ws[j]) (+ bias[j])} with the int32
 * sum exact (wrapping as MatMulInteger's) and the float operations in the unfused graph's order, so
 * both agree bit for bit. With attribute {@code activation="gelu"} ({@code approximate} "none" or
 * "tanh", as Gelu's) GELU is applied next, by the registered {@code dev.petrel::Gelu} kernel, and a
 * residual (FLOAT) is then added as Add does: in place when it has the output's shape, else with
 * numpy broadcasting into the broadcast shape.
 *
 * <p>This portable kernel is the reference: it quantizes into a uint8 tensor and runs {@link IntGemm}.
 */
public final class DynamicQuantMatMulKernel implements Kernel {
    private final IntGemm gemm = new IntGemm();
    /** The Gelu kernel applied in place after the bias, or null. */
    private final Kernel gelu;
    private final InPlace geluContext = new InPlace();
    private int[] sums = new int[0];
    private float[] colScale = new float[0];
    private ByteBuffer qbuf = ByteBuffer.allocateDirect(0);
    private Tensor qx;
    private final Tensor qzp = Tensor.wrap(DType.UINT8, ByteBuffer.allocateDirect(1));

    /** Without activation: the reference the tests and other backends compare with. */
    public DynamicQuantMatMulKernel() {
        this.gelu = null;
    }

    /** Reads {@code activation} ("none" or "gelu") and {@code approximate}; GELU comes from {@code registry}. */
    public DynamicQuantMatMulKernel(Node node, KernelRegistry registry) {
        this.gelu = geluKernel(node, registry);
    }

    /**
     * The Gelu kernel {@code node}'s {@code activation} asks for, or null for none; rejects other
     * activations. Shared with the other backends' kernels so that all accept the same nodes.
     */
    public static Kernel geluKernel(Node node, KernelRegistry registry) {
        String act = node.attributes().getString("activation", "none");
        if (act.equals("none")) return null;
        if (!act.equals("gelu")) {
            throw new IllegalArgumentException("DynamicQuantMatMul activation must be none or gelu, got \"" + act + "\"");
        }
        String approximate = node.attributes().getString("approximate", "none");
        if (!approximate.equals("none") && !approximate.equals("tanh")) {
            throw new IllegalArgumentException("Gelu approximate must be \"none\" or \"tanh\", got \"" + approximate + "\"");
        }
        Node g = new Node(node.name() + "/gelu", "Gelu", "dev.petrel", 1, List.of(node.outputs().get(0)), List.of(node.outputs().get(0)),
                new Attributes(List.of(Attribute.ofString("approximate", approximate))));
        KernelRegistry.Entry e = registry.find(g, new DType[] {DType.FLOAT});
        if (e == null) throw new IllegalArgumentException("DynamicQuantMatMul activation gelu needs a dev.petrel::Gelu kernel");
        return e.factory().create(g);
    }

    /** DynamicQuantizeLinear's scale for data whose range, widened to include 0, is [min, max]. */
    public static float scale(float min, float max) {
        min = Math.min(min, 0f);
        max = Math.max(max, 0f);
        return max == min ? 1f : (max - min) / 255f;
    }

    /** DynamicQuantizeLinear's zero point for data of minimum {@code min} quantized with {@code scale}. */
    public static int zeroPoint(float min, float scale) {
        float initialZp = 0f - Math.min(min, 0f) / scale;
        return (int) Math.rint(Math.max(0f, Math.min(255f, initialZp)));
    }

    /** One value quantized as DynamicQuantizeLinear does: round half to even, saturate to [0, 255] (NaN: 0). */
    public static int quantize(float v, float scale, int zp) {
        return QuantMath.saturate(Math.rint(v / scale) + zp, 0, 255);
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        Tensor w = ctx.requireInput(1);
        Tensor ws = ctx.requireInput(2);
        Tensor wzp = ctx.input(3);
        Tensor bias = ctx.input(4);
        Tensor residual = ctx.input(5);
        if (x.dtype() != DType.FLOAT || x.rank() < 1) {
            throw new IllegalArgumentException("input 'x' must be FLOAT of rank >= 1, got " + x.describe());
        }
        if ((w.dtype() != DType.INT8 && w.dtype() != DType.UINT8) || w.rank() != 2) {
            throw new IllegalArgumentException("input 'Wq' must be a 2-D INT8 or UINT8 matrix, got " + w.describe());
        }
        int n = w.dim(1);
        checkPerColumn(ws, DType.FLOAT, n, "Ws");
        if (wzp != null) checkPerColumn(wzp, w.dtype(), n, "Wzp");
        if (bias != null && (bias.dtype() != DType.FLOAT || bias.rank() != 1 || bias.dim(0) != n)) {
            throw new IllegalArgumentException("input 'bias' must be FLOAT [" + n + "], got " + bias.describe());
        }
        FloatBuffer xs = x.floats();
        int size = x.size();
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int i = 0; i < size; i++) {
            float v = xs.get(i);
            if (v < min) min = v;
            if (v > max) max = v;
        }
        float scale = scale(min, max);
        int zp = zeroPoint(min, scale);
        // The quantized x and its zero point live in buffers kept across runs: a run allocates no tensor memory.
        if (qx == null || !qx.hasDims(x.dims())) {
            if (qbuf.capacity() < size) qbuf = ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN);
            qx = Tensor.wrap(DType.UINT8, qbuf, x.dims());
        }
        ByteBuffer qb = qx.bytes();
        for (int i = 0; i < size; i++) qb.put(i, (byte) quantize(xs.get(i), scale, zp));
        qzp.bytes().put(0, (byte) zp);
        gemm.prepare(qx, qzp, w, wzp, "x (quantized)", "Wq");
        int[] outDims = gemm.outDims;
        int count = gemm.batches * gemm.m * n;
        if (sums.length < count) sums = new int[count];
        gemm.compute(ctx.parallel(), sums, null);
        if (residual != null && residual.dtype() != DType.FLOAT) {
            throw new IllegalArgumentException("input 'residual' must be FLOAT, got " + residual.describe());
        }
        boolean inPlace = FusedMatMulAttributes.residualInPlace(residual, outDims);
        // A residual of another shape: the product goes to scratch, then broadcasts with it into the output.
        Tensor y = inPlace ? ctx.output(0, DType.FLOAT, outDims) : Tensor.allocate(DType.FLOAT, outDims);
        FloatBuffer ys = y.floats();
        FloatBuffer wsb = ws.floats();
        boolean perColumnScale = ws.size() != 1;
        if (colScale.length < n) colScale = new float[n];
        float[] colScale = this.colScale;
        for (int j = 0; j < n; j++) colScale[j] = scale * wsb.get(perColumnScale ? j : 0);
        FloatBuffer bb = bias == null ? null : bias.floats();
        for (int o = 0; o < count; ) {
            for (int j = 0; j < n; j++, o++) {
                float v = (float) sums[o] * colScale[j];
                ys.put(o, bb == null ? v : v + bb.get(j));
            }
        }
        if (gelu != null) {
            geluContext.parent = ctx;
            geluContext.tensor = y;
            try {
                gelu.run(geluContext);
            } finally {
                geluContext.parent = null;
                geluContext.tensor = null;
            }
        }
        if (residual == null) return;
        if (inPlace) {
            FloatBuffer rv = residual.floats();
            for (int i = 0; i < count; i++) ys.put(i, ys.get(i) + rv.get(i));
        } else {
            Tensor sum = ctx.output(0, DType.FLOAT, Broadcast.shape(y.dims(), residual.dims()));
            FusedMatMulAttributes.addBroadcast(y, residual, sum);
        }
    }

    private static void checkPerColumn(Tensor t, DType type, int n, String name) {
        if (t.dtype() != type || !(t.size() == 1 && t.rank() <= 1 || t.rank() == 1 && t.dim(0) == n)) {
            throw new IllegalArgumentException("input '" + name + "' must be " + type + " scalar or [" + n + "], got " + t.describe());
        }
    }

    /** Hands a kernel one tensor as its input and as its output: an elementwise kernel then runs in place. */
    private static final class InPlace implements KernelContext {
        KernelContext parent;
        Tensor tensor;

        @Override public int inputCount() { return 1; }
        @Override public Tensor input(int i) { return i == 0 ? tensor : null; }
        @Override public Tensor requireInput(int i) {
            if (i != 0) throw new IllegalArgumentException("input " + i + " is absent");
            return tensor;
        }
        @Override public int outputCount() { return 1; }
        @Override public boolean hasOutput(int i) { return i == 0; }

        @Override
        public Tensor output(int i, DType dtype, int... dims) {
            if (i != 0 || dtype != DType.FLOAT || !tensor.hasDims(dims)) {
                throw new IllegalStateException("in-place output " + i + " " + dtype + java.util.Arrays.toString(dims) + " differs from " + tensor.describe());
            }
            return tensor;
        }

        @Override public Tensor[] runSubgraph(dev.petrel.graph.Graph graph, Tensor... in) { return parent.runSubgraph(graph, in); }
        @Override public dev.petrel.spi.Parallel parallel() { return parent.parallel(); }
    }
}
