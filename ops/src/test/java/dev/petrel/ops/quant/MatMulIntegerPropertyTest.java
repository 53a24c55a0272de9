package dev.petrel.ops.quant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.Parallel;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The zero-point-expanded, packed, blocked MatMulInteger against the textbook triple loop. */
class MatMulIntegerPropertyTest {
    /** Splits work into uneven chunks, as a thread pool would, but on the calling thread. */
    private static final Parallel CHUNKED = new Parallel() {
        @Override public int threads() { return 3; }
        @Override public void forRange(int count, RangeBody body) {
            int step = Math.max(1, count / 3 + 1);
            for (int from = 0; from < count; from += step) body.run(from, Math.min(count, from + step));
        }
    };

    @Property(tries = 150)
    void matchesNaiveReference(@ForAll @IntRange(min = 1, max = 9) int m, @ForAll @IntRange(min = 1, max = 77) int k,
                               @ForAll @IntRange(min = 1, max = 71) int n, @ForAll @IntRange(min = 1, max = 3) int batch,
                               @ForAll boolean aSigned, @ForAll boolean bSigned, @ForAll @IntRange(min = 0, max = 3) int zpKind,
                               @ForAll boolean batchedB, @ForAll long seed) {
        Random rnd = new Random(seed);
        DType at = aSigned ? DType.INT8 : DType.UINT8;
        DType bt = bSigned ? DType.INT8 : DType.UINT8;
        int[] av = random(rnd, batch * m * k, aSigned);
        int bBatch = batchedB ? batch : 1;
        int[] bv = random(rnd, bBatch * k * n, bSigned);
        Tensor a = KernelHarness.bytes(at, av, batch, m, k);
        Tensor b = batchedB ? KernelHarness.bytes(bt, bv, bBatch, k, n) : KernelHarness.bytes(bt, bv, k, n);
        // zpKind: 0 none, 1 scalars, 2 per-row / per-column vectors, 3 scalar A and per-column B.
        Tensor aZp = null;
        Tensor bZp = null;
        int[] za = new int[m];
        int[] zb = new int[n];
        if (zpKind == 1 || zpKind == 3) {
            java.util.Arrays.fill(za, random(rnd, 1, aSigned)[0]);
            aZp = KernelHarness.bytes(at, new int[] {za[0]});
        }
        if (zpKind == 1) {
            java.util.Arrays.fill(zb, random(rnd, 1, bSigned)[0]);
            bZp = KernelHarness.bytes(bt, new int[] {zb[0]});
        }
        if (zpKind == 2) {
            za = random(rnd, m, aSigned);
            aZp = KernelHarness.bytes(at, za, m);
        }
        if (zpKind == 2 || zpKind == 3) {
            zb = random(rnd, n, bSigned);
            bZp = KernelHarness.bytes(bt, zb, n);
        }
        if (rnd.nextBoolean()) {
            // As the engine hands out weights: read-only views, which the kernel may keep packed.
            b = Tensor.wrap(bt, b.bytes().asReadOnlyBuffer(), b.dims());
        }

        Tensor[] ins = {a, b, aZp, bZp};
        Kernel kernel = KernelHarness.kernel("MatMulInteger", 10, 1, ins);
        int[] expected = new int[batch * m * n];
        for (int t = 0; t < batch; t++) {
            int bOff = batchedB ? t * k * n : 0;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    int s = 0;
                    for (int q = 0; q < k; q++) s += (av[(t * m + i) * k + q] - za[i]) * (bv[bOff + q * n + j] - zb[j]);
                    expected[(t * m + i) * n + j] = s;
                }
            }
        }
        for (int repeat = 0; repeat < 2; repeat++) {
            Tensor y = KernelHarness.run(kernel, 1, repeat == 0 ? Parallel.SEQUENTIAL : CHUNKED, ins)[0];
            assertThat(y.shape()).containsExactly(batch, m, n);
            assertThat(y.toIntArray()).containsExactly(expected);
        }
    }

    private static int[] random(Random rnd, int count, boolean signed) {
        int[] v = new int[count];
        for (int i = 0; i < count; i++) v[i] = signed ? rnd.nextInt(256) - 128 : rnd.nextInt(256);
        return v;
    }
}
