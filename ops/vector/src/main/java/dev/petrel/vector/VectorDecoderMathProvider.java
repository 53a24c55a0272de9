package dev.petrel.vector;

import dev.petrel.llm.DecoderMath;
import dev.petrel.spi.Parallel;

/**
 * Registers {@link VectorDecoderMath}, the Vector API kernels of the GPT-2 decoder, with
 * {@link DecoderMath#bestProvider()} (priority 10, above the portable 0). Unavailable when the JVM runs
 * without {@code jdk.incubator.vector} or with {@code -Dpetrel.vector.disable=true}, like
 * {@link VectorBackend}.
 */
public final class VectorDecoderMathProvider implements DecoderMath.Provider {
    public VectorDecoderMathProvider() {
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public boolean available() {
        return new VectorBackend().isAvailable();
    }

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public DecoderMath create(Parallel parallel) {
        return new VectorDecoderMath(parallel);
    }

    /**
     * Bytes of the weight copies the vector kernels hold: the micro-kernel panels of every matrix a
     * prefill has multiplied, one per weight buffer, shared by every decoder in the process and dropped
     * with the model. Decoding alone reads the weights in place and copies nothing.
     */
    public static long copiedWeightBytes() {
        return PackedWeights.bytes();
    }
}
