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

    /** A {@link Parallel} that owns threads: close it to stop them. */
    interface Pool extends Parallel, AutoCloseable {
        @Override
        void close();
    }

    /**
     * A pool of {@code threads}: the calling thread plus {@code threads - 1} daemon workers that spin
     * briefly between calls, then park. Nothing is allocated per call. With 1 thread no worker starts.
     */
    static Pool pool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        if (threads == 1) {
            return new Pool() {
                @Override public int threads() { return 1; }
                @Override public void forRange(int count, RangeBody body) { if (count > 0) body.run(0, count); }
                @Override public void close() {}
            };
        }
        return new WorkerPool(threads);
    }

    /** Runs everything on the caller's thread. */
    Parallel SEQUENTIAL = new Parallel() {
        @Override public int threads() { return 1; }
        @Override public void forRange(int count, RangeBody body) { if (count > 0) body.run(0, count); }
    };
}
