package dev.petrel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.json.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerateCommandTest {
    static final Path GPT2 = Path.of("..", "engine", "llm", "src", "test", "resources", "gpt2");
    static final Path TINY = GPT2.resolve("gpt2-tiny");
    static final String FIGURES = "prompt tokens %d, prompt \\d+\\.\\d tokens/s, decode tokens %d, decode \\d+\\.\\d tokens/s, stop %s";

    @TempDir
    Path dir;

    /** What stdout held at each flush, to see the text arrive in pieces. */
    static final class FlushLog extends Writer {
        final StringBuilder text = new StringBuilder();
        final List<String> flushes = new ArrayList<>();

        @Override
        public void write(char[] buf, int off, int len) {
            text.append(buf, off, len);
        }

        @Override
        public void flush() {
            if (flushes.isEmpty() || !flushes.get(flushes.size() - 1).equals(text.toString())) flushes.add(text.toString());
        }

        @Override
        public void close() {}
    }

    record Outcome(int exit, String out, String err, List<String> flushes) {
        String lastErrLine() {
            List<String> lines = err.lines().toList();
            return lines.get(lines.size() - 1);
        }

        List<String> outLines() {
            return out.lines().toList();
        }
    }

    static Outcome run(String command, String... args) {
        FlushLog out = new FlushLog();
        StringWriter err = new StringWriter();
        picocli.CommandLine cli = new picocli.CommandLine(new PetrelCli());
        cli.setOut(new PrintWriter(out, false));
        cli.setErr(new PrintWriter(err, true));
        String[] full = new String[args.length + 1];
        full[0] = command;
        System.arraycopy(args, 0, full, 1, args.length);
        int exit = cli.execute(full);
        return new Outcome(exit, out.text.toString(), err.toString(), out.flushes);
    }

    static Outcome generate(String... args) {
        return run("generate", args);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> prompt(int i) throws IOException {
        Map<String, Object> ref = (Map<String, Object>) Json.parse(Json.readUtf8(TINY.resolve("reference.json")));
        return ((List<Map<String, Object>>) ref.get("prompts")).get(i);
    }

    static String ids(Object jsonList) {
        StringBuilder sb = new StringBuilder();
        for (Object o : (List<?>) jsonList) sb.append(sb.length() == 0 ? "" : ",").append(((Number) o).intValue());
        return sb.toString();
    }

    @Test
    void greedyGenerationStreamsTheReferenceContinuation() throws IOException {
        Map<String, Object> p = prompt(1);
        Outcome o = generate("--model", TINY.toString(), "--prompt", (String) p.get("text"), "--max-tokens", "24");
        assertThat(o.exit()).as(o.err()).isZero();
        assertThat(o.out()).isEqualTo(p.get("greedy_text") + System.lineSeparator());
        assertThat(o.flushes().size()).as("text flushed piece by piece").isGreaterThan(10);
        assertThat(o.lastErrLine()).matches(String.format(FIGURES, 11, 24, "max_tokens"));
        assertThat(o.err().lines().count()).isEqualTo(2);   // what was loaded, then the figures
    }

    @Test
    void promptIdsAndPrintIds() throws IOException {
        Map<String, Object> p = prompt(0);
        Outcome o = generate("--model", TINY.toString(), "--prompt-ids", ids(p.get("ids")), "--max-tokens", "24", "--print-ids");
        assertThat(o.exit()).as(o.err()).isZero();
        assertThat(o.outLines()).containsExactly((String) p.get("greedy_text"), ids(p.get("greedy")));
        assertThat(o.lastErrLine()).matches(String.format(FIGURES, 3, 24, "max_tokens"));
    }

    @Test
    void quantizedWeights() throws IOException {
        Map<String, Object> p = prompt(0);
        // Q8 keeps the tiny model's greedy continuation (its logits agree with fp32 on every fixture position).
        Outcome q8 = generate("--model", TINY.toString(), "--prompt-ids", ids(p.get("ids")), "--max-tokens", "24", "--print-ids",
                "--weights", "q8");
        assertThat(q8.exit()).as(q8.err()).isZero();
        assertThat(q8.outLines()).containsExactly((String) p.get("greedy_text"), ids(p.get("greedy")));
        assertThat(q8.err()).contains("MiB of Q8 weights");
        Outcome q4 = generate("--model", TINY.toString(), "--prompt-ids", ids(p.get("ids")), "--max-tokens", "24", "--weights", "Q4");
        assertThat(q4.exit()).as(q4.err()).isZero();
        assertThat(q4.lastErrLine()).matches(String.format(FIGURES, 3, 24, "max_tokens"));
        Outcome bad = generate("--model", TINY.toString(), "--prompt-ids", "1", "--weights", "q3");
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.err()).contains("expected fp32, q8 or q4");
    }

    @Test
    void stopStringsEndTheTextBeforeThem() throws IOException {
        Map<String, Object> p = prompt(1);
        Outcome o = generate("--model", TINY.toString(), "--prompt", (String) p.get("text"), "--stop", "rain", "--stop", "like");
        assertThat(o.exit()).as(o.err()).isZero();
        assertThat(o.outLines()).containsExactly(" wite paw, and she doesn't ");
        assertThat(o.lastErrLine()).endsWith("stop stop_string");
    }

    @Test
    void seededSamplingIsReproducible() {
        String[] args = {"--model", TINY.toString(), "--prompt", "The baker", "--temperature", "0.9", "--top-k", "40", "--top-p", "0.95",
                "--repetition-penalty", "1.2", "--seed", "7", "--max-tokens", "20", "--print-ids", "--threads", "2"};
        Outcome a = generate(args), b = generate(args);
        assertThat(a.exit()).as(a.err()).isZero();
        assertThat(a.out()).isEqualTo(b.out());
    }

    /** An ONNX decoder export without a tokenizer beside it: ids in, ids out, the same tokens as the HF folder. */
    @Test
    void onnxExportFromTokenIds() throws IOException {
        Map<String, Object> p = prompt(2);
        for (String file : List.of("gpt2-tiny-merged-opset17.onnx", "gpt2-tiny-past-opset14.onnx")) {
            Outcome o = generate("--model", GPT2.resolve("onnx").resolve(file).toString(), "--prompt-ids", ids(p.get("ids")),
                    "--max-tokens", "24");
            assertThat(o.exit()).as(o.err()).isZero();
            assertThat(o.outLines()).as(file).containsExactly(ids(p.get("greedy")));
            assertThat(o.err()).contains("ONNX decoder");
            assertThat(o.lastErrLine()).matches(String.format(FIGURES, 59, 24, "max_tokens"));
        }
    }

    /** An Optimum folder (decoder_model_merged.onnx, config.json, tokenizer) generates text. */
    @Test
    void optimumFolderWithTokenizer() throws IOException {
        Path onnx = GPT2.resolve("onnx");
        Files.copy(onnx.resolve("gpt2-tiny-merged-opset17.onnx"), dir.resolve("decoder_model_merged.onnx"));
        Files.copy(onnx.resolve("gpt2-tiny-past.onnx_data"), dir.resolve("gpt2-tiny-past.onnx_data"));
        for (String f : List.of("config.json", "tokenizer.json")) Files.copy(TINY.resolve(f), dir.resolve(f));
        Map<String, Object> p = prompt(1);
        Outcome o = generate("--model", dir.toString(), "--prompt", (String) p.get("text"), "--max-tokens", "24", "--print-ids");
        assertThat(o.exit()).as(o.err()).isZero();
        assertThat(o.outLines()).containsExactly((String) p.get("greedy_text"), ids(p.get("greedy")));
    }

    @Test
    void badInputsAreOneLineErrorsWithExitCode2() {
        String tiny = TINY.toString(), onnx = GPT2.resolve("onnx").resolve("gpt2-tiny-past-opset17.onnx").toString();
        rejected(generate("--model", "no/such/folder", "--prompt", "x"), "petrel generate: no such model: no/such/folder");
        rejected(generate("--model", onnx, "--prompt", "The baker"), "has no tokenizer (tokenizer.json, or vocab.json + merges.txt): give --prompt-ids");
        rejected(generate("--model", onnx, "--prompt-ids", "1,2", "--stop", "x"), "--stop needs the model's tokenizer");
        rejected(generate("--model", tiny), "give a prompt: --prompt TEXT or --prompt-ids 1,2,3");
        rejected(generate("--model", tiny, "--prompt", "a", "--prompt-ids", "1"), "give --prompt or --prompt-ids, not both");
        rejected(generate("--model", tiny, "--prompt", "a", "--temperature", "-1"), "--temperature must be finite and >= 0, got -1.0");
        rejected(generate("--model", tiny, "--prompt", "a", "--top-p", "0"), "--top-p must be in (0, 1], got 0.0");
        rejected(generate("--model", tiny, "--prompt", "a", "--top-k", "-2"), "--top-k must be >= 0, got -2");
        rejected(generate("--model", tiny, "--prompt", "a", "--max-tokens", "0"), "--max-tokens must be at least 1, got 0");
        rejected(generate("--model", tiny, "--prompt", "a", "--threads", "0"), "--threads must be at least 1, got 0");
        rejected(generate("--model", tiny, "--prompt", "a", "--repetition-penalty", "0"), "--repetition-penalty must be finite and > 0");
        rejected(generate("--model", tiny, "--prompt-ids", "1,999"), "token id 999 (input 1) is outside the vocabulary [0, 507)");
        rejected(generate("--model", GPT2.resolve("README.md").toString(), "--prompt", "a"), "is neither a model folder nor a .onnx file");
        rejected(generate("--model", GPT2.toString(), "--prompt", "a"), "is neither a Hugging Face GPT-2 folder");
        // picocli's own conversion errors: exit 2, the reason on the first line
        Outcome o = generate("--model", tiny, "--prompt-ids", "1,x");
        assertThat(o.exit()).isEqualTo(2);
        assertThat(o.err().lines().findFirst().orElse("")).contains("'x' is not an int");
        assertThat(generate("--prompt", "a").err()).contains("Missing required option: '--model=PATH'");
    }

    static void rejected(Outcome o, String message) {
        assertThat(o.exit()).as(o.err()).isEqualTo(2);
        assertThat(o.err()).contains(message);
        assertThat(o.err().lines().count()).as(o.err()).isEqualTo(1);
        assertThat(o.out()).isEmpty();
    }
}
