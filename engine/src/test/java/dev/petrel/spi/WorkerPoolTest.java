package dev.petrel.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicIntegerArray;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {
    @Property(tries = 100)
    void coversEveryIndexExactlyOnce(@ForAll @IntRange(min = 0, max = 1000) int count,
                                     @ForAll @IntRange(min = 2, max = 5) int threads) {
        try (WorkerPool pool = new WorkerPool(threads)) {
            AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(count, 1));
            pool.forRange(count, (from, to) -> {
                for (int i = from; i < to; i++) hits.incrementAndGet(i);
            });
            for (int i = 0; i < count; i++) assertThat(hits.get(i)).as("index %d", i).isEqualTo(1);
        }
    }

    /**
     * Many calls back to back, each with its own body and size: every index of every call is run exactly
     * once and by that call's body (a worker late for one call must never run a chunk of it with the next
     * call's body, or the other way round).
     */
    @Test
    void consecutiveCallsNeverMixTheirChunks() {
        try (WorkerPool pool = new WorkerPool(3)) {
            java.util.Random rnd = new java.util.Random(3);
            for (int call = 0; call < 20_000; call++) {
                int n = 1 + rnd.nextInt(40);
                int id = call;
                AtomicIntegerArray hits = new AtomicIntegerArray(n);
                java.util.concurrent.atomic.AtomicInteger wrong = new java.util.concurrent.atomic.AtomicInteger();
                int[] owner = {id};
                pool.forRange(n, (from, to) -> {
                    if (owner[0] != id || to > n) wrong.incrementAndGet();
                    for (int i = from; i < to && i < n; i++) hits.incrementAndGet(i);
                });
                owner[0] = -1;
                assertThat(wrong.get()).as("call %d", call).isZero();
                for (int i = 0; i < n; i++) assertThat(hits.get(i)).as("call %d index %d", call, i).isEqualTo(1);
            }
        }
    }

    @Test
    void failuresInWorkersReachTheCaller() {
        try (WorkerPool pool = new WorkerPool(3)) {
            assertThatThrownBy(() -> pool.forRange(30, (from, to) -> {
                if (from > 0) throw new IllegalArgumentException("bad chunk " + from);
            })).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("bad chunk");
        }
    }

    @Test
    void nestedRangesRunWithoutDeadlock() {
        try (WorkerPool pool = new WorkerPool(2)) {
            AtomicIntegerArray hits = new AtomicIntegerArray(100);
            pool.forRange(10, (from, to) -> {
                for (int i = from; i < to; i++) {
                    int row = i;
                    pool.forRange(10, (f, t) -> {
                        for (int j = f; j < t; j++) hits.incrementAndGet(row * 10 + j);
                    });
                }
            });
            for (int i = 0; i < 100; i++) assertThat(hits.get(i)).isEqualTo(1);
        }
    }
}
