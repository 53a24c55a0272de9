package dev.petrel.llm;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Decode speed on a model the size of GPT-2 small (12 layers, d 768, 12 heads, 1024 positions, vocab
 * 50257; 124M parameters, 498 MB of F32) with random weights, written as a Hugging Face folder and
 * loaded through the normal path. Not part of the test suite. Run (about 3 GB of heap):
 *
 * <pre>
 * java -Xmx3g -cp engine/llm/target/test-classes:engine/llm/target/classes:engine/target/classes:loaders/target/classes \
 *      dev.petrel.llm.Gpt2SmallBenchmark [folder] [tokens] [threads...]
 * </pre>
 */
public final class Gpt2SmallBenchmark {
    public static void main(String[] args) throws IOException {
        Path folder = args.length > 0 ? Path.of(args[0]) : Path.of(System.getProperty("java.io.tmpdir"), "petrel-gpt2-small-random");
        int tokens = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int[] threads = {1, 2};
        if (args.length > 2) {
            threads = new int[args.length - 2];
            for (int i = 2; i < args.length; i++) threads[i - 2] = Integer.parseInt(args[i]);
        }
        if (!Files.exists(folder.resolve("model.safetensors"))) write(folder);
        for (int t : threads) {
            Gpt2Model model = Gpt2Model.load(folder, DecoderOptions.defaults().threads(t));
            try (Gpt2Decoder d = model.newDecoder()) {
                int[] prompt = new int[32];
                for (int i = 0; i < prompt.length; i++) prompt[i] = 1000 + 37 * i;
                for (int round = 0; round < 2; round++) {   // the first round warms up the JIT
                    d.reset();
                    long p0 = System.nanoTime();
                    FloatBuffer logits = d.prefill(prompt);
                    long p1 = System.nanoTime();
                    int id = 0;
                    for (int k = 0; k < tokens; k++) {
                        id = argmax(logits);
                        logits = d.decode(id);
                    }
                    long p2 = System.nanoTime();
                    System.out.printf("threads %d, round %d: prefill %d tokens %.1f tok/s, decode %d tokens %.2f tok/s"
                                    + " (%.0f MB of weights per token: %.2f GB/s)%n", t, round, prompt.length,
                            prompt.length * 1e9 / (p1 - p0), tokens, tokens * 1e9 / (p2 - p1), model.weights().weightBytes() / 1e6,
                            model.weights().weightBytes() * (double) tokens / (p2 - p1));
                }
            }
        }
    }

    private static int argmax(FloatBuffer v) {
        int best = 0;
        for (int i = 1; i < v.capacity(); i++) if (v.get(i) > v.get(best)) best = i;
        return best;
    }

    private static void write(Path folder) throws IOException {
        int d = 768, layers = 12, positions = 1024, vocab = 50257, inner = 4 * d;
        SplittableRandom r = new SplittableRandom(42);
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("wte.weight", random(r, 0.02, vocab, d));
        t.put("wpe.weight", random(r, 0.01, positions, d));
        for (int l = 0; l < layers; l++) {
            String p = "h." + l + ".";
            t.put(p + "ln_1.weight", constant(1, d));
            t.put(p + "ln_1.bias", constant(0, d));
            t.put(p + "attn.c_attn.weight", random(r, 0.02, d, 3 * d));
            t.put(p + "attn.c_attn.bias", constant(0, 3 * d));
            t.put(p + "attn.c_proj.weight", random(r, 0.02 / Math.sqrt(2 * layers), d, d));
            t.put(p + "attn.c_proj.bias", constant(0, d));
            t.put(p + "ln_2.weight", constant(1, d));
            t.put(p + "ln_2.bias", constant(0, d));
            t.put(p + "mlp.c_fc.weight", random(r, 0.02, d, inner));
            t.put(p + "mlp.c_fc.bias", constant(0, inner));
            t.put(p + "mlp.c_proj.weight", random(r, 0.02 / Math.sqrt(2 * layers), inner, d));
            t.put(p + "mlp.c_proj.bias", constant(0, d));
        }
        t.put("ln_f.weight", constant(1, d));
        t.put("ln_f.bias", constant(0, d));
        Files.createDirectories(folder);
        SafetensorsWriter.write(folder.resolve("model.safetensors"), t);
        String config = "{\"model_type\": \"gpt2\", \"n_embd\": 768, \"n_layer\": 12, \"n_head\": 12, \"n_positions\": 1024,"
                + " \"vocab_size\": 50257, \"layer_norm_epsilon\": 1e-05, \"activation_function\": \"gelu_new\"}";
        Files.write(folder.resolve("config.json"), config.getBytes(StandardCharsets.UTF_8));
    }

    private static Tensor random(SplittableRandom r, double std, int rows, int cols) {
        Tensor t = Tensor.allocate(DType.FLOAT, rows, cols);
        FloatBuffer f = t.floats();
        // Uniform with the given standard deviation: as good as normal for timing, and much cheaper.
        double a = std * Math.sqrt(3);
        for (int i = 0; i < rows * cols; i++) f.put(i, (float) ((2 * r.nextDouble() - 1) * a));
        return t;
    }

    private static Tensor constant(float v, int n) {
        Tensor t = Tensor.allocate(DType.FLOAT, n);
        for (int i = 0; i < n; i++) t.floats().put(i, v);
        return t;
    }
}
