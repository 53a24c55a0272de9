package dev.petrel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LatencyStatsTest {
    @Test
    void percentilesInterpolateBetweenOrderStatistics() {
        LatencyStats s = new LatencyStats(new long[] {5, 1, 4, 2, 3});
        assertThat(s.p50()).isEqualTo(3.0);
        // rank 0.9 * 4 = 3.6: between the 4th (4) and 5th (5) smallest
        assertThat(s.p90()).isCloseTo(4.6, within(1e-12));
        assertThat(s.p99()).isCloseTo(4.96, within(1e-12));
        assertThat(s.percentile(0)).isEqualTo(1.0);
        assertThat(s.percentile(100)).isEqualTo(5.0);
        assertThat(s.percentile(25)).isEqualTo(2.0);
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddlePair() {
        LatencyStats s = new LatencyStats(new long[] {40, 10, 30, 20});
        assertThat(s.p50()).isEqualTo(25.0);
        assertThat(s.p90()).isCloseTo(37.0, within(1e-12)); // rank 2.7: 30 + 0.7 * 10
    }

    @Test
    void meanSpreadAndThroughput() {
        LatencyStats s = new LatencyStats(new long[] {1_000_000, 2_000_000, 3_000_000, 4_000_000, 5_000_000});
        assertThat(s.mean()).isEqualTo(3_000_000.0);
        assertThat(s.stddev()).isCloseTo(Math.sqrt(2.5) * 1_000_000, within(1e-6));
        assertThat(s.min()).isEqualTo(1_000_000);
        assertThat(s.max()).isEqualTo(5_000_000);
        assertThat(s.count()).isEqualTo(5);
        assertThat(s.throughput()).isCloseTo(1000.0 / 3, within(1e-9)); // 3 ms per run
    }

    @Test
    void keepsRunOrderAndSortedOrderApart() {
        long[] raw = {30, 10, 20};
        LatencyStats s = new LatencyStats(raw);
        raw[0] = 99; // the statistics own a copy
        assertThat(s.samples()).containsExactly(30, 10, 20);
        assertThat(s.sorted()).containsExactly(10, 20, 30);
    }

    @Test
    void oneSampleIsEveryPercentile() {
        LatencyStats s = new LatencyStats(new long[] {7});
        assertThat(s.p50()).isEqualTo(7.0);
        assertThat(s.p99()).isEqualTo(7.0);
        assertThat(s.stddev()).isZero();
    }

    @Test
    void rejectsNoSamplesAndPercentilesOutOfRange() {
        assertThatThrownBy(() -> new LatencyStats(new long[0])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no latency samples");
        LatencyStats s = new LatencyStats(new long[] {1, 2});
        assertThatThrownBy(() -> s.percentile(101)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[0, 100]");
        assertThatThrownBy(() -> s.percentile(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }
}
