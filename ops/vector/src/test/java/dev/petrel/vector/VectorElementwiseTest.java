package dev.petrel.vector;

import static dev.petrel.vector.ElementwiseHarness.assertNear;
import static dev.petrel.vector.ElementwiseHarness.run;
import static dev.petrel.vector.VectorHarness.PORTABLE;
import static dev.petrel.vector.VectorHarness.VECTOR;
import static dev.petrel.vector.VectorHarness.random;
import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Node;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The vector Gelu, FusedMatMul, LayerNormalization and Add/Sub/Mul/Div against the portable kernels. */
class VectorElementwiseTest {
    private static final String PETREL = "dev.petrel";
    private static final int[] NONE = {};
    private static final String[] BINARY = {"Add", "Sub", "Mul", "Div"};
    /** The vector backend with its opt-in binary kernels. */
    private static final dev.petrel.spi.KernelRegistry WITH_BINARY = new dev.petrel.spi.KernelRegistry();

    static {
        WITH_BINARY.addBackend(new dev.petrel.ops.PortableBackend());
        String old = System.getProperty("petrel.vector.binary");
        System.setProperty("petrel.vector.binary", "true");
        WITH_BINARY.addBackend(new VectorBackend());
        if (old == null) System.clearProperty("petrel.vector.binary"); else System.setProperty("petrel.vector.binary", old);
    }

    @Test
    void vectorKernelsAreSelected() {
        DType[] f = {DType.FLOAT, DType.FLOAT, DType.FLOAT};
        for (String[] op : new String[][] {{"", "Erf"}, {"", "Add"}, {"", "Div"}, {PETREL, "Gelu"}, {PETREL, "LayerNormalization"},
                {"", "LayerNormalization"}, {PETREL, "FusedMatMul"}}) {
            Node n = new Node("n", op[1], op[0], op[0].isEmpty() ? 17 : 1, List.of("a", "b"), List.of("y"), new Attributes(List.of()));
            assertThat(WITH_BINARY.find(n, f).backend()).as(op[1]).isEqualTo("vector");
        }
    }

    @Test
    void handComputed() {
        Tensor x = Tensor.of(new float[] {-1, 0, 1, 2}, 2, 2);
        // gelu(x) = x·Φ(x): Φ(-1) = 0.158655254, Φ(1) = 0.841344746, Φ(2) = 0.977249868
        assertThat(run(VECTOR, 1, PETREL, "Gelu", 1, List.of(), NONE, x).toFloatArray())
                .containsExactly(new float[] {-0.158655254f, 0f, 0.841344746f, 1.954499736f}, org.assertj.core.data.Offset.offset(1e-6f));
        Tensor b = Tensor.of(new float[] {10, 20}, 2);
        assertThat(run(WITH_BINARY, 1, "", "Add", 13, List.of(), NONE, x, b).toFloatArray()).containsExactly(9, 20, 11, 22);
        assertThat(run(WITH_BINARY, 1, "", "Div", 13, List.of(), NONE, b, x).toFloatArray()).containsExactly(-10, Float.POSITIVE_INFINITY, 10, 10);
        // rows [-1, 0] and [1, 2]: mean -0.5 / 1.5, variance 0.25, so (x - mean) / 0.5 = [-1, 1] each
        Tensor scale = Tensor.of(new float[] {2, 3}, 2);
        assertThat(run(VECTOR, 1, PETREL, "LayerNormalization", 1, List.of(Attribute.ofFloat("epsilon", 0f)), NONE, x, scale, b)
                .toFloatArray()).containsExactly(new float[] {8, 23, 8, 23}, org.assertj.core.data.Offset.offset(1e-5f));
        // [-1 0; 1 2] x [1 -1; 1 1] + [10, 20], relu = [9 21; 13 21]
        Tensor w = Tensor.of(new float[] {1, -1, 1, 1}, 2, 2);
        assertThat(run(VECTOR, 1, PETREL, "FusedMatMul", 1, List.of(Attribute.ofString("activation", "relu")), new int[] {1, 2}, x, w, b)
                .toFloatArray()).containsExactly(9, 21, 13, 21);
    }

