package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.PortableBackend;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelRegistry;
import dev.petrel.spi.KernelSetup;
import java.lang.foreign.MemorySegment;

/** Helpers shared by the vector kernels. */
final class Segments {
    private static volatile KernelRegistry portable;

    private Segments() {}

    /** The tensor's storage as a memory segment (heap, direct or memory-mapped alike). */
    static MemorySegment of(Tensor t) {
        return MemorySegment.ofBuffer(t.bytes());
    }

    /**
     * The portable kernel for {@code node}, for the cases a vector kernel leaves to its reference
     * (unusual ranks or broadcasting, mixed types): the portable backend alone, looked up as the
     * registry would.
     */
    static Kernel portableKernel(Node node, KernelSetup setup, DType... inputTypes) {
        KernelRegistry r = portable;
        if (r == null) {
            r = new KernelRegistry();
            r.addBackend(new PortableBackend());
            portable = r;
        }
        KernelRegistry.Entry e = r.find(node, inputTypes);
        if (e == null) {
            throw new IllegalArgumentException("no portable kernel for " + node.operatorId() + " with inputs " + java.util.Arrays.toString(inputTypes));
        }
        return e.factory().create(node, setup);
    }
}
