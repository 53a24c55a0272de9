package dev.petrel.llm;

import dev.petrel.spi.Parallel;

/** The portable kernels (package-private in engine/llm), the reference of the vector provider's tests. */
public final class PortableAccess {
    private PortableAccess() {}

    public static DecoderMath create() {
        return PortableDecoderMath.PROVIDER.create(Parallel.SEQUENTIAL);
    }

    public static DecoderMath.Provider provider() {
        return PortableDecoderMath.PROVIDER;
    }
}
