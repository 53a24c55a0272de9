package dev.petrel.ops.control;

import dev.petrel.Tensor;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.ops.Shapes;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.util.Arrays;

/**
 * Scan: runs the body once per element of the scan inputs, threading N state values through.
 *
 * <p>Opset 9+: inputs are (N initial states, M scan inputs), each scan input iterated along its
 * scan_input_axes entry in its scan_input_directions order; each of the K scan outputs is stacked
 * along scan_output_axes. Opset 8: input 0 is the optional sequence_lens, and every state and scan
 * input has a leading batch axis (scan inputs are [batch, sequence, ...]); each batch entry is scanned
 * separately and scan outputs past an entry's sequence length are zero.
 */
final class ScanKernel implements Kernel {
    private final Graph body;
    private final boolean batched;
    private final int numScanInputs;
    private final long[] inputAxes;
    private final long[] inputDirections;
    private final long[] outputAxes;
    private final long[] outputDirections;

    ScanKernel(Node node) {
        this.body = node.attributes().getGraph("body");
        if (body == null) throw new IllegalArgumentException("Scan needs a body graph attribute");
        this.batched = node.opsetVersion() < 9;
        long m = node.attributes().requireInt("num_scan_inputs");
        int inputs = node.inputs().size() - (batched ? 1 : 0);
        if (m < 1 || m > inputs) {
            throw new IllegalArgumentException("Scan num_scan_inputs " + m + " must be in [1, " + inputs + "]");
        }
        this.numScanInputs = (int) m;
        int states = inputs - numScanInputs;
        int scanOutputs = body.outputs().size() - states;
        if (body.inputs().size() != inputs) {
            throw new IllegalArgumentException("Scan body has " + body.inputs().size() + " inputs; expected " + inputs
                    + " (" + states + " states and " + numScanInputs + " scan inputs)");
        }
        if (scanOutputs < 0) {
            throw new IllegalArgumentException("Scan body has " + body.outputs().size() + " outputs; expected at least " + states);
        }
        if (batched) {
            this.inputDirections = orDefault(node.attributes().getInts("directions"), numScanInputs, "directions");
            this.inputAxes = new long[numScanInputs];
            this.outputAxes = new long[scanOutputs];
            this.outputDirections = new long[scanOutputs];
        } else {
            this.inputAxes = orDefault(node.attributes().getInts("scan_input_axes"), numScanInputs, "scan_input_axes");
            this.inputDirections = orDefault(node.attributes().getInts("scan_input_directions"), numScanInputs, "scan_input_directions");
            this.outputAxes = orDefault(node.attributes().getInts("scan_output_axes"), scanOutputs, "scan_output_axes");
            this.outputDirections = orDefault(node.attributes().getInts("scan_output_directions"), scanOutputs, "scan_output_directions");
        }
    }

    private static long[] orDefault(long[] v, int n, String name) {
        if (v == null) return new long[n];
        if (v.length != n) throw new IllegalArgumentException("Scan attribute " + name + " has " + v.length + " entries; expected " + n);
        return v;
    }

