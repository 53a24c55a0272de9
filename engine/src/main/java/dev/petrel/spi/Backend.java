package dev.petrel.spi;

/**
 * A set of kernels for one kind of hardware, found at run time through {@link java.util.ServiceLoader}
 * (declare it in {@code META-INF/services/dev.petrel.spi.Backend}).
 *
 * <p>Every backend registers its kernels into the shared {@link KernelRegistry}; for each node the
 * registry picks the matching kernel of the highest {@link #priority()}. The portable scalar backend
 * has priority 0 and covers every supported operator, so a faster backend may register only the
 * operators it accelerates, and a backend that cannot run here (no Vector API, no GPU) reports
 * {@link #isAvailable()} false and is skipped.
 */
public interface Backend {
    /** Short name shown in reports, e.g. "portable", "vector". */
    String name();

    /** Kernels of higher priority win; the portable backend uses 0. */
    int priority();

    /** False when this machine or JVM cannot run the backend; it is then ignored. */
    default boolean isAvailable() {
        return true;
    }

    /** Adds this backend's kernels, each tagged with {@link #priority()} by the registry. */
    void register(KernelRegistry registry);
}
