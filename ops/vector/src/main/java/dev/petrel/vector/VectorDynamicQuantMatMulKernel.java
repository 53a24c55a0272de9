package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.KernelSetup;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * {@code dev.petrel::DynamicQuantMatMul(x, Wq, Ws, Wzp[, bias[, residual]])} on {@link Int8FloatGemm}
 * (exact integer sums on the fp32 FMA micro-kernel): a constant weight and zero point are packed once
 * per model ({@link Int8ColumnPanels}, 1x the weight's bytes) and shared by its sessions. With
 * {@code -Dpetrel.int8.gemm=int16} the 16-bit integer formulation runs instead ({@link Int8Gemm},
 * {@link Int8Panels}; pre-widened to 16 bits, 2x, with {@code -Dpetrel.int8.wide=true}); x of any rank >= 1
 * is one product with its leading dimensions folded into M; GELU (attribute {@code activation}) and
 * the residual are applied in the epilogue, per row of each column panel while it is in L1. Bit for
 * bit the portable {@code DynamicQuantMatMulKernel}'s result without activation (with GELU, bit for
 * bit the vector Gelu kernel after the product, within float rounding of the portable erf); the
 * portable kernel takes the cases this kernel does not (a weight of another rank or type, a residual
 * that broadcasts).
 */
final class VectorDynamicQuantMatMulKernel implements Kernel {
    /** Keeps 16-bit panels instead of widening them per call: speed over memory (2x the weight). */
    static final boolean WIDE = Boolean.getBoolean("petrel.int8.wide");
    /** Runs the 16-bit integer formulation ({@link Int8Gemm}) instead of the exact fp32 one, for comparison. */
    static final boolean INT16 = "int16".equals(System.getProperty("petrel.int8.gemm")) || WIDE;

    private final Node node;
    private final KernelSetup setup;
    private final Int8Panels weights;
    private final Int8ColumnPanels columns;
    private final Int8Gemm gemm = new Int8Gemm();
    private final Int8FloatGemm fgemm = new Int8FloatGemm();
    private float[] wScale = new float[0];
    private float[] bias = new float[0];
    private Kernel portable;
    /** The {@link VectorErf} GELU of attribute {@code activation="gelu"}, or -1. */
    private final int gelu;

    VectorDynamicQuantMatMulKernel(Node node, KernelSetup setup) {
        this.node = node;
        this.setup = setup;
        String act = node.attributes().getString("activation", "none");
        if (!act.equals("none") && !act.equals("gelu")) {
            throw new IllegalArgumentException("DynamicQuantMatMul activation must be none or gelu, got \"" + act + "\"");
        }
        this.gelu = act.equals("gelu") ? VectorGeluKernel.parse(node.attributes().getString("approximate", "none")) : -1;
        Tensor w = setup.constantInput(1);
        boolean hasZp = node.inputs().size() > 3 && !node.input(3).isEmpty();
        Tensor zp = hasZp ? setup.constantInput(3) : null;
        if (w != null && usable(w, zp, hasZp) && INT16) {
            this.weights = setup.shared(List.of(w, hasZp ? zp : "no-zero-point", "int8-panels-" + Int8Gemm.NRW + (WIDE ? "-wide" : "")),
                    () -> Int8Panels.of(w, zp, WIDE));
            this.columns = null;
        } else if (w != null && usable(w, zp, hasZp)) {
            this.weights = null;
            this.columns = setup.shared(List.of(w, hasZp ? zp : "no-zero-point", "int8-column-panels-" + FloatGemm.NRW),
                    () -> Int8ColumnPanels.of(w, zp));
        } else {
            this.weights = null;
            this.columns = null;
        }
    }

    private static boolean usable(Tensor w, Tensor zp, boolean hasZp) {
        if ((w.dtype() != DType.INT8 && w.dtype() != DType.UINT8) || w.rank() != 2) return false;
        if (!hasZp) return true;
        return zp != null && zp.dtype() == w.dtype() && (zp.size() == 1 && zp.rank() <= 1 || zp.rank() == 1 && zp.dim(0) == w.dim(1));
    }

    private static int[] outDims(int[] xDims, int n) {
        int[] d = xDims.clone();
        d[d.length - 1] = n;
        return d;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        Tensor w = ctx.requireInput(1);
        Tensor ws = ctx.requireInput(2);
        Tensor zp = ctx.input(3);
        Tensor b = ctx.input(4);
        Tensor res = ctx.input(5);
        Int8Panels panels = weights;
        Int8ColumnPanels cols = columns;
        if (panels == null && cols == null && usable(w, zp, zp != null)) {
            if (INT16) panels = Int8Panels.of(w, zp, false);
            else cols = Int8ColumnPanels.of(w, zp);
        }
        int n = w.rank() == 2 ? w.dim(1) : -1;
        if ((panels == null && cols == null) || x.dtype() != DType.FLOAT || x.rank() < 1 || x.dim(x.rank() - 1) != w.dim(0)
                || ws.dtype() != DType.FLOAT || !(ws.size() == 1 && ws.rank() <= 1 || ws.rank() == 1 && ws.dim(0) == n)
                || (b != null && (b.dtype() != DType.FLOAT || b.rank() != 1 || b.dim(0) != n))
                || (res != null && (res.dtype() != DType.FLOAT || !Arrays.equals(res.dims(), outDims(x.dims(), n))))) {
            // The reference checks every input and reports what is wrong.
            if (portable == null) portable = Segments.portableKernel(node, setup, x.dtype());
            portable.run(ctx);
            return;
        }
        int k = w.dim(0);
        int[] dims = x.dims();
        int m = x.size() / Math.max(1, k);
        int[] outDims = outDims(dims, n);
        Tensor y = ctx.output(0, DType.FLOAT, outDims);
        if (wScale.length < n) {
            wScale = new float[n];
            bias = new float[n];
        }
        FloatBuffer sb = ws.floats();
        for (int j = 0; j < n; j++) wScale[j] = sb.get(ws.size() == 1 ? 0 : j);
        if (b != null) {
            FloatBuffer bb = b.floats();
            for (int j = 0; j < n; j++) bias[j] = bb.get(j);
        }
        if (m == 0 || n == 0) return;
        if (cols != null) {
            fgemm.quantize(ctx.parallel(), Segments.of(x), 0, m, k);
            fgemm.multiply(ctx.parallel(), cols, wScale, b == null ? null : bias, gelu, res == null ? null : Segments.of(res), Segments.of(y));
        } else {
            gemm.quantize(Segments.of(x), 0, m, k);
            gemm.multiply(ctx.parallel(), panels, wScale, b == null ? null : bias, Segments.of(y));
            if (gelu >= 0) VectorErf.map(gelu, Segments.of(y), 0, null, Segments.of(y), 0, m * n);
            if (res != null) VectorFusedMatMulKernel.biasRelu(Segments.of(y), null, Segments.of(res), n, 0, m, false);
        }
    }
}
