package dev.petrel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code petrel bench --generate} on the tiny GPT-2 fixtures of engine/llm. Timings are printed, never asserted. */
class BenchGenerateTest {
    static final Path GPT2 = Path.of("..", "engine", "llm", "src", "test", "resources", "gpt2");
    static final Path TINY = GPT2.resolve("gpt2-tiny");
    static final Path PAST = GPT2.resolve("onnx").resolve("gpt2-tiny-past-opset17.onnx");
    static final Path MERGED = GPT2.resolve("onnx").resolve("gpt2-tiny-merged-opset17.onnx");

    @TempDir
    Path dir;

    static BenchCommandTest.Outcome bench(String... args) {
        return BenchCommandTest.bench(args);
    }

    /** The key/value pairs of the last line; every value must be a number (or nan). */
    static Map<String, Double> pairs(String line, String prefix) {
        assertThat(line).startsWith(prefix);
        String[] parts = line.substring(prefix.length()).trim().split(" ");
        assertThat(parts.length % 2).as(line).isZero();
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < parts.length; i += 2) m.put(parts[i], parts[i + 1].equals("nan") ? Double.NaN : Double.parseDouble(parts[i + 1]));
        return m;
    }

    @Test
    void againstOnnxRuntimeBothEnginesPickTheSameTokens() {
        BenchCommandTest.Outcome o = bench("--generate", "--model", TINY.toString(), "--compare", "ort", "--onnx", PAST.toString(),
                "--prompt-tokens", "9", "--new-tokens", "5", "--warmup", "0", "--iterations", "2");
        assertThat(o.exit()).as(o.err()).isZero();
        assertThat(o.out()).contains("config  2 layers, width 64, 4 heads, 128 positions, vocabulary 507")
                .contains("prompt of 9 token ids").contains("5 new tokens greedy").contains("then 4 decode steps")
                .contains("DecoderMath provider '")
                .contains("ONNX Runtime 1.23.2, gpt2-tiny-past-opset17.onnx")
                .contains("agreement true: the same 5 greedy tokens")
                .doesNotContain("WARNING");
        assertThat(o.out().lines().filter(l -> l.startsWith("run ")).count()).isEqualTo(4);
        double logitDiff = Double.parseDouble(o.out().lines().filter(l -> l.startsWith("logits  after the prompt"))
                .findFirst().orElseThrow().replaceAll(".*= ", ""));
        assertThat(logitDiff).isLessThan(1e-4);
        for (String row : List.of("load (ms)", "time to first token p50 (ms)", "prefill (tokens/s, p50)", "decode (tokens/s, mean)", "decode (tokens/s, best run)",
                "decode per token p50 (ms)", "decode per token p90 (ms)", "RSS growth")) {
            assertThat(o.out()).contains(row);
        }
        assertThat(o.out()).contains("ratios are petrel/ort: for tokens/s above 1 means Petrel is faster");
        Map<String, Double> ratios = pairs(o.lastLine(), "ratio ");
        assertThat(ratios.keySet()).containsExactly("decode_tps", "prefill_tps", "ttft", "decode_p50", "load", "rss");
        for (String k : List.of("decode_tps", "prefill_tps", "ttft", "decode_p50", "load")) assertThat(ratios.get(k)).as(k).isPositive();
        assertThat(o.err()).isEmpty();
    }

    @Test
    void theMergedExportIsFoundInTheFolderAndAgrees() throws Exception {
        // A folder laid out like Optimum's: the HF files beside decoder_model_merged.onnx (and its external data).
        Path folder = dir.resolve("gpt2-tiny-optimum");
        Files.createDirectories(folder);
        for (String f : List.of("config.json", "model.safetensors")) Files.copy(TINY.resolve(f), folder.resolve(f));
        Files.copy(MERGED, folder.resolve("decoder_model_merged.onnx"));
        Files.copy(GPT2.resolve("onnx").resolve("gpt2-tiny-past.onnx_data"), folder.resolve("gpt2-tiny-past.onnx_data"));
        BenchCommandTest.Outcome o = bench("--generate", "--model", folder.toString(), "--compare", "ort",
                "--prompt-tokens", "4", "--new-tokens", "3", "--warmup", "0", "--iterations", "1", "--threads", "2");
        assertThat(o.exit()).as(o.err()).isZero();
        assertThat(o.out()).contains("decoder_model_merged.onnx").contains("use_cache_branch")
                .contains("agreement true: the same 3 greedy tokens").contains("threads 2");
        assertThat(pairs(o.lastLine(), "ratio ")).containsKey("decode_tps");
    }

    @Test
    void petrelAloneEndsWithItsOwnFigures() {
        BenchCommandTest.Outcome o = bench("--generate", "--model", TINY.toString(), "--prompt-tokens", "3", "--new-tokens", "4",
                "--warmup", "0", "--iterations", "1");
        assertThat(o.exit()).as(o.err()).isZero();
        assertThat(o.out()).doesNotContain("onnxruntime").doesNotContain("agreement");
        Map<String, Double> figures = pairs(o.lastLine(), "");
        assertThat(figures.keySet()).containsExactly("decode_tps", "prefill_tps", "ttft_ms", "decode_p50_ms", "decode_p90_ms",
                "load_ms", "rss_mb");
        assertThat(figures.get("decode_tps")).isPositive();
        assertThat(figures.get("decode_p90_ms")).isGreaterThanOrEqualTo(figures.get("decode_p50_ms"));
    }

    @Test
    void badOptionsAreRejected() throws Exception {
        String model = TINY.toString();
        expectError(bench("--generate"), "--generate needs --model FOLDER");
        expectError(bench("--generate", "--model", PAST.toString()), "--model must be a folder");
        expectError(bench("--generate", model), "with --generate name the model folder with --model");
        expectError(bench("--generate", "--model", model, "--new-tokens", "1"), "--new-tokens must be at least 2");
        expectError(bench("--generate", "--model", model, "--prompt-tokens", "0"), "--prompt-tokens must be at least 1");
        expectError(bench("--generate", "--model", model, "--threads", "0"), "--threads must be at least 1");
        expectError(bench("--generate", "--model", model, "--iterations", "0"), "--iterations must be at least 1");
        expectError(bench("--generate", "--model", model, "--seq", "4"), "--seq is not supported with --generate");
        expectError(bench("--generate", "--model", model, "--compare", "tflite"), "--compare supports only 'ort'");
        expectError(bench("--generate", "--model", model, "--onnx", PAST.toString()), "--onnx is for --compare ort");
        expectError(bench("--model", model), "--model is for --generate");
        expectError(bench("--new-tokens", "4"), "--new-tokens is for --generate");
        // the model's 128 positions hold 100 prompt tokens and 29 fed-back new tokens at most
        BenchCommandTest.Outcome tooLong = bench("--generate", "--model", model, "--prompt-tokens", "100", "--new-tokens", "30");
        assertThat(tooLong.exit()).isNotZero();
        assertThat(tooLong.err()).contains("need 129 positions; the model has 128");
        // a folder without an ONNX export, compared with ONNX Runtime
        Path folder = dir.resolve("no-onnx");
        Files.createDirectories(folder);
        for (String f : List.of("config.json", "model.safetensors")) Files.copy(TINY.resolve(f), folder.resolve(f));
        BenchCommandTest.Outcome noOnnx = bench("--generate", "--model", folder.toString(), "--compare", "ort", "--new-tokens", "2",
                "--prompt-tokens", "2", "--warmup", "0", "--iterations", "1");
        assertThat(noOnnx.exit()).isNotZero();
        assertThat(noOnnx.err()).contains("needs an ONNX export with past key/values").contains("--onnx FILE");
        // an export without past key/values
        BenchCommandTest.Outcome noPast = bench("--generate", "--model", model, "--compare", "ort", "--onnx",
                GPT2.resolve("onnx").resolve("gpt2-tiny-nopast-opset17.onnx").toString(), "--new-tokens", "2", "--prompt-tokens", "2",
                "--warmup", "0", "--iterations", "1");
        assertThat(noPast.exit()).isNotZero();
        assertThat(noPast.err()).contains("has no past_key_values.N.key/value inputs");
    }

    private static void expectError(BenchCommandTest.Outcome o, String message) {
        assertThat(o.exit()).as(o.out()).isNotZero();
        assertThat(o.err()).contains(message);
    }
}
