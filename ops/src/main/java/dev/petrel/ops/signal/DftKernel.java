package dev.petrel.ops.signal;

import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.graph.Attributes;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * DFT (opset 17+): a one-dimensional DFT along one axis of [..., signal dims ..., 1 or 2] (real, or
 * complex as re/im pairs), giving [..., 2]. The optional dft_length zero-pads or truncates the
 * signal; inverse scales by 1/n; onesided keeps bins 0..n/2 of a real signal's spectrum. Opset 17-19
 * read the axis from an attribute (default 1), opset 20 from the optional third input (default -2).
 */
final class DftKernel implements Kernel {
    private final boolean axisFromInput;
    private final long axisAttribute;
    private final boolean inverse;
    private final boolean onesided;
    private Fft fft;

    DftKernel(Node node) {
        Attributes a = node.attributes();
        axisFromInput = node.opsetVersion() >= 20;
        axisAttribute = axisFromInput ? -2 : a.getInt("axis", 1);
        inverse = a.getInt("inverse", 0) != 0;
        onesided = a.getInt("onesided", 0) != 0;
        if (inverse && onesided) {
            // The reference slices the inverse output while runtimes read the input as a half spectrum.
            throw new UnsupportedFeatureException("DFT with inverse=1 and onesided=1 is not supported");
        }
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor xt = ctx.requireInput(0);
        int r = xt.rank();
        if (r < 2 || (xt.dim(r - 1) != 1 && xt.dim(r - 1) != 2)) {
            throw new IllegalArgumentException("DFT input must be [..., signal_dim, 1 or 2], got " + xt.describe());
        }
        boolean complex = xt.dim(r - 1) == 2;
        if (onesided && complex) {
            throw new IllegalArgumentException("DFT onesided=1 requires a real input (last dimension 1), got " + xt.describe());
        }
        long axisValue = axisAttribute;
        Tensor axisTensor = axisFromInput ? ctx.input(2) : null;
        if (axisTensor != null) axisValue = SignalValues.intScalar(axisTensor, "DFT axis");
        if (axisValue < -r || axisValue > r - 2 || (axisValue < 0 && axisValue > -2)) {
            throw new IllegalArgumentException("DFT axis " + axisValue + " is out of range [" + -r + ", -2] U [0, "
                    + (r - 2) + "] for input " + xt.describe());
        }
        int axis = (int) (axisValue < 0 ? axisValue + r : axisValue);
        int inLen = xt.dim(axis);
        int n = inLen;
        Tensor lengthTensor = ctx.input(1);
        if (lengthTensor != null) {
            long len = SignalValues.intScalar(lengthTensor, "DFT dft_length");
            if (len < 1 || len > Integer.MAX_VALUE / 4) {
                throw new IllegalArgumentException("DFT dft_length must be positive, got " + len);
            }
            n = (int) len;
        }
        if (n < 1) throw new IllegalArgumentException("DFT signal along axis " + axis + " is empty: " + xt.describe());
        int bins = onesided ? n / 2 + 1 : n;

        int[] outDims = xt.dims();
        outDims[axis] = bins;
        outDims[r - 1] = 2;
        Tensor out = ctx.output(0, xt.dtype(), outDims);
        int outer = 1;
        for (int d = 0; d < axis; d++) outer *= xt.dim(d);
        int inner = 1;
        for (int d = axis + 1; d < r - 1; d++) inner *= xt.dim(d);
        if (out.size() == 0) return;

        double[] x = Elements.toDoubles(Elements.requireFloating(xt, "DFT input"));
        double[] y = new double[out.size()];
        if (fft == null || fft.length() != n) fft = new Fft(n);
        double[] re = new double[n];
        double[] im = new double[n];
        int c = complex ? 2 : 1;
        int copy = Math.min(n, inLen);
        double scale = inverse ? 1.0 / n : 1.0;
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int inBase = o * inLen * inner + i;
                for (int k = 0; k < copy; k++) {
                    int at = (inBase + k * inner) * c;
                    re[k] = x[at];
                    im[k] = complex ? x[at + 1] : 0;
                }
                for (int k = copy; k < n; k++) {
                    re[k] = 0;
                    im[k] = 0;
                }
                fft.transform(re, im, inverse);
                int outBase = o * bins * inner + i;
                for (int k = 0; k < bins; k++) {
                    int at = (outBase + k * inner) * 2;
                    y[at] = re[k] * scale;
                    y[at + 1] = im[k] * scale;
                }
            }
        }
        Elements.storeDoubles(out, y);
    }
}
