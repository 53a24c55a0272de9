package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.llm.QuantizedMatrix;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.KernelSetup;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * {@code com.microsoft::MatMulNBits} on {@link QuantGemv}. When B, scales and zero points are constants
 * of the model (the usual export), they are repacked once per model (shared by its sessions) into the
 * decoder's {@link QuantizedMatrix} panels: 4- or 8-bit codes centred on 0, fp32 scales, and per-block
 * offsets {@code (2^(bits−1) − zp)·scale} when zero points are given; the codes then decode in int lanes,
 * 16 output columns per vector, four rows of A per decoded vector (memory: about the size of B plus 4
 * bytes per block, besides the mapped file). Otherwise 4-bit weights are read where they lie
 * (byte-lane decode, A permuted per call). From {@link VectorDecoderMath#DEQUANTIZED_GEMM_ROWS} rows of A
 * on (a prompt), the panels are dequantized once per run into fp32 GEMM panels for {@link FloatGemm}. Computes in fp32 whatever {@code accuracy_level} says. The
 * portable kernel takes every other case (FLOAT16/BFLOAT16 A, block sizes neither path fits) and
 * reports bad inputs.
 *
 * <p>Also {@code dev.petrel::FusedMatMulNBits} (the portable {@code FusedMatMulNBitsKernel} defines it):
 * the activation and the residual join the bias in the GEMM's tile write-out on a prompt, or follow the
 * panel product as vector passes; any other case runs the portable fused kernel.
 */
final class VectorMatMulNBitsKernel implements Kernel {
    private final Node node;
    private final KernelSetup setup;
    private final int k;
    private final int n;
    private final int bits;
    private final int blockSize;
    private final int blocks;
    private final int paddedK;
    private final Kernel portable;
    private float[] ap = new float[0];
    private float[] bias = new float[0];
    /** B, scales and zero points repacked into panels, or null when they are not constants. */
    private final QuantGemv.Panels panels;
    /** A constant bias copied off-heap (the panel kernels load it as a native segment), or null. */
    private final MemorySegment constantBias;
    private final QuantGemv.Product product = new QuantGemv.Product();
    /** From this many rows of A the weights are dequantized into {@link #dequantized} and run by {@link #gemm}. */
    private static final int GEMM_ROWS = VectorDecoderMath.DEQUANTIZED_GEMM_ROWS;
    private final FloatGemm gemm = new FloatGemm();
    private final PackedMatrix dequantized = new PackedMatrix();
    private float[] x = new float[0], y = new float[0];
    private MemorySegment biasScratch = MemorySegment.NULL;
    private final Arena arena = Arena.ofAuto();
    /** dev.petrel::FusedMatMulNBits: the activation (FloatGemm.ACT_*), GELU's form, and whether input 6 is a residual. */
    private final boolean fused;
    private final int act;
    private final int gelu;

    VectorMatMulNBitsKernel(Node node, KernelSetup setup) {
        this.node = node;
        this.setup = setup;
        // The portable kernel validates the attributes (and throws for unsupported ones) once, here.
        this.portable = Segments.portableKernel(node, setup, DType.FLOAT);
        this.fused = node.domain().equals("dev.petrel");
        dev.petrel.ops.fused.FusedMatMulAttributes epi = new dev.petrel.ops.fused.FusedMatMulAttributes(node);
        this.act = FloatGemm.activation(epi.activation);
        this.gelu = act == FloatGemm.ACT_GELU ? VectorGeluKernel.parse(epi.approximate) : VectorErf.GELU;
        this.k = (int) node.attributes().requireInt("K");
        this.n = (int) node.attributes().requireInt("N");
        this.bits = (int) node.attributes().getInt("bits", 4);
        this.blockSize = (int) node.attributes().requireInt("block_size");
        this.blocks = (k + blockSize - 1) / blockSize;
        this.paddedK = blocks * blockSize;
        this.panels = pack(setup);
        Tensor cb = setup.constantInput(5);
        this.constantBias = panels != null && cb != null && cb.dtype() == DType.FLOAT && cb.size() == n ? offHeap(cb) : null;
    }

    private MemorySegment offHeap(Tensor t) {
        MemorySegment s = arena.allocate(4L * t.size(), 64);
        s.copyFrom(Segments.of(t).asSlice(0, 4L * t.size()));
        return s;
    }

    /** The constant weights as panels, or null (not constants, shapes the portable kernel will reject, no 16-lane floats). */
    private QuantGemv.Panels pack(KernelSetup setup) {
        if (!QuantGemv.panelsFit() || (bits != 4 && bits != 8) || blockSize % 8 != 0 || setup.constantInput(4) != null) return null;
        Tensor b = setup.constantInput(1), s = setup.constantInput(2);
        boolean hasZp = node.inputs().size() > 3 && !node.inputs().get(3).isEmpty();
        Tensor zp = hasZp ? setup.constantInput(3) : null;
        int blob = blockSize * bits / 8, zpRow = (blocks * bits + 7) / 8;
        if (b == null || s == null || (hasZp && zp == null)) return null;
        if (b.dtype() != DType.UINT8 || b.size() != n * blocks * blob || s.dtype() != DType.FLOAT || s.size() != n * blocks) return null;
        boolean packedZp = zp != null && zp.dtype() == DType.UINT8;
        if (zp != null && (packedZp ? zp.size() != n * zpRow : zp.dtype() != DType.FLOAT || zp.size() != n * blocks)) return null;
        QuantizedMatrix m = setup.shared(List.of(b, s, zp == null ? "no-zero-points" : zp, "nbits-panels-" + bits + "-" + blockSize), () -> {
            ByteBuffer data = b.bytes();
            FloatBuffer scales = s.floats();
            int mid = 1 << (bits - 1);
            QuantizedMatrix.Codes codes = bits == 4
                    ? (j, kk) -> ((data.get((j * blocks + kk / blockSize) * blob + (kk % blockSize) / 2) >> (4 * (kk & 1))) & 0xF) - mid
                    : (j, kk) -> (data.get((j * blocks + kk / blockSize) * blob + kk % blockSize) & 0xFF) - mid;
            QuantizedMatrix.PerBlock offsets = null;
            if (zp != null) {
                ByteBuffer zb = packedZp ? zp.bytes() : null;
                FloatBuffer zf = packedZp ? null : zp.floats();
                offsets = (j, kb) -> {
                    float z;
                    if (!packedZp) z = zf.get(j * blocks + kb);
                    else if (bits == 8) z = zb.get(j * zpRow + kb) & 0xFF;
                    else z = (zb.get(j * zpRow + kb / 2) >> (4 * (kb & 1))) & 0xF;
                    return (mid - z) * scales.get(j * blocks + kb);
                };
            }
            return QuantizedMatrix.pack(bits, k, n, blockSize, false, codes, (j, kb) -> scales.get(j * blocks + kb), offsets);
        });
        return new QuantGemv.Panels(m);
    }

    /** The panel product, when A, bias and residual fit it; false leaves the call to the other paths. */
    private boolean runPanels(KernelContext ctx, Tensor a, Tensor bb, Tensor residual) {
        if (panels == null || a.dtype() != DType.FLOAT || a.rank() < 1 || a.dim(a.rank() - 1) != k) return false;
        if (bb != null && (bb.dtype() != DType.FLOAT || bb.size() != n)) return false;
        int m = a.size() / k;
        int[] outDims = a.dims().clone();
        outDims[outDims.length - 1] = n;
        if (residual != null && (residual.dtype() != DType.FLOAT || !java.util.Arrays.equals(residual.dims(), outDims))) return false;
        Tensor out = ctx.output(0, DType.FLOAT, outDims);
        if (m == 0) return true;
        MemorySegment res = residual == null ? null : Segments.of(residual);
        if (m >= GEMM_ROWS && (long) k * n <= VectorDecoderMath.MAX_DEQUANTIZED) {
            // A prompt: the fp32 GEMM over W dequantized once per run into reused panels.
            QuantGemv.dequantizeAll(ctx.parallel(), panels, dequantized);
            MemorySegment ys = Segments.of(out);
            gemm.packA(ctx.parallel(), Segments.of(a), 0, k, 1, m, k);
            // Bias, activation and residual join the GEMM's tile write-out (no pass of their own over the output).
            if (bb != null || act != FloatGemm.ACT_NONE || res != null) {
                gemm.epilogue(bb == null ? null : constantBias != null ? constantBias : Segments.of(bb), n, act, gelu, res);
            }
            gemm.multiply(ctx.parallel(), dequantized, ys, 0, n);
            return true;
        }
        if (x.length < m * k) x = new float[m * k];
        if (y.length < m * n) y = new float[m * n];
        MemorySegment.copy(Segments.of(a), ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, x, 0, m * k);
        MemorySegment bias = null;
        if (bb != null) {
            bias = constantBias;
            if (bias == null) {
                if (biasScratch.byteSize() < 4L * n) biasScratch = arena.allocate(4L * n, 64);
                biasScratch.copyFrom(Segments.of(bb).asSlice(0, 4L * n));
                bias = biasScratch;
            }
        }
        QuantGemv.Product t = product;
        t.w = panels; t.x = x; t.rows = m; t.bias = bias; t.y = y; t.yOffset = 0;
        t.run(ctx.parallel());
        t.bias = null;
        MemorySegment ys = Segments.of(out);
        MemorySegment.copy(y, 0, ys, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, m * n);
        // A few rows (decode): the activation and residual as vector passes over the output.
        if (act == FloatGemm.ACT_GELU) VectorErf.map(gelu, ys, 0, null, ys, 0, m * n);
        if (act == FloatGemm.ACT_RELU || res != null) VectorFusedMatMulKernel.biasRelu(ys, null, res, n, 0, m, act == FloatGemm.ACT_RELU);
        return true;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor a = ctx.requireInput(0);
        Tensor b = ctx.requireInput(1);
        Tensor s = ctx.requireInput(2);
        Tensor zp = ctx.input(3);
        Tensor bb = ctx.input(5);
        if (ctx.input(4) == null && runPanels(ctx, a, bb, fused ? ctx.input(6) : null)) return;
        if (fused) {
            // The byte-lane path below has no epilogue: the portable fused kernel takes the rest.
            portable.run(ctx);
            return;
        }
        int zpRow = (blocks + 1) / 2;
        if (bits != 4 || !QuantGemv.fits(blockSize) || a.dtype() != DType.FLOAT || a.rank() < 1 || a.dim(a.rank() - 1) != k
                || b.dtype() != DType.UINT8 || b.size() != n * blocks * (blockSize / 2)
                || (b.rank() == 3 && !b.hasDims(n, blocks, blockSize / 2))
                || s.dtype() != DType.FLOAT || s.size() != n * blocks
                || (zp != null && (zp.dtype() != DType.UINT8 || zp.size() != n * zpRow))
                || ctx.input(4) != null || (bb != null && (bb.dtype() != DType.FLOAT || bb.size() != n))) {
            portable.run(ctx);
            return;
        }
        int m = a.size() / k;
        int[] outDims = a.dims().clone();
        outDims[outDims.length - 1] = n;
        Tensor y = ctx.output(0, DType.FLOAT, outDims);
        if (m == 0) return;
        if (ap.length < m * paddedK) ap = new float[m * paddedK];
        QuantGemv.permute(Segments.of(a), m, k, paddedK, true, ap);
        float[] bias = null;
        if (bb != null) {
            if (this.bias.length < n) this.bias = new float[n];
            FloatBuffer f = bb.floats();
            for (int j = 0; j < n; j++) this.bias[j] = f.get(j);
            bias = this.bias;
        }
        MemorySegment w = Segments.of(b);
        MemorySegment sc = Segments.of(s);
        MemorySegment z = zp == null ? null : Segments.of(zp);
        MemorySegment out = Segments.of(y);
        float[] perm = ap;
        float[] bi = bias;
        ctx.parallel().forRange(n, (from, to) ->
                QuantGemv.q4(w, sc, z, zpRow, perm, m, paddedK, blocks, blockSize, bi, out, n, from, to));
    }
}
