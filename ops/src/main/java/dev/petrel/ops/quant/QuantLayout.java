package dev.petrel.ops.quant;

import dev.petrel.Tensor;
import dev.petrel.ops.Shapes;
import java.util.Arrays;

/**
 * How the scale and zero point of QuantizeLinear/DequantizeLinear map onto the elements of the
 * data tensor, viewed as {@code [outer, dim, inner]} around the quantization axis: one value for the
 * whole tensor, one per index along the axis, or (opset 21 blocked quantization) one per block of
 * {@code blockSize} consecutive indices along the axis at every other position.
 */
final class QuantLayout {
    static final int PER_TENSOR = 0;
    static final int PER_AXIS = 1;
    static final int BLOCKED = 2;

    final int mode;
    final int outer;
    final int dim;
    final int inner;
    final int blockSize;
    final int blocks;

    private QuantLayout(int mode, int outer, int dim, int inner, int blockSize, int blocks) {
        this.mode = mode;
        this.outer = outer;
        this.dim = dim;
        this.inner = inner;
        this.blockSize = blockSize;
        this.blocks = blocks;
    }

    /**
     * Works out the layout for data of shape {@code xDims}.
     *
     * @param axis the node's axis attribute, or null at opsets without per-axis quantization
     * @param blockSize the block_size attribute, 0 when absent
     */
    static QuantLayout of(int[] xDims, Tensor scale, Tensor zeroPoint, Long axis, int blockSize,
                          String scaleName, String zeroPointName) {
        if (zeroPoint != null && !Arrays.equals(zeroPoint.dims(), scale.dims())
                && !(QuantMath.isScalar(zeroPoint) && QuantMath.isScalar(scale))) {
            throw new IllegalArgumentException("input '" + zeroPointName + "' " + zeroPoint.describe()
                    + " must have the shape of '" + scaleName + "' " + scale.describe());
        }
        int n = Shapes.product(xDims, 0, xDims.length);
        if (blockSize <= 0 && QuantMath.isScalar(scale) && scale.rank() <= 1) {
            return new QuantLayout(PER_TENSOR, 1, n, 1, 0, 1);
        }
        if (axis == null) {
            throw new IllegalArgumentException("input '" + scaleName + "' must be a scalar at this opset, got " + scale.describe());
        }
        int a = Shapes.axis(axis, xDims.length);
        int outer = Shapes.product(xDims, 0, a);
        int dim = xDims[a];
        int inner = Shapes.product(xDims, a + 1, xDims.length);
        if (blockSize <= 0) {
            if (scale.rank() != 1 || scale.dim(0) != dim) {
                throw new IllegalArgumentException("input '" + scaleName + "' " + scale.describe()
                        + " must be a scalar or a 1-D tensor of " + dim + " values (dimension " + a
                        + " of the data " + Arrays.toString(xDims) + ")");
            }
            return new QuantLayout(PER_AXIS, outer, dim, inner, 0, dim);
        }
        int blocks = (dim + blockSize - 1) / blockSize;
        int[] expected = xDims.clone();
        expected[a] = blocks;
        if (!scale.hasDims(expected)) {
            throw new IllegalArgumentException("input '" + scaleName + "' " + scale.describe() + " must have shape "
                    + Arrays.toString(expected) + " for block_size " + blockSize + " along axis " + a
                    + " of the data " + Arrays.toString(xDims));
        }
        return new QuantLayout(BLOCKED, outer, dim, inner, blockSize, blocks);
    }

    /** Index into scale/zero point of the data element at (o, d, i) of the [outer, dim, inner] view. */
    int paramIndex(int o, int d, int i) {
        switch (mode) {
            case PER_TENSOR: return 0;
            case PER_AXIS: return d;
            default: return (o * blocks + d / blockSize) * inner + i;
        }
    }
}
