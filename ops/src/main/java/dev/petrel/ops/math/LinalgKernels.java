package dev.petrel.ops.math;

import dev.petrel.DType;
import dev.petrel.ops.Elements;
import dev.petrel.spi.KernelRegistry;
import java.util.Set;

/** Registers the matrix products, reductions, ArgMax/ArgMin, CumSum, TopK, Einsum and Det. */
public final class LinalgKernels {
    private LinalgKernels() {}

    private static final int LATEST = KernelRegistry.LATEST;

    public static void register(KernelRegistry r) {
        Set<DType> matmulTypes = Elements.of(DType.FLOAT, DType.DOUBLE, DType.FLOAT16, DType.BFLOAT16,
                DType.INT32, DType.INT64, DType.UINT32, DType.UINT64);
        r.add("", "MatMul", 1, LATEST, matmulTypes, node -> new MatMulKernel());
        Set<DType> gemmTypes = Elements.of(DType.FLOAT, DType.DOUBLE, DType.FLOAT16, DType.BFLOAT16,
                DType.INT32, DType.INT64, DType.UINT32, DType.UINT64);
        r.add("", "Gemm", 1, LATEST, gemmTypes, GemmKernel::new);

        Set<DType> reduceTypes = Elements.of(DType.FLOAT, DType.DOUBLE, DType.FLOAT16, DType.BFLOAT16,
                DType.INT32, DType.INT64, DType.UINT32, DType.UINT64, DType.INT8, DType.UINT8);
        Set<DType> minMaxTypes = Elements.union(reduceTypes, Elements.of(DType.BOOL));
        reduce(r, "ReduceSum", ReduceKernel.Op.SUM, 13, reduceTypes);
        reduce(r, "ReduceMean", ReduceKernel.Op.MEAN, 18, reduceTypes);
        reduce(r, "ReduceMax", ReduceKernel.Op.MAX, 18, minMaxTypes);
        reduce(r, "ReduceMin", ReduceKernel.Op.MIN, 18, minMaxTypes);
        reduce(r, "ReduceProd", ReduceKernel.Op.PROD, 18, reduceTypes);
        reduce(r, "ReduceL1", ReduceKernel.Op.L1, 18, reduceTypes);
        reduce(r, "ReduceL2", ReduceKernel.Op.L2, 18, reduceTypes);
        reduce(r, "ReduceLogSum", ReduceKernel.Op.LOG_SUM, 18, reduceTypes);
        reduce(r, "ReduceLogSumExp", ReduceKernel.Op.LOG_SUM_EXP, 18, reduceTypes);
        reduce(r, "ReduceSumSquare", ReduceKernel.Op.SUM_SQUARE, 18, reduceTypes);

        r.add("", "ArgMax", 1, LATEST, Elements.NUMERIC, node -> new ArgExtremumKernel(true, node));
        r.add("", "ArgMin", 1, LATEST, Elements.NUMERIC, node -> new ArgExtremumKernel(false, node));

        Set<DType> cumsumTypes = Elements.of(DType.FLOAT, DType.DOUBLE, DType.FLOAT16, DType.BFLOAT16,
                DType.INT32, DType.INT64, DType.UINT32, DType.UINT64);
        r.add("", "CumSum", 11, LATEST, cumsumTypes, CumSumKernel::new);
        r.add("", "TopK", 1, LATEST, Elements.NUMERIC, TopKKernel::new);
        r.add("", "Einsum", 12, LATEST, Elements.NUMERIC, EinsumKernel::new);
        r.add("", "Det", 11, LATEST, Elements.FLOATS, node -> new DetKernel());
    }

    /** A reduction whose axes move from the attribute to the second input at {@code axesInputFrom}. */
    private static void reduce(KernelRegistry r, String op, ReduceKernel.Op kind, int axesInputFrom, Set<DType> types) {
        r.add("", op, 1, axesInputFrom - 1, types, node -> new ReduceKernel(kind, node, false));
        r.add("", op, axesInputFrom, LATEST, types, node -> new ReduceKernel(kind, node, true));
    }
}
