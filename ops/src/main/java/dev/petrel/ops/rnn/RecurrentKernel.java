package dev.petrel.ops.rnn;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * What RNN, GRU and LSTM share: attributes (hidden_size, direction, layout, clip, activations), the
 * inputs X, W, R, B, sequence_lens, initial_h, the outputs Y and Y_h, and the walk over directions,
 * batch rows and time steps. Subclasses compute one time step of one batch row.
 *
 * <p>Each batch row is independent, so rows are run one after another with matrix-vector products.
 * Steps at or past a row's sequence length are not computed; Y is zero there, and Y_h holds the state
 * after the row's last step.
 */
abstract class RecurrentKernel implements Kernel {
    final String op;
    final int hidden;
    final int gates;
    final int directions;
    final boolean reverseOnly;
    final boolean batchFirst;
    final double clip;
    final Activation[] activations;
    /** Number of activation slots per direction. */
    final int slots;

    RecurrentKernel(Node node, int gates, Activation[] defaults) {
        Attributes a = node.attributes();
        this.op = node.opType();
        this.gates = gates;
        this.hidden = (int) a.requireInt("hidden_size");
        if (hidden <= 0) throw new IllegalArgumentException(op + " hidden_size must be positive, got " + hidden);
        String dir = a.getString("direction", "forward");
        switch (dir) {
            case "forward": directions = 1; reverseOnly = false; break;
            case "reverse": directions = 1; reverseOnly = true; break;
            case "bidirectional": directions = 2; reverseOnly = false; break;
            default: throw new IllegalArgumentException(op + " direction must be forward, reverse or bidirectional, got '" + dir + "'");
        }
        long layout = a.getInt("layout", 0);
        if (layout != 0 && layout != 1) throw new IllegalArgumentException(op + " layout must be 0 or 1, got " + layout);
        this.batchFirst = layout == 1;
        float c = a.getFloat("clip", 0f);
        this.clip = a.has("clip") && c > 0 ? c : Double.POSITIVE_INFINITY;
        this.slots = defaults.length;
        this.activations = Activation.parse(a.getStrings("activations"), a.getFloats("activation_alpha"),
                a.getFloats("activation_beta"), defaults, directions, op);
    }

    /** Per-direction weights and state for one batch row, handed to {@link #step}. */
    static final class Weights {
        double[] w;     // [gates*hidden, input]
        double[] r;     // [gates*hidden, hidden]
        double[] wb;    // [gates*hidden] or null
        double[] rb;    // [gates*hidden] or null
        double[] p;     // LSTM peepholes [3*hidden] or null
        int wOff;
        int rOff;
        int bOff;
        int pOff;
        int input;
    }

    /**
     * One step: reads x (length input) and the state h (and c for LSTM), overwrites h (and c).
     * {@code act} is the offset of this direction's activations in {@link #activations}.
     */
    abstract void step(Weights w, double[] x, double[] h, double[] c, double[] scratch, int act);

    /** True when the operator has a cell state (LSTM). */
    boolean hasCell() {
        return false;
    }

