package dev.petrel.cli;

import static dev.petrel.cli.GenerateCommandTest.GPT2;
import static dev.petrel.cli.GenerateCommandTest.ids;
import static dev.petrel.cli.GenerateCommandTest.rejected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.petrel.cli.GenerateCommandTest.Outcome;
import dev.petrel.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AttributeCommandTest {
    private static final Pattern ROW = Pattern.compile("(?m)^(\\S+)\\s+([+-]\\d+\\.\\d+)(?:\\s+(-?\\d+\\.\\d)%)?$");

    @TempDir
    Path dir;

    static Outcome attribute(String... args) {
        return GenerateCommandTest.run("attribute", args);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> reference(String folder, String key) throws IOException {
        return (Map<String, Object>) ((Map<String, Object>) Json.parse(Json.readUtf8(GPT2.resolve(folder).resolve("reference.json")))).get(key);
    }

    @SuppressWarnings("unchecked")
    static List<Object> promptIds(String folder, int prompt) throws IOException {
        Map<String, Object> ref = (Map<String, Object>) Json.parse(Json.readUtf8(GPT2.resolve(folder).resolve("reference.json")));
        return (List<Object>) ((List<Map<String, Object>>) ref.get("prompts")).get(prompt).get("ids");
    }

    /** component (and sum, logit) -> value, from the printed table. */
    static Map<String, Double> table(String out) {
        Map<String, Double> rows = new HashMap<>();
        Matcher m = ROW.matcher(out);
        while (m.find()) rows.put(m.group(1), Double.parseDouble(m.group(2)));
        return rows;
    }

    @SuppressWarnings("unchecked")
    private static void matchesReference(Outcome o, Map<String, Object> ref) {
        assertThat(o.exit()).as(o.err()).isZero();
        Map<String, Double> rows = table(o.out());
        Map<String, Object> expected = (Map<String, Object>) ref.get("contributions");
        for (Map.Entry<String, Object> e : expected.entrySet()) {
            assertThat(rows.get(e.getKey())).as(e.getKey()).isCloseTo(((Number) e.getValue()).doubleValue(), within(1e-4));
        }
        assertThat(rows.get("logit")).isCloseTo(((Number) ref.get("logit")).doubleValue(), within(1e-4));
        assertThat(rows.get("sum")).isCloseTo(rows.get("logit"), within(1e-4));
        double shares = 0;
        Matcher m = ROW.matcher(o.out());
        while (m.find()) if (m.group(3) != null) shares += Math.abs(Double.parseDouble(m.group(3)));
        assertThat(shares).isCloseTo(100, within(0.5));
    }

    @Test
    void lnFreeModelIsExactAndSumsToTheLogit() throws IOException {
        Map<String, Object> ref = reference("gpt2-tiny-lnfree", "direct_logit_attribution");
        Outcome o = attribute("--model", GPT2.resolve("gpt2-tiny-lnfree").toString(),
                "--prompt-ids", ids(promptIds("gpt2-tiny-lnfree", 2)), "--position", "58", "--token-id", "258");
        matchesReference(o, ref);
        assertThat(o.out()).contains("token     \" the\" (id 258)").contains("affine (LN-free model): the decomposition is exact")
                .contains("(exact: rounding only)");
        Matcher residual = Pattern.compile("residual\\s+(\\S+) ").matcher(o.out());
        assertThat(residual.find()).isTrue();
        assertThat(Math.abs(Double.parseDouble(residual.group(1)))).isLessThan(1e-4);
    }

    @Test
    void layerNormModelUsesTheFrozenScaleApproximation() throws IOException {
        Map<String, Object> ref = reference("gpt2-tiny", "direct_logit_attribution_frozen_ln");
        // The token as text, the position counted from the end (58 = the last of 59).
        Outcome o = attribute("--model", GPT2.resolve("gpt2-tiny").toString(),
                "--prompt-ids", ids(promptIds("gpt2-tiny", 2)), "--position", "-1", "--token", " the");
        matchesReference(o, ref);
        assertThat(o.out()).contains("position 58").contains("scale frozen at s = 0.387225 (frozen-scale approximation)")
                .contains("(frozen-scale approximation)");
    }

    @Test
    void defaultTokenIsTheTopPredictionAndChartsAreWritten() throws Exception {
        Path html = dir.resolve("charts/attr.html"), png = dir.resolve("attr.png");
        Outcome o = attribute("--model", GPT2.resolve("gpt2-tiny-lnfree").toString(), "--prompt", "On cold mornings the baker's cat",
                "--chart", html.toString());
        assertThat(o.exit()).as(o.err()).isZero();
        assertThat(o.out()).contains("token     \" w\" (id 261)");   // the first greedy token of this prompt
        String page = Files.readString(html);
        assertThat(page).startsWith("<!DOCTYPE html>").contains("<svg").contains(">mlp.1</text>").contains("</html>");
        assertThat(page.split("<rect", -1).length - 1).isEqualTo(6);   // one bar per component

        Outcome p = attribute("--model", GPT2.resolve("gpt2-tiny").toString(), "--prompt", "On cold mornings the baker's cat",
                "--chart", png.toString());
        assertThat(p.exit()).as(p.err()).isZero();
        assertThat(Files.size(png)).isGreaterThan(1000);
        assertThat(ImageIO.read(png.toFile()).getWidth()).isEqualTo(AttributionChart.WIDTH);
    }

    @Test
    void badInputsAreOneLineErrors() {
        String tiny = GPT2.resolve("gpt2-tiny").toString();
        rejected(attribute("--model", tiny, "--prompt", "The baker", "--token", " Paris"),
                "--token \" Paris\" encodes to 3 tokens [\" P\" (483), \"ar\" (269), \"is\" (277)], not one; give a single token or --token-id");
        rejected(attribute("--model", tiny, "--prompt", "The baker", "--position", "5"), "--position 5 is outside the prompt's 2 tokens");
        rejected(attribute("--model", tiny, "--prompt", "The baker", "--token-id", "507"), "--token-id 507 is outside the vocabulary [0, 507)");
        rejected(attribute("--model", tiny, "--prompt", "The baker", "--token", " the", "--token-id", "1"), "give --token or --token-id, not both");
        rejected(attribute("--model", tiny, "--prompt", "The baker", "--chart", "out.svg"), "--chart must name a .html or .png file");
        rejected(attribute("--model", tiny), "give a prompt");
        rejected(attribute("--model", "no/such/dir", "--prompt", "a"), "no such model: no/such/dir");
        rejected(attribute("--model", GPT2.resolve("onnx").resolve("gpt2-tiny-nopast-opset17.onnx").toString(), "--prompt-ids", "1"),
                "is not a Hugging Face GPT-2 folder");
    }
}
