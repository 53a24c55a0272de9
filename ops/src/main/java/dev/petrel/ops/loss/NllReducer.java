package dev.petrel.ops.loss;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.KernelContext;
import java.util.Arrays;

/**
 * The negative log-likelihood step shared by NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss:
 * picks {@code -logp[n, target[n, d], d] * weight[target]} for every position, then applies the
 * reduction. Ignored targets contribute 0 and, for mean, also nothing to the denominator (which is the
 * sum of the picked weights, or the count of kept positions when there are no weights).
 */
final class NllReducer {
    enum Reduction { NONE, SUM, MEAN }

    private final Reduction reduction;
    private final boolean hasIgnore;
    private final long ignoreIndex;

    NllReducer(Node node) {
        String r = node.attributes().getString("reduction", "mean");
        switch (r) {
            case "none": reduction = Reduction.NONE; break;
            case "sum": reduction = Reduction.SUM; break;
            case "mean": reduction = Reduction.MEAN; break;
            default:
                throw new IllegalArgumentException("attribute reduction must be 'none', 'sum' or 'mean', got '" + r + "'");
        }
        hasIgnore = node.attributes().has("ignore_index");
        ignoreIndex = node.attributes().getInt("ignore_index", 0);
    }

    /**
     * Checks the target and weight inputs against the scores' shape [N, C, d1..dk], computes the loss
     * from {@code logp} (laid out like the scores) and writes it to output 0 with {@code dtype}.
     */
    void run(KernelContext ctx, double[] logp, int[] dims, DType dtype, Tensor target, Tensor weight) {
        int rank = dims.length;
        if (rank < 2) {
            throw new IllegalArgumentException("input 0 must have shape [N, C] or [N, C, d1, ..., dk], got "
                    + Arrays.toString(dims));
        }
        int n = dims[0];
        int c = dims[1];
        int inner = Shapes.product(dims, 2, rank);
        int[] expected = new int[rank - 1];
        expected[0] = n;
        System.arraycopy(dims, 2, expected, 1, rank - 2);
        if (target.dtype() != DType.INT32 && target.dtype() != DType.INT64) {
            throw new IllegalArgumentException("input 1 (target) must be INT32 or INT64, got " + target.describe());
        }
        if (!Arrays.equals(target.dims(), expected)) {
            throw new IllegalArgumentException("input 1 (target) must have shape " + Arrays.toString(expected)
                    + " to match scores " + Arrays.toString(dims) + ", got " + target.describe());
        }
        double[] w = null;
        if (weight != null) {
            if (weight.dtype() != dtype || !weight.hasDims(c)) {
                throw new IllegalArgumentException("input 2 (weight) must be a " + dtype + " tensor of shape [" + c
                        + "], got " + weight.describe());
            }
            w = Elements.toDoubles(Elements.requireFloating(weight, "input 2 (weight)"));
        }
        long[] t = Shapes.longs(target);
        int count = t.length;
        double[] loss = new double[count];
        double sum = 0;
        double denominator = 0;
        for (int i = 0; i < count; i++) {
            long k = t[i];
            if (hasIgnore && k == ignoreIndex) {
                loss[i] = 0;
                continue;
            }
            if (k < 0 || k >= c) {
                throw new IllegalArgumentException("input 1 (target) at " + position(i, expected) + " is " + k
                        + ", outside the class range [0, " + c + ")"
                        + (hasIgnore ? " and not ignore_index " + ignoreIndex : ""));
            }
            int b = i / inner;
            int d = i - b * inner;
            double wk = w == null ? 1.0 : w[(int) k];
            double v = -logp[(b * c + (int) k) * inner + d] * wk;
            loss[i] = v;
            sum += v;
            denominator += wk;
        }
        if (reduction == Reduction.NONE) {
            Elements.storeDoubles(ctx.output(0, dtype, expected), loss);
        } else {
            // With every target ignored, mean is 0/0: NaN, as the ONNX reference computes it.
            double r = reduction == Reduction.SUM ? sum : sum / denominator;
            Elements.storeDoubles(ctx.output(0, dtype), new double[] {r});
        }
    }

    private static String position(int flat, int[] dims) {
        int[] idx = new int[dims.length];
        for (int a = dims.length - 1; a >= 0; a--) {
            idx[a] = flat % dims[a];
            flat /= dims[a];
        }
        return Arrays.toString(idx);
    }
}
