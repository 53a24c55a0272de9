package dev.petrel.spi;

/**
 * The compiled form of one node: created once per node by a {@link KernelFactory} when a session
 * plans the graph, then run many times. A kernel may keep scratch memory across runs; it is used by
 * one thread at a time.
 */
@FunctionalInterface
public interface Kernel {
    /** Reads the inputs from {@code ctx}, writes every output it produces through {@link KernelContext#output}. */
    void run(KernelContext ctx);
}
