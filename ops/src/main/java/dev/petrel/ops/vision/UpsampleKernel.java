package dev.petrel.ops.vision;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.util.Arrays;

/**
 * Upsample (deprecated since opset 10): output size floor(input * scale) per axis, asymmetric
 * coordinates, nearest or n-linear. Opset 7 takes the scales as an attribute, opset 9+ as input 1.
 */
final class UpsampleKernel implements Kernel {
    private final Resampler resampler;
    private final float[] scaleAttr;

    UpsampleKernel(Node node) {
        Resampler.Mode mode = Resampler.mode(node.attributes().getString("mode", "nearest"), "Upsample");
        if (mode == Resampler.Mode.CUBIC) throw new IllegalArgumentException("Upsample has no cubic mode");
        this.resampler = new Resampler(mode, Resampler.Coord.ASYMMETRIC, Resampler.Rounding.SIMPLE, -0.75, false, 0);
        this.scaleAttr = node.opsetVersion() < 9 ? node.attributes().getFloats("scales") : null;
        if (node.opsetVersion() < 9 && scaleAttr == null) throw new IllegalArgumentException("Upsample opset 7 needs the scales attribute");
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        double[] s;
        if (scaleAttr != null) {
            s = new double[scaleAttr.length];
            for (int i = 0; i < s.length; i++) s[i] = scaleAttr[i];
        } else {
            s = Elements.toDoubles(ctx.requireInput(1));
        }
        if (s.length != x.rank()) {
            throw new IllegalArgumentException("Upsample scales " + Arrays.toString(s) + " must have one value per axis of " + x.describe());
        }
        int[] out = x.dims();
        for (int d = 0; d < s.length; d++) {
            if (!(s[d] > 0)) throw new IllegalArgumentException("Upsample scales must be positive, got " + Arrays.toString(s));
            out[d] = (int) Math.floor(out[d] * s[d]);
        }
        resampler.resize(x, ctx.output(0, x.dtype(), out), s, null);
    }
}
