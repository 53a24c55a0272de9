package dev.petrel.spi;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Intra-op parallelism of one session: {@code threads - 1} daemon workers plus the calling thread.
 * A range is cut into one contiguous chunk per thread and the caller runs the first chunk itself.
 *
 * <p>Nothing is allocated per call: the caller publishes the body and bumps a generation counter,
 * workers spin briefly (kernels of one inference follow each other within microseconds) and then park.
 * Calls made from inside a chunk run sequentially rather than wait on workers that are all busy.
 * One session runs on one thread at a time, so one call is in flight at a time.
 */
final class WorkerPool implements Parallel.Pool {
    private static final AtomicInteger POOLS = new AtomicInteger();
    /** Polls of the shared counter before parking (Thread.onSpinWait is missing on Android 26). */
    private static final int SPINS = 20_000;

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger generation = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile RangeBody body;
    private volatile int count;
    private volatile Thread caller;
    private volatile Throwable failure;
    private volatile boolean closed;
    private final ThreadLocal<Boolean> insideChunk = ThreadLocal.withInitial(() -> Boolean.FALSE);

    WorkerPool(int threads) {
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        int id = POOLS.incrementAndGet();
        for (int w = 0; w < workers.length; w++) {
            int index = w + 1;
            Thread t = new Thread(() -> workLoop(index), "petrel-" + id + "-worker-" + index);
            t.setDaemon(true);
            workers[w] = t;
            t.start();
        }
    }

    @Override
    public int threads() {
        return threads;
    }

    @Override
    public void forRange(int n, RangeBody work) {
        if (n <= 0) return;
        if (n == 1 || insideChunk.get() || closed) {
            work.run(0, n);
            return;
        }
        body = work;
        count = n;
        failure = null;
        caller = Thread.currentThread();
        pending.set(workers.length);
        generation.incrementAndGet();
        for (Thread t : workers) LockSupport.unpark(t);
        try {
            runChunk(work, 0, n);
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        for (int spin = 0; pending.get() != 0; spin++) {
            if (spin >= SPINS) LockSupport.park(this);
        }
        body = null;
        Throwable f = failure;
        if (f instanceof RuntimeException) throw (RuntimeException) f;
        if (f instanceof Error) throw (Error) f;
    }

    private void workLoop(int index) {
        int seen = 0;
        while (true) {
            int spin = 0;
            while (generation.get() == seen && !closed) {
                if (spin++ >= SPINS) LockSupport.park(this);
            }
            if (closed) return;
            seen = generation.get();
            RangeBody work = body;
            int n = count;
            try {
                runChunk(work, index, n);
            } catch (RuntimeException | Error e) {
                if (failure == null) failure = e;
            }
            if (pending.decrementAndGet() == 0) LockSupport.unpark(caller);
        }
    }

    private void runChunk(RangeBody work, int index, int n) {
        int from = (int) ((long) n * index / threads);
        int to = (int) ((long) n * (index + 1) / threads);
        if (from >= to) return;
        insideChunk.set(Boolean.TRUE);
        try {
            work.run(from, to);
        } finally {
            insideChunk.set(Boolean.FALSE);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : workers) LockSupport.unpark(t);
    }
}
