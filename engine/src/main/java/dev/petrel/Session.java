package dev.petrel;

import dev.petrel.graph.Dim;
import dev.petrel.graph.ValueInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@link Model}. A session plans memory once per distinct set of input shapes (buffers
 * assigned by liveness and reused), so repeated runs with the same shapes allocate nothing but their
 * outputs. A session is used by one thread at a time; open one session per thread to run a model
 * concurrently.
 *
 * <pre>{@code
 * try (Session session = model.newSession(new Options())) {
 *     Map<String, Tensor> out = session.run(Map.of("input", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2)));
 *     float[] y = out.get("output").toFloatArray();
 * }
 * }</pre>
 */
public final class Session implements AutoCloseable {
    private final Model model;
    private final GraphExecutor executor;
    private final List<ValueInfo> feedable = new ArrayList<>();
    private boolean closed;

    Session(Model model, Options options) {
        this.model = model;
        this.executor = new GraphExecutor(model.graph(), model.kernels(), options, null, model);
        for (ValueInfo v : model.graph().inputs()) feedable.add(v);
    }

    public Model model() {
        return model;
    }

    /**
     * Runs the model on {@code inputs} (by graph input name) and returns every graph output by name,
     * in the model's output order. The returned tensors belong to the caller; the inputs are only read.
     *
     * @throws InvalidInputException when an input is missing, unknown, or of the wrong type or shape
     * @throws KernelException when a node cannot run on the values it receives
     */
    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        if (closed) throw new IllegalStateException("session is closed");
        checkInputs(inputs);
        Tensor[] out = executor.runTop(inputs);
        Map<String, Tensor> result = new LinkedHashMap<>();
        List<ValueInfo> outputs = model.graph().outputs();
        for (int i = 0; i < outputs.size(); i++) result.put(outputs.get(i).name(), out[i]);
        return result;
    }

    /**
     * Time spent per operator type since the session was created (or last {@link #resetProfile()}),
     * most expensive first, as {@code opType -> {nanoseconds, node runs}}; empty unless the session
     * was created with {@link Options#profile(boolean)}. Fused operators appear under their
     * {@code domain::opType}.
     */
    public Map<String, long[]> profile() {
        return executor.profile();
    }

    /** Zeroes the profile (e.g. after warm-up runs). */
    public void resetProfile() {
        executor.resetProfile();
    }

    /** Bytes of activation memory planned for the most recent input shapes (0 before the first run). */
    public long plannedBytes() {
        return executor.plannedBytes();
    }

    /** Output buffers allocated outside the plan in the last run (0 in steady state, graph outputs aside). */
    public int unplannedAllocations() {
        return executor.unplannedAllocations();
    }

    @Override
    public void close() {
        closed = true;
        executor.release();
    }

    private void checkInputs(Map<String, Tensor> inputs) {
        Map<String, Tensor> initializers = model.graph().initializers();
        for (ValueInfo v : feedable) {
            Tensor t = inputs.get(v.name());
            if (t == null) {
                if (initializers.containsKey(v.name())) continue;
                throw new InvalidInputException("missing input '" + v.name() + "': the model expects " + v.describe());
            }
            if (v.dtype() != null && t.dtype() != v.dtype()) {
                throw new InvalidInputException("input '" + v.name() + "' has type " + t.dtype()
                        + ", the model expects " + v.describe());
            }
            List<Dim> shape = v.shape();
            if (shape != null) {
                if (shape.size() != t.rank()) {
                    throw new InvalidInputException("input '" + v.name() + "' has shape " + java.util.Arrays.toString(t.shape())
                            + " of rank " + t.rank() + ", the model expects rank " + shape.size() + ": " + v.describe());
                }
                for (int d = 0; d < shape.size(); d++) {
                    Dim dim = shape.get(d);
                    if (dim.isFixed() && dim.value() != t.dim(d)) {
                        throw new InvalidInputException("input '" + v.name() + "' has shape " + java.util.Arrays.toString(t.shape())
                                + ", dimension " + d + " must be " + dim.value() + ": the model expects " + v.describe());
                    }
                }
            }
        }
        for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
            boolean known = false;
            for (ValueInfo v : feedable) known |= v.name().equals(e.getKey());
            if (!known) {
                List<String> names = new ArrayList<>();
                for (ValueInfo v : feedable) if (!initializers.containsKey(v.name())) names.add(v.name());
                throw new InvalidInputException("unknown input '" + e.getKey() + "'; the model's inputs are " + names);
            }
            if (e.getValue() == null) throw new InvalidInputException("input '" + e.getKey() + "' is null");
        }
    }
}
