package dev.petrel.ops.tensor;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * Dropout at inference: the output is the input, the optional mask all true (BOOL from opset 10, the
 * input's type before). Training-mode dropout is random, so it is refused rather than faked: opset 1-6
 * with is_test=0, or opset 12+ with training_mode true, unless the ratio is 0.
 */
final class DropoutKernel implements Kernel {
    private final int opset;
    private final boolean attrTraining;
    private final float attrRatio;

    DropoutKernel(Node node) {
        opset = node.opsetVersion();
        attrRatio = node.attributes().getFloat("ratio", 0.5f);
        attrTraining = opset < 7 && node.attributes().getInt("is_test", 0) == 0;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        boolean training = attrTraining;
        double ratio = attrRatio;
        if (opset >= 12) {
            Tensor r = ctx.input(1);
            ratio = r == null ? 0.5 : Scalars.toDouble(r.bytes(), 0, r.dtype());
            Tensor tm = ctx.input(2);
            training = tm != null && tm.size() > 0 && Scalars.isNonZero(tm.bytes(), 0, tm.dtype());
        }
        if (training && ratio != 0) {
            throw new UnsupportedFeatureException("Dropout training mode is not supported (random masks; ratio " + ratio + ")");
        }
        Tensor y = ctx.output(0, x.dtype(), x.dims());
        ElementCopier.copyAll(x, y);
        if (ctx.outputCount() > 1 && ctx.hasOutput(1)) {
            DType maskType = opset >= 10 ? DType.BOOL : x.dtype();
            Tensor mask = ctx.output(1, maskType, x.dims());
            ElementCopier.fill(mask.bytes(), 0, mask.size(), Scalars.bitsOf(1.0, maskType), maskType.byteSize());
        }
    }
}
