package dev.petrel.cli;

import dev.petrel.Tensor;
import java.nio.file.Path;
import java.util.Map;

/**
 * One inference engine as the benchmark drives it: open (timed in phases), then runs whose latency is
 * measured around the engine's own run call and nothing else (input creation and output release are
 * outside the clock).
 */
interface BenchEngine extends AutoCloseable {
    /** Short name for tables and the report ("petrel", "onnxruntime"). */
    String name();

    /**
     * Readies the engine's process-wide runtime (kernel registry, native library): a one-time cost
     * reported apart from the model's load. Returns the nanoseconds it took.
     */
    long init() throws Exception;

    /** Reads the model file. Returns nanoseconds; 0 when the engine reads it while creating the session. */
    long load(Path model) throws Exception;

    /** Creates the session that runs the model with {@code threads} intra-op threads. Returns nanoseconds. */
    long createSession(int threads) throws Exception;

    /** Converts the inputs into the engine's own form, once, before any timed run. */
    void prepare(Map<String, Tensor> inputs) throws Exception;

    /** One run; returns its latency in nanoseconds. Keeps the outputs of this run when {@code keepOutputs}. */
    long run(boolean keepOutputs) throws Exception;

    /** Outputs of the last run made with {@code keepOutputs}, widened to double, by output name. */
    Map<String, double[]> outputs();

    /** A line of engine details for the header (backends, version). */
    String details();

    @Override
    void close() throws Exception;
}
