package dev.petrel.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * The benchmark as a picture: latency by percentile (sorted runs), every run in order (drift shows
 * here, and interleaving makes it hit both engines alike), and a histogram, above the summary table.
 * The same drawing code paints an SVG inside a self-contained HTML page and a PNG through java.awt.
 * When the engines differ by more than {@link #LOG_SCALE_RATIO}x the latency axis is logarithmic, so
 * the faster engine's spread stays visible.
 */
public final class LatencyReport {
    static final double LOG_SCALE_RATIO = 4;
    static final int WIDTH = 1000;
    private static final int CHART_HEIGHT = 300;
    private static final int HEADER_HEIGHT = 70;
    private static final int ROW_HEIGHT = 22;
    private static final int[] PALETTE = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728};

    private final String title;
    private final List<String> subtitle;
    private final List<BenchResult> results;
    private final List<String[]> table;

    /**
     * @param table rows of the summary table; the first row is the header
     */
    public LatencyReport(String title, List<String> subtitle, List<BenchResult> results, List<String[]> table) {
        if (results.isEmpty()) throw new IllegalArgumentException("nothing to report: no engine results");
        this.title = title;
        this.subtitle = List.copyOf(subtitle);
        this.results = List.copyOf(results);
        this.table = List.copyOf(table);
    }

    /** Writes {@code file} as HTML or PNG, chosen by its extension. */
    public void write(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            if (name.endsWith(".html") || name.endsWith(".htm")) {
                Files.writeString(file, html(), StandardCharsets.UTF_8);
            } else if (name.endsWith(".png")) {
                ImageIO.write(png(), "png", file.toFile());
            } else {
                throw new IllegalArgumentException("--report must name a .html or .png file, got " + file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report " + file, e);
        }
    }

    /** A self-contained page: inline SVG and CSS, no scripts, no external fonts or images. */
    public String html() {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .append(esc(title)).append("</title>\n<style>\n")
                .append("body{font-family:sans-serif;margin:24px;color:#222;max-width:").append(WIDTH).append("px}\n")
                .append("table{border-collapse:collapse;margin-top:16px}\n")
                .append("td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}\n")
                .append("td:first-child,th:first-child{text-align:left}\n")
                .append("th{background:#f2f2f2}\n</style>\n</head>\n<body>\n");
        h.append("<h1>").append(esc(title)).append("</h1>\n");
        for (String line : subtitle) h.append("<p>").append(esc(line)).append("</p>\n");
        SvgCanvas svg = new SvgCanvas();
        int height = drawCharts(svg, 0);
        h.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height)
                .append("\" font-family=\"sans-serif\">\n").append(svg.body).append("</svg>\n");
        h.append("<table>\n");
        for (int r = 0; r < table.size(); r++) {
            String cell = r == 0 ? "th" : "td";
            h.append("<tr>");
            for (String c : table.get(r)) h.append('<').append(cell).append('>').append(esc(c)).append("</").append(cell).append('>');
            h.append("</tr>\n");
        }
        h.append("</table>\n</body>\n</html>\n");
        return h.toString();
    }

    /** The charts, then the table, painted with java.awt (headless). */
    public BufferedImage png() {
        System.setProperty("java.awt.headless", "true");
        int tableHeight = table.size() * ROW_HEIGHT + 20;
        int height = HEADER_HEIGHT + 3 * CHART_HEIGHT + tableHeight + 20;
        BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, height);
            AwtCanvas c = new AwtCanvas(g);
            c.text(20, 28, title, 20, Anchor.START, 0x222222, true);
            int y = 48;
            for (String line : subtitle) {
                if (y > HEADER_HEIGHT - 4) break;
                c.text(20, y, line, 12, Anchor.START, 0x555555, false);
                y += 16;
            }
            int bottom = drawCharts(c, HEADER_HEIGHT);
            drawTable(c, bottom + 10);
        } finally {
            g.dispose();
        }
        return image;
    }

    // ------------------------------------------------------------------ drawing

    /** Paints the three charts from {@code top}; returns the y below them. */
    int drawCharts(Canvas c, int top) {
        double lo = Double.MAX_VALUE, hi = 0;
        for (BenchResult r : results) {
            lo = Math.min(lo, r.latency().min() / 1e6);
            hi = Math.max(hi, r.latency().max() / 1e6);
        }
        boolean log = lo > 0 && hi / lo > LOG_SCALE_RATIO;
        sortedChart(c, top, lo, hi, log);
        runChart(c, top + CHART_HEIGHT, lo, hi, log);
        histogram(c, top + 2 * CHART_HEIGHT, lo, hi, log);
        return top + 3 * CHART_HEIGHT;
    }

    private static final int LEFT = 80, RIGHT = 30, TOP = 36, BOTTOM = 50;

    private void sortedChart(Canvas c, int top, double lo, double hi, boolean log) {
        Scale x = Scale.linear(0, 100, LEFT, WIDTH - RIGHT, 10);
        Scale y = Scale.of(lo, hi, top + CHART_HEIGHT - BOTTOM, top + TOP, log);
        frame(c, top, "Latency by percentile (runs sorted)", x, y, "percentile", "latency (ms)");
        for (int e = 0; e < results.size(); e++) {
            long[] s = results.get(e).latency().sorted();
            double[] xs = new double[s.length], ys = new double[s.length];
            for (int i = 0; i < s.length; i++) {
                xs[i] = x.map(s.length == 1 ? 50 : 100.0 * i / (s.length - 1));
                ys[i] = y.map(s[i] / 1e6);
            }
            c.polyline(xs, ys, PALETTE[e % PALETTE.length], 2);
            for (int i = 0; i < s.length; i++) c.circle(xs[i], ys[i], 2.5, PALETTE[e % PALETTE.length], 1);
        }
        legend(c, top);
    }

    private void runChart(Canvas c, int top, double lo, double hi, boolean log) {
        int n = 0;
        for (BenchResult r : results) n = Math.max(n, r.latency().count());
        Scale x = Scale.linear(1, Math.max(2, n), LEFT, WIDTH - RIGHT, 10);
        Scale y = Scale.of(lo, hi, top + CHART_HEIGHT - BOTTOM, top + TOP, log);
        frame(c, top, "Every timed run in order (engines interleaved run by run)", x, y, "run", "latency (ms)");
        for (int e = 0; e < results.size(); e++) {
            long[] s = results.get(e).latency().samples();
            double[] xs = new double[s.length], ys = new double[s.length];
            for (int i = 0; i < s.length; i++) {
                xs[i] = x.map(i + 1);
                ys[i] = y.map(s[i] / 1e6);
            }
            c.polyline(xs, ys, PALETTE[e % PALETTE.length], 0.75);
            for (int i = 0; i < s.length; i++) c.circle(xs[i], ys[i], 3, PALETTE[e % PALETTE.length], 0.8);
        }
        legend(c, top);
    }

    private void histogram(Canvas c, int top, double lo, double hi, boolean log) {
        Scale x = Scale.of(lo, hi, LEFT, WIDTH - RIGHT, log);
        int bins = 40;
        int[][] counts = new int[results.size()][bins];
        int most = 1;
        for (int e = 0; e < results.size(); e++) {
            for (long s : results.get(e).latency().sorted()) {
                double t = x.fraction(s / 1e6);
                int b = Math.min(bins - 1, Math.max(0, (int) (t * bins)));
                most = Math.max(most, ++counts[e][b]);
            }
        }
        Scale y = Scale.linear(0, most, top + CHART_HEIGHT - BOTTOM, top + TOP, Math.min(most, 5));
        frame(c, top, "Histogram of latencies", x, y, "latency (ms)", "runs");
        double binWidth = (x.p1 - x.p0) / bins;
        for (int e = 0; e < results.size(); e++) {
            for (int b = 0; b < bins; b++) {
                if (counts[e][b] == 0) continue;
                double y0 = y.map(counts[e][b]);
                c.rect(x.p0 + b * binWidth + 1, y0, binWidth - 2, y.p0 - y0, PALETTE[e % PALETTE.length], 0.55);
            }
        }
        legend(c, top);
    }

    private void frame(Canvas c, int top, String chartTitle, Scale x, Scale y, String xLabel, String yLabel) {
        c.text(LEFT, top + 16, chartTitle + (y.log || x.log ? "  (log scale)" : ""), 14, Anchor.START, 0x222222, true);
        for (double t : y.ticks()) {
            double py = y.map(t);
            c.line(x.p0, py, x.p1, py, 0xe6e6e6, 1);
            c.text(x.p0 - 6, py + 4, number(t), 11, Anchor.END, 0x444444, false);
        }
        for (double t : x.ticks()) {
            double px = x.map(t);
            c.line(px, y.p0, px, y.p0 + 4, 0x444444, 1);
            c.text(px, y.p0 + 17, number(t), 11, Anchor.MIDDLE, 0x444444, false);
        }
        c.line(x.p0, y.p0, x.p1, y.p0, 0x444444, 1);
        c.line(x.p0, y.p0, x.p0, y.p1, 0x444444, 1);
        c.text((x.p0 + x.p1) / 2, y.p0 + 36, xLabel, 12, Anchor.MIDDLE, 0x222222, false);
        c.text(14, top + TOP - 4, yLabel, 12, Anchor.START, 0x222222, false);
    }

    private void legend(Canvas c, int top) {
        double x = WIDTH - RIGHT - 260;
        double y = top + 4;
        for (int e = 0; e < results.size(); e++) {
            BenchResult r = results.get(e);
            c.rect(x, y + e * 16, 10, 10, PALETTE[e % PALETTE.length], 1);
            c.text(x + 16, y + e * 16 + 9, r.engine() + "  p50 " + number(r.latency().p50() / 1e6) + " ms", 12,
                    Anchor.START, 0x222222, false);
        }
    }

    private void drawTable(Canvas c, int top) {
        int columns = 0;
        for (String[] row : table) columns = Math.max(columns, row.length);
        if (columns == 0) return;
        double first = 300, rest = (WIDTH - 40 - first) / Math.max(1, columns - 1);
        for (int r = 0; r < table.size(); r++) {
            String[] row = table.get(r);
            double y = top + (r + 1) * ROW_HEIGHT;
            if (r == 0) c.rect(20, y - 16, WIDTH - 40, ROW_HEIGHT, 0xf2f2f2, 1);
            c.line(20, y + 6, WIDTH - 20, y + 6, 0xdddddd, 1);
            for (int k = 0; k < row.length; k++) {
                if (k == 0) c.text(26, y, row[k], 12, Anchor.START, 0x222222, r == 0);
                else c.text(20 + first + k * rest - 8, y, row[k], 12, Anchor.END, 0x222222, r == 0);
            }
        }
    }

    /** Three significant digits, no trailing zeros: 12.3, 0.456, 1500. */
    static String number(double v) {
        if (v == 0 || !Double.isFinite(v)) return v == 0 ? "0" : String.valueOf(v);
        return new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros().toPlainString();
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(ch);
            }
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ scales

    /** Maps data values [d0, d1] onto pixels [p0, p1], linearly or logarithmically, with readable ticks. */
    static final class Scale {
        final double d0, d1, p0, p1;
        final boolean log;
        private final double step;

        private Scale(double d0, double d1, double p0, double p1, boolean log, double step) {
            this.d0 = d0;
            this.d1 = d1;
            this.p0 = p0;
            this.p1 = p1;
            this.log = log;
            this.step = step;
        }

        /** A linear scale whose ends are rounded out to multiples of a 1-2-5 step giving about {@code ticks} ticks. */
        static Scale linear(double lo, double hi, double p0, double p1, int ticks) {
            if (hi <= lo) {
                double pad = lo == 0 ? 1 : Math.abs(lo) * 0.05;
                lo -= pad;
                hi += pad;
            }
            double step = niceStep((hi - lo) / Math.max(1, ticks));
            return new Scale(Math.floor(lo / step) * step, Math.ceil(hi / step) * step, p0, p1, false, step);
        }

        static Scale of(double lo, double hi, double p0, double p1, boolean log) {
            if (!log) return linear(lo, hi, p0, p1, 6);
            return new Scale(lo / 1.08, hi * 1.08, p0, p1, true, 0);
        }

        static double niceStep(double raw) {
            double mag = Math.pow(10, Math.floor(Math.log10(raw)));
            double f = raw / mag;
            return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
        }

        double fraction(double v) {
            return log ? (Math.log(v) - Math.log(d0)) / (Math.log(d1) - Math.log(d0)) : (v - d0) / (d1 - d0);
        }

        double map(double v) {
            return p0 + fraction(v) * (p1 - p0);
        }

        List<Double> ticks() {
            List<Double> t = new ArrayList<>();
            if (log) {
                for (int k = (int) Math.floor(Math.log10(d0)); k <= (int) Math.ceil(Math.log10(d1)); k++) {
                    for (int m : new int[] {1, 2, 5}) {
                        double v = m * Math.pow(10, k);
                        if (v >= d0 && v <= d1) t.add(v);
                    }
                }
                if (t.size() < 2) {
                    t.clear();
                    t.add(d0 * 1.08);
                    t.add(d1 / 1.08);
                }
            } else {
                long first = Math.round(d0 / step), last = Math.round(d1 / step);
                for (long i = first; i <= last; i++) t.add(i * step);
            }
            return t;
        }
    }

    // ------------------------------------------------------------------ canvases

    enum Anchor { START, MIDDLE, END }

    /** The few drawing primitives the charts need, so SVG and PNG come from one piece of code. */
    interface Canvas {
        void line(double x1, double y1, double x2, double y2, int rgb, double width);

        void polyline(double[] xs, double[] ys, int rgb, double width);

        void circle(double x, double y, double r, int rgb, double opacity);

        void rect(double x, double y, double w, double h, int rgb, double opacity);

        void text(double x, double y, String text, int size, Anchor anchor, int rgb, boolean bold);
    }

    static final class SvgCanvas implements Canvas {
        final StringBuilder body = new StringBuilder();

        private static String c(int rgb) {
            return String.format("#%06x", rgb & 0xFFFFFF);
        }

        private static String f(double v) {
            return String.format(Locale.ROOT, "%.1f", v);
        }

        @Override
        public void line(double x1, double y1, double x2, double y2, int rgb, double width) {
            body.append("<line x1=\"").append(f(x1)).append("\" y1=\"").append(f(y1)).append("\" x2=\"").append(f(x2))
                    .append("\" y2=\"").append(f(y2)).append("\" stroke=\"").append(c(rgb)).append("\" stroke-width=\"")
                    .append(width).append("\"/>\n");
        }

        @Override
        public void polyline(double[] xs, double[] ys, int rgb, double width) {
            body.append("<polyline fill=\"none\" stroke=\"").append(c(rgb)).append("\" stroke-width=\"").append(width)
                    .append("\" points=\"");
            for (int i = 0; i < xs.length; i++) body.append(i == 0 ? "" : " ").append(f(xs[i])).append(',').append(f(ys[i]));
            body.append("\"/>\n");
        }

        @Override
        public void circle(double x, double y, double r, int rgb, double opacity) {
            body.append("<circle cx=\"").append(f(x)).append("\" cy=\"").append(f(y)).append("\" r=\"").append(r)
                    .append("\" fill=\"").append(c(rgb)).append("\" fill-opacity=\"").append(opacity).append("\"/>\n");
        }

        @Override
        public void rect(double x, double y, double w, double h, int rgb, double opacity) {
            body.append("<rect x=\"").append(f(x)).append("\" y=\"").append(f(y)).append("\" width=\"").append(f(w))
                    .append("\" height=\"").append(f(h)).append("\" fill=\"").append(c(rgb)).append("\" fill-opacity=\"")
                    .append(opacity).append("\"/>\n");
        }

        @Override
        public void text(double x, double y, String text, int size, Anchor anchor, int rgb, boolean bold) {
            String a = switch (anchor) { case START -> "start"; case MIDDLE -> "middle"; case END -> "end"; };
            body.append("<text x=\"").append(f(x)).append("\" y=\"").append(f(y)).append("\" font-size=\"").append(size)
                    .append("\" text-anchor=\"").append(a).append("\" fill=\"").append(c(rgb)).append('"')
                    .append(bold ? " font-weight=\"bold\"" : "").append('>').append(esc(text)).append("</text>\n");
        }
    }

    static final class AwtCanvas implements Canvas {
        private final Graphics2D g;

        AwtCanvas(Graphics2D g) {
            this.g = g;
        }

        private void paint(int rgb, double opacity) {
            g.setColor(new Color((rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF, (int) Math.round(opacity * 255)));
        }

        @Override
        public void line(double x1, double y1, double x2, double y2, int rgb, double width) {
            paint(rgb, 1);
            g.setStroke(new BasicStroke((float) width));
            g.draw(new Line2D.Double(x1, y1, x2, y2));
        }

        @Override
        public void polyline(double[] xs, double[] ys, int rgb, double width) {
            if (xs.length == 0) return;
            Path2D.Double p = new Path2D.Double();
            p.moveTo(xs[0], ys[0]);
            for (int i = 1; i < xs.length; i++) p.lineTo(xs[i], ys[i]);
            paint(rgb, 1);
            g.setStroke(new BasicStroke((float) width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            g.draw(p);
        }

        @Override
        public void circle(double x, double y, double r, int rgb, double opacity) {
            paint(rgb, opacity);
            g.fill(new Ellipse2D.Double(x - r, y - r, 2 * r, 2 * r));
        }

        @Override
        public void rect(double x, double y, double w, double h, int rgb, double opacity) {
            paint(rgb, opacity);
            g.fill(new Rectangle2D.Double(x, y, w, h));
        }

        @Override
        public void text(double x, double y, String text, int size, Anchor anchor, int rgb, boolean bold) {
            g.setFont(new Font(Font.SANS_SERIF, bold ? Font.BOLD : Font.PLAIN, size));
            int w = g.getFontMetrics().stringWidth(text);
            double left = switch (anchor) { case START -> x; case MIDDLE -> x - w / 2.0; case END -> x - w; };
            paint(rgb, 1);
            g.drawString(text, (float) left, (float) y);
        }
    }
}
