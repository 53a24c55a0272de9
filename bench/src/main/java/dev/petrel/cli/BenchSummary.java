package dev.petrel.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The benchmark's summary: a table with one column per engine and a Petrel/other ratio column, and the
 * machine-readable last line. Ratios are Petrel divided by the other engine for every figure, so below
 * 1 means Petrel is faster (or smaller) — except throughput, where above 1 means Petrel is faster.
 *
 * <p>The load ratio compares what a user waits for before the first run: Petrel's model load plus
 * session creation against ONNX Runtime's session creation (which reads the model). One-time runtime
 * start-up (kernel registry, native library loading) is shown apart and left out of the ratio.
 */
final class BenchSummary {
    private BenchSummary() {}

    static List<String[]> table(List<BenchResult> results) {
        boolean pair = results.size() > 1;
        List<String[]> rows = new ArrayList<>();
        List<String> head = new ArrayList<>();
        head.add("");
        for (BenchResult r : results) head.add(r.engine());
        if (pair) head.add("petrel/" + shortName(results.get(1).engine()));
        rows.add(head.toArray(String[]::new));
        BenchResult p = results.get(0);
        BenchResult o = pair ? results.get(1) : null;
        row(rows, results, "runtime init (ms)", r -> ms(r.initNanos()), o == null ? null : ratio(p.initNanos(), o.initNanos()));
        row(rows, results, "model load (ms)", r -> r.loadNanos() == 0 && !r.engine().equals("petrel") ? "in session" : ms(r.loadNanos()), null);
        row(rows, results, "session creation (ms)", r -> ms(r.sessionNanos()), null);
        row(rows, results, "load + session (ms)", r -> ms(r.readyNanos()), o == null ? null : ratio(p.readyNanos(), o.readyNanos()));
        row(rows, results, "first run (ms)", r -> ms(r.firstRunNanos()), o == null ? null : ratio(p.firstRunNanos(), o.firstRunNanos()));
        row(rows, results, "p50 (ms)", r -> ms(r.latency().p50()), o == null ? null : ratio(p.latency().p50(), o.latency().p50()));
        row(rows, results, "p90 (ms)", r -> ms(r.latency().p90()), o == null ? null : ratio(p.latency().p90(), o.latency().p90()));
        row(rows, results, "p99 (ms)", r -> ms(r.latency().p99()), o == null ? null : ratio(p.latency().p99(), o.latency().p99()));
        row(rows, results, "mean (ms)", r -> ms(r.latency().mean()), o == null ? null : ratio(p.latency().mean(), o.latency().mean()));
        row(rows, results, "min / max (ms)", r -> ms(r.latency().min()) + " / " + ms(r.latency().max()), null);
        row(rows, results, "throughput (inferences/s)", r -> fixed(r.latency().throughput(), 2),
                o == null ? null : ratio(p.latency().throughput(), o.latency().throughput()));
        if (p.tokensPerRun() > 0) {
            row(rows, results, "throughput (tokens/s)", r -> fixed(r.tokensPerSecond(), 0),
                    o == null ? null : ratio(p.tokensPerSecond(), o.tokensPerSecond()));
        }
        row(rows, results, "RSS growth: init, load, first run (MB)", r -> r.rssGrowthBytes() == -1 ? "n/a" : fixed(r.rssGrowthBytes() / 1048576.0, 1),
                o == null ? null : ratio(p.rssGrowthBytes(), o.rssGrowthBytes()));
        return rows;
    }

    private interface Cell {
        String of(BenchResult r);
    }

    private static void row(List<String[]> rows, List<BenchResult> results, String label, Cell cell, String ratio) {
        List<String> r = new ArrayList<>();
        r.add(label);
        for (BenchResult b : results) r.add(cell.of(b));
        if (results.size() > 1) r.add(ratio == null ? "" : ratio);
        rows.add(r.toArray(String[]::new));
    }

    /** The table as aligned text: labels left, numbers right. */
    static List<String> format(List<String[]> table) {
        int columns = 0;
        for (String[] row : table) columns = Math.max(columns, row.length);
        int[] width = new int[columns];
        for (String[] row : table) {
            for (int c = 0; c < row.length; c++) width[c] = Math.max(width[c], row[c].length());
        }
        List<String> lines = new ArrayList<>();
        for (String[] row : table) {
            StringBuilder b = new StringBuilder();
            for (int c = 0; c < row.length; c++) {
                if (c == 0) b.append(row[c]).append(" ".repeat(width[0] - row[c].length()));
                else b.append("  ").append(" ".repeat(width[c] - row[c].length())).append(row[c]);
            }
            lines.add(b.toString().stripTrailing());
        }
        return lines;
    }

    /**
     * {@code ratio p50 0.87 p90 0.91 load 0.05 first 1.20 rss 0.60} with a second engine, else
     * {@code p50_ms 12.30 p90_ms ... load_ms ... first_ms ... rss_mb ...}.
     */
    static String lastLine(List<BenchResult> results) {
        BenchResult p = results.get(0);
        if (results.size() > 1) {
            BenchResult o = results.get(1);
            return "ratio p50 " + ratio(p.latency().p50(), o.latency().p50())
                    + " p90 " + ratio(p.latency().p90(), o.latency().p90())
                    + " load " + ratio(p.readyNanos(), o.readyNanos())
                    + " first " + ratio(p.firstRunNanos(), o.firstRunNanos())
                    + " rss " + ratio(p.rssGrowthBytes(), o.rssGrowthBytes());
        }
        return "p50_ms " + ms(p.latency().p50()) + " p90_ms " + ms(p.latency().p90()) + " p99_ms " + ms(p.latency().p99())
                + " mean_ms " + ms(p.latency().mean()) + " load_ms " + ms(p.loadNanos()) + " session_ms " + ms(p.sessionNanos())
                + " first_ms " + ms(p.firstRunNanos())
                + " rss_mb " + (p.rssGrowthBytes() == -1 ? "nan" : fixed(p.rssGrowthBytes() / 1048576.0, 1));
    }

    /** a / b with two decimals; "nan" when b is not positive (e.g. memory that did not grow). */
    static String ratio(double a, double b) {
        if (!(b > 0) || a < 0) return "nan";
        return fixed(a / b, 2);
    }

    static String ms(double nanos) {
        return fixed(nanos / 1e6, 2);
    }

    static String fixed(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String shortName(String engine) {
        return engine.equals("onnxruntime") ? "ort" : engine;
    }
}
