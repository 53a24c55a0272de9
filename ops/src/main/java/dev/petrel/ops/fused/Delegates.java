package dev.petrel.ops.fused;

import dev.petrel.DType;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelRegistry;
import dev.petrel.spi.KernelSetup;
import java.util.List;

/**
 * Kernels of standard ONNX operators that the fused kernels run as steps, taken from the registry when
 * the fused kernel is created: the step then uses the best kernel any backend registered for it.
 */
final class Delegates {
    private Delegates() {}

    /**
     * The kernel for ONNX operator {@code op} at {@code opset} on FLOAT inputs, with the fused node's
     * inputs and outputs, the given attributes and {@code setup} (so constant weights are still seen).
     */
    static Kernel create(KernelRegistry registry, Node fused, String op, int opset, List<Attribute> attributes,
                         int inputs, KernelSetup setup) {
        List<String> ins = fused.inputs().subList(0, Math.min(inputs, fused.inputs().size()));
        Node node = new Node(fused.name(), op, "", opset, ins, fused.outputs().subList(0, 1), new Attributes(attributes));
        DType[] types = new DType[ins.size()];
        java.util.Arrays.fill(types, DType.FLOAT);
        KernelRegistry.Entry e = registry.find(node, types);
        if (e == null) throw new IllegalStateException("no FLOAT kernel for " + op + " (opset " + opset + ") to run " + fused);
        return e.factory().create(node, setup);
    }
}
