package dev.petrel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    @Test
    void drawsHashesInProportion() {
        assertThat(ProgressBar.line("timed", 45, 100, 10)).isEqualTo("timed [####      ] 45/100");
        assertThat(ProgressBar.line("timed", 0, 3, 6)).isEqualTo("timed [      ] 0/3");
        assertThat(ProgressBar.line("timed", 3, 3, 6)).isEqualTo("timed [######] 3/3");
    }

    @Test
    void redrawsOneLineWithCarriageReturnsAndClearsIt() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = ProgressBar.to(new PrintStream(bytes, true, StandardCharsets.UTF_8), "w", 2);
        bar.update(1);
        bar.update(1); // unchanged: not redrawn
        bar.update(2);
        bar.finish();
        String s = bytes.toString(StandardCharsets.UTF_8);
        assertThat(s).startsWith("\rw [" + "#".repeat(15) + " ".repeat(15) + "] 1/2\rw [" + "#".repeat(30) + "] 2/2\r");
        assertThat(s).doesNotContain("\n").endsWith("\r");
    }

    @Test
    void noTerminalUnderTheTestRunnerSoNothingIsDrawn() {
        // Surefire pipes the streams: no terminal, so the bench prints no bar at all.
        assertThat(ProgressBar.interactive()).isFalse();
    }

    @Test
    void readsResidentMemoryFromProcStatus() {
        assertThat(ProcessMemory.parse(List.of("Name:\tjava", "VmHWM:\t  2048 kB", "VmRSS:\t    1024 kB"), "VmRSS:"))
                .isEqualTo(1024L * 1024);
        assertThat(ProcessMemory.parse(List.of("Name:\tjava"), "VmRSS:")).isEqualTo(-1);
        assertThat(ProcessMemory.field(Path.of("/no/such/status"), "VmRSS:")).isEqualTo(-1);
        if (Path.of("/proc/self/status").toFile().canRead()) {
            assertThat(ProcessMemory.rss()).isPositive();
            assertThat(ProcessMemory.peakRss()).isGreaterThanOrEqualTo(ProcessMemory.rss() / 2);
        }
    }
}
