package dev.petrel.ops.signal;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * STFT (opset 17+): signal [batch, length, 1 or 2], frame_step, optional window [window_length] and
 * frame_length, giving [batch, frames, bins, 2]. Frame f holds window_length samples from f * step
 * (zeros past the end), multiplied by the window, then transformed with a DFT of frame_length
 * points (zero-padded or truncated), as the ONNX reference does. frame_length defaults to the window
 * length, or to the signal length without a window; frames = 1 + (length - frame_length) / step.
 */
final class StftKernel implements Kernel {
    private final boolean onesided;
    private Fft fft;

    StftKernel(Node node) {
        onesided = node.attributes().getInt("onesided", 1) != 0;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor st = ctx.requireInput(0);
        if (st.rank() != 3 || (st.dim(2) != 1 && st.dim(2) != 2)) {
            throw new IllegalArgumentException("STFT signal must be [batch, length, 1 or 2], got " + st.describe());
        }
        boolean complex = st.dim(2) == 2;
        if (onesided && complex) {
            throw new IllegalArgumentException("STFT onesided=1 requires a real signal (last dimension 1), got "
                    + st.describe() + "; set onesided=0 for complex signals");
        }
        int batch = st.dim(0), length = st.dim(1);
        long step = SignalValues.intScalar(ctx.requireInput(1), "STFT frame_step");
        if (step < 1) throw new IllegalArgumentException("STFT frame_step must be positive, got " + step);
        Tensor wt = ctx.input(2);
        Tensor lt = ctx.input(3);
        double[] window = null;
        if (wt != null) {
            if (wt.rank() != 1) throw new IllegalArgumentException("STFT window must be 1-D, got " + wt.describe());
            window = Elements.toDoubles(Elements.requireFloating(wt, "STFT window"));
        }
        long frameLength;
        if (lt != null) {
            frameLength = SignalValues.intScalar(lt, "STFT frame_length");
        } else {
            frameLength = window != null ? window.length : length;
        }
        if (frameLength < 1 || frameLength > length) {
            throw new IllegalArgumentException("STFT frame_length must be in [1, signal length " + length + "], got " + frameLength);
        }
        int n = (int) frameLength;
        int windowLength = window != null ? window.length : n;
        int frames = (int) (1 + (length - frameLength) / step);
        int bins = onesided ? n / 2 + 1 : n;
        Tensor out = ctx.output(0, st.dtype(), batch, frames, bins, 2);
        if (out.size() == 0) return;

        double[] x = Elements.toDoubles(Elements.requireFloating(st, "STFT signal"));
        double[] y = new double[out.size()];
        if (fft == null || fft.length() != n) fft = new Fft(n);
        double[] re = new double[n];
        double[] im = new double[n];
        int c = complex ? 2 : 1;
        int taken = Math.min(n, windowLength);
        for (int b = 0; b < batch; b++) {
            for (int f = 0; f < frames; f++) {
                long start = f * step;
                for (int k = 0; k < taken; k++) {
                    long pos = start + k;
                    double w = window != null ? window[k] : 1;
                    if (pos < length) {
                        int at = (int) ((b * (long) length + pos) * c);
                        re[k] = x[at] * w;
                        im[k] = complex ? x[at + 1] * w : 0;
                    } else {
                        re[k] = 0;
                        im[k] = 0;
                    }
                }
                for (int k = taken; k < n; k++) {
                    re[k] = 0;
                    im[k] = 0;
                }
                fft.transform(re, im, false);
                int base = ((b * frames + f) * bins) * 2;
                for (int k = 0; k < bins; k++) {
                    y[base + 2 * k] = re[k];
                    y[base + 2 * k + 1] = im[k];
                }
            }
        }
        Elements.storeDoubles(out, y);
    }
}