    @Override
    public void run(KernelContext ctx) {
        int first = batched ? 1 : 0;
        int inputs = ctx.inputCount() - first;
        int states = inputs - numScanInputs;
        int scanOutputs = body.outputs().size() - states;
        Tensor[] init = new Tensor[states];
        Tensor[] scanIn = new Tensor[numScanInputs];
        for (int i = 0; i < states; i++) init[i] = ctx.requireInput(first + i);
        for (int j = 0; j < numScanInputs; j++) scanIn[j] = ctx.requireInput(first + states + j);
        if (batched) {
            runBatched(ctx, init, scanIn, states, scanOutputs);
            return;
        }
        int[] axes = new int[numScanInputs];
        int len = -1;
        for (int j = 0; j < numScanInputs; j++) {
            axes[j] = Shapes.axis(inputAxes[j], scanIn[j].rank());
            int l = scanIn[j].dim(axes[j]);
            if (len >= 0 && l != len) {
                throw new IllegalArgumentException("Scan inputs disagree on the sequence length: scan input " + j + " "
                        + scanIn[j].describe() + " has " + l + " along axis " + axes[j] + ", an earlier one has " + len);
            }
            len = l;
        }
        Tensor[][] perStep = new Tensor[scanOutputs][len];
        Tensor[] fin = scan(ctx, init, scanIn, axes, len, perStep);
        for (int i = 0; i < states; i++) TensorSlices.copyToOutput(ctx, i, fin[i]);
        for (int k = 0; k < scanOutputs; k++) {
            int o = states + k;
            if (!ctx.hasOutput(o)) continue;
            if (len == 0) {
                TensorSlices.copyToOutput(ctx, o, TensorSlices.emptyStack(body.outputs().get(o), 0));
                continue;
            }
            TensorSlices.checkSameShape(Arrays.asList(perStep[k]), "Scan output " + k);
            Tensor part = perStep[k][0];
            int axis = Shapes.axis(outputAxes[k], part.rank() + 1);
            Tensor dst = ctx.output(o, part.dtype(), TensorSlices.insertAxis(part.dims(), axis, len));
            boolean reverse = outputDirections[k] != 0;
            for (int t = 0; t < len; t++) TensorSlices.place(perStep[k][t], dst, axis, reverse ? len - 1 - t : t, len);
        }
    }

    /** Runs {@code len} iterations; fills perStep[k][t] with scan output k of iteration t; returns the final states. */
    private Tensor[] scan(KernelContext ctx, Tensor[] init, Tensor[] scanIn, int[] axes, int len, Tensor[][] perStep) {
        int states = init.length;
        Tensor[] state = init.clone();
        Tensor[] bodyIn = new Tensor[states + scanIn.length];
        for (int t = 0; t < len; t++) {
            System.arraycopy(state, 0, bodyIn, 0, states);
            for (int j = 0; j < scanIn.length; j++) {
                int at = inputDirections[j] != 0 ? len - 1 - t : t;
                bodyIn[states + j] = TensorSlices.slice(scanIn[j], axes[j], at);
            }
            Tensor[] out = ctx.runSubgraph(body, bodyIn);
            for (int i = 0; i < states; i++) state[i] = out[i];
            for (int k = 0; k < perStep.length; k++) perStep[k][t] = out[states + k];
        }
        return state;
    }