    /** Optional extra inputs (LSTM's initial_c and P) are read by the subclass through this hook. */
    double[] peepholes(KernelContext ctx) {
        return null;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor xt = ctx.requireInput(0);
        DType type = xt.dtype();
        if (!Elements.FLOATS.contains(type)) throw new UnsupportedFeatureException(op + " does not support X of type " + type);
        if (xt.rank() != 3) throw new IllegalArgumentException(op + " X must be rank 3, got " + xt.describe());
        int seq = batchFirst ? xt.dim(1) : xt.dim(0);
        int batch = batchFirst ? xt.dim(0) : xt.dim(1);
        int input = xt.dim(2);
        int gh = gates * hidden;
        Tensor wt = ctx.requireInput(1);
        Tensor rt = ctx.requireInput(2);
        expect(wt, "W (input 1)", directions, gh, input);
        expect(rt, "R (input 2)", directions, gh, hidden);
        double[] x = Elements.toDoubles(xt);
        Weights wts = new Weights();
        wts.w = Elements.toDoubles(wt);
        wts.r = Elements.toDoubles(rt);
        wts.input = input;
        Tensor bt = ctx.input(3);
        if (bt != null) {
            expect(bt, "B (input 3)", directions, 2 * gh);
            double[] b = Elements.toDoubles(bt);
            wts.wb = b;
            wts.rb = b;
        }
        Tensor lt = ctx.input(4);
        long[] lens = null;
        if (lt != null) {
            lens = Shapes.longs(lt);
            if (lens.length != batch) throw new IllegalArgumentException(op + " sequence_lens (input 4) " + lt.describe() + " must have " + batch + " entries");
            for (long l : lens) {
                if (l < 0 || l > seq) throw new IllegalArgumentException(op + " sequence_lens entry " + l + " is outside [0, " + seq + "]");
            }
        }
        double[] h0 = stateInput(ctx, 5, "initial_h (input 5)", batch);
        double[] c0 = hasCell() ? stateInput(ctx, 6, "initial_c (input 6)", batch) : null;
        wts.p = peepholes(ctx);

        double[] y = ctx.hasOutput(0) ? new double[seq * directions * batch * hidden] : null;
        double[] yh = new double[directions * batch * hidden];
        double[] yc = hasCell() ? new double[directions * batch * hidden] : null;
        double[] h = new double[hidden];
        double[] c = new double[hidden];
        double[] xrow = new double[input];
        double[] scratch = new double[gh * 2];
        for (int d = 0; d < directions; d++) {
            boolean reverse = reverseOnly || d == 1;
            wts.wOff = d * gh * input;
            wts.rOff = d * gh * hidden;
            wts.bOff = d * 2 * gh;
            wts.pOff = d * 3 * hidden;
            for (int b = 0; b < batch; b++) {
                int sIdx = stateIndex(d, b, batch, 0);
                for (int k = 0; k < hidden; k++) {
                    h[k] = h0 == null ? 0 : h0[sIdx + k];
                    c[k] = c0 == null ? 0 : c0[sIdx + k];
                }
                int len = lens == null ? seq : (int) lens[b];
                for (int s = 0; s < len; s++) {
                    int t = reverse ? len - 1 - s : s;
                    int xOff = (batchFirst ? b * seq + t : t * batch + b) * input;
                    System.arraycopy(x, xOff, xrow, 0, input);
                    step(wts, xrow, h, c, scratch, d * slots);
                    if (y != null) System.arraycopy(h, 0, y, yIndex(t, d, b, seq, batch), hidden);
                }
                if (len == 0) {
                    // Nothing ran for this row: its final state is zero, like its Y.
                    java.util.Arrays.fill(h, 0);
                    java.util.Arrays.fill(c, 0);
                }
                System.arraycopy(h, 0, yh, sIdx, hidden);
                if (yc != null) System.arraycopy(c, 0, yc, sIdx, hidden);
            }
        }
        if (y != null) {
            Elements.storeDoubles(ctx.output(0, type, batchFirst ? new int[] {batch, seq, directions, hidden}
                    : new int[] {seq, directions, batch, hidden}), y);
        }
        int[] stateDims = batchFirst ? new int[] {batch, directions, hidden} : new int[] {directions, batch, hidden};
        if (ctx.hasOutput(1)) Elements.storeDoubles(ctx.output(1, type, stateDims), yh);
        if (yc != null && ctx.hasOutput(2)) Elements.storeDoubles(ctx.output(2, type, stateDims), yc);
    }

    private int stateIndex(int d, int b, int batch, int k) {
        return (batchFirst ? b * directions + d : d * batch + b) * hidden + k;
    }

    private int yIndex(int t, int d, int b, int seq, int batch) {
        return (batchFirst ? (b * seq + t) * directions + d : (t * directions + d) * batch + b) * hidden;
    }

    private double[] stateInput(KernelContext ctx, int i, String what, int batch) {
        Tensor t = ctx.input(i);
        if (t == null) return null;
        if (batchFirst) expect(t, what, batch, directions, hidden);
        else expect(t, what, directions, batch, hidden);
        return Elements.toDoubles(t);
    }

    void expect(Tensor t, String what, int... dims) {
        if (!t.hasDims(dims)) {
            throw new IllegalArgumentException(op + " " + what + " has shape " + t.describe() + "; expected "
                    + java.util.Arrays.toString(dims));
        }
    }

    double clip(double v) {
        return v > clip ? clip : v < -clip ? -clip : v;
    }

    /** Input projection of gate g, unit k: W[g*hidden+k] . x + Wb. */
    double inputPart(Weights w, int g, int k, double[] x) {
        int row = g * hidden + k;
        double s = dot(w.w, w.wOff + row * w.input, x, w.input);
        return w.wb == null ? s : s + w.wb[w.bOff + row];
    }

    /** Recurrent projection of gate g, unit k: R[g*hidden+k] . h + Rb. */
    double recurrentPart(Weights w, int g, int k, double[] h) {
        int row = g * hidden + k;
        double s = dot(w.r, w.rOff + row * hidden, h, hidden);
        return w.rb == null ? s : s + w.rb[w.bOff + gates * hidden + row];
    }

    static double dot(double[] m, int rowOff, double[] v, int n) {
        double s = 0;
        for (int j = 0; j < n; j++) s += m[rowOff + j] * v[j];
        return s;
    }
}
