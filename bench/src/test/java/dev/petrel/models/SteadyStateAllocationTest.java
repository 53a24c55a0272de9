package dev.petrel.models;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.Model;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.cli.EmbeddedModels;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Once a session has planned its memory for a set of input shapes (MiniLM fp32 and int8, and the SLAB
 * vision exports), a run allocates its outputs and
 * little else: no activation buffers, no temporary arrays the size of a tensor. Small shape arrays
 * remain, measured at about 330 bytes per node; the bound leaves 384 and would catch any kernel that
 * allocates tensor-sized scratch per run (as Cast once did: 21 MB per int8 run).
 *
 * <p>The build runs this test in a JVM of its own with {@code -Dpetrel.vector.disable=true}, on the
 * portable kernels, whose allocation is deterministic. With the Vector API kernels the figure depends
 * on what C2 compiled in that JVM: measured 0.2 MB per run in most JVMs and 1.5-2.3 MB (boxed vectors,
 * the erf loop allocating most) in about one JVM in six. That is an open item of the CPU-speed work,
 * not something a retry should hide.
 */
class SteadyStateAllocationTest {
    @ParameterizedTest
    @ValueSource(strings = {EmbeddedModels.MINILM, EmbeddedModels.MINILM_Q})
    void steadyRunsAllocateLittleBeyondTheirOutputs(String resource) {
        int b = 1, s = 64;
        long[] ids = new long[b * s];
        long[] mask = new long[b * s];
        Arrays.fill(mask, 1);
        Random r = new Random(7);
        for (int i = 0; i < ids.length; i++) ids[i] = 1000 + r.nextInt(20000);
        Map<String, Tensor> in = Map.of("input_ids", Tensor.of(ids, b, s), "attention_mask", Tensor.of(mask, b, s),
                "token_type_ids", Tensor.of(new long[b * s], b, s));
        assertAllocatesLittle(Model.load(EmbeddedModels.file(resource)), in, resource + " [1 x " + s + "]");
    }

    /**
     * Runs {@code model} on {@code in} until a run allocates less than its outputs plus 384 bytes per node
     * plus 96 KiB (at most 40 runs: Vector API code allocates a box per vector operation until C2
     * compiles it), on one thread (allocation is counted per thread; workers would escape the count).
     */
    private static void assertAllocatesLittle(Model model, Map<String, Tensor> in, String what) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Session session = model.newSession(new dev.petrel.Options().threads(1))) {
            long outputBytes = 0;
            for (Tensor t : session.run(in).values()) outputBytes += (long) t.size() * t.dtype().byteSize();
            int nodes = model.graph().nodes().size();
            long bound = outputBytes + 384L * nodes + 96 * 1024;
            long perRun = Long.MAX_VALUE;
            for (int attempt = 0; attempt < 40 && perRun >= bound; attempt++) {
                long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
                session.run(in);
                perRun = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
            }
            System.out.printf("%s: %,d bytes allocated per run, outputs %,d bytes, %d nodes, arena %,d bytes%n",
                    what, perRun, outputBytes, nodes, session.plannedBytes());
            assertThat(session.unplannedAllocations()).isZero();
            assertThat(perRun).isLessThan(bound);
        }
    }

    /** The same bound for the SLAB vision exports (folded norms, fused linear attention, convolutions). */
    @ParameterizedTest
    @ValueSource(strings = {"slab-deit-opset17.onnx:56", "slab-swin-opset17.onnx:64", "slab-pvt-opset17.onnx:64"})
    void visionRunsAllocateLittleBeyondTheirOutputs(String spec) {
        String file = spec.substring(0, spec.indexOf(':'));
        int side = Integer.parseInt(spec.substring(spec.indexOf(':') + 1));
        float[] pixels = new float[3 * side * side];
        Random r = new Random(11);
        for (int i = 0; i < pixels.length; i++) pixels[i] = (float) r.nextGaussian();
        Map<String, Tensor> in = Map.of("pixel_values", Tensor.of(pixels, 1, 3, side, side));
        assertAllocatesLittle(Model.load(SlabOnnxTest.DIR.resolve(file)), in, file);
    }
}
