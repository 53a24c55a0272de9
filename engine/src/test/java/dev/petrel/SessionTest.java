package dev.petrel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.graph.Attributes;
import dev.petrel.graph.Dim;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import dev.petrel.spi.KernelRegistry;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class SessionTest {
    /** Test kernels: AddOne (y = x + 1), Twice (y = [x, x] along axis 0), Fail (always throws). */
    static KernelRegistry kernels() {
        KernelRegistry r = new KernelRegistry();
        r.add("", "AddOne", 1, KernelRegistry.LATEST, EnumSet.of(DType.FLOAT), node -> ctx -> {
            Tensor x = ctx.input(0);
            Tensor y = ctx.output(0, DType.FLOAT, x.dims());
            for (int i = 0; i < x.size(); i++) y.floats().put(i, x.floats().get(i) + 1);
        });
        r.add("", "Twice", 1, KernelRegistry.LATEST, EnumSet.of(DType.FLOAT), node -> ctx -> {
            Tensor x = ctx.input(0);
            int[] d = x.dims();
            d[0] *= 2;
            Tensor y = ctx.output(0, DType.FLOAT, d);
            for (int i = 0; i < y.size(); i++) y.floats().put(i, x.floats().get(i % x.size()));
        });
        r.add("", "Fail", 1, KernelRegistry.LATEST, null, node -> ctx -> {
            throw new IllegalArgumentException("input 0 must be positive");
        });
        return r;
    }

    static Node node(String name, String op, String in, String out) {
        return new Node(name, op, "", 13, List.of(in), List.of(out), Attributes.empty());
    }

    /** x -> AddOne -> a -> AddOne -> b -> Twice -> c -> AddOne -> y : four intermediates, two alive at a time. */
    static Graph chain() {
        return new Graph.Builder()
                .opset("", 13)
                .input(new ValueInfo("x", DType.FLOAT, new Dim[] {Dim.symbol("batch"), Dim.of(3)}))
                .output(new ValueInfo("y", DType.FLOAT, null))
                .node(node("n1", "AddOne", "x", "a"))
                .node(node("n2", "AddOne", "a", "b"))
                .node(node("n3", "Twice", "b", "c"))
                .node(node("n4", "AddOne", "c", "y"))
                .build();
    }

    @Test
    void runsAndReusesThePlan() {
        Model m = Model.of(chain(), kernels());
        try (Session s = m.newSession()) {
            Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
            Tensor y = s.run(Map.of("x", x)).get("y");
            assertThat(y.shape()).containsExactly(4, 3);
            assertThat(y.toFloatArray()).containsExactly(4, 5, 6, 7, 8, 9, 4, 5, 6, 7, 8, 9);
            // The first run of a signature runs in the scratch arena; the plan is made when it comes back.
            assertThat(s.plannedBytes()).isZero();
            Tensor y1 = s.run(Map.of("x", x)).get("y");
            assertThat(y1.toFloatArray()).containsExactly(y.toFloatArray());
            long planned = s.plannedBytes();
            // a, b and c are 24, 24 and 48 bytes (64 aligned each): a and c never live together.
            assertThat(planned).isPositive().isLessThan(3 * 64 + 128);

            Tensor y2 = s.run(Map.of("x", x)).get("y");
            assertThat(s.unplannedAllocations()).isZero();
            assertThat(y2.toFloatArray()).containsExactly(y.toFloatArray());
            assertThat(y2).isNotSameAs(y);
            // The caller's input is untouched.
            assertThat(x.toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);

            Tensor y3 = s.run(Map.of("x", Tensor.of(new float[] {0, 0, 0}, 1, 3))).get("y");
            assertThat(y3.toFloatArray()).containsExactly(3, 3, 3, 3, 3, 3);
            assertThat(s.run(Map.of("x", x)).get("y").toFloatArray()).containsExactly(y.toFloatArray());
        }
    }

    /** Shapes that change every run (a growing key/value cache) run in the scratch arena and make no plans. */
    @Test
    void shapesThatChangeEveryRunNeedNoPlans() {
        Model m = Model.of(chain(), kernels());
        try (Session s = m.newSession()) {
            for (int rows = 1; rows <= 40; rows++) {
                float[] in = new float[rows * 3];
                for (int i = 0; i < in.length; i++) in[i] = i;
                Tensor y = s.run(Map.of("x", Tensor.of(in, rows, 3))).get("y");
                assertThat(y.shape()).containsExactly(2 * rows, 3);
                // y = x + 3 (three AddOnes), its rows repeated twice (Twice).
                for (int i = 0; i < 2 * in.length; i++) assertThat(y.floats().get(i)).isEqualTo(in[i % in.length] + 3);
                assertThat(s.plannedBytes()).isZero();
            }
        }
    }

    @Test
    void carryChecksItsNames() {
        try (Session s = Model.of(chain(), kernels()).newSession()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.carry("nope", "x"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no graph output named 'nope'");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.carry("y", "nope"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no graph input named 'nope'");
            // y = x + 3 rows doubled, fed back as x: each run doubles the rows and adds 3.
            s.carry("y", "x");
            assertThat(s.run(Map.of("x", Tensor.of(new float[] {0, 0, 0}, 1, 3)))).isEmpty();
            assertThat(s.run(Map.of())).isEmpty();
            s.carry("y", "x"); // idempotent
            s.clearCarried();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.run(Map.of()))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("carried from output 'y'");
        }
    }

    @Test
    void rejectsBadInputsWithClearMessages() {
        Model m = Model.of(chain(), kernels());
        try (Session s = m.newSession()) {
            assertThatThrownBy(() -> s.run(Map.of())).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("missing input 'x'").hasMessageContaining("FLOAT[batch, 3]");
            assertThatThrownBy(() -> s.run(Map.of("x", Tensor.of(new long[] {1, 2, 3}, 1, 3))))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("type INT64");
            assertThatThrownBy(() -> s.run(Map.of("x", Tensor.of(new float[] {1, 2, 3}, 3))))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("rank 2");
            assertThatThrownBy(() -> s.run(Map.of("x", Tensor.of(new float[] {1, 2, 3, 4}, 1, 4))))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("dimension 1 must be 3");
            assertThatThrownBy(() -> s.run(Map.of("x", Tensor.of(new float[] {1, 2, 3}, 1, 3), "z", Tensor.scalar(1))))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("unknown input 'z'");
        }
    }

    @Test
    void acceptsDifferentValuesForSameNamedSymbolicDims() {
        Graph g = new Graph.Builder().opset("", 13)
                .input(new ValueInfo("x", DType.FLOAT, new Dim[] {Dim.symbol("batch"), Dim.symbol("batch")}))
                .output(new ValueInfo("y", DType.FLOAT, null))
                .node(node("n", "AddOne", "x", "y")).build();
        try (Session s = Model.of(g, kernels()).newSession()) {
            assertThat(s.run(Map.of("x", Tensor.of(new float[6], 2, 3))).get("y").shape()).containsExactly(2, 3);
        }
    }

    @Test
    void reportsUnsupportedOperatorsAtLoad() {
        Graph g = new Graph.Builder().opset("", 13).opset("com.example", 1)
                .input(new ValueInfo("x", DType.FLOAT, null))
                .output(new ValueInfo("y", DType.FLOAT, null))
                .node(node("n", "Frobnicate", "x", "a"))
                .node(new Node("m", "Twiddle", "com.example", 1, List.of("a"), List.of("y"), Attributes.empty()))
                .build();
        assertThatThrownBy(() -> Model.of(g, kernels())).isInstanceOf(UnsupportedOperatorException.class)
                .hasMessageContaining("Frobnicate (opset 13)").hasMessageContaining("com.example::Twiddle (opset 1)");
    }

    @Test
    void kernelErrorsNameTheNodeAndInputs() {
        Graph g = new Graph.Builder().opset("", 13)
                .input(new ValueInfo("x", DType.FLOAT, null)).output(new ValueInfo("y", DType.FLOAT, null))
                .node(node("the_node", "Fail", "x", "y")).build();
        try (Session s = Model.of(g, kernels()).newSession()) {
            assertThatThrownBy(() -> s.run(Map.of("x", Tensor.scalar(1))))
                    .isInstanceOf(KernelException.class)
                    .hasMessageContaining("node 'the_node' (Fail)")
                    .hasMessageContaining("'x' FLOAT[]")
                    .hasMessageContaining("input 0 must be positive");
        }
    }

    @Test
    void unsupportedInputTypeIsReportedWithTheAcceptedTypes() {
        Graph g = new Graph.Builder().opset("", 13)
                .input(new ValueInfo("x", null, null)).output(new ValueInfo("y", null, null))
                .node(node("n", "AddOne", "x", "y")).build();
        try (Session s = Model.of(g, kernels()).newSession()) {
            assertThatThrownBy(() -> s.run(Map.of("x", Tensor.of(new long[] {1}, 1))))
                    .isInstanceOf(UnsupportedFeatureException.class)
                    .hasMessageContaining("'x' INT64[1]").hasMessageContaining("[FLOAT]");
        }
    }

    @Test
    void sessionsRunOneModelConcurrently() throws Exception {
        Model m = Model.of(chain(), kernels());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                final int seed = t;
                results.add(pool.submit(() -> {
                    try (Session s = m.newSession()) {
                        for (int i = 0; i < 200; i++) {
                            float v = seed * 1000 + i;
                            float[] y = s.run(Map.of("x", Tensor.of(new float[] {v, v, v}, 1, 3))).get("y").toFloatArray();
                            for (float f : y) if (f != v + 3) return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : results) assertThat(f.get()).isTrue();
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void factoriesSeeConstantInputsAndShareWhatTheyDeriveAcrossSessions() {
        java.util.concurrent.atomic.AtomicInteger packs = new java.util.concurrent.atomic.AtomicInteger();
        KernelRegistry r = new KernelRegistry();
        r.add("", "AddConst", 1, KernelRegistry.LATEST, EnumSet.of(DType.FLOAT), new dev.petrel.spi.KernelFactory() {
            @Override
            public dev.petrel.spi.Kernel create(Node node) {
                throw new AssertionError("the executor passes the setup");
            }

            @Override
            public dev.petrel.spi.Kernel create(Node node, dev.petrel.spi.KernelSetup setup) {
                Tensor w = setup.constantInput(1);
                assertThat(w).isNotNull();
                assertThat(setup.constantInput(0)).isNull();
                float[] packed = setup.shared(List.of(w, "packed"), () -> {
                    packs.incrementAndGet();
                    return w.toFloatArray();
                });
                return ctx -> {
                    Tensor x = ctx.input(0);
                    Tensor y = ctx.output(0, DType.FLOAT, x.dims());
                    for (int i = 0; i < x.size(); i++) y.floats().put(i, x.floats().get(i) + packed[i % packed.length]);
                };
            }
        });
        Graph g = new Graph.Builder().opset("", 13)
                .input(new ValueInfo("x", DType.FLOAT, null)).output(new ValueInfo("y", DType.FLOAT, null))
                .initializer("w", Tensor.of(new float[] {10, 20}, 2))
                .node(new Node("n", "AddConst", "", 13, List.of("x", "w"), List.of("y"), Attributes.empty())).build();
        Model m = Model.of(g, r);
        for (int k = 0; k < 3; k++) {
            try (Session s = m.newSession()) {
                assertThat(s.run(Map.of("x", Tensor.of(new float[] {1, 2}, 2))).get("y").toFloatArray()).containsExactly(11, 22);
            }
        }
        assertThat(packs.get()).as("weights packed once per model").isEqualTo(1);
    }
}
