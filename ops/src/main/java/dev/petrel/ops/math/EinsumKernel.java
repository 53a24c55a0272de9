package dev.petrel.ops.math;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Einsum, evaluated directly: every combination of label values is visited once, output labels
 * outermost, and the product of the inputs' elements is summed into its output element. A label
 * repeated within one term (a diagonal) simply adds its strides; "..." stands for the leading
 * dimensions not named by letters, broadcast across inputs. Without "->" the output is the
 * ellipsis dimensions followed by the letters used exactly once, in alphabetical order. Floating
 * types accumulate in double, integers in 64 bits.
 */
final class EinsumKernel implements Kernel {
    /** Label number of an ellipsis dimension: -1 - position within the ellipsis. */
    private final int[][] inputLabels;
    private final boolean[] hasEllipsis;
    private final int[] outputLetters;
    private final boolean outputEllipsis;
    private final boolean explicit;
    private final String equation;

    EinsumKernel(Node node) {
        String eq = node.attributes().getString("equation", null);
        if (eq == null) throw new IllegalArgumentException("Einsum needs the 'equation' attribute");
        this.equation = eq;
        String s = eq.replaceAll("\\s", "");
        int arrow = s.indexOf("->");
        String lhs = arrow < 0 ? s : s.substring(0, arrow);
        this.explicit = arrow >= 0;
        String[] terms = lhs.split(",", -1);
        inputLabels = new int[terms.length][];
        hasEllipsis = new boolean[terms.length];
        int[] uses = new int[128];
        for (int t = 0; t < terms.length; t++) {
            List<Integer> labels = new ArrayList<>();
            hasEllipsis[t] = parseTerm(terms[t], labels);
            inputLabels[t] = toArray(labels);
            for (int l : inputLabels[t]) if (l >= 0) uses[l]++;
        }
        if (explicit) {
            List<Integer> labels = new ArrayList<>();
            outputEllipsis = parseTerm(s.substring(arrow + 2), labels);
            outputLetters = toArray(labels);
            boolean[] seen = new boolean[128];
            for (int l : outputLetters) {
                if (l == Integer.MIN_VALUE) continue;
                if (seen[l]) throw new IllegalArgumentException("Einsum output label '" + (char) l + "' repeats in " + eq);
                if (uses[l] == 0) throw new IllegalArgumentException("Einsum output label '" + (char) l + "' is not in any input of " + eq);
                seen[l] = true;
            }
        } else {
            boolean anyEllipsis = false;
            for (boolean h : hasEllipsis) anyEllipsis |= h;
            outputEllipsis = anyEllipsis;
            List<Integer> once = new ArrayList<>();
            for (int c = 0; c < 128; c++) if (uses[c] == 1) once.add(c);
            outputLetters = toArray(once);
        }
    }

