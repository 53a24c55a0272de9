package dev.petrel.spi;

import dev.petrel.graph.Node;

/**
 * Makes the kernel for one node. Called when a session plans a graph for a new set of input shapes,
 * never per run: parse and validate the node's attributes here.
 *
 * <p>A kernel that benefits from knowing its constant inputs (weights to pre-pack for a micro-kernel,
 * scales to precompute) overrides {@link #create(Node, KernelSetup)}; what it derives from constants
 * can be shared by every session of the model through {@link KernelSetup#shared}.
 */
@FunctionalInterface
public interface KernelFactory {
    Kernel create(Node node);

    /** Creates the kernel with access to the node's constant inputs; by default ignores them. */
    default Kernel create(Node node, KernelSetup setup) {
        return create(node);
    }
}
