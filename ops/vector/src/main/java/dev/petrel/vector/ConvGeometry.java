package dev.petrel.vector;

import dev.petrel.UnsupportedFeatureException;
import dev.petrel.graph.Node;
import dev.petrel.ops.nn.Window;
import java.util.Arrays;

/**
 * The window of a 1-D or 2-D Conv or pooling node in the 2-D form the vector kernels index: the portable
 * {@link Window} parses the attributes and resolves the output sizes (so both backends agree on every
 * shape), and a 1-D window gets a leading height of 1 (kernel 1, stride 1, no padding).
 */
final class ConvGeometry {
    private final String op;
    private final Window window;

    ConvGeometry(Node node) {
        this.op = node.opType();
        this.window = new Window(node);
    }

    /** kernel_shape, or null when the attribute is absent. */
    int[] kernelShape() {
        return window.kernelShape();
    }

    /** Geometry for one input shape: height and width of input, output, kernel, stride, dilation, padding. */
    static final class Resolved {
        final int rank;
        int inH = 1, inW, outH = 1, outW, kH = 1, kW, sH = 1, sW, dH = 1, dW;
        int padTop, padLeft, padBottom, padRight;

        Resolved(int rank) {
            this.rank = rank;
        }

        int inSize() {
            return inH * inW;
        }

        int outSize() {
            return outH * outW;
        }

        int kernelSize() {
            return kH * kW;
        }

        /** [n, c, out spatial...] in the input's rank. */
        int[] outDims(int n, int c) {
            return rank == 1 ? new int[] {n, c, outW} : new int[] {n, c, outH, outW};
        }
    }

    /**
     * Resolves against an input of shape [N, C, W] or [N, C, H, W] and a window of {@code kernel}
     * (from kernel_shape or the weight's shape). Other ranks are the caller's to route elsewhere.
     */
    Resolved resolve(int[] inDims, int[] kernel) {
        int rank = inDims.length - 2;
        if (rank < 1 || rank > 2) throw new UnsupportedFeatureException(op + " vector path takes 1-D or 2-D windows, got input " + Arrays.toString(inDims));
        Window.Resolved w = window.resolve(inDims, kernel);
        Resolved r = new Resolved(rank);
        // Window's 3-D form: axis 1 is the height (size 1 for a 1-D window), axis 2 the width.
        r.inH = w.in(1); r.outH = w.out(1); r.kH = w.kernel(1); r.sH = w.stride(1); r.dH = w.dilation(1);
        r.padTop = w.padBegin(1); r.padBottom = w.padEnd(1);
        r.inW = w.in(2); r.outW = w.out(2); r.kW = w.kernel(2); r.sW = w.stride(2); r.dW = w.dilation(2);
        r.padLeft = w.padBegin(2); r.padRight = w.padEnd(2);
        return r;
    }
}
