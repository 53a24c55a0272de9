package dev.petrel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The ONNX backend tests of Debian's libonnx-testdata (ONNX 1.12): no test may fail (a wrong result, a
 * crash or a time-out), and at least {@link #NODE_TARGET} node tests must pass; the rest are skips,
 * each for a named unsupported feature.
 */
class ConformanceTest {
    static final int NODE_TARGET = 650;
    static final Path DATA = Path.of(System.getProperty("petrel.onnx.testdata", "/usr/share/libonnx-testdata/data"));

    private static ConformanceRunner.Summary run(String folder) throws Exception {
        Path dir = DATA.resolve(folder);
        Assumptions.assumeTrue(Files.isDirectory(dir), "ONNX test data not installed (apt-get install libonnx-testdata)");
        List<Path> tests = ConformanceRunner.findTests(dir, "*");
        PrintStream out = System.out;
        ConformanceRunner.Summary s = new ConformanceRunner(120).runAll(tests, out, false);
        out.println(folder + ": " + s.line());
        return s;
    }

    @Test
    void nodeTests() throws Exception {
        ConformanceRunner.Summary s = run("node");
        assertThat(s.failed()).as("failed node tests (see the FAIL lines above)").isZero();
        assertThat(s.passed()).as("passed node tests").isGreaterThanOrEqualTo(NODE_TARGET);
    }

    @Test
    void pytorchConvertedTests() throws Exception {
        ConformanceRunner.Summary s = run("pytorch-converted");
        assertThat(s.failed()).as("failed pytorch-converted tests").isZero();
        assertThat(s.passed()).isPositive();
    }

    @Test
    void pytorchOperatorTests() throws Exception {
        ConformanceRunner.Summary s = run("pytorch-operator");
        assertThat(s.failed()).as("failed pytorch-operator tests").isZero();
        assertThat(s.passed()).isPositive();
    }

    @Test
    void simpleTests() throws Exception {
        ConformanceRunner.Summary s = run("simple");
        assertThat(s.failed()).as("failed simple tests").isZero();
    }
}
