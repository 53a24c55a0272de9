package dev.petrel.spi;

import dev.petrel.graph.Node;

/**
 * Makes the kernel for one node. Called when a session plans a graph for a new set of input shapes,
 * never per run: parse and validate the node's attributes here.
 */
@FunctionalInterface
public interface KernelFactory {
    Kernel create(Node node);
}
