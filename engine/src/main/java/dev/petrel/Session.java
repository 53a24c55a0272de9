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
    /** Carried graph outputs and the inputs they feed. */
    private final Map<String, String> carried = new LinkedHashMap<>();
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
        Map<String, Tensor> feeds = inputs;
        if (!carried.isEmpty()) {
            feeds = new LinkedHashMap<>(inputs);
            for (Map.Entry<String, String> c : carried.entrySet()) {
                if (feeds.containsKey(c.getValue())) continue;
                Tensor held = executor.carriedValue(c.getKey());
                if (held == null) {
                    throw new InvalidInputException("missing input '" + c.getValue() + "': it is carried from output '"
                            + c.getKey() + "', which no run has produced yet (pass it for the first run)");
                }
                feeds.put(c.getValue(), held);
            }
        }
        checkInputs(feeds);
        Tensor[] out = executor.runTop(feeds);
        Map<String, Tensor> result = new LinkedHashMap<>();
        List<ValueInfo> outputs = model.graph().outputs();
        for (int i = 0; i < outputs.size(); i++) {
            if (!carried.containsKey(outputs.get(i).name())) result.put(outputs.get(i).name(), out[i]);
        }
        return result;
    }

    /**
     * Keeps graph output {@code output} inside the session after each run and feeds it to graph input
     * {@code input} of the next run, unless that run's inputs give {@code input} themselves: a recurrent
     * state such as a decoder's key/value cache ({@code present.0.key} to {@code past_key_values.0.key})
     * stays in the session's memory instead of being copied out and back in every step. The carried
     * output is no longer returned by {@link #run}. Pass the input explicitly for the first run (for
     * example an empty past), or after {@link #clearCarried()}.
     *
     * <pre>{@code
     * session.carry("present.0.key", "past_key_values.0.key");
     * session.run(Map.of("input_ids", prompt, "past_key_values.0.key", emptyPast, ...)); // prefill
     * session.run(Map.of("input_ids", nextToken, ...));                                // past comes from the session
     * }</pre>
     *
     * @throws IllegalArgumentException when the names are not a graph output and a graph input of the same type
     */
    public Session carry(String output, String input) {
        ValueInfo out = null, in = null;
        for (ValueInfo v : model.graph().outputs()) if (v.name().equals(output)) out = v;
        for (ValueInfo v : feedable) if (v.name().equals(input)) in = v;
        if (out == null) throw new IllegalArgumentException("no graph output named '" + output + "'");
        if (in == null) throw new IllegalArgumentException("no graph input named '" + input + "'");
        if (out.dtype() != null && in.dtype() != null && out.dtype() != in.dtype()) {
            throw new IllegalArgumentException("cannot carry output '" + output + "' (" + out.dtype() + ") to input '" + input
                    + "' (" + in.dtype() + ")");
        }
        if (carried.containsValue(input) && !input.equals(carried.get(output))) {
            throw new IllegalArgumentException("input '" + input + "' is already carried from another output");
        }
        carried.put(output, input);
        executor.carry(output);
        return this;
    }

    /** Forgets the carried values (a new sequence starts): the next run must give the carried inputs. */
    public void clearCarried() {
        executor.clearCarried();
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
