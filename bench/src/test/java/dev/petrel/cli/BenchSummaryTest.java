package dev.petrel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchSummaryTest {
    static BenchResult result(String engine, long load, long session, long first, long rss, long tokens, long... latencies) {
        return new BenchResult(engine, 1_000_000, load, session, first, rss, tokens, new LatencyStats(latencies));
    }

    static final BenchResult PETREL = result("petrel", 2_000_000, 1_000_000, 60_000_000, 60L << 20, 128,
            20_000_000, 22_000_000, 24_000_000, 26_000_000, 28_000_000);
    static final BenchResult ORT = result("onnxruntime", 0, 30_000_000, 50_000_000, 100L << 20, 128,
            10_000_000, 10_000_000, 10_000_000, 12_000_000, 14_000_000);

    @Test
    void ratioLineIsPetrelOverTheOtherEngine() {
        // p50 24/10, p90 27.2/13.2, load (2+1)/30, first 60/50, rss 60/100
        assertThat(BenchSummary.lastLine(List.of(PETREL, ORT)))
                .isEqualTo("ratio p50 2.40 p90 2.06 load 0.10 first 1.20 rss 0.60");
    }

    @Test
    void withoutAComparisonTheLastLineHasPetrelsOwnFigures() {
        assertThat(BenchSummary.lastLine(List.of(PETREL)))
                .isEqualTo("p50_ms 24.00 p90_ms 27.20 p99_ms 27.92 mean_ms 24.00 load_ms 2.00 session_ms 1.00 first_ms 60.00 rss_mb 60.0");
    }

    @Test
    void memoryThatDidNotGrowGivesNoRatio() {
        BenchResult flat = result("onnxruntime", 0, 30_000_000, 50_000_000, 0, 0, 10_000_000);
        assertThat(BenchSummary.lastLine(List.of(PETREL, flat))).endsWith("rss nan");
        assertThat(BenchSummary.ratio(1, 0)).isEqualTo("nan");
        assertThat(BenchSummary.ratio(-1, 5)).isEqualTo("nan");
    }

    @Test
    void tableHasAColumnPerEngineAndRatios() {
        List<String[]> table = BenchSummary.table(List.of(PETREL, ORT));
        assertThat(table.get(0)).containsExactly("", "petrel", "onnxruntime", "petrel/ort");
        String[] p50 = row(table, "p50 (ms)");
        assertThat(p50).containsExactly("p50 (ms)", "24.00", "10.00", "2.40");
        String[] tokens = row(table, "throughput (tokens/s)");
        assertThat(tokens).containsExactly("throughput (tokens/s)", "5333", "11429", "0.47"); // 128 tokens at mean 24 ms and 11.2 ms
        assertThat(row(table, "model load (ms)")[2]).isEqualTo("in session");
        assertThat(row(table, "RSS growth: init, load, first run (MB)")).containsExactly(
                "RSS growth: init, load, first run (MB)", "60.0", "100.0", "0.60");
    }

    @Test
    void formattedTableAlignsColumnsToTheRight() {
        List<String> lines = BenchSummary.format(List.of(new String[] {"", "a", "bb"}, new String[] {"long label", "1.5", "22.25"}));
        assertThat(lines).containsExactly("              a     bb", "long label  1.5  22.25");
    }

    private static String[] row(List<String[]> table, String label) {
        return table.stream().filter(r -> r[0].equals(label)).findFirst().orElseThrow();
    }
}
