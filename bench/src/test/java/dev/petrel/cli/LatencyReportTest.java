package dev.petrel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

class LatencyReportTest {
    @TempDir
    Path dir;

    static LatencyReport report(BenchResult... results) {
        List<BenchResult> list = List.of(results);
        return new LatencyReport("petrel bench: test <model>", List.of("batch 1 & seq 16"), list, BenchSummary.table(list));
    }

    @Test
    void htmlIsSelfContainedWithAWellFormedSvg() throws Exception {
        Path file = dir.resolve("sub/report.html");
        report(BenchSummaryTest.PETREL, BenchSummaryTest.ORT).write(file);
        String html = Files.readString(file);
        assertThat(html).startsWith("<!DOCTYPE html>").endsWith("</html>\n");
        assertThat(html).doesNotContain("<script").doesNotContain("<link").doesNotContain("@import").doesNotContain("src=");
        assertThat(html.replace("http://www.w3.org/2000/svg", "")).doesNotContain("http");
        assertThat(html).contains("<h1>petrel bench: test &lt;model&gt;</h1>").contains("batch 1 &amp; seq 16");
        assertThat(html).contains("<th>petrel/ort</th>").contains("<td>p50 (ms)</td><td>24.00</td><td>10.00</td><td>2.40</td>");

        String svg = html.substring(html.indexOf("<svg"), html.indexOf("</svg>") + 6);
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");
        // 5 runs per engine: a dot per run in the sorted curve and in the run-order chart
        assertThat(doc.getElementsByTagName("circle").getLength()).isEqualTo(2 * 2 * 5);
        assertThat(doc.getElementsByTagName("polyline").getLength()).isEqualTo(2 * 2);
        assertThat(svg).contains(">petrel  p50 24 ms<").contains(">onnxruntime  p50 10 ms<");
        assertThat(svg).doesNotContain("log scale"); // 28 ms / 10 ms is under the log-scale threshold
    }

    @Test
    void enginesFarApartGetALogarithmicAxis() {
        BenchResult slow = BenchSummaryTest.result("petrel", 1, 1, 1, 1, 0, 500_000_000, 600_000_000);
        String html = report(slow, BenchSummaryTest.ORT).html();
        assertThat(html).contains("(log scale)");
    }

    @Test
    void pngIsAReadableImage() throws Exception {
        Path file = dir.resolve("report.png");
        report(BenchSummaryTest.PETREL, BenchSummaryTest.ORT).write(file);
        byte[] bytes = Files.readAllBytes(file);
        assertThat(bytes).startsWith(0x89, 'P', 'N', 'G');
        BufferedImage image = ImageIO.read(file.toFile());
        assertThat(image.getWidth()).isEqualTo(LatencyReport.WIDTH);
        assertThat(image.getHeight()).isGreaterThan(900);
        // something besides the white background was drawn in the chart area
        int colored = 0;
        for (int y = 80; y < 900; y += 3) {
            for (int x = 0; x < image.getWidth(); x += 3) {
                int rgb = image.getRGB(x, y) & 0xFFFFFF;
                int r = rgb >> 16, b = rgb & 0xFF;
                if (b > r + 60 || r > b + 60) colored++;
            }
        }
        assertThat(colored).isGreaterThan(50);
    }

    @Test
    void oneEngineAloneAlsoDraws() {
        String html = report(BenchSummaryTest.PETREL).html();
        assertThat(html).contains(">petrel  p50 24 ms<").doesNotContain("onnxruntime");
    }

    @Test
    void onlyHtmlAndPngAreWritten() {
        assertThatThrownBy(() -> report(BenchSummaryTest.PETREL).write(dir.resolve("r.txt")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(".html or .png");
    }

    @Test
    void ticksAreRoundNumbers() {
        LatencyReport.Scale s = LatencyReport.Scale.linear(3.2, 27.9, 0, 100, 6);
        assertThat(s.ticks()).containsExactly(0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0);
        assertThat(s.map(0)).isEqualTo(0.0);
        assertThat(s.map(30)).isEqualTo(100.0);
        assertThat(LatencyReport.number(12.345)).isEqualTo("12.3");
        assertThat(LatencyReport.number(1500)).isEqualTo("1500");
        assertThat(LatencyReport.number(0.0456)).isEqualTo("0.0456");
    }
}
