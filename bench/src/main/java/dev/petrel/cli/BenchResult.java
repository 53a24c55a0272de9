package dev.petrel.cli;

/**
 * What the benchmark measured for one engine. Times in nanoseconds, memory in bytes; -1 where not
 * measured or not available.
 *
 * @param initNanos one-time runtime start (kernel registry, native library)
 * @param loadNanos reading the model (0 for ONNX Runtime, which reads it while creating the session)
 * @param sessionNanos creating the session
 * @param firstRunNanos the first run, cold: planning, class loading, JIT, lazy initialization
 * @param rssGrowthBytes resident memory gained by loading the model and making the first run
 * @param tokensPerRun batch x sequence of the token input, 0 for models without tokens
 */
public record BenchResult(String engine, long initNanos, long loadNanos, long sessionNanos, long firstRunNanos,
                          long rssGrowthBytes, long tokensPerRun, LatencyStats latency) {

    /** Model load plus session creation: what a user waits for before the first run. */
    public long readyNanos() {
        return loadNanos + sessionNanos;
    }

    public double tokensPerSecond() {
        return tokensPerRun * latency.throughput();
    }
}
