package dev.petrel.ops.math;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * Where(condition, X, Y): X's element where the condition holds, Y's elsewhere, all three broadcast
 * together. Elements are copied as raw bits of their width, so every type works unchanged.
 */
final class WhereKernel implements Kernel {
    @Override
    public void run(KernelContext ctx) {
        Tensor cond = ctx.requireInput(0);
        Tensor x = ctx.requireInput(1);
        Tensor y = ctx.requireInput(2);
        if (cond.dtype() != DType.BOOL) {
            throw new IllegalArgumentException("Where condition (input 0) must be BOOL, got " + cond.describe());
        }
        if (x.dtype() != y.dtype()) {
            throw new IllegalArgumentException("Where needs X and Y of one type: input 1 is " + x.describe()
                    + ", input 2 is " + y.describe());
        }
        BroadcastLoop loop = BroadcastLoop.of(cond.dims(), x.dims(), y.dims());
        Tensor out = ctx.output(0, x.dtype(), loop.outDims);
        ByteBuffer c = cond.bytes();
        int sc = loop.innerStride(0);
        int sx = loop.innerStride(1);
        int sy = loop.innerStride(2);
        if (x.dtype() == DType.FLOAT) {
            FloatBuffer a = x.floats();
            FloatBuffer b = y.floats();
            FloatBuffer z = out.floats();
            loop.forEachRow((o, in, n) -> {
                for (int j = 0, ic = in[0], ia = in[1], ib = in[2]; j < n; j++, ic += sc, ia += sx, ib += sy) {
                    z.put(o + j, c.get(ic) != 0 ? a.get(ia) : b.get(ib));
                }
            });
            return;
        }
        ByteBuffer a = x.bytes();
        ByteBuffer b = y.bytes();
        ByteBuffer z = out.bytes();
        int width = x.dtype().byteSize();
        loop.forEachRow((o, in, n) -> {
            for (int j = 0, ic = in[0], ia = in[1], ib = in[2]; j < n; j++, ic += sc, ia += sx, ib += sy) {
                boolean pick = c.get(ic) != 0;
                int p = o + j;
                switch (width) {
                    case 1: z.put(p, pick ? a.get(ia) : b.get(ib)); break;
                    case 2: z.putShort(2 * p, pick ? a.getShort(2 * ia) : b.getShort(2 * ib)); break;
                    case 4: z.putInt(4 * p, pick ? a.getInt(4 * ia) : b.getInt(4 * ib)); break;
                    default: z.putLong(8 * p, pick ? a.getLong(8 * ia) : b.getLong(8 * ib)); break;
                }
            }
        });
    }
}
