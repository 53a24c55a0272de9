package dev.petrel.ops.quant;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.nio.IntBuffer;

/** ConvInteger: int32 convolution of 8-bit data and weights after subtracting their zero points. */
final class ConvIntegerKernel implements Kernel {
    private final ConvGeometry geometry;
    private final IntConv conv = new IntConv();
    private int[] acc = new int[0];

    ConvIntegerKernel(Node node) {
        this.geometry = new ConvGeometry(node);
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        Tensor w = ctx.requireInput(1);
        geometry.resolve(x.dims(), w.dims());
        int xZp = QuantMath.scalarZeroPoint(ctx.input(2), "x_zero_point");
        int[] wZp = IntConv.weightZeroPoints(ctx.input(3), geometry.outChannels, "w_zero_point");
        Tensor y = ctx.output(0, DType.INT32, geometry.outputDims());
        int n = y.size();
        if (acc.length < n) acc = new int[n];
        conv.compute(geometry, x, xZp, w, wZp, acc);
        IntBuffer out = y.ints();
        for (int i = 0; i < n; i++) out.put(i, acc[i]);
    }
}
