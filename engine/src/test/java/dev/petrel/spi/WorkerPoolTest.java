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
