package dev.petrel.ops;

import dev.petrel.spi.Backend;
import dev.petrel.spi.KernelRegistry;

/**
 * The portable scalar kernels: plain Java, no Vector API, no native code, runs on Android. Every
 * operator Petrel supports has a kernel here; it is also the reference that faster backends are
 * tested against.
 */
public final class PortableBackend implements Backend {
    @Override
    public String name() {
        return "portable";
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public void register(KernelRegistry r) {
        dev.petrel.ops.math.MathKernels.register(r);
        dev.petrel.ops.tensor.TensorKernels.register(r);
        dev.petrel.ops.nn.NnKernels.register(r);
        dev.petrel.ops.quant.QuantKernels.register(r);
        dev.petrel.ops.control.ControlKernels.register(r);
        dev.petrel.ops.vision.VisionKernels.register(r);
        dev.petrel.ops.loss.LossKernels.register(r);
        dev.petrel.ops.signal.SignalKernels.register(r);
        dev.petrel.ops.fused.FusedKernels.register(r);
    }
}
