package dev.petrel;

import dev.petrel.graph.Attribute;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.KernelRegistry;
import dev.petrel.spi.Parallel;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one graph. Values are numbered; each run fills {@link #values} in topological order.
 *
 * <p>The first run with a new input signature (types and shapes) records every node's output type and
 * shape; from those a {@link Plan} assigns each intermediate value an offset in one off-heap arena so
 * that values whose lifetimes do not overlap share memory. Later runs with that signature hand kernels
 * the planned buffers. Should a node's output shape differ from the recorded one (an operator whose
 * output shape depends on data), that output falls back to a fresh allocation: still correct.
 */
final class GraphExecutor {
    private static final int ALIGN = 64;

    private final Model model;
    private final Graph graph;
    private final KernelRegistry registry;
    private final Options options;
    private final GraphExecutor parent;
    private final Parallel parallel;

    private final Map<String, Integer> ids = new HashMap<>();
    private final List<String> names = new ArrayList<>();
    private final int[][] inIds;
    private final int[][] outIds;
    private final int[] lastUse;
    private final boolean[] userOwned;
    private final int[][] dyingAt;
    private final int[] graphInputIds;
    private final int[] graphOutputIds;
    private final Tensor[] constants;
    private final int[] outerIds;
    private final String[] nodeNames;

    private final Tensor[] values;
    private final KernelRegistry.Entry[] entries;
    private final Kernel[] kernels;
    private final Map<Graph, GraphExecutor> subgraphs = new IdentityHashMap<>();
    private final LinkedHashMap<Signature, Plan> plans;
    private final Context ctx = new Context();
    /** Type and shape of each node output in the last unplanned run, from which a plan is made. */
    private final DType[] seenTypes;
    private final int[][] seenDims;
    private Plan current;
    private int unplanned;
    /** Memory of the values of unplanned top-level runs; null in subgraph executors (see {@link #runSub}). */
    private final ScratchArena scratch;
    /** Offset in {@link #scratch} of each value placed there in this run, -1 otherwise; and its bytes. */
    private final int[] scratchOffset;
    private final int[] scratchBytes;
    /** Carried graph outputs by value id (see {@link Session#carry}); empty for most sessions. */
    private final Map<Integer, Carry> carries = new HashMap<>();
    /** Signatures run once without a plan: a plan is made when one comes back. */
    private final LinkedHashMap<Signature, Boolean> seenOnce;
    /** Nanoseconds per node, summed over runs, when profiling (top level only); null otherwise. */
    private final long[] nodeNanos;
    private final long[] nodeRuns;

