package dev.petrel.ops.math;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.nio.FloatBuffer;

/**
 * Gemm: Y = alpha * A' x B' + beta * C, where A' and B' are optionally transposed 2-D inputs and C
 * (optional from opset 11) broadcasts unidirectionally to [M, N]. The opset 1-6 {@code broadcast}
 * attribute is accepted either way: a C that already has shape [M, N] is unaffected by it.
 */
final class GemmKernel implements Kernel {
    private final boolean transA;
    private final boolean transB;
    private final float alpha;
    private final float beta;
    private final FloatMatMul floatMatMul = new FloatMatMul();

    GemmKernel(Node node) {
        this.transA = node.attributes().getInt("transA", 0) != 0;
        this.transB = node.attributes().getInt("transB", 0) != 0;
        this.alpha = node.attributes().getFloat("alpha", 1f);
        this.beta = node.attributes().getFloat("beta", 1f);
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor a = ctx.requireInput(0);
        Tensor b = ctx.requireInput(1);
        Tensor c = ctx.input(2);
        GemmShape shape = GemmShape.of(a, b, c, transA, transB);
        int m = shape.m;
        int k = shape.k;
        int n = shape.n;
        int csm = shape.cStrideM;
        int csn = shape.cStrideN;
        boolean useC = c != null && beta != 0f;
        Tensor y = ctx.output(0, a.dtype(), m, n);
        int sam = transA ? 1 : k;
        int sak = transA ? m : 1;
        int sbk = transB ? 1 : n;
        int sbn = transB ? k : 1;
        DType t = a.dtype();
        if (t == DType.FLOAT) {
            FloatBuffer yf = y.floats();
            floatMatMul.multiply(ctx.parallel(), a.floats(), 0, sam, sak, b.floats(), 0, sbk, sbn, yf, 0, n, m, n, k);
            if (alpha != 1f || useC) {
                FloatBuffer cf = useC ? c.floats() : null;
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        int o = i * n + j;
                        float v = alpha * yf.get(o);
                        if (useC) v += beta * cf.get(i * csm + j * csn);
                        yf.put(o, v);
                    }
                }
            }
        } else if (t.isFloatingPoint()) {
            // DOUBLE accumulates in double; FLOAT16/BFLOAT16 in float, as ONNX Runtime does.
            boolean inFloat = t != DType.DOUBLE;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    float fsum = 0f;
                    for (int kk = 0; kk < k; kk++) {
                        double p = Elements.getDouble(a, i * sam + kk * sak) * Elements.getDouble(b, kk * sbk + j * sbn);
                        if (inFloat) fsum += (float) p; else sum += p;
                    }
                    double v = alpha * (inFloat ? fsum : sum);
                    if (useC) v += beta * Elements.getDouble(c, i * csm + j * csn);
                    Elements.putDouble(y, i * n + j, inFloat ? (float) v : v);
                }
            }
        } else {
            boolean exact = alpha == 1f && (!useC || beta == 1f);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    long sum = 0;
                    for (int kk = 0; kk < k; kk++) {
                        sum += Elements.getLong(a, i * sam + kk * sak) * Elements.getLong(b, kk * sbk + j * sbn);
                    }
                    long cv = useC ? Elements.getLong(c, i * csm + j * csn) : 0;
                    long v = exact ? sum + cv : (long) (alpha * (double) sum + (useC ? beta * (double) cv : 0));
                    Elements.putLong(y, i * n + j, v);
                }
            }
        }
    }
}