    private boolean parseTerm(String term, List<Integer> labels) {
        boolean ellipsis = false;
        for (int i = 0; i < term.length(); i++) {
            char c = term.charAt(i);
            if (c == '.') {
                if (ellipsis || !term.startsWith("...", i)) {
                    throw new IllegalArgumentException("Einsum equation '" + equation + "' has a malformed ellipsis in '" + term + "'");
                }
                ellipsis = true;
                labels.add(Integer.MIN_VALUE);
                i += 2;
            } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
                labels.add((int) c);
            } else {
                throw new IllegalArgumentException("Einsum equation '" + equation + "' has an invalid character '" + c + "'");
            }
        }
        return ellipsis;
    }

    private static int[] toArray(List<Integer> l) {
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = l.get(i);
        return a;
    }

    @Override
    public void run(KernelContext ctx) {
        int inputs = inputLabels.length;
        if (ctx.inputCount() != inputs) {
            throw new IllegalArgumentException("Einsum equation '" + equation + "' names " + inputs + " inputs, the node has " + ctx.inputCount());
        }
        Tensor[] xs = new Tensor[inputs];
        for (int t = 0; t < inputs; t++) {
            xs[t] = ctx.requireInput(t);
            if (xs[t].dtype() != xs[0].dtype()) {
                throw new IllegalArgumentException("Einsum inputs must share one type, got " + xs[0].describe() + " and " + xs[t].describe());
            }
        }
        // Expand each term to one label per dimension; ellipsis dimensions get labels -1 - k,
        // numbered from the right so that they broadcast right-aligned.
        int ellRank = 0;
        int[][] dimLabels = new int[inputs][];
        for (int t = 0; t < inputs; t++) {
            int letters = inputLabels[t].length - (hasEllipsis[t] ? 1 : 0);
            int e = xs[t].rank() - letters;
            if (e < 0 || (!hasEllipsis[t] && e != 0)) {
                throw new IllegalArgumentException("Einsum term " + t + " of '" + equation + "' does not match the rank of input " + xs[t].describe());
            }
            ellRank = Math.max(ellRank, e);
            int[] dl = new int[xs[t].rank()];
            int p = 0;
            for (int l : inputLabels[t]) {
                if (l == Integer.MIN_VALUE) {
                    for (int q = 0; q < e; q++) dl[p++] = -1 - (e - 1 - q);
                } else {
                    dl[p++] = l;
                }
            }
            dimLabels[t] = dl;
        }
        // Label ids: letters 0..127, ellipsis position k (from the right) at 128 + k.
        int[] size = new int[128 + ellRank];
        Arrays.fill(size, -1);
        for (int t = 0; t < inputs; t++) {
            int[] dl = dimLabels[t];
            for (int d = 0; d < dl.length; d++) {
                int id = dl[d] >= 0 ? dl[d] : 128 + (-1 - dl[d]);
                int dim = xs[t].dim(d);
                if (size[id] == -1 || size[id] == 1) {
                    size[id] = dim;
                } else if (dim != 1 && dim != size[id]) {
                    throw new IllegalArgumentException("Einsum '" + equation + "': label " + describe(id) + " has size "
                            + size[id] + " in one input and " + dim + " in input " + t + " " + xs[t].describe());
                }
            }
        }
        // Loop order: output labels (ellipsis first when the output has it), then contracted labels.
        List<Integer> order = new ArrayList<>();
        boolean ellipsisOut = outputEllipsis || (!explicit && ellRank > 0);
        int[] outLetters = outputLetters;
        if (explicit && outputEllipsis) {
            // The explicit output may put "..." anywhere among its letters.
            for (int l : outLetters) {
                if (l == Integer.MIN_VALUE) for (int k = ellRank - 1; k >= 0; k--) order.add(128 + k);
                else order.add(l);
            }
        } else {
            if (ellipsisOut) for (int k = ellRank - 1; k >= 0; k--) order.add(128 + k);
            for (int l : outLetters) order.add(l);
        }
        int outRank = order.size();
        boolean[] inOrder = new boolean[size.length];
        for (int id : order) inOrder[id] = true;
        for (int id = 0; id < size.length; id++) if (size[id] >= 0 && !inOrder[id]) order.add(id);
        int labels = order.size();
        int[] lsize = new int[labels];
        int[] outDims = new int[outRank];
        for (int i = 0; i < labels; i++) {
            int id = order.get(i);
            lsize[i] = Math.max(size[id], 0);
            if (size[id] < 0) lsize[i] = 1;
            if (i < outRank) outDims[i] = lsize[i];
        }
        // Strides of each input along each loop label (summed for repeated labels, 0 when broadcast).
        int[][] strides = new int[inputs][labels];
        for (int t = 0; t < inputs; t++) {
            int[] dl = dimLabels[t];
            int s = 1;
            for (int d = dl.length - 1; d >= 0; d--) {
                int id = dl[d] >= 0 ? dl[d] : 128 + (-1 - dl[d]);
                int dim = xs[t].dim(d);
                if (!(dim == 1 && size[id] != 1)) strides[t][order.indexOf(id)] += s;
                s *= dim;
            }
        }
        Tensor y = ctx.output(0, xs[0].dtype(), outDims);
        int outSize = y.size();
        if (outSize == 0) return;
        int inner = 1;
        for (int i = outRank; i < labels; i++) inner *= lsize[i];
        boolean floating = xs[0].dtype().isFloatingPoint();
        int[] idx = new int[labels];
        int[] offs = new int[inputs];
        for (int o = 0; o < outSize; o++) {
            double sumD = 0;
            long sumL = 0;
            for (int r = 0; r < inner; r++) {
                if (floating) {
                    double p = 1;
                    for (int t = 0; t < inputs; t++) p *= Elements.getDouble(xs[t], offs[t]);
                    sumD += p;
                } else {
                    long p = 1;
                    for (int t = 0; t < inputs; t++) p *= Elements.getLong(xs[t], offs[t]);
                    sumL += p;
                }
                // Odometer over all labels: the contracted ones wrap into the output ones.
                for (int d = labels - 1; d >= 0; d--) {
                    idx[d]++;
                    for (int t = 0; t < inputs; t++) offs[t] += strides[t][d];
                    if (idx[d] < lsize[d]) break;
                    for (int t = 0; t < inputs; t++) offs[t] -= strides[t][d] * lsize[d];
                    idx[d] = 0;
                }
            }
            if (inner == 0) {
                // Empty contraction: the odometer never ran, move to the next output element by hand.
                for (int d = outRank - 1; d >= 0; d--) {
                    idx[d]++;
                    for (int t = 0; t < inputs; t++) offs[t] += strides[t][d];
                    if (idx[d] < lsize[d]) break;
                    for (int t = 0; t < inputs; t++) offs[t] -= strides[t][d] * lsize[d];
                    idx[d] = 0;
                }
            }
            if (floating) Elements.putDouble(y, o, sumD);
            else Elements.putLong(y, o, sumL);
        }
    }

    private static String describe(int id) {
        return id < 128 ? "'" + (char) id + "'" : "... dimension " + (id - 128);
    }
}
