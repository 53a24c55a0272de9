package dev.petrel.cli;

import java.util.Arrays;

/**
 * Summary of a set of latency samples (nanoseconds). Percentiles interpolate linearly between the two
 * nearest order statistics (the "type 7" definition of R and NumPy's default), so p50 of an even count
 * is the mean of the two middle samples and every percentile stays inside [min, max].
 */
public final class LatencyStats {
    private final long[] samples;
    private final long[] sorted;

    public LatencyStats(long[] samplesNanos) {
        if (samplesNanos.length == 0) throw new IllegalArgumentException("no latency samples");
        this.samples = samplesNanos.clone();
        this.sorted = samplesNanos.clone();
        Arrays.sort(sorted);
    }

    /** The p-th percentile (0..100) in nanoseconds. */
    public double percentile(double p) {
        if (!(p >= 0 && p <= 100)) throw new IllegalArgumentException("percentile must be in [0, 100], got " + p);
        double rank = p / 100.0 * (sorted.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = Math.min(lo + 1, sorted.length - 1);
        double frac = rank - lo;
        return sorted[lo] + frac * (sorted[hi] - sorted[lo]);
    }

    public double p50() {
        return percentile(50);
    }

    public double p90() {
        return percentile(90);
    }

    public double p99() {
        return percentile(99);
    }

    public double mean() {
        double sum = 0;
        for (long s : sorted) sum += s;
        return sum / sorted.length;
    }

    public double stddev() {
        if (sorted.length < 2) return 0;
        double m = mean(), acc = 0;
        for (long s : sorted) acc += (s - m) * (s - m);
        return Math.sqrt(acc / (sorted.length - 1));
    }

    public long min() {
        return sorted[0];
    }

    public long max() {
        return sorted[sorted.length - 1];
    }

    public int count() {
        return sorted.length;
    }

    /** Runs per second at the mean latency. */
    public double throughput() {
        return 1e9 / mean();
    }

    /** The samples in the order they were taken. */
    public long[] samples() {
        return samples.clone();
    }

    /** The samples in increasing order. */
    public long[] sorted() {
        return sorted.clone();
    }
}
