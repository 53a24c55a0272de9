package dev.petrel;

import dev.petrel.spi.Parallel;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Intra-op parallelism of one session: {@code threads - 1} daemon workers plus the calling thread.
 * A range is cut into one contiguous chunk per thread; the caller runs the first chunk itself. Calls
 * made from inside a chunk (a kernel nesting parallel loops) run sequentially rather than wait on
 * workers that may all be busy.
 */
final class WorkerPool implements Parallel, AutoCloseable {
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final int threads;
    private final ExecutorService workers;
    private final ThreadLocal<Boolean> insideChunk = ThreadLocal.withInitial(() -> Boolean.FALSE);

    WorkerPool(int threads) {
        this.threads = threads;
        int id = POOLS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "petrel-" + id + "-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.workers = Executors.newFixedThreadPool(threads - 1, factory);
    }

    @Override
    public int threads() {
        return threads;
    }

    @Override
    public void forRange(int count, RangeBody body) {
        if (count <= 0) return;
        int chunks = Math.min(threads, count);
        if (chunks == 1 || insideChunk.get()) {
            body.run(0, count);
            return;
        }
        Future<?>[] pending = new Future<?>[chunks - 1];
        for (int c = 1; c < chunks; c++) {
            int from = (int) ((long) count * c / chunks);
            int to = (int) ((long) count * (c + 1) / chunks);
            pending[c - 1] = workers.submit(() -> runChunk(body, from, to));
        }
        RuntimeException failure = null;
        try {
            runChunk(body, 0, (int) ((long) count / chunks));
        } catch (RuntimeException e) {
            failure = e;
        }
        for (Future<?> f : pending) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PetrelException("interrupted while waiting for worker threads", e);
            } catch (java.util.concurrent.ExecutionException e) {
                if (failure == null) {
                    Throwable cause = e.getCause();
                    failure = cause instanceof RuntimeException ? (RuntimeException) cause
                            : new PetrelException("worker thread failed: " + cause, cause);
                }
            }
        }
        if (failure != null) throw failure;
    }

    private void runChunk(RangeBody body, int from, int to) {
        insideChunk.set(Boolean.TRUE);
        try {
            body.run(from, to);
        } finally {
            insideChunk.set(Boolean.FALSE);
        }
    }

    @Override
    public void close() {
        workers.shutdown();
    }
}
