package dev.petrel.ops.signal;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/**
 * HannWindow, HammingWindow and BlackmanWindow (opset 17+): generalized cosine windows
 * w[k] = a0 - a1 cos(2 pi k / N) + a2 cos(4 pi k / N) for k in [0, size), where N = size when
 * periodic (the default) and size - 1 when symmetric. Coefficients are those of the ONNX spec.
 */
final class WindowKernel implements Kernel {
    enum Shape {
        HANN(0.5, 0.5, 0),
        // The spec's alpha = 25/46 rather than the rounded 0.54.
        HAMMING(25.0 / 46.0, 1 - 25.0 / 46.0, 0),
        BLACKMAN(0.42, 0.5, 0.08);

        final double a0, a1, a2;

        Shape(double a0, double a1, double a2) {
            this.a0 = a0;
            this.a1 = a1;
            this.a2 = a2;
        }
    }

    private final Shape shape;
    private final boolean periodic;
    private final DType outputType;

    WindowKernel(Node node, Shape shape) {
        this.shape = shape;
        periodic = node.attributes().getInt("periodic", 1) != 0;
        outputType = SignalValues.outputType(node.attributes().getInt("output_datatype", 1), node.opType());
    }

    static double[] values(Shape shape, int size, boolean periodic) {
        double[] w = new double[size];
        double denominator = periodic ? size : size - 1;
        for (int k = 0; k < size; k++) {
            double t = 2 * Math.PI * k / denominator;
            w[k] = shape.a0 - shape.a1 * Math.cos(t) + (shape.a2 == 0 ? 0 : shape.a2 * Math.cos(2 * t));
        }
        return w;
    }

    @Override
    public void run(KernelContext ctx) {
        long size = SignalValues.intScalar(ctx.requireInput(0), "window size");
        if (size < 0 || size > Integer.MAX_VALUE / 8) {
            throw new IllegalArgumentException("window size must be non-negative, got " + size);
        }
        Tensor out = ctx.output(0, outputType, (int) size);
        Elements.storeDoubles(out, values(shape, (int) size, periodic));
    }
}