    private void runBatched(KernelContext ctx, Tensor[] init, Tensor[] scanIn, int states, int scanOutputs) {
        Tensor lens = ctx.input(0);
        int batch = -1;
        int maxLen = -1;
        for (Tensor t : init) batch = checkBatch(batch, t);
        for (Tensor t : scanIn) {
            batch = checkBatch(batch, t);
            if (t.rank() < 2) throw new IllegalArgumentException("Scan (opset 8) scan input " + t.describe() + " needs [batch, sequence, ...]");
            if (maxLen >= 0 && t.dim(1) != maxLen) {
                throw new IllegalArgumentException("Scan inputs disagree on the sequence length: " + t.dim(1) + " vs " + maxLen);
            }
            maxLen = t.dim(1);
        }
        long[] seqLens = lens == null ? null : Shapes.longs(lens);
        if (seqLens != null && seqLens.length != batch) {
            throw new IllegalArgumentException("Scan sequence_lens " + lens.describe() + " must have one entry per batch (" + batch + ")");
        }
        int[] axes = new int[numScanInputs];
        Tensor[] finals = new Tensor[states];
        Tensor[] outs = new Tensor[scanOutputs];
        for (int b = 0; b < batch; b++) {
            int len = seqLens == null ? maxLen : (int) seqLens[b];
            if (len < 0 || len > maxLen) {
                throw new IllegalArgumentException("Scan sequence_lens[" + b + "] = " + len + " is outside [0, " + maxLen + "]");
            }
            Tensor[] bInit = new Tensor[states];
            for (int i = 0; i < states; i++) bInit[i] = TensorSlices.slice(init[i], 0, b);
            Tensor[] bScan = new Tensor[numScanInputs];
            for (int j = 0; j < numScanInputs; j++) {
                Tensor whole = TensorSlices.slice(scanIn[j], 0, b);
                bScan[j] = len == maxLen ? whole : prefix(whole, len);
            }
            Tensor[][] perStep = new Tensor[scanOutputs][len];
            Tensor[] fin = scan(ctx, bInit, bScan, axes, len, perStep);
            for (int i = 0; i < states; i++) {
                if (finals[i] == null) {
                    if (!ctx.hasOutput(i)) continue;
                    finals[i] = ctx.output(i, fin[i].dtype(), TensorSlices.insertAxis(fin[i].dims(), 0, batch));
                }
                checkPart(fin[i], finals[i], 1, "Scan state output " + i);
                TensorSlices.place(fin[i], finals[i], 0, b, batch);
            }
            for (int k = 0; k < scanOutputs; k++) {
                int o = states + k;
                if (!ctx.hasOutput(o) || len == 0) continue;
                Tensor part = perStep[k][0];
                if (outs[k] == null) {
                    int[] dims = TensorSlices.insertAxis(TensorSlices.insertAxis(part.dims(), 0, maxLen), 0, batch);
                    outs[k] = ctx.output(o, part.dtype(), dims);
                    fillZero(outs[k]);
                }
                // Opset 8 has no scan output directions: steps are stored in iteration order.
                Tensor rows = outs[k].reshape(flat2(outs[k].dims()));
                for (int t = 0; t < len; t++) {
                    checkPart(perStep[k][t], outs[k], 2, "Scan output " + k);
                    TensorSlices.place(perStep[k][t], rows, 0, b * maxLen + t, batch * maxLen);
                }
            }
        }
        for (int k = 0; k < scanOutputs; k++) {
            int o = states + k;
            if (ctx.hasOutput(o) && outs[k] == null) {
                // No batch entry ran an iteration: the shape of a step is unknown beyond what the body declares.
                Tensor empty = TensorSlices.emptyStack(body.outputs().get(o), 0);
                int[] d = empty.dims();
                d[0] = maxLen;
                fillZero(ctx.output(o, empty.dtype(), TensorSlices.insertAxis(d, 0, batch)));
            }
        }
        for (int i = 0; i < states; i++) {
            if (ctx.hasOutput(i) && finals[i] == null) TensorSlices.copyToOutput(ctx, i, init[i]);
        }
    }

    private static void fillZero(Tensor t) {
        for (int i = 0; i < t.bytes().limit(); i++) t.bytes().put(i, (byte) 0);
    }

    private static int[] flat2(int[] dims) {
        int[] d = new int[dims.length - 1];
        d[0] = dims[0] * dims[1];
        System.arraycopy(dims, 2, d, 1, dims.length - 2);
        return d;
    }

    private static void checkPart(Tensor part, Tensor whole, int lead, String what) {
        int[] w = whole.dims();
        if (part.dtype() != whole.dtype() || part.rank() + lead != w.length
                || !Arrays.equals(part.dims(), Arrays.copyOfRange(w, lead, w.length))) {
            throw new IllegalArgumentException(what + " is " + part.describe() + " for one batch entry but "
                    + whole.describe() + " overall; every batch entry must give the same shape");
        }
    }

    private static Tensor prefix(Tensor t, int len) {
        int[] d = t.dims();
        int inner = TensorSlices.product(d, 1, d.length) * t.dtype().byteSize();
        d[0] = len;
        Tensor out = Tensor.allocate(t.dtype(), d);
        if (len * inner > 0) Tensor.copyBytes(t.bytes(), 0, out.bytes(), 0, len * inner);
        return out;
    }

    private static int checkBatch(int batch, Tensor t) {
        if (t.rank() < 1) throw new IllegalArgumentException("Scan (opset 8) input " + t.describe() + " has no batch axis");
        if (batch >= 0 && t.dim(0) != batch) {
            throw new IllegalArgumentException("Scan (opset 8) inputs disagree on the batch size: " + t.dim(0) + " vs " + batch);
        }
        return t.dim(0);
    }
}
