package dev.petrel.ops.quant;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Node;
import dev.petrel.ops.OpHarness;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelRegistry;
import dev.petrel.spi.Parallel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Runs one {@code com.microsoft} quant kernel directly, found through {@link QuantKernels#register}. */
final class ContribHarness {
    private static final KernelRegistry REGISTRY = new KernelRegistry();

    static {
        QuantKernels.register(REGISTRY);
    }

    private ContribHarness() {}

    static Kernel kernel(String op, Tensor[] in, Attribute... attrs) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < in.length; i++) names.add(in[i] == null ? "" : "x" + i);
        Node node = new Node("n", op, "com.microsoft", 1, names, List.of("y"), new Attributes(Arrays.asList(attrs)));
        DType[] types = new DType[in.length];
        for (int i = 0; i < in.length; i++) types[i] = in[i] == null ? null : in[i].dtype();
        KernelRegistry.Entry e = REGISTRY.find(node, types);
        if (e == null) throw new IllegalStateException("no kernel for " + op + " " + Arrays.toString(types));
        return e.factory().create(node);
    }

    static Tensor run(String op, Parallel parallel, Tensor[] in, Attribute... attrs) {
        return OpHarness.runKernel(kernel(op, in, attrs), 1, parallel, in)[0];
    }

    static Tensor run(String op, Tensor[] in, Attribute... attrs) {
        return run(op, Parallel.SEQUENTIAL, in, attrs);
    }

    static Attribute attr(String name, long v) {
        return Attribute.ofInt(name, v);
    }

    static Tensor u8(byte[] v, long... shape) {
        return Tensor.of(DType.UINT8, v, shape);
    }
}
