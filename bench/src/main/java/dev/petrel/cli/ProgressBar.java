package dev.petrel.cli;

import java.io.Console;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A one-line {@code \r[#####     ] 45/100} progress bar on stderr. Silent when the process has no
 * terminal, so logs and pipes get no carriage-return noise. It is drawn between runs, never inside a
 * timed region.
 */
final class ProgressBar {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final String label;
    private final int total;
    private int lastFilled = -1;
    private int lastDone = -1;

    private ProgressBar(PrintStream out, String label, int total) {
        this.out = out;
        this.label = label;
        this.total = total;
    }

    /** A bar on stderr when there is a terminal, else one that prints nothing. */
    static ProgressBar onTerminal(String label, int total) {
        return new ProgressBar(interactive() ? System.err : null, label, total);
    }

    /** A bar that always draws to {@code out} (tests). */
    static ProgressBar to(PrintStream out, String label, int total) {
        return new ProgressBar(out, label, total);
    }

    /**
     * True when stderr is a terminal. On Linux, /proc tells exactly where stderr goes, so the bar still
     * shows when only stdout is redirected to a file. Elsewhere the console decides; since JDK 22
     * {@code System.console()} returns a console even for redirected streams, and {@code isTerminal()}
     * tells the two apart.
     */
    static boolean interactive() {
        Path fd2 = Path.of("/proc/self/fd/2");
        try {
            if (Files.isSymbolicLink(fd2)) {
                String target = Files.readSymbolicLink(fd2).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            }
        } catch (IOException | SecurityException e) {
            // fall through to the console
        }
        Console c = System.console();
        return c != null && c.isTerminal();
    }

    void update(int done) {
        if (out == null || total <= 0) return;
        int filled = (int) ((long) WIDTH * done / total);
        if (filled == lastFilled && done == lastDone) return;
        lastFilled = filled;
        lastDone = done;
        out.print("\r" + line(label, done, total, WIDTH));
        out.flush();
    }

    /** Clears the line so the next output starts clean. */
    void finish() {
        if (out == null || total <= 0) return;
        out.print("\r" + " ".repeat(line(label, total, total, WIDTH).length()) + "\r");
        out.flush();
    }

    static String line(String label, int done, int total, int width) {
        int filled = total <= 0 ? width : (int) ((long) width * Math.min(done, total) / total);
        return label + " [" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + done + "/" + total;
    }
}
