package dev.petrel.cli;

import dev.petrel.Options;
import dev.petrel.PetrelException;
import dev.petrel.llm.DecoderOptions;
import dev.petrel.llm.GenerationOptions;
import dev.petrel.llm.GenerationResult;
import dev.petrel.llm.Generator;
import dev.petrel.llm.Gpt2Model;
import dev.petrel.llm.OnnxCausalLm;
import dev.petrel.llm.TokenListener;
import dev.petrel.llm.WeightFormat;
import dev.petrel.tokenizer.ByteLevelBpeTokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code petrel generate --model PATH --prompt TEXT}: streams a causal language model's continuation to
 * stdout, piece by piece as it is decoded, then one line of figures on stderr. PATH is a Hugging Face
 * GPT-2 folder (run by engine/llm's own decoder) or an ONNX decoder export (a {@code .onnx} file or an
 * Optimum folder, run by the general engine). Errors are one line on stderr and exit code 2.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Generate text with a causal language model, streaming it to stdout.",
                "The model is a Hugging Face GPT-2 folder (config.json + model.safetensors) or an ONNX decoder export "
                        + "(a .onnx file, or an Optimum folder with decoder_model_merged.onnx / decoder_with_past_model.onnx).",
                "stderr ends with: prompt tokens, prompt tokens/s, decode tokens, decode tokens/s, stop reason."})
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "PATH", description = "Hugging Face GPT-2 folder, .onnx file or Optimum ONNX folder.")
    Path model;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "Prompt text (needs the model's tokenizer).")
    String prompt;

    @Option(names = "--prompt-ids", split = ",", paramLabel = "ID", description = "Prompt as comma-separated token ids, e.g. 1,2,3.")
    List<Integer> promptIds;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "64", description = "Most tokens to generate (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0", description = "Sampling temperature; 0 is greedy (default ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0", description = "Sample from the k most likely tokens; 0 keeps all (default ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1", description = "Nucleus sampling mass in (0, 1]; 1 keeps all (default ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--repetition-penalty", paramLabel = "R", defaultValue = "1", description = "Penalty on tokens already seen; 1 is off (default ${DEFAULT-VALUE}).")
    float repetitionPenalty;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Random seed of sampling (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--stop", paramLabel = "STR", description = "Stop when the text contains STR (repeatable); STR is not printed.")
    List<String> stops = new ArrayList<>();

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1", description = "Threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--weights", paramLabel = "FORMAT", defaultValue = "fp32", converter = WeightsConverter.class,
            description = "Weights of a Hugging Face folder: fp32 (default), q8 or q4, quantized at load (blocks of 32, fp16 scales).")
    WeightFormat weights;

    /** fp32 | q8 | q4, any case. */
    static final class WeightsConverter implements CommandLine.ITypeConverter<WeightFormat> {
        @Override
        public WeightFormat convert(String value) {
            try {
                return WeightFormat.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("expected fp32, q8 or q4, got '" + value + "'");
            }
        }
    }

    @Option(names = "--print-ids", description = "After the text, print the generated token ids on one line, comma-separated.")
    boolean printIds;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        try {
            return run(out, err);
        } catch (BadInput e) {
            err.println("petrel generate: " + e.getMessage());
            return 2;
        } catch (IOException | UncheckedIOException | PetrelException | IllegalArgumentException | IllegalStateException e) {
            err.println("petrel generate: " + message(e));
            return 2;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private int run(PrintWriter out, PrintWriter err) throws IOException {
        GenerationOptions options = options();
        if (prompt != null && promptIds != null) throw new BadInput("give --prompt or --prompt-ids, not both");
        if (prompt == null && promptIds == null) throw new BadInput("give a prompt: --prompt TEXT or --prompt-ids 1,2,3");
        if (prompt != null && prompt.isEmpty()) throw new BadInput("--prompt is empty");
        long t0 = System.nanoTime();
        CausalLm lm = CausalLm.open(model, threads, weights);
        long t1 = System.nanoTime();
        ByteLevelBpeTokenizer tokenizer = lm.tokenizer;
        int[] ids;
        if (promptIds != null) {
            ids = new int[promptIds.size()];
            for (int i = 0; i < ids.length; i++) ids[i] = promptIds.get(i);
        } else {
            if (tokenizer == null) {
                throw new BadInput(model + " has no tokenizer (tokenizer.json, or vocab.json + merges.txt): give --prompt-ids instead of --prompt");
            }
            ids = tokenizer.encode(prompt);
        }
        if (ids.length == 0) throw new BadInput("the prompt has no tokens");
        if (ids.length > lm.capacity) {
            throw new BadInput("the prompt has " + ids.length + " tokens, more than the model's " + lm.capacity + " positions");
        }
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= lm.vocabSize) {
                throw new BadInput("token id " + ids[i] + " (input " + i + ") is outside the vocabulary [0, " + lm.vocabSize + ")");
            }
        }
        if (tokenizer == null && !stops.isEmpty()) throw new BadInput("--stop needs the model's tokenizer to see text; " + model + " has none");
        err.printf(Locale.ROOT, "%s; loaded in %.0f ms%n", lm.description, (t1 - t0) / 1e6);
        err.flush();
        GenerationResult r;
        try (Generator generator = lm.generators.get()) {
            r = generator.generate(ids, options, new TokenListener() {
                @Override
                public void onText(String text) {
                    out.print(text);
                    out.flush();
                }
            });
        }
        if (tokenizer != null) out.println();
        if (printIds || tokenizer == null) out.println(joinIds(r.tokens()));
        out.flush();
        err.printf(Locale.ROOT, "prompt tokens %d, prompt %.1f tokens/s, decode tokens %d, decode %.1f tokens/s, stop %s%n",
                r.promptTokens().length, r.promptTokensPerSecond(), r.tokens().length, r.decodeTokensPerSecond(),
                r.stopReason().name().toLowerCase(Locale.ROOT));
        return 0;
    }

    private GenerationOptions options() {
        if (maxTokens < 1) throw new BadInput("--max-tokens must be at least 1, got " + maxTokens);
        if (threads < 1) throw new BadInput("--threads must be at least 1, got " + threads);
        if (!(temperature >= 0) || Float.isInfinite(temperature)) throw new BadInput("--temperature must be finite and >= 0, got " + temperature);
        if (topK < 0) throw new BadInput("--top-k must be >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new BadInput("--top-p must be in (0, 1], got " + topP);
        if (!(repetitionPenalty > 0) || Float.isInfinite(repetitionPenalty)) {
            throw new BadInput("--repetition-penalty must be finite and > 0, got " + repetitionPenalty);
        }
        for (String s : stops) if (s.isEmpty()) throw new BadInput("--stop strings must be non-empty");
        return GenerationOptions.greedy().maxNewTokens(maxTokens).temperature(temperature).topK(topK).topP(topP)
                .repetitionPenalty(repetitionPenalty).seed(seed).stopStrings(stops.toArray(new String[0]));
    }

    static String joinIds(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < ids.length; i++) sb.append(i == 0 ? "" : ",").append(ids[i]);
        return sb.toString();
    }

    static String message(Exception e) {
        if (e instanceof NoSuchFileException n) return "no such model: " + n.getFile();
        if (e instanceof UncheckedIOException u && u.getCause() != null) return u.getMessage() + ": " + u.getCause().getMessage();
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    /** A user error reported as one line, exit code 2. */
    static final class BadInput extends RuntimeException {
        BadInput(String message) {
            super(message);
        }
    }

    /** A model opened for generation: a Hugging Face GPT-2 folder or an ONNX decoder export. */
    static final class CausalLm {
        final java.util.function.Supplier<Generator> generators;
        final ByteLevelBpeTokenizer tokenizer;
        final String description;
        final int vocabSize, capacity;

        private CausalLm(java.util.function.Supplier<Generator> generators, ByteLevelBpeTokenizer tokenizer, String description,
                         int vocabSize, int capacity) {
            this.generators = generators;
            this.vocabSize = vocabSize;
            this.capacity = capacity;
            this.tokenizer = tokenizer;
            this.description = description;
        }

        static CausalLm open(Path path, int threads) throws IOException {
            return open(path, threads, WeightFormat.FP32);
        }

        static CausalLm open(Path path, int threads, WeightFormat weights) throws IOException {
            if (!Files.exists(path)) throw new BadInput("no such model: " + path);
            if (isHuggingFaceFolder(path)) {
                Gpt2Model m = Gpt2Model.load(path, DecoderOptions.defaults().threads(threads).weights(weights));
                return new CausalLm(m::newGenerator, m.tokenizer(), path + ": " + m, m.config().vocabSize, m.config().positions);
            }
            if (Files.isRegularFile(path) && !path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
                throw new BadInput(path + " is neither a model folder nor a .onnx file");
            }
            if (Files.isDirectory(path) && !hasOnnx(path) && !hasOnnx(path.resolve("onnx"))) {
                throw new BadInput(path + " is neither a Hugging Face GPT-2 folder (config.json + model.safetensors) nor an ONNX "
                        + "decoder export (decoder_model_merged.onnx, decoder_with_past_model.onnx, decoder_model.onnx or model.onnx)");
            }
            if (weights != WeightFormat.FP32) {
                throw new BadInput("--weights " + weights.name().toLowerCase(Locale.ROOT) + " applies to Hugging Face folders; "
                        + "quantize an ONNX model with `petrel quantize` instead");
            }
            OnnxCausalLm m = OnnxCausalLm.load(path, new Options().threads(threads));
            return new CausalLm(m::newGenerator, m.tokenizer(), path + ": " + m, m.vocabSize(), m.capacity());
        }

        static boolean isHuggingFaceFolder(Path p) {
            return Files.isDirectory(p) && Files.isRegularFile(p.resolve("config.json"))
                    && (Files.isRegularFile(p.resolve("model.safetensors")) || Files.isRegularFile(p.resolve("model.safetensors.index.json")));
        }

        private static boolean hasOnnx(Path dir) {
            for (String n : new String[] {"decoder_model_merged.onnx", "decoder_with_past_model.onnx", "decoder_model.onnx", "model.onnx"}) {
                if (Files.isRegularFile(dir.resolve(n))) return true;
            }
            return false;
        }
    }
}
