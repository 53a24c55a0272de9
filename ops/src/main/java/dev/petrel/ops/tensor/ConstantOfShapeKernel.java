package dev.petrel.ops.tensor;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/** ConstantOfShape: a tensor of the given shape filled with the one-element 'value' attribute (default FLOAT 0). */
final class ConstantOfShapeKernel implements Kernel {
    private final DType dtype;
    private final long bits;

    ConstantOfShapeKernel(Node node) {
        Tensor v = node.attributes().getTensor("value");
        if (v == null) {
            dtype = DType.FLOAT;
            bits = 0;
        } else {
            if (v.size() != 1) throw new IllegalArgumentException("ConstantOfShape 'value' must hold one element, got " + v.describe());
            dtype = v.dtype();
            bits = ElementCopier.bits(v, 0);
        }
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor shape = ctx.requireInput(0);
        int[] dims = ShapeArgs.dims(ShapeArgs.ints(shape, "ConstantOfShape input 'input'"), "ConstantOfShape shape");
        Tensor y = ctx.output(0, dtype, dims);
        ElementCopier.fill(y.bytes(), 0, y.size(), bits, dtype.byteSize());
    }
}
