package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Broadcast;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.KernelSetup;
import dev.petrel.spi.Parallel;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/**
 * FLOAT MatMul on {@link FloatGemm}. A constant 2-D B (a weight) is packed once per model and shared
 * by its sessions; A of any rank >= 2 is one product with its leading dimensions folded into M.
 * A B known only at run time (attention: Q x K^T, P x V) is packed per call into scratch; batches
 * of such products are dealt to threads, a single one is split over its columns. 1-D operands and
 * other element types go to the portable kernel.
 */
final class VectorMatMulKernel implements Kernel {
    private final Node node;
    private final KernelSetup setup;
    private final PackedMatrix weights;
    private FloatGemm[] gemms = {new FloatGemm()};
    private Kernel portable;
    // An epilogue for the next run, from VectorFusedMatMulKernel: applied (and epilogueDone set) when
    // the product is a single FloatGemm call, left to the caller otherwise.
    private MemorySegment epiBias;
    private MemorySegment epiResidual;
    private int epiAct = FloatGemm.ACT_NONE;
    private int epiGelu;
    private boolean epilogueDone;

    /** Runs with {@code act(A·B + bias) + residual} fused into the product where it can; true when it was. */
    boolean runFused(KernelContext ctx, MemorySegment bias, int act, int gelu, MemorySegment residual) {
        epiBias = bias;
        epiAct = act;
        epiGelu = gelu;
        epiResidual = residual;
        epilogueDone = false;
        try {
            run(ctx);
            return epilogueDone;
        } finally {
            epiBias = null;
            epiResidual = null;
            epiAct = FloatGemm.ACT_NONE;
        }
    }

    VectorMatMulKernel(Node node, KernelSetup setup) {
        this.node = node;
        this.setup = setup;
        Tensor b = setup.constantInput(1);
        if (b != null && b.dtype() == DType.FLOAT && b.rank() == 2) {
            int k = b.dim(0);
            int n = b.dim(1);
            this.weights = setup.shared(List.of(b, "vector-gemm-panels-" + FloatGemm.NRW),
                    () -> PackedMatrix.of(Segments.of(b), 0, k, n, false));
        } else {
            this.weights = null;
        }
    }

    @Override
    public void run(KernelContext ctx) {
        FloatGemm.awaitWarm();
        Tensor a = ctx.requireInput(0);
        Tensor b = ctx.requireInput(1);
        if (a.dtype() != DType.FLOAT || b.dtype() != DType.FLOAT || a.rank() < 2 || b.rank() < 2) {
            fallback(ctx, a, b);
            return;
        }
        int[] ad = a.dims();
        int[] bd = b.dims();
        int m = ad[ad.length - 2];
        int k = ad[ad.length - 1];
        int kb = bd[bd.length - 2];
        int n = bd[bd.length - 1];
        if (k != kb) {
            throw new IllegalArgumentException("MatMul inner dimensions differ: A " + a.describe() + " has K=" + k
                    + ", B " + b.describe() + " has K=" + kb);
        }
        int[] aBatch = Arrays.copyOf(ad, ad.length - 2);
        int[] bBatch = Arrays.copyOf(bd, bd.length - 2);
        int[] batch = Broadcast.shape(aBatch, bBatch);
        int[] outDims = Arrays.copyOf(batch, batch.length + 2);
        outDims[batch.length] = m;
        outDims[batch.length + 1] = n;
        Tensor y = ctx.output(0, DType.FLOAT, outDims);
        int batches = Tensor.checkedSize(batch);
        int aBatches = Tensor.checkedSize(aBatch);
        int bBatches = Tensor.checkedSize(bBatch);
        if (batches == 0 || m == 0 || n == 0) return;
        MemorySegment as = Segments.of(a);
        MemorySegment ys = Segments.of(y);
        FloatGemm g = gemms[0];
        if (bBatches == 1 && aBatches == batches) {
            // One B for every batch, A not broadcast: a single product with all rows of A stacked.
            PackedMatrix pb = weights;
            if (pb == null) {
                pb = g.bScratch;
                pb.pack(Segments.of(b), 0, k, n, false);
            }
            g.packA(ctx.parallel(), as, 0, k, 1, (int) ((long) batches * m), k);
            if (epiBias != null || epiAct != FloatGemm.ACT_NONE || epiResidual != null) {
                g.epilogue(epiBias, n, epiAct, epiGelu, epiResidual);
                epilogueDone = true;
            }
            g.multiply(ctx.parallel(), pb, ys, 0, n);
            return;
        }
        batched(ctx.parallel(), as, Segments.of(b), ys, batch, aBatch, bBatch, batches, m, n, k);
    }

    /** Products of broadcast batches, dealt to threads in contiguous ranges, each with its own scratch. */
    private void batched(Parallel parallel, MemorySegment as, MemorySegment bs, MemorySegment ys, int[] batch,
                         int[] aBatch, int[] bBatch, int batches, int m, int n, int k) {
        int[] aStr = Broadcast.strides(aBatch, batch);
        int[] bStr = Broadcast.strides(bBatch, batch);
        long work = (long) batches * m * n * k;
        int threads = work < FloatGemm.PARALLEL_MIN ? 1 : Math.min(parallel.threads(), batches);
        if (gemms.length < threads) {
            FloatGemm[] g = Arrays.copyOf(gemms, threads);
            for (int i = gemms.length; i < threads; i++) g[i] = new FloatGemm();
            gemms = g;
        }
        FloatGemm[] gs = gemms;
        if (threads <= 1) {
            products(gs[0], as, bs, ys, batch, aStr, bStr, 0, batches, m, n, k);
            return;
        }
        int parts = threads;
        parallel.forRange(parts, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                products(gs[t], as, bs, ys, batch, aStr, bStr, (int) ((long) batches * t / parts),
                        (int) ((long) batches * (t + 1) / parts), m, n, k);
            }
        });
    }

    private static void products(FloatGemm g, MemorySegment as, MemorySegment bs, MemorySegment ys, int[] batch,
                                 int[] aStr, int[] bStr, int from, int to, int m, int n, int k) {
        long aSize = (long) m * k;
        long bSize = (long) k * n;
        long ySize = (long) m * n;
        for (int t = from; t < to; t++) {
            long aOff = 0;
            long bOff = 0;
            int rest = t;
            for (int d = batch.length - 1; d >= 0; d--) {
                int i = rest % batch[d];
                rest /= batch[d];
                aOff += (long) i * aStr[d];
                bOff += (long) i * bStr[d];
            }
            g.packA(as, aOff * aSize, k, 1, m, k);
            g.bScratch.pack(bs, bOff * bSize, k, n, false);
            g.multiply(Parallel.SEQUENTIAL, g.bScratch, ys, t * ySize * 4L, n);
        }
    }

    private void fallback(KernelContext ctx, Tensor a, Tensor b) {
        if (portable == null) portable = Segments.portableKernel(node, setup, a.dtype(), b.dtype());
        portable.run(ctx);
    }
}
