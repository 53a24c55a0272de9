package dev.petrel.spi;

/**
 * Intra-op parallelism for kernels: splits a range of independent work items over the session's
 * threads. The portable implementation runs on the calling thread.
 */
public interface Parallel {
    /** Number of threads {@link #forRange} may use. */
    int threads();

    /** Calls {@code body.run(from, to)} on disjoint chunks covering [0, count), possibly concurrently. */
    void forRange(int count, RangeBody body);

    @FunctionalInterface
    interface RangeBody {
        void run(int from, int to);
    }

    /** Runs everything on the caller's thread. */
    Parallel SEQUENTIAL = new Parallel() {
        @Override public int threads() { return 1; }
        @Override public void forRange(int count, RangeBody body) { if (count > 0) body.run(0, count); }
    };
}
