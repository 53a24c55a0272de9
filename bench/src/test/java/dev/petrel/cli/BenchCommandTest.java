package dev.petrel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {
    @TempDir
    Path dir;

    record Outcome(int exit, String out, String err) {
        String lastLine() {
            List<String> lines = out.lines().toList();
            return lines.get(lines.size() - 1);
        }
    }

    static Outcome bench(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        picocli.CommandLine cli = new picocli.CommandLine(new PetrelCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        String[] full = new String[args.length + 1];
        full[0] = "bench";
        System.arraycopy(args, 0, full, 1, args.length);
        int exit = cli.execute(full);
        return new Outcome(exit, out.toString(), err.toString());
    }

    static String readme() throws Exception {
        return Path.of(BenchCommandTest.class.getResource("/models/readme.onnx").toURI()).toString();
    }

    @Test
    void readmeModelAloneEndsWithMachineReadableFigures() throws Exception {
        Outcome o = bench(readme(), "--iterations", "3", "--warmup", "1", "--seq", "4", "--batch", "2");
        assertThat(o.exit()).as(o.err()).isZero();
        assertThat(o.out()).contains("input   x FLOAT[2, 4] normal(0, 1)");
        assertThat(o.out()).contains("p50 (ms)").contains("peak RSS of the process").doesNotContain("onnxruntime");
        assertThat(o.lastLine()).matches("p50_ms \\d+\\.\\d\\d p90_ms \\d+\\.\\d\\d p99_ms \\d+\\.\\d\\d mean_ms \\d+\\.\\d\\d "
                + "load_ms \\d+\\.\\d\\d session_ms \\d+\\.\\d\\d first_ms \\d+\\.\\d\\d rss_mb (-?\\d+\\.\\d|nan)");
        assertThat(o.err()).isEmpty(); // no terminal: no progress bar
    }

    @Test
    void quantizedMiniLmAgainstOnnxRuntimeAgreesAndWritesBothReports() throws Exception {
        Path html = dir.resolve("bench.html");
        Outcome o = bench("minilm-int8", "--compare", "ort", "--seq", "16", "--iterations", "3", "--warmup", "1",
                "--report", html.toString());
        assertThat(o.exit()).as(o.err()).isZero();
        assertThat(o.out()).contains("input   input_ids INT64[1, 16] token ids in [1000, 20000)");
        Matcher m = Pattern.compile("outputs last_hidden_state: max \\|petrel - onnxruntime\\| = (\\S+)").matcher(o.out());
        assertThat(m.find()).as(o.out()).isTrue();
        assertThat(Double.parseDouble(m.group(1))).isLessThan(BenchCommand.AGREEMENT);
        assertThat(o.out()).doesNotContain("WARNING");
        assertThat(o.lastLine()).matches("ratio p50 \\d+\\.\\d\\d p90 \\d+\\.\\d\\d load \\d+\\.\\d\\d first \\d+\\.\\d\\d rss (\\d+\\.\\d\\d|nan)");
        String page = Files.readString(html);
        assertThat(page).contains("<svg").contains(">onnxruntime  p50 ").contains(">petrel  p50 ").contains("</html>");

        Path png = dir.resolve("bench.png");
        Outcome p = bench("minilm-int8", "--compare", "ort", "--seq", "16", "--iterations", "3", "--warmup", "0",
                "--report", png.toString());
        assertThat(p.exit()).as(p.err()).isZero();
        assertThat(ImageIO.read(png.toFile()).getWidth()).isEqualTo(LatencyReport.WIDTH);
    }

    @Test
    void badArgumentsAreRejectedWithTheReason() throws Exception {
        String model = readme();
        assertRejected(bench(model, "--iterations", "0"), "--iterations must be at least 1, got 0");
        assertRejected(bench(model, "--warmup", "-1"), "--warmup must be 0 or more, got -1");
        assertRejected(bench(model, "--threads", "0"), "--threads must be at least 1, got 0");
        assertRejected(bench(model, "--seq", "0"), "--seq must be at least 1, got 0");
        assertRejected(bench(model, "--batch", "0"), "--batch must be at least 1, got 0");
        assertRejected(bench(model, "--compare", "tflite"), "--compare supports only 'ort'");
        assertRejected(bench(model, "--report", "out.txt"), "--report must name a .html or .png file");
        assertRejected(bench("no/such/model.onnx"), "no such model file: no/such/model.onnx");
        assertRejected(bench(model, "--iterations", "many"), "'many' is not an int");
    }

    private static void assertRejected(Outcome o, String message) {
        assertThat(o.exit()).as(o.out()).isEqualTo(2);
        assertThat(o.err()).contains(message);
        assertThat(o.out()).isEmpty();
    }
}
