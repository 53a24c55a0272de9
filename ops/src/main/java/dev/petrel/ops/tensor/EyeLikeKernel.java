package dev.petrel.ops.tensor;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/** EyeLike: a 2-D tensor of the input's shape with ones on diagonal k, in the 'dtype' attribute's type or the input's. */
final class EyeLikeKernel implements Kernel {
    private final DType dtype;
    private final long k;

    EyeLikeKernel(Node node) {
        if (node.attributes().has("dtype")) {
            long code = node.attributes().getInt("dtype", 0);
            dtype = DType.fromOnnx((int) code);
            if (dtype == null || !dtype.isStorable()) throw new IllegalArgumentException("EyeLike dtype " + code + " is not supported");
        } else {
            dtype = null;
        }
        k = node.attributes().getInt("k", 0);
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        if (x.rank() != 2) throw new IllegalArgumentException("EyeLike input must be 2-D, got " + x.describe());
        DType t = dtype != null ? dtype : x.dtype();
        Tensor y = ctx.output(0, t, x.dims());
        int w = t.byteSize();
        ElementCopier.fill(y.bytes(), 0, y.size(), 0, w);
        long one = Scalars.bitsOf(1.0, t);
        int rows = x.dim(0);
        int cols = x.dim(1);
        for (int i = 0; i < rows; i++) {
            long j = i + k;
            if (j >= 0 && j < cols) ElementCopier.putBits(y.bytes(), i * cols + (int) j, one, w);
        }
    }
}