    GraphExecutor(Graph graph, KernelRegistry registry, Options options, GraphExecutor parent, Model model) {
        this.model = model;
        this.graph = graph;
        this.registry = registry;
        this.options = options;
        this.parent = parent;
        this.parallel = parent != null ? parent.parallel
                : options.threads() > 1 ? Parallel.pool(options.threads()) : Parallel.SEQUENTIAL;
        int maxPlans = options.maxPlans();
        this.plans = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Signature, Plan> eldest) {
                return size() > maxPlans;
            }
        };

        for (ValueInfo v : graph.inputs()) id(v.name());
        for (String n : graph.initializers().keySet()) id(n);
        List<Node> nodes = graph.nodes();
        for (Node n : nodes) for (String o : n.outputs()) if (!o.isEmpty()) id(o);
        List<String> outer = new ArrayList<>(graph.outerReferences());
        outerIds = new int[outer.size()];
        for (int i = 0; i < outer.size(); i++) outerIds[i] = id(outer.get(i));

        int nodeCount = nodes.size();
        inIds = new int[nodeCount][];
        outIds = new int[nodeCount][];
        nodeNames = new String[nodeCount];
        int valueCount = names.size();
        lastUse = new int[valueCount];
        Arrays.fill(lastUse, -1);
        for (int i = 0; i < nodeCount; i++) {
            Node n = nodes.get(i);
            nodeNames[i] = n.name().isEmpty() ? n.opType() + "#" + i : n.name();
            inIds[i] = new int[n.inputs().size()];
            for (int k = 0; k < inIds[i].length; k++) {
                String in = n.inputs().get(k);
                inIds[i][k] = in.isEmpty() ? -1 : id(in);
                if (!in.isEmpty()) lastUse[inIds[i][k]] = i;
            }
            outIds[i] = new int[n.outputs().size()];
            for (int k = 0; k < outIds[i].length; k++) {
                String o = n.outputs().get(k);
                outIds[i][k] = o.isEmpty() ? -1 : id(o);
                if (!o.isEmpty() && lastUse[outIds[i][k]] < i) lastUse[outIds[i][k]] = i;
            }
            // Values a subgraph reads from this scope must live until the node that owns the subgraph runs.
            for (Attribute a : n.attributes().all()) {
                List<Graph> subs = a.kind() == Attribute.Kind.GRAPH ? List.of((Graph) a.value())
                        : a.kind() == Attribute.Kind.GRAPHS ? castGraphs(a.value()) : List.of();
                for (Graph g : subs) {
                    for (String ref : g.outerReferences()) {
                        Integer r = ids.get(ref);
                        if (r != null && lastUse[r] < i) lastUse[r] = i;
                    }
                }
            }
        }
        userOwned = new boolean[valueCount];
        graphOutputIds = new int[graph.outputs().size()];
        for (int i = 0; i < graphOutputIds.length; i++) {
            graphOutputIds[i] = ids.get(graph.outputs().get(i).name());
            userOwned[graphOutputIds[i]] = true;
        }
        graphInputIds = new int[graph.inputs().size()];
        for (int i = 0; i < graphInputIds.length; i++) graphInputIds[i] = ids.get(graph.inputs().get(i).name());
        constants = new Tensor[valueCount];
        for (Map.Entry<String, Tensor> e : graph.initializers().entrySet()) constants[ids.get(e.getKey())] = e.getValue();

        // Values produced by node i that nobody reads after node i can be dropped right after it.
        List<List<Integer>> dying = new ArrayList<>();
        for (int i = 0; i < nodeCount; i++) dying.add(new ArrayList<>());
        for (int v = 0; v < valueCount; v++) {
            if (lastUse[v] >= 0 && !userOwned[v] && constants[v] == null && !isOuterOrInput(v)) dying.get(lastUse[v]).add(v);
        }
        dyingAt = new int[nodeCount][];
        for (int i = 0; i < nodeCount; i++) dyingAt[i] = dying.get(i).stream().mapToInt(Integer::intValue).toArray();

        values = new Tensor[valueCount];
        scratch = parent == null ? new ScratchArena() : null;
        scratchOffset = new int[valueCount];
        scratchBytes = new int[valueCount];
        Arrays.fill(scratchOffset, -1);
        int remembered = Math.max(16, 4 * maxPlans);
        seenOnce = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Signature, Boolean> eldest) {
                return size() > remembered;
            }
        };
        nodeNanos = parent == null && options.profile() ? new long[nodeCount] : null;
        nodeRuns = nodeNanos == null ? null : new long[nodeCount];
        seenTypes = new DType[valueCount];
        seenDims = new int[valueCount][];
        entries = new KernelRegistry.Entry[nodeCount];
        kernels = new Kernel[nodeCount];
    }

    @SuppressWarnings("unchecked")
    private static List<Graph> castGraphs(Object v) {
        return (List<Graph>) v;
    }

    private boolean isOuterOrInput(int v) {
        for (int o : outerIds) if (o == v) return true;
        for (int i : graphInputIds) if (i == v) return true;
        return false;
    }

    private int id(String name) {
        Integer i = ids.get(name);
        if (i != null) return i;
        ids.put(name, names.size());
        names.add(name);
        return names.size() - 1;
    }

    // ------------------------------------------------------------------ running

    /** Runs the top-level graph; inputs were validated by the session. Returns graph outputs in order. */
    Tensor[] runTop(Map<String, Tensor> feeds) {
        Arrays.fill(values, null);
        for (int v = 0; v < values.length; v++) if (constants[v] != null) values[v] = constants[v];
        for (int i = 0; i < graphInputIds.length; i++) {
            Tensor t = feeds.get(graph.inputs().get(i).name());
            if (t != null) values[graphInputIds[i]] = t;
        }
        Plan plan = current != null && current.signature.matches(values, graphInputIds) ? current : null;
        if (plan == null) {
            Signature sig = Signature.of(values, graphInputIds);
            plan = plans.get(sig);
            if (plan == null) {
                // Unplanned, in the scratch arena. A plan is made the second time a signature comes: shapes
                // that change every run (a growing key/value cache) never pay for an arena of their own.
                nativeInputs(null);
                execute(null);
                Tensor[] out = collectOutputs(true);
                commitCarries();
                if (seenOnce.remove(sig) != null) {
                    plan = Plan.record(sig, this);
                    plans.put(sig, plan);
                    current = plan;
                    scratch.release();
                } else {
                    seenOnce.put(sig, Boolean.TRUE);
                }
                return out;
            }
            current = plan;
        }
        nativeInputs(plan);
        execute(plan);
        Tensor[] out = collectOutputs(true);
        commitCarries();
        return out;
    }

    /** Runs this executor as a subgraph: inputs by position, outer-scope values from the parent. */
    Tensor[] runSub(Tensor[] inputs) {
        Arrays.fill(values, null);
        for (int v = 0; v < values.length; v++) if (constants[v] != null) values[v] = constants[v];
        for (int o : outerIds) values[o] = parent.lookup(names.get(o));
        int n = Math.min(inputs.length, graphInputIds.length);
        for (int i = 0; i < n; i++) values[graphInputIds[i]] = inputs[i];
        execute(null);
        return collectOutputs(false);
    }

    private Tensor lookup(String name) {
        Integer i = ids.get(name);
        if (i != null && values[i] != null) return values[i];
        if (parent != null) return parent.lookup(name);
        return null;
    }

    /**
     * The graph outputs, handed over. A top-level run copies each into heap storage the caller owns (the
     * produced value lives in the session's arena, or off-heap); a subgraph run hands its produced values
     * to the parent node's kernel as they are.
     */
    private Tensor[] collectOutputs(boolean toCaller) {
        Tensor[] out = new Tensor[graphOutputIds.length];
        for (int i = 0; i < out.length; i++) {
            int v = graphOutputIds[i];
            Tensor t = values[v];
            // A graph output that is an input, initializer or outer value is copied: the caller owns outputs.
            boolean produced = constants[v] == null && !isOuterOrInput(v);
            if (toCaller && carries.containsKey(v)) continue;
            out[i] = t == null ? null : produced && !toCaller ? t : t.copy();
        }
        return out;
    }

    /**
     * Graph inputs passed in heap storage are copied off-heap (into buffers the plan keeps, or the scratch
     * arena in a run without a plan), so that kernels see native memory only, as they do for everything
     * else (see {@link #offHeap}). Inputs are usually small (token ids); the copy is one bulk move each.
     */
    private void nativeInputs(Plan plan) {
        // A top-level run starts here: the scratch arena is free again (it also takes unplanned input copies).
        if (scratch != null) {
            scratch.reset();
            Arrays.fill(scratchOffset, -1);
            Arrays.fill(scratchBytes, 0);
        }
        if (plan != null && plan.inputCopies.length != graphInputIds.length) plan.inputCopies = new Tensor[graphInputIds.length];
        for (int i = 0; i < graphInputIds.length; i++) {
            int v = graphInputIds[i];
            Tensor t = values[v];
            if (t == null || t.bytes().isDirect() || constants[v] == t) continue;
            Tensor copy = plan == null ? null : plan.inputCopies[i];
            if (plan == null) {
                copy = unplannedValue(v, t.dtype(), t.dims());
            } else if (copy == null || copy.dtype() != t.dtype() || !copy.hasDims(t.dims())) {
                copy = offHeap(t.dtype(), t.dims());
                plan.inputCopies[i] = copy;
            }
            Tensor.copyBytes(t.bytes(), 0, copy.bytes(), 0, t.size() * t.dtype().byteSize());
            values[v] = copy;
        }
    }

    void carry(String output) {
        int v = ids.get(output);
        carries.putIfAbsent(v, new Carry());
        current = null;
        plans.clear();
    }

    Tensor carriedValue(String output) {
        Carry c = carries.get(ids.get(output));
        return c == null ? null : c.value;
    }

    void clearCarried() {
        for (Carry c : carries.values()) c.value = null;
    }

    private void commitCarries() {
        if (carries.isEmpty()) return;
        for (Map.Entry<Integer, Carry> e : carries.entrySet()) {
            Carry c = e.getValue();
            if (c.pending != null) c.commit(c.pending);
            c.pending = null;
        }
    }

    /**
     * The memory of one carried output: two off-heap buffers used in turn, so that a run can read the
     * value carried from the last run (as an input) while writing the next one; each grows by doubling
     * when the value outgrows it (a key/value cache grows one position per step).
     */
    private static final class Carry {
        private final ByteBuffer[] buffers = new ByteBuffer[2];
        /** Index of the buffer holding {@link #value}. */
        private int holding = 1;
        Tensor value;
        Tensor pending;

        /** Storage for this run's value, in the buffer not holding the carried one. */
        Tensor next(DType dtype, int[] dims) {
            long n = (long) Tensor.checkedSize(dims) * dtype.byteSize();
            if (n > Integer.MAX_VALUE) {
                throw new UnsupportedFeatureException("a carried output of " + n + " bytes is larger than one buffer holds (2 GiB)");
            }
            int b = 1 - holding;
            ByteBuffer buf = buffers[b];
            if (buf == null || buf.capacity() < n) {
                long cap = Math.max(n, buf == null ? 0 : Math.min(Integer.MAX_VALUE, 2L * buf.capacity()));
                buf = ByteBuffer.allocateDirect((int) Math.max(64, cap)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                buffers[b] = buf;
            }
            ByteBuffer slice = buf.duplicate();
            ((Buffer) slice).position(0);
            ((Buffer) slice).limit((int) n);
            return Tensor.wrap(dtype, slice.slice().order(java.nio.ByteOrder.LITTLE_ENDIAN), dims);
        }

        void commit(Tensor t) {
            // The value written this run lives in the buffer that did not hold the last one.
            holding = 1 - holding;
            value = t;
        }
    }

    /**
     * A value the plan does not hold: in the scratch arena when there is room (top level), else off-heap
     * on its own. Subgraph executors allocate apart: a Loop feeds one iteration's outputs to the next, so
     * their memory must outlive the run that made them.
     */
    private Tensor unplannedValue(int v, DType dtype, int[] dims) {
        long n = (long) Tensor.checkedSize(dims) * dtype.byteSize();
        if (scratch != null && v >= 0 && n > 0 && n <= Integer.MAX_VALUE) {
            int off = scratch.allocate((int) n);
            scratchBytes[v] = (int) n;
            scratchOffset[v] = off;
            if (off >= 0) return scratch.tensor(dtype, dims, off, (int) n);
        }
        return offHeap(dtype, dims);
    }

    /**
     * Storage for values the plan does not hold (the recording run, subgraphs, shapes that changed). It
     * is off-heap like the arena so that every tensor a kernel writes is native memory: a fast kernel that
     * saw heap and native buffers alike gets compiled for both (the JIT's type profile of its loads then
     * mixes them), and measured several times slower on the native memory of later runs.
     */
    private static Tensor offHeap(DType dtype, int[] dims) {
        long n = (long) Tensor.checkedSize(dims) * dtype.byteSize();
        if (n > Integer.MAX_VALUE) return Tensor.allocate(dtype, dims);
        return Tensor.wrap(dtype, ByteBuffer.allocateDirect((int) n).order(java.nio.ByteOrder.LITTLE_ENDIAN), dims);
    }

    private void execute(Plan plan) {
        unplanned = 0;
        if (plan == null) {
            Arrays.fill(seenTypes, null);
            Arrays.fill(seenDims, null);
        }
        ctx.plan = plan;
        List<Node> nodes = graph.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            Node node = nodes.get(i);
            ctx.node = i;
            Kernel kernel = plan != null ? plan.kernels[i] : kernelFor(i, node);
            long t0 = nodeNanos != null ? System.nanoTime() : 0;
            try {
                kernel.run(ctx);
            } catch (KernelException e) {
                throw e;
            } catch (UnsupportedFeatureException e) {
                throw new UnsupportedFeatureException("node '" + nodeNames[i] + "' (" + node.opType() + "): " + e.getMessage());
            } catch (RuntimeException e) {
                throw new KernelException(nodeNames[i], node.opType(), describeInputs(i) + ": " + e.getMessage(), e);
            }
            for (int k = 0; k < outIds[i].length; k++) {
                int v = outIds[i][k];
                if (v >= 0 && values[v] == null && lastUse[v] > i) {
                    throw new KernelException(nodeNames[i], node.opType(), "kernel produced no output " + k + " '" + names.get(v) + "'", null);
                }
            }
            for (int v : dyingAt[i]) {
                values[v] = null;
                if (scratchBytes[v] > 0) {
                    if (scratchOffset[v] >= 0) scratch.free(scratchOffset[v], scratchBytes[v]);
                    else scratch.forget(scratchBytes[v]);
                    scratchOffset[v] = -1;
                    scratchBytes[v] = 0;
                }
            }
            if (nodeNanos != null) {
                nodeNanos[i] += System.nanoTime() - t0;
                nodeRuns[i]++;
            }
        }
    }

    Map<String, long[]> profile() {
        if (nodeNanos == null) return java.util.Collections.emptyMap();
        Map<String, long[]> byOp = new java.util.HashMap<>();
        List<Node> nodes = graph.nodes();
        for (int i = 0; i < nodeNanos.length; i++) {
            Node n = nodes.get(i);
            String key = n.domain().isEmpty() || n.domain().equals("ai.onnx") ? n.opType() : n.domain() + "::" + n.opType();
            long[] acc = byOp.computeIfAbsent(key, k -> new long[2]);
            acc[0] += nodeNanos[i];
            acc[1] += nodeRuns[i];
        }
        List<Map.Entry<String, long[]>> sorted = new ArrayList<>(byOp.entrySet());
        sorted.sort((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]));
        Map<String, long[]> out = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : sorted) out.put(e.getKey(), e.getValue());
        return java.util.Collections.unmodifiableMap(out);
    }

    void resetProfile() {
        if (nodeNanos == null) return;
        Arrays.fill(nodeNanos, 0);
        Arrays.fill(nodeRuns, 0);
    }

    private Kernel kernelFor(int i, Node node) {
        DType[] types = new DType[inIds[i].length];
        for (int k = 0; k < types.length; k++) {
            int v = inIds[i][k];
            if (v < 0) continue;
            Tensor t = values[v];
            if (t == null) {
                throw new KernelException(nodeNames[i], node.opType(), "input " + k + " '" + names.get(v) + "' has no value", null);
            }
            types[k] = t.dtype();
        }
        KernelRegistry.Entry e = registry.find(node, types);
        if (e == null) {
            throw new UnsupportedFeatureException("node '" + nodeNames[i] + "' (" + node.opType() + "): no kernel for "
                    + describeInputs(i) + "; kernels accept " + registry.describeTypes(node));
        }
        if (e != entries[i]) {
            try {
                kernels[i] = e.factory().create(node, setupFor(i));
            } catch (UnsupportedFeatureException ex) {
                throw new UnsupportedFeatureException("node '" + nodeNames[i] + "' (" + node.opType() + "): " + ex.getMessage());
            } catch (PetrelException ex) {
                throw new KernelException(nodeNames[i], node.opType(), ex.getMessage(), ex);
            } catch (RuntimeException ex) {
                throw new KernelException(nodeNames[i], node.opType(), "cannot create kernel: " + ex, ex);
            }
            entries[i] = e;
        }
        return kernels[i];
    }

    /** Constants of node {@code i}: initializers the caller cannot override (not also graph inputs). */
    private dev.petrel.spi.KernelSetup setupFor(int i) {
        int[] in = inIds[i];
        return new dev.petrel.spi.KernelSetup() {
            @Override
            public Tensor constantInput(int k) {
                if (k >= in.length || in[k] < 0) return null;
                int v = in[k];
                for (int g : graphInputIds) if (g == v) return null;
                return constants[v];
            }

            @Override
            public <T> T shared(Object key, java.util.function.Supplier<T> make) {
                return model != null ? model.shared(key, make) : make.get();
            }
        };
    }

    private String describeInputs(int i) {
        StringBuilder sb = new StringBuilder("inputs (");
        for (int k = 0; k < inIds[i].length; k++) {
            if (k > 0) sb.append(", ");
            int v = inIds[i][k];
            if (v < 0) {
                sb.append("<absent>");
                continue;
            }
            Tensor t = values[v];
            sb.append('\'').append(names.get(v)).append("' ").append(t == null ? "<none>" : t.describe());
        }
        return sb.append(')').toString();
    }

    long plannedBytes() {
        return current == null ? 0 : current.arenaBytes;
    }

    int unplannedAllocations() {
        return unplanned;
    }

    void release() {
        if (parent == null && parallel instanceof Parallel.Pool) ((Parallel.Pool) parallel).close();
        plans.clear();
        current = null;
        Arrays.fill(values, null);
        subgraphs.clear();
    }

    private GraphExecutor subgraph(Graph g) {
        GraphExecutor e = subgraphs.get(g);
        if (e == null) {
            e = new GraphExecutor(g, registry, options, this, model);
            subgraphs.put(g, e);
        }
        return e;
    }

    // ------------------------------------------------------------------ kernel context

    private final class Context implements KernelContext {
        int node;
        Plan plan;

        @Override public int inputCount() { return inIds[node].length; }

        @Override
        public Tensor input(int i) {
            if (i >= inIds[node].length) return null;
            int v = inIds[node][i];
            return v < 0 ? null : values[v];
        }

        @Override
        public Tensor requireInput(int i) {
            Tensor t = input(i);
            if (t == null) throw new PetrelException("required input " + i + " is missing");
            return t;
        }

        @Override public int outputCount() { return outIds[node].length; }

        @Override
        public boolean hasOutput(int i) {
            return i < outIds[node].length && outIds[node][i] >= 0;
        }

        @Override
        public Tensor output(int i, DType dtype, int... dims) {
            if (i >= outIds[node].length) {
                throw new PetrelException("kernel wrote output " + i + " but the node lists " + outIds[node].length);
            }
            int v = outIds[node][i];
            Tensor t = null;
            Carry carry = carries.isEmpty() || v < 0 ? null : carries.get(v);
            if (carry != null) t = carry.next(dtype, dims);
            if (t == null && plan != null && v >= 0) {
                Tensor p = plan.planned[v];
                if (p != null && p.dtype() == dtype && p.hasDims(dims)) t = p;
            }
            if (t == null) {
                t = unplannedValue(v, dtype, dims);
                if (plan != null && v >= 0) unplanned++;
            }
            if (carry != null) carry.pending = t;
            if (plan == null && v >= 0) {
                seenTypes[v] = dtype;
                seenDims[v] = t.dims();
            }
            if (v >= 0) values[v] = t;
            return t;
        }

        @Override
        public Tensor[] runSubgraph(Graph g, Tensor... inputs) {
            return subgraph(g).runSub(inputs);
        }

        @Override public Parallel parallel() { return parallel; }
    }

    // ------------------------------------------------------------------ plans

    /** Input types and shapes of one top-level run. */
    private static final class Signature {
        final DType[] types;
        final int[][] dims;
        final int hash;

        Signature(DType[] types, int[][] dims) {
            this.types = types;
            this.dims = dims;
            this.hash = 31 * Arrays.hashCode(types) + Arrays.deepHashCode(dims);
        }

        static Signature of(Tensor[] values, int[] inputIds) {
            DType[] t = new DType[inputIds.length];
            int[][] d = new int[inputIds.length][];
            for (int i = 0; i < inputIds.length; i++) {
                Tensor v = values[inputIds[i]];
                t[i] = v == null ? null : v.dtype();
                d[i] = v == null ? null : v.dims();
            }
            return new Signature(t, d);
        }

        /** Compares without allocating, for the common case of repeated shapes. */
        boolean matches(Tensor[] values, int[] inputIds) {
            for (int i = 0; i < inputIds.length; i++) {
                Tensor v = values[inputIds[i]];
                if (v == null ? types[i] != null : v.dtype() != types[i] || !v.hasDims(dims[i])) return false;
            }
            return true;
        }

        @Override public int hashCode() { return hash; }

        @Override
        public boolean equals(Object o) {
            return o instanceof Signature && Arrays.equals(types, ((Signature) o).types)
                    && Arrays.deepEquals(dims, ((Signature) o).dims);
        }
    }

    /** Kernels and arena offsets for one signature, made from a recorded run. */
    private static final class Plan {
        final Signature signature;
        final Kernel[] kernels;
        final Tensor[] planned;
        final long arenaBytes;
        /** Off-heap copies of graph inputs the caller passed on the heap, by input position; made on first use. */
        Tensor[] inputCopies = new Tensor[0];

        private Plan(Signature signature, Kernel[] kernels, Tensor[] planned, long arenaBytes) {
            this.signature = signature;
            this.kernels = kernels;
            this.planned = planned;
            this.arenaBytes = arenaBytes;
        }

        /**
         * Plans from the run just executed in {@code ex} (whose kernels are now selected). Each node output
         * lives from its producer to its last reader; values are placed largest first at the lowest offset
         * that overlaps no placed value alive at the same time.
         */
        static Plan record(Signature sig, GraphExecutor ex) {
            int valueCount = ex.values.length;
            Tensor[] planned = new Tensor[valueCount];
            int nodeCount = ex.inIds.length;
            int[] born = new int[valueCount];
            long[] bytes = new long[valueCount];
            DType[] types = new DType[valueCount];
            int[][] dims = new int[valueCount][];
            List<Integer> candidates = new ArrayList<>();
            for (int i = 0; i < nodeCount; i++) {
                for (int v : ex.outIds[i]) {
                    if (v < 0 || ex.carries.containsKey(v)) continue;
                    if (ex.seenTypes[v] == null) continue;
                    long size = (long) Tensor.checkedSize(ex.seenDims[v]) * ex.seenTypes[v].byteSize();
                    if (size == 0) continue;
                    born[v] = i;
                    types[v] = ex.seenTypes[v];
                    dims[v] = ex.seenDims[v];
                    bytes[v] = (size + ALIGN - 1) / ALIGN * ALIGN;
                    candidates.add(v);
                }
            }
            candidates.sort((a, b) -> Long.compare(bytes[b], bytes[a]));
            long[] offset = new long[valueCount];
            List<Integer> placed = new ArrayList<>();
            long total = 0;
            for (int v : candidates) {
                int end = ex.userOwned[v] ? nodeCount : Math.max(ex.lastUse[v], born[v]);
                List<long[]> busy = new ArrayList<>();
                for (int p : placed) {
                    int pend = ex.userOwned[p] ? nodeCount : Math.max(ex.lastUse[p], born[p]);
                    if (born[p] <= end && born[v] <= pend) busy.add(new long[] {offset[p], offset[p] + bytes[p]});
                }
                busy.sort((a, b) -> Long.compare(a[0], b[0]));
                long at = 0;
                for (long[] r : busy) {
                    if (at + bytes[v] <= r[0]) break;
                    at = Math.max(at, r[1]);
                }
                offset[v] = at;
                placed.add(v);
                total = Math.max(total, at + bytes[v]);
            }
            Kernel[] kernels = ex.kernels.clone();
            if (total > Integer.MAX_VALUE) {
                // Too large for one buffer: run unplanned rather than fail.
                return new Plan(sig, kernels, planned, 0);
            }
            ByteBuffer arena = ByteBuffer.allocateDirect((int) total);
            for (int v : placed) {
                ByteBuffer slice = arena.duplicate();
                ((Buffer) slice).position((int) offset[v]);
                ((Buffer) slice).limit((int) (offset[v] + bytes[v]));
                planned[v] = Tensor.wrap(types[v], slice.slice(), dims[v]);
            }
            return new Plan(sig, kernels, planned, total);
        }
    }
}
