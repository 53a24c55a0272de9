package dev.petrel.spi;

import dev.petrel.Tensor;
import java.util.function.Supplier;

/** What a {@link KernelFactory} may know about a node besides its attributes. */
public interface KernelSetup {
    /**
     * The value of input {@code i} when it is a constant of the model (an initializer that the caller
     * cannot override), else null: its value is known only at run time.
     */
    Tensor constantInput(int i);

    /**
     * A value derived from constants and shared by all sessions of the model, made once per key by
     * {@code make} (thread-safe). Use keys with identity of the source tensor and the layout, e.g.
     * {@code List.of(weights, "panels-16")}; tensors compare by identity.
     */
    <T> T shared(Object key, Supplier<T> make);

    /** No constants known, nothing shared (kernels made outside a model). */
    KernelSetup NONE = new KernelSetup() {
        @Override public Tensor constantInput(int i) { return null; }
        @Override public <T> T shared(Object key, Supplier<T> make) { return make.get(); }
    };
}
