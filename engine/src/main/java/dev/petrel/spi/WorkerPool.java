package dev.petrel.spi;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Intra-op parallelism of one session: {@code threads - 1} daemon workers plus the calling thread.
 *
 * <p>A range is cut into chunks (about four per thread) that the caller and the workers claim one at a
 * time from a shared ticket, so a thread the OS has descheduled (another process on the core, or another
 * engine's spinning threads) delays the call by at most the chunk it holds, not by a fixed share of the
 * work. The caller waits only for chunks claimed and not yet finished, never for a worker that has not
 * woken up: such a worker finds the range already taken.
 *
 * <p>Nothing is allocated per call: the caller publishes the body and bumps a generation counter,
 * workers spin briefly (kernels of one inference follow each other within microseconds) and then park.
 * The ticket holds the generation in its high half and the next index in its low half: a worker that
 * read the fields of one call can claim chunks only while that call is the current one. Calls made from
 * inside a chunk run sequentially rather than wait on workers that are all busy. One session runs on one
 * thread at a time, so one call is in flight at a time.
 */
final class WorkerPool implements Parallel.Pool {
    private static final AtomicInteger POOLS = new AtomicInteger();
    /**
     * Polls of the shared counter before parking (Thread.onSpinWait is missing on Android 26): a few hundred
     * microseconds. Kernels of one run are separated by serial work of tens to hundreds of microseconds; a
     * worker parked in such a gap costs a wake-up per parallel kernel, which measured far more on this
     * virtual machine once its cores had idled (2 threads, MiniLM after 100 ms idle: 37 ms per run with
     * 20,000 polls, 27 ms with 200,000; 22-24 ms back to back either way).
     */
    private static final int SPINS = Integer.getInteger("petrel.pool.spins", 200_000);
    /** Chunks per thread: enough to rebalance around a stalled thread, few enough to keep claims cheap. */
    private static final int CHUNKS_PER_THREAD = 4;

    private final int threads;
    private final Thread[] workers;
    /** Bumped (and published) once per call, after the call's fields. */
    private volatile int generation;
    /** (generation << 32) | next unclaimed index. */
    private final AtomicLong ticket = new AtomicLong();
    /** Indices finished in the current call. */
    private final AtomicInteger done = new AtomicInteger();
    private volatile RangeBody body;
    private volatile int count;
    private volatile int grain;
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
            Thread t = new Thread(this::workLoop, "petrel-" + id + "-worker-" + index);
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
        int g = generation + 1;
        // Close the previous call's ticket to stragglers before its fields change.
        ticket.set(((long) g << 32) | Integer.MAX_VALUE);
        body = work;
        count = n;
        grain = Math.max(1, n / (threads * CHUNKS_PER_THREAD));
        failure = null;
        caller = Thread.currentThread();
        done.set(0);
        ticket.set((long) g << 32);
        generation = g;
        for (Thread t : workers) LockSupport.unpark(t);
        drain(g, work, n, grain);
        for (int spin = 0; done.get() < n; spin++) {
            if (spin >= SPINS) LockSupport.park(this);
        }
        body = null;
        Throwable f = failure;
        if (f instanceof RuntimeException) throw (RuntimeException) f;
        if (f instanceof Error) throw (Error) f;
    }

    private void workLoop() {
        int seen = 0;
        while (true) {
            int spin = 0;
            while (generation == seen && !closed) {
                if (spin++ >= SPINS) LockSupport.park(this);
            }
            if (closed) return;
            int g = generation;
            seen = g;
            RangeBody work = body;
            int n = count;
            int gr = grain;
            if (work != null) drain(g, work, n, gr);
        }
    }

    /** Claims and runs chunks of call {@code g} until none is left (or another call has begun). */
    private void drain(int g, RangeBody work, int n, int gr) {
        insideChunk.set(Boolean.TRUE);
        try {
            while (true) {
                long t = ticket.get();
                if ((int) (t >>> 32) != g) return;
                int from = (int) t;
                if (from >= n) return;
                int to = Math.min(n, from + gr);
                if (!ticket.compareAndSet(t, ((long) g << 32) | to)) continue;
                try {
                    if (failure == null) work.run(from, to);
                } catch (RuntimeException | Error e) {
                    if (failure == null) failure = e;
                }
                if (done.addAndGet(to - from) == n) {
                    Thread c = caller;
                    if (c != Thread.currentThread()) LockSupport.unpark(c);
                }
            }
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
