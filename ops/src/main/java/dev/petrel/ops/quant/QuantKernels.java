package dev.petrel.ops.quant;

import dev.petrel.DType;
import dev.petrel.spi.KernelRegistry;
import java.util.EnumSet;
import java.util.Set;

/** Registers the portable kernels of the quant family. */
public final class QuantKernels {
    private QuantKernels() {}

    private static final Set<DType> BYTES = EnumSet.of(DType.UINT8, DType.INT8);

    public static void register(KernelRegistry r) {
        int latest = KernelRegistry.LATEST;
        r.add("", "QuantizeLinear", 10, latest, EnumSet.of(DType.FLOAT, DType.FLOAT16, DType.BFLOAT16, DType.INT32),
                QuantizeLinearKernel::new);
        r.add("", "DequantizeLinear", 10, latest,
                EnumSet.of(DType.UINT8, DType.INT8, DType.INT32, DType.UINT16, DType.INT16), DequantizeLinearKernel::new);
        r.add("", "DynamicQuantizeLinear", 11, latest, EnumSet.of(DType.FLOAT), node -> new DynamicQuantizeLinearKernel());
        r.add("", "MatMulInteger", 10, latest, BYTES, node -> new MatMulIntegerKernel());
        r.add("", "QLinearMatMul", 10, latest, BYTES, node -> new QLinearMatMulKernel());
        r.add("", "ConvInteger", 10, latest, BYTES, ConvIntegerKernel::new);
        r.add("", "QLinearConv", 10, latest, BYTES, QLinearConvKernel::new);
        r.add("dev.petrel", "DynamicQuantMatMul", 1, latest, EnumSet.of(DType.FLOAT), node -> new DynamicQuantMatMulKernel(node, r));
        Set<DType> halves = EnumSet.of(DType.FLOAT, DType.FLOAT16, DType.BFLOAT16);
        r.add("com.microsoft", "MatMulNBits", 1, latest, halves, MatMulNBitsKernel::new);
        r.add("com.microsoft", "MatMulBnb4", 1, latest, halves, MatMulBnb4Kernel::new);
    }
}
