package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * DepthToSpace: [N, C, H, W] to [N, C/(b*b), H*b, W*b]. DCR reads the channel as (bh, bw, c), CRD as
 * (c, bh, bw); either way the output is a strided view of the input in the order (n, c, h, bh, w, bw).
 */
final class DepthToSpaceKernel implements Kernel {
    private final int block;
    private final boolean crd;

    DepthToSpaceKernel(Node node) {
        long b = node.attributes().requireInt("blocksize");
        if (b < 1 || b > 65536) throw new IllegalArgumentException("DepthToSpace blocksize must be positive, got " + b);
        block = (int) b;
        String mode = node.opsetVersion() >= 11 ? node.attributes().getString("mode", "DCR") : "DCR";
        if (!mode.equals("DCR") && !mode.equals("CRD")) throw new IllegalArgumentException("DepthToSpace mode '" + mode + "' is not supported (DCR, CRD)");
        crd = mode.equals("CRD");
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        if (x.rank() != 4) throw new IllegalArgumentException("DepthToSpace input must be 4-D, got " + x.describe());
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
        int b = block;
        if (c % (b * b) != 0) throw new IllegalArgumentException("DepthToSpace channels of " + x.describe() + " are not divisible by blocksize^2 = " + b * b);
        int oc = c / (b * b);
        Tensor y = ctx.output(0, x.dtype(), ShapeArgs.dims(new long[] {n, oc, (long) h * b, (long) w * b}, "DepthToSpace output shape"));
        if (y.size() == 0) return;
        int hw = h * w;
        int sC = crd ? b * b * hw : hw;
        int sBh = crd ? b * hw : b * oc * hw;
        int sBw = crd ? hw : oc * hw;
        int[] dims = {n, oc, h, b, w, b};
        int[] strides = {c * hw, sC, w, sBh, 1, sBw};
        StridedCopy.copy(x, 0, dims, strides, y, 0, ctx.parallel());
    }
}