    @Property(tries = 40)
    void geluMatchesPortable(@ForAll @IntRange(min = 1, max = 200) int n, @ForAll boolean tanh, @ForAll long seed) {
        Tensor x = gaussian(new Random(seed), 3, 1, n);
        List<Attribute> a = List.of(Attribute.ofString("approximate", tanh ? "tanh" : "none"));
        assertNear(run(VECTOR, 1, PETREL, "Gelu", 1, a, NONE, x), run(PORTABLE, 1, PETREL, "Gelu", 1, a, NONE, x), 1e-6, 1e-6);
    }

    @Property(tries = 60)
    void fusedMatMulMatchesPortable(@ForAll @IntRange(min = 1, max = 40) int m, @ForAll @IntRange(min = 1, max = 50) int k,
                                   @ForAll @IntRange(min = 1, max = 70) int n, @ForAll @IntRange(min = 0, max = 3) int act,
                                   @ForAll boolean transB, @ForAll boolean constant, @ForAll boolean bias,
                                   @ForAll @IntRange(min = 1, max = 2) int threads, @ForAll @IntRange(min = 0, max = 2) int residual,
                                   @ForAll long seed) {
        Random rnd = new Random(seed);
        Tensor a = random(rnd, 2, m, k);
        Tensor b = transB ? random(rnd, n, k) : random(rnd, k, n);
        Tensor c = bias || residual > 0 ? random(rnd, n) : null;
        // Residual: 1 the product's shape (added in the epilogue), 2 one that broadcasts ([m, n]).
        Tensor r = residual == 1 ? random(rnd, 2, m, n) : residual == 2 ? random(rnd, m, n) : null;
        List<Attribute> attrs = List.of(Attribute.ofInt("transB", transB ? 1 : 0),
                Attribute.ofString("activation", act == 0 ? "none" : act == 1 ? "relu" : "gelu"),
                Attribute.ofString("approximate", act == 3 ? "tanh" : "none"));
        int[] consts = constant ? new int[] {1, 2} : NONE;
        Tensor want = r == null ? run(PORTABLE, 1, PETREL, "FusedMatMul", 1, attrs, consts, a, b, c)
                : run(PORTABLE, 1, PETREL, "FusedMatMul", 1, attrs, consts, a, b, c, r);
        Tensor got = r == null ? run(VECTOR, threads, PETREL, "FusedMatMul", 1, attrs, consts, a, b, c)
                : run(VECTOR, threads, PETREL, "FusedMatMul", 1, attrs, consts, a, b, c, r);
        assertNear(got, want, 1e-5 * Math.sqrt(k), 1e-5);
        if (r != null) {
            // The reference itself: the product without the residual, plus the residual broadcast.
            float[] p = run(PORTABLE, 1, PETREL, "FusedMatMul", 1, attrs, consts, a, b, c).toFloatArray();
            float[] rv = r.toFloatArray();
            float[] w = want.toFloatArray();
            for (int i = 0; i < p.length; i++) {
                org.assertj.core.api.Assertions.assertThat(w[i]).isEqualTo(p[i] + rv[i % rv.length]);
            }
        }
    }

    @Property(tries = 50)
    void layerNormMatchesPortable(@ForAll @IntRange(min = 1, max = 30) int rows, @ForAll @IntRange(min = 1, max = 130) int n,
                                  @ForAll boolean bias, @ForAll boolean offset, @ForAll @IntRange(min = 1, max = 2) int threads,
                                  @ForAll long seed) {
        Random rnd = new Random(seed);
        Tensor x = gaussian(rnd, 1, rows, n);
        if (offset) {
            float[] v = x.toFloatArray();
            for (int i = 0; i < v.length; i++) v[i] += 50f;
            x = Tensor.of(v, rows, n);
        }
        Tensor s = gaussian(rnd, 1, n);
        Tensor b = bias ? gaussian(rnd, 1, n) : null;
        List<Attribute> attrs = List.of(Attribute.ofInt("axis", -1), Attribute.ofFloat("epsilon", 1e-5f));
        assertNear(run(VECTOR, threads, PETREL, "LayerNormalization", 1, attrs, new int[] {1, 2}, x, s, b),
                run(PORTABLE, 1, PETREL, "LayerNormalization", 1, attrs, new int[] {1, 2}, x, s, b), 1e-5, 1e-5);
    }

