package dev.petrel;

import dev.petrel.graph.Attribute;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import dev.petrel.spi.Backend;
import dev.petrel.spi.KernelRegistry;
import dev.petrel.spi.ModelLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * A loaded model: an immutable graph whose weights stay memory-mapped from the file. One model can be
 * shared by any number of {@link Session}s on different threads.
 *
 * <pre>{@code
 * Model model = Model.load(Path.of("model.onnx"));
 * try (Session session = model.newSession(new Options())) {
 *     Map<String, Tensor> out = session.run(Map.of("x", Tensor.of(new float[] {1, 2, 3}, 1, 3)));
 * }
 * }</pre>
 *
 * <p>Loading fails with {@link UnsupportedOperatorException} when some operator has no kernel, and
 * with {@link ModelFormatException} when the file is malformed; nothing is discovered halfway through
 * a run.
 */
public final class Model {
    private static volatile KernelRegistry defaultRegistry;
    private static volatile List<Backend> defaultBackends;

    private final Graph graph;
    private final KernelRegistry registry;
    /** Values kernels derive from constants (packed weights), shared by all sessions. */
    private final java.util.concurrent.ConcurrentHashMap<Object, Object> shared = new java.util.concurrent.ConcurrentHashMap<>();

    private Model(Graph graph, KernelRegistry registry) {
        this.graph = graph;
        this.registry = registry;
        List<String> missing = unsupportedOperators(graph, registry);
        if (!missing.isEmpty()) throw new UnsupportedOperatorException(missing);
    }

    /**
     * Loads a model file with the first {@link ModelLoader} on the class path that accepts it, and
     * optimizes its graph ({@link dev.petrel.optimize.GraphOptimizer}: constant folding, fusions) unless
     * the system property {@code petrel.optimize} is {@code false}.
     */
    public static Model load(Path file) {
        return load(file, !"false".equalsIgnoreCase(System.getProperty("petrel.optimize")));
    }

    /** As {@link #load(Path)}, with the graph optimizations on or off whatever the system property says. */
    public static Model load(Path file, boolean optimize) {
        KernelRegistry kernels = registry();
        Graph graph = readGraph(file);
        return new Model(optimize ? dev.petrel.optimize.GraphOptimizer.optimize(graph, kernels) : graph, kernels);
    }

    /**
     * Reads a model file into its graph without checking that its operators are supported, for tools
     * that report on a model ({@code petrel inspect}).
     */
    public static Graph readGraph(Path file) {
        if (!Files.isRegularFile(file)) throw new ModelFormatException("no such model file: " + file);
        try {
            for (ModelLoader loader : ServiceLoader.load(ModelLoader.class, Model.class.getClassLoader())) {
                if (loader.accepts(file)) return loader.load(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        throw new ModelFormatException("no loader on the class path recognizes " + file
                + " (is petrel-loaders a dependency?)");
    }

    /** A model over an already built graph, using the kernels of every available backend. */
    public static Model of(Graph graph) {
        return new Model(graph, registry());
    }

    /** A model whose kernels come from {@code kernels} only (tests, custom backends). */
    public static Model of(Graph graph, KernelRegistry kernels) {
        return new Model(graph, kernels);
    }

    public Session newSession() {
        return newSession(new Options());
    }

    public Session newSession(Options options) {
        return new Session(this, options.copy());
    }

    public Graph graph() {
        return graph;
    }

    public List<ValueInfo> inputs() {
        return graph.inputs();
    }

    public List<ValueInfo> outputs() {
        return graph.outputs();
    }

    KernelRegistry kernels() {
        return registry;
    }

    @SuppressWarnings("unchecked")
    <T> T shared(Object key, java.util.function.Supplier<T> make) {
        return (T) shared.computeIfAbsent(key, k -> make.get());
    }

    /** Operators of {@code graph} (and its subgraphs) that no kernel in {@code registry} implements. */
    public static List<String> unsupportedOperators(Graph graph, KernelRegistry registry) {
        Set<String> missing = new LinkedHashSet<>();
        collectUnsupported(graph, registry, missing);
        return new ArrayList<>(missing);
    }

    private static void collectUnsupported(Graph graph, KernelRegistry registry, Set<String> missing) {
        for (Node n : graph.nodes()) {
            if (!registry.supports(n.domain(), n.opType(), n.opsetVersion())) missing.add(n.operatorId());
            for (Attribute a : n.attributes().all()) {
                if (a.kind() == Attribute.Kind.GRAPH) collectUnsupported((Graph) a.value(), registry, missing);
                if (a.kind() == Attribute.Kind.GRAPHS) {
                    for (Object g : (List<?>) a.value()) collectUnsupported((Graph) g, registry, missing);
                }
            }
        }
    }

    /** The kernels of every available backend found through ServiceLoader, built once. */
    public static KernelRegistry registry() {
        KernelRegistry r = defaultRegistry;
        if (r == null) {
            synchronized (Model.class) {
                r = defaultRegistry;
                if (r == null) {
                    r = new KernelRegistry();
                    List<Backend> found = new ArrayList<>();
                    for (Backend b : ServiceLoader.load(Backend.class, Model.class.getClassLoader())) {
                        if (b.isAvailable()) {
                            r.addBackend(b);
                            found.add(b);
                        }
                    }
                    defaultBackends = List.copyOf(found);
                    defaultRegistry = r;
                }
            }
        }
        return r;
    }

    /** Names of the backends whose kernels are in use, e.g. [portable, vector]. */
    public static List<String> backends() {
        registry();
        List<String> names = new ArrayList<>();
        for (Backend b : defaultBackends) names.add(b.name());
        return names;
    }
}
