package dev.petrel.vector;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.KernelSetup;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * DequantizeLinear of 8-bit data with one FLOAT scale and one zero point (per tensor), as the int8
 * embeddings of ONNX Runtime's quantized transformers use it (a Gather of quantized rows, then this):
 * {@code y = (float) (x - zp) * scale}, the portable kernel's arithmetic, in one pass over the bytes.
 * The portable kernel's generic element access measured 8 ns per element (1.3 ms per MiniLM run for
 * three 128 x 384 embeddings); every other case (per-axis or blocked scales, 16-bit scales,
 * {@code output_dtype}) goes to it.
 */
final class VectorDequantizeLinearKernel implements Kernel {
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Node node;
    private final KernelSetup setup;
    private final boolean plain;
    private Kernel portable;

    VectorDequantizeLinearKernel(Node node, KernelSetup setup) {
        this.node = node;
        this.setup = setup;
        this.plain = (node.opsetVersion() < 21 || node.attributes().getInt("block_size", 0) == 0)
                && node.attributes().getInt("output_dtype", 0) == 0;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        Tensor scale = ctx.requireInput(1);
        Tensor zp = ctx.input(2);
        if (!plain || (x.dtype() != DType.UINT8 && x.dtype() != DType.INT8) || scale.dtype() != DType.FLOAT || scale.rank() != 0
                || (zp != null && (zp.dtype() != x.dtype() || zp.rank() != 0))) {
            if (portable == null) portable = Segments.portableKernel(node, setup, x.dtype());
            portable.run(ctx);
            return;
        }
        boolean unsigned = x.dtype() == DType.UINT8;
        int z = zp == null ? 0 : unsigned ? zp.bytes().get(0) & 0xFF : zp.bytes().get(0);
        float s = scale.floats().get(0);
        Tensor y = ctx.output(0, DType.FLOAT, x.dims());
        MemorySegment in = Segments.of(x);
        MemorySegment out = Segments.of(y);
        int n = x.size();
        if (unsigned) {
            for (int i = 0; i < n; i++) out.set(FLOAT_LE, i * 4L, (float) ((in.get(ValueLayout.JAVA_BYTE, i) & 0xFF) - z) * s);
        } else {
            for (int i = 0; i < n; i++) out.set(FLOAT_LE, i * 4L, (float) (in.get(ValueLayout.JAVA_BYTE, i) - z) * s);
        }
    }
}
