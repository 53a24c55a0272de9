package dev.petrel.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Resident set size of this process from {@code /proc/self/status} (Linux). RSS counts the Java heap
 * the JVM has touched, off-heap arenas, mapped model pages that were read, and native libraries:
 * everything an engine costs, whatever language it is written in.
 */
public final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessMemory() {}

    /** Current resident set size in bytes (VmRSS), or -1 where /proc is not available. */
    public static long rss() {
        return field(STATUS, "VmRSS:");
    }

    /** Peak resident set size in bytes since the process started (VmHWM), or -1. */
    public static long peakRss() {
        return field(STATUS, "VmHWM:");
    }

    static long field(Path status, String key) {
        try {
            if (!Files.isReadable(status)) return -1;
            return parse(Files.readAllLines(status), key);
        } catch (IOException e) {
            return -1;
        }
    }

    /** The value of a "Key:   1234 kB" line in bytes, or -1 when absent. */
    static long parse(List<String> lines, String key) {
        for (String line : lines) {
            if (!line.startsWith(key)) continue;
            String[] parts = line.substring(key.length()).trim().split("\\s+");
            long value = Long.parseLong(parts[0]);
            if (parts.length > 1 && parts[1].equalsIgnoreCase("kB")) value *= 1024;
            return value;
        }
        return -1;
    }
}
