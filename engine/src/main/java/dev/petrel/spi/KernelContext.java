package dev.petrel.spi;

import dev.petrel.DType;
import dev.petrel.Tensor;

/**
 * What a kernel sees while it runs: its node's input tensors, and a way to get output storage.
 *
 * <p>{@link #output} hands out memory planned by liveness for the session's current input shapes; a
 * kernel must fully overwrite each output it asks for (the memory is reused and not zeroed).
 */
public interface KernelContext {
    /** Number of inputs the node lists, including absent optional ones. */
    int inputCount();

    /** Input {@code i}, or null when the optional input is absent (or {@code i} is past the end). */
    Tensor input(int i);

    /** Input {@code i}, failing with a message naming it when absent. */
    Tensor requireInput(int i);

    /** Number of outputs the node lists. */
    int outputCount();

    /** True when output {@code i} is listed with a non-empty name (someone may read it). */
    boolean hasOutput(int i);

    /** Storage for output {@code i} with the given type and shape, contents undefined. */
    Tensor output(int i, DType dtype, int... dims);

    /** Runs a subgraph (If/Loop body) with the given inputs, in this run's scope; returns its outputs in order. */
    Tensor[] runSubgraph(dev.petrel.graph.Graph graph, Tensor... inputs);

    /** Intra-op parallelism available to this kernel. */
    Parallel parallel();
}
