package dev.petrel.ops.tensor;

import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;

/** ReverseSequence: for batch b, the first sequence_lens[b] steps along the time axis in reverse order, the rest unchanged. */
final class ReverseSequenceKernel implements Kernel {
    private final long batchAxis;
    private final long timeAxis;

    ReverseSequenceKernel(Node node) {
        batchAxis = node.attributes().getInt("batch_axis", 1);
        timeAxis = node.attributes().getInt("time_axis", 0);
        if (!((batchAxis == 0 && timeAxis == 1) || (batchAxis == 1 && timeAxis == 0))) {
            throw new IllegalArgumentException("ReverseSequence needs batch_axis and time_axis to be 0 and 1 in some order, got "
                    + batchAxis + " and " + timeAxis);
        }
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        Tensor lens = ctx.requireInput(1);
        if (x.rank() < 2) throw new IllegalArgumentException("ReverseSequence input must have rank >= 2, got " + x.describe());
        int batch = x.dim((int) batchAxis);
        int time = x.dim((int) timeAxis);
        long[] seq = ShapeArgs.ints(lens, "ReverseSequence input 'sequence_lens'");
        if (seq.length != batch) {
            throw new IllegalArgumentException("ReverseSequence sequence_lens " + lens.describe() + " must have " + batch + " entries for " + x.describe());
        }
        Tensor y = ctx.output(0, x.dtype(), x.dims());
        int inner = x.size() == 0 ? 0 : x.size() / (batch * time);
        for (int b = 0; b < batch; b++) {
            if (seq[b] < 0 || seq[b] > time) {
                throw new IllegalArgumentException("ReverseSequence length " + seq[b] + " for batch " + b + " is out of range [0, " + time + "]");
            }
            int len = (int) seq[b];
            for (int t = 0; t < time; t++) {
                int from = t < len ? len - 1 - t : t;
                ElementCopier.copy(x, offset(b, from, batch, time) * inner, y, offset(b, t, batch, time) * inner, inner);
            }
        }
    }

    private int offset(int b, int t, int batch, int time) {
        return timeAxis == 0 ? t * batch + b : b * time + t;
    }
}
