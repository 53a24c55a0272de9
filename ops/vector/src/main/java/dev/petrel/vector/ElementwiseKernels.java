package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelFactory;
import dev.petrel.spi.KernelRegistry;
import dev.petrel.spi.KernelSetup;
import java.util.EnumSet;
import java.util.Set;

/** Registers the vector elementwise and fused kernels (FLOAT): Erf, Gelu, LayerNormalization (Petrel's and ONNX's), FusedMatMul, and on request Add/Sub/Mul/Div. */
final class ElementwiseKernels {
    /** Petrel's operator domain, as the portable fused kernels register it. */
    private static final String PETREL = "dev.petrel";

    private ElementwiseKernels() {}

    private static final java.util.concurrent.atomic.AtomicBoolean WARMING = new java.util.concurrent.atomic.AtomicBoolean();

    static void register(KernelRegistry r) {
        if (WARMING.compareAndSet(false, true)) {
            // The erf and GELU loops are long vector code that C2 takes a while to compile; until it
            // has, every vector operation allocates (hundreds of MB per MiniLM run). A short background
            // warm-up, overlapping model loading, gets them compiled before the first steady runs.
            Thread t = new Thread(ElementwiseKernels::warmUp, "petrel-vector-elementwise-warmup");
            t.setDaemon(true);
            t.start();
        }
        Set<DType> f = EnumSet.of(DType.FLOAT);
        r.add("", "Erf", 9, KernelRegistry.LATEST, f, node -> new VectorErf(node, KernelSetup.NONE));
        // Opt-in (-Dpetrel.vector.binary=true): in MiniLM steady runs these kernels allocated about 2 MB per
        // run (vectors boxed, though a loop over direct memory alone compiles allocation-free), which
        // SteadyStateAllocationTest rejects; the residual adds they speed up are a small share of the time.
        if (Boolean.getBoolean("petrel.vector.binary")) {
            binary(r, "Add", VectorBinaryKernel.Op.ADD);
            binary(r, "Sub", VectorBinaryKernel.Op.SUB);
            binary(r, "Mul", VectorBinaryKernel.Op.MUL);
            binary(r, "Div", VectorBinaryKernel.Op.DIV);
        }
        r.add(PETREL, "Gelu", 1, 1, f, VectorGeluKernel::new);
        r.add(PETREL, "LayerNormalization", 1, 1, f, VectorLayerNormKernel::new);
        r.add("", "LayerNormalization", 17, KernelRegistry.LATEST, f, new KernelFactory() {
            @Override public Kernel create(Node node) { return create(node, KernelSetup.NONE); }
            @Override public Kernel create(Node node, KernelSetup setup) { return new VectorOnnxLayerNormKernel(node, setup); }
        });
        r.add(PETREL, "FusedMatMul", 1, 1, f, new KernelFactory() {
            @Override public Kernel create(Node node) { return create(node, KernelSetup.NONE); }
            @Override public Kernel create(Node node, KernelSetup setup) { return new VectorFusedMatMulKernel(node, setup); }
        });
    }

    private static void binary(KernelRegistry r, String op, VectorBinaryKernel.Op kind) {
        r.add("", op, 7, KernelRegistry.LATEST, EnumSet.of(DType.FLOAT), new KernelFactory() {
            @Override public Kernel create(Node node) { return create(node, KernelSetup.NONE); }
            @Override public Kernel create(Node node, KernelSetup setup) { return new VectorBinaryKernel(kind, node, setup); }
        });
    }

    /** Runs the erf, GELU, bias, LayerNorm and binary loops (every variant) on a small buffer until C2 has compiled them. */
    static void warmUp() {
        int n = 1024;
        java.lang.foreign.MemorySegment x = java.lang.foreign.MemorySegment.ofBuffer(
                java.nio.ByteBuffer.allocateDirect(n * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN));
        java.lang.foreign.MemorySegment b = java.lang.foreign.MemorySegment.ofBuffer(
                java.nio.ByteBuffer.allocateDirect(n * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN));
        float[] g = new float[64];
        java.util.Arrays.fill(g, 0.5f);
        for (int round = 0; round < 3000; round++) {
            // Values kept bounded: each pass maps x to something in [-1, 1] or near x.
            for (int i = 0; i < n; i += 97) x.set(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, i * 4L, (i % 7) - 3f);
            VectorErf.map(VectorErf.GELU, x, 0, (round & 1) == 0 ? b : null, x, 0, n);
            VectorErf.map(VectorErf.ERF, x, 0, null, x, 0, n);
            VectorErf.map(VectorErf.GELU_TANH, x, 0, (round & 1) == 0 ? b : null, x, 0, n);
            VectorFusedMatMulKernel.biasRelu(x, b, (round & 2) == 0 ? b : null, 64, 0, n / 64, (round & 1) == 0);
            VectorLayerNormKernel.rows(x, x, 64, g, g, 1e-5f, 0, n / 64);
            VectorBinaryKernel.loop(round & 3, x, b, x, n, (round & 4) == 0 ? n : 64, (round & 8) == 0, (round & 16) == 0);
        }
    }
}
