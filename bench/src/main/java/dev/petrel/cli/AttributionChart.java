package dev.petrel.cli;

import dev.petrel.cli.LatencyReport.Anchor;
import dev.petrel.cli.LatencyReport.AwtCanvas;
import dev.petrel.cli.LatencyReport.Canvas;
import dev.petrel.cli.LatencyReport.Scale;
import dev.petrel.cli.LatencyReport.SvgCanvas;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Direct logit attribution as a horizontal bar chart: one bar per component from zero to its
 * contribution (positive blue, negative red), the value at the bar's end. Drawn by the same code into an
 * SVG inside a self-contained HTML page or into a PNG, through {@link LatencyReport}'s canvases.
 */
final class AttributionChart {
    static final int WIDTH = 900;
    private static final int HEADER = 74, BAR = 26, LEFT = 120, RIGHT = 90, AXIS = 46;
    private static final int POSITIVE = 0x1f77b4, NEGATIVE = 0xd62728;

    private final String title;
    private final List<String> notes;
    private final List<String> names;
    private final double[] values;

    AttributionChart(String title, List<String> notes, List<String> names, double[] values) {
        if (names.size() != values.length || values.length == 0) throw new IllegalArgumentException("one value per component needed");
        this.title = title;
        this.notes = List.copyOf(notes);
        this.names = List.copyOf(names);
        this.values = values.clone();
    }

    int height() {
        return HEADER + names.size() * BAR + AXIS;
    }

    /** Writes {@code file} as HTML or PNG, chosen by its extension. */
    void write(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            if (name.endsWith(".html") || name.endsWith(".htm")) {
                Files.writeString(file, html(), StandardCharsets.UTF_8);
            } else if (name.endsWith(".png")) {
                ImageIO.write(png(), "png", file.toFile());
            } else {
                throw new IllegalArgumentException("--chart must name a .html or .png file, got " + file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the chart " + file, e);
        }
    }

    String html() {
        SvgCanvas svg = new SvgCanvas();
        draw(svg);
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + LatencyReport.esc(title)
                + "</title>\n<style>body{font-family:sans-serif;margin:24px;color:#222}</style>\n</head>\n<body>\n"
                + "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + WIDTH + "\" height=\"" + height() + "\" viewBox=\"0 0 "
                + WIDTH + " " + height() + "\" font-family=\"sans-serif\">\n" + svg.body + "</svg>\n</body>\n</html>\n";
    }

    BufferedImage png() {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(WIDTH, height(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, height());
            draw(new AwtCanvas(g));
        } finally {
            g.dispose();
        }
        return image;
    }

    private void draw(Canvas c) {
        c.text(20, 26, title, 16, Anchor.START, 0x222222, true);
        int y = 46;
        for (String line : notes) {
            if (y > HEADER - 6) break;
            c.text(20, y, line, 12, Anchor.START, 0x555555, false);
            y += 16;
        }
        double lo = 0, hi = 0;
        for (double v : values) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        // Room beyond the longest bar on each side for its value label.
        double span = hi - lo;
        if (lo < 0) lo -= 0.14 * span;
        if (hi > 0) hi += 0.14 * span;
        Scale x = Scale.linear(lo, hi, LEFT, WIDTH - RIGHT, 8);
        int top = HEADER, bottom = HEADER + names.size() * BAR;
        for (double t : x.ticks()) {
            double px = x.map(t);
            c.line(px, top, px, bottom, 0xe6e6e6, 1);
            c.text(px, bottom + 16, LatencyReport.number(t), 11, Anchor.MIDDLE, 0x444444, false);
        }
        double zero = x.map(0);
        for (int i = 0; i < values.length; i++) {
            double v = values[i], mid = top + i * BAR + BAR / 2.0, px = x.map(v);
            c.text(LEFT - 8, mid + 4, names.get(i), 12, Anchor.END, 0x222222, false);
            c.rect(Math.min(zero, px), mid - BAR * 0.35, Math.max(1, Math.abs(px - zero)), BAR * 0.7, v < 0 ? NEGATIVE : POSITIVE, 0.85);
            String label = String.format(Locale.ROOT, "%+.4f", v);
            c.text(v < 0 ? px - 4 : px + 4, mid + 4, label, 11, v < 0 ? Anchor.END : Anchor.START, 0x222222, false);
        }
        c.line(zero, top, zero, bottom, 0x444444, 1);
        c.line(x.p0, bottom, x.p1, bottom, 0x444444, 1);
        c.text((x.p0 + x.p1) / 2, bottom + 36, "contribution to the logit", 12, Anchor.MIDDLE, 0x222222, false);
    }
}