    @Property(tries = 80)
    void onnxLayerNormMatchesPortable(@ForAll @IntRange(min = 1, max = 3) int rank, @ForAll @IntRange(min = 1, max = 7) int d0,
                                      @ForAll @IntRange(min = 1, max = 70) int n, @ForAll @IntRange(min = -3, max = 2) int axis,
                                      @ForAll boolean bias, @ForAll boolean oneValue, @ForAll @IntRange(min = 1, max = 2) int threads,
                                      @ForAll long seed) {
        // ONNX's LayerNormalization: the last axis runs the vector rows, any other axis the portable kernel.
        Assume.that(axis >= -rank && axis < rank);
        int[] dims = rank == 1 ? new int[] {n} : rank == 2 ? new int[] {d0, n} : new int[] {2, d0, n};
        int a = axis < 0 ? axis + rank : axis;
        int[] normDims = java.util.Arrays.copyOfRange(dims, a, rank);
        // Scale and B broadcast to the normalized shape: the whole shape, or one value.
        int[] paramDims = oneValue ? new int[] {1} : normDims;
        Random rnd = new Random(seed);
        Tensor x = gaussian(rnd, 3, dims);
        Tensor s = gaussian(rnd, 1, paramDims);
        Tensor b = bias ? gaussian(rnd, 1, paramDims) : null;
        List<Attribute> attrs = List.of(Attribute.ofInt("axis", axis), Attribute.ofFloat("epsilon", 1e-5f));
        assertNear(run(VECTOR, threads, "", "LayerNormalization", 17, attrs, new int[] {1, 2}, x, s, b),
                run(PORTABLE, 1, "", "LayerNormalization", 17, attrs, new int[] {1, 2}, x, s, b), 1e-5, 1e-5);
    }

    @Property(tries = 100)
    void binaryMatchesPortable(@ForAll @IntRange(min = 0, max = 3) int op, @ForAll @IntRange(min = 1, max = 5) int d0,
                               @ForAll @IntRange(min = 1, max = 40) int d1, @ForAll @IntRange(min = 0, max = 5) int shape,
                               @ForAll boolean swap, @ForAll long seed) {
        Random rnd = new Random(seed);
        Tensor big = random(rnd, d0, d1);
        Tensor other = switch (shape) {
            case 0 -> random(rnd, d0, d1);       // same shape
            case 1 -> random(rnd, d1);           // bias row
            case 2 -> random(rnd, 1, d1);        // bias row with a leading 1
            case 3 -> random(rnd);               // scalar
            case 4 -> random(rnd, 1);            // one element
            default -> random(rnd, d0, 1);       // a column: delegated to the portable kernel
        };
        Tensor a = swap ? other : big;
        Tensor b = swap ? big : other;
        assertNear(run(WITH_BINARY, 1, "", BINARY[op], 13, List.of(), NONE, a, b), run(PORTABLE, 1, "", BINARY[op], 13, List.of(), NONE, a, b), 0, 0);
    }

    private static Tensor gaussian(Random rnd, double sigma, int... dims) {
        int size = 1;
        for (int d : dims) size *= d;
        float[] v = new float[size];
        for (int i = 0; i < size; i++) v[i] = (float) (rnd.nextGaussian() * sigma);
        long[] shape = new long[dims.length];
        for (int i = 0; i < dims.length; i++) shape[i] = dims[i];
        return Tensor.of(v, shape);
    }
}
