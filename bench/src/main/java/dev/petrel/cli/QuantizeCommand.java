package dev.petrel.cli;

import dev.petrel.DType;
import dev.petrel.Model;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.graph.Graph;
import dev.petrel.llm.DecoderOptions;
import dev.petrel.llm.Gpt2Decoder;
import dev.petrel.llm.Gpt2Model;
import dev.petrel.llm.QuantizedCheckpoint;
import dev.petrel.llm.WeightFormat;
import dev.petrel.onnx.OnnxModelWriter;
import dev.petrel.quantize.Calibration;
import dev.petrel.quantize.LayerImportance;
import dev.petrel.quantize.LayerScore;
import dev.petrel.quantize.PrecisionPlanner;
import dev.petrel.quantize.QualityProbe;
import dev.petrel.quantize.QuantFormat;
import dev.petrel.quantize.WeightQuantizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code petrel quantize MODEL --to int8|q4|nf4|fp4 --out OUT}: writes a copy of an ONNX model whose
 * MatMul/Gemm weights are quantized (int8 QDQ, MatMulNBits, MatMulBnb4), then compares the outputs of
 * both models in Petrel on synthetic inputs.
 */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Quantize the MatMul/Gemm weights of an ONNX model (int8 QDQ, q4/q8 MatMulNBits, nf4/fp4 MatMulBnb4).")
final class QuantizeCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Model file (.onnx), a Hugging Face / Optimum folder with an ONNX export, or a "
            + "Hugging Face GPT-2 folder without one (--to q8|q4, --out a folder: a quantized checkpoint the native decoder maps).")
    Path model;

    @Option(names = "--to", required = true, description = "Weight format: int8 (QDQ), q4 or q8 (MatMulNBits), nf4 or fp4 (MatMulBnb4).")
    String to;

    @Option(names = "--block", description = "Block size for q4 and q8 (default 32), nf4 and fp4 (default 64).")
    Integer block;

    @Option(names = "--per-tensor", description = "int8: one scale per tensor instead of one per output column "
            + "(per column is the default: all-MiniLM-L6-v2's embeddings keep cosine 0.9995 with it, 0.968 per tensor).")
    boolean perTensor;

    @Option(names = "--per-channel", hidden = true, description = "int8: one scale per output column (the default).")
    boolean perChannel;

    @Option(names = "--target-bits", description = "Mixed per-layer precision: score each transformer block's importance "
            + "(LIM: 1 - cosine between the residual stream entering and leaving it) on calibration inputs and give the "
            + "least important blocks the --to format (4-bit), the others int8 (above 8: the most important stay fp32), "
            + "until the average bits per quantized weight is at most this.")
    Double targetBits;

    @Option(names = "--calibration", defaultValue = "16",
            description = "With --target-bits: calibration samples (sentences through the model folder's tokenizer, else random ids; default ${DEFAULT-VALUE}).")
    int calibration;

    @Option(names = "--symmetric", description = "q4/q8: zero point 8/128 (no zero-point tensor) instead of one per block.")
    boolean symmetric;

    @Option(names = "--min-size", defaultValue = "" + WeightQuantizer.DEFAULT_MIN_SIZE,
            description = "Keep weights with fewer elements in fp32 (default ${DEFAULT-VALUE}).")
    int minSize;

    @Option(names = "--embeddings", description = "Also store embedding tables (Gather over a constant [V, D]) as int8 rows with a scale each.")
    boolean embeddings;

    @Option(names = "--out", required = true, description = "Output model file (.onnx).")
    Path out;

    @Option(names = "--no-check", description = "Skip the fp32 vs quantized comparison on synthetic inputs.")
    boolean noCheck;

    @Option(names = "--seq", defaultValue = "16", description = "Sequence length of the check's inputs (default ${DEFAULT-VALUE}).")
    int seq;

    @Option(names = "--batch", defaultValue = "1", description = "Batch size of the check's inputs (default ${DEFAULT-VALUE}).")
    int batch;

    @Override
    public Integer call() throws IOException {
        if (perTensor && perChannel) throw new IllegalArgumentException("--per-tensor and --per-channel exclude each other");
        if (isGpt2FolderWithoutOnnx(model)) return quantizeGpt2Folder();
        model = resolve(model);
        Graph graph = Model.readGraph(model);
        return quantizeWith(graph, targetBits != null ? mixedPlan(graph) : formatPlan(graph));
    }

    /**
     * A Hugging Face / Optimum folder stands for its ONNX export (the names GenerateBench looks for). A
     * GPT-2 folder with only safetensors has no graph to rewrite: {@link #call} sends it to
     * {@link #quantizeGpt2Folder} before this; any other folder without an export is refused here.
     */
    static Path resolve(Path model) {
        if (!Files.isDirectory(model)) return model;
        for (String name : GenerateBench.ONNX_NAMES) {
            Path f = model.resolve(name);
            if (Files.isRegularFile(f)) return f;
        }
        throw new IllegalArgumentException(model + " has no ONNX export (" + String.join(", ", GenerateBench.ONNX_NAMES)
                + "); a Hugging Face GPT-2 folder (config.json + model.safetensors) is written as a quantized "
                + "checkpoint folder, or quantized at load: petrel generate --model " + model + " --weights q8|q4");
    }

    /** A Hugging Face GPT-2 folder (config.json + safetensors) with none of the ONNX exports {@link #resolve} looks for. */
    static boolean isGpt2FolderWithoutOnnx(Path folder) {
        if (!Files.isDirectory(folder)) return false;
        for (String name : GenerateBench.ONNX_NAMES) if (Files.isRegularFile(folder.resolve(name))) return false;
        return Files.isRegularFile(folder.resolve("config.json")) && (Files.isRegularFile(folder.resolve("model.safetensors"))
                || Files.isRegularFile(folder.resolve("model.safetensors.index.json")));
    }

    /**
     * A GPT-2 folder without ONNX: quantized as the native runtime does at load ({@code --weights q8|q4}), then
     * written as a {@link QuantizedCheckpoint} folder that later loads map without quantizing.
     */
    int quantizeGpt2Folder() throws IOException {
        WeightFormat format;
        if (to.equalsIgnoreCase("q8")) format = WeightFormat.Q8;
        else if (to.equalsIgnoreCase("q4")) format = WeightFormat.Q4;
        else throw new IllegalArgumentException("a Hugging Face GPT-2 folder is quantized to q8 or q4 (the native decoder's formats), not '" + to + "'");
        if (block != null && block != 32) throw new IllegalArgumentException("--block: the native GPT-2 formats use blocks of 32");
        if (targetBits != null || symmetric || perTensor || embeddings) {
            throw new IllegalArgumentException("--target-bits, --symmetric, --per-tensor and --embeddings apply to ONNX models, not to a GPT-2 folder");
        }
        if (out.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".onnx")) {
            throw new IllegalArgumentException("--out names a folder for a GPT-2 folder's quantized checkpoint, not a .onnx file: " + out);
        }
        if (Files.exists(out) && Files.isSameFile(out, model)) throw new IllegalArgumentException("--out must differ from the input folder");
        long before = 0;
        try (java.util.stream.Stream<Path> files = Files.list(model)) {
            for (Path f : (Iterable<Path>) files::iterator) if (f.getFileName().toString().endsWith(".safetensors")) before += Files.size(f);
        }
        long t0 = System.nanoTime();
        Gpt2Model m = Gpt2Model.load(model, DecoderOptions.defaults().weights(format));
        long t1 = System.nanoTime();
        long after = QuantizedCheckpoint.write(m, model, out);
        long t2 = System.nanoTime();
        System.out.println("model      " + model + " -> " + out + " (" + format + ")");
        System.out.printf("size       %s -> %s (%.1f%%)%n", mib(before), mib(after), 100.0 * after / before);
        System.out.printf("time       load and quantize %.2f s, write %.2f s%n", (t1 - t0) / 1e9, (t2 - t1) / 1e9);
        if (!noCheck) {
            long t3 = System.nanoTime();
            Gpt2Model stored = Gpt2Model.load(out);
            long t4 = System.nanoTime();
            int[] ids = new int[Math.min(16, m.config().positions)];
            for (int i = 0; i < ids.length; i++) ids[i] = (int) ((i * 7919L + 13) % m.config().vocabSize);
            float[] a = new float[ids.length * m.config().vocabSize], b = new float[a.length];
            try (Gpt2Decoder da = m.newDecoder(); Gpt2Decoder db = stored.newDecoder()) {
                da.prefill(ids, a);
                db.prefill(ids, b);
            }
            System.out.printf("check      reloaded in %.2f s; logits of %d tokens %s quantizing at load%n", (t4 - t3) / 1e9, ids.length,
                    java.util.Arrays.equals(a, b) ? "bit-identical to" : "DIFFER from");
        }
        return 0;
    }

    /** The format of each weight (null = keep fp32): here one format for all, from --to, --block, --per-channel, --symmetric. */
    Function<String, QuantFormat> formatPlan(Graph graph) {
        QuantFormat.Kind kind = QuantFormat.Kind.parse(to);
        int bs = block != null ? block : kind.defaultBlockSize();
        QuantFormat f = new QuantFormat(kind, bs, kind == QuantFormat.Kind.INT8 && !perTensor, symmetric);
        return name -> f;
    }

    /**
     * Layer-wise mixed precision (papers.md 4.6): LIM scores per block on calibration inputs, then the
     * planner's bits per weight: 8 = int8 per channel, the low level = the --to format, 32 = fp32.
     */
    Function<String, QuantFormat> mixedPlan(Graph graph) {
        QuantFormat.Kind kind = QuantFormat.Kind.parse(to);
        if (kind == QuantFormat.Kind.INT8 || kind == QuantFormat.Kind.Q8) {
            throw new IllegalArgumentException("--target-bits mixes int8 with a 4-bit format: give --to q4, nf4 or fp4");
        }
        QuantFormat low = new QuantFormat(kind, block != null ? block : kind.defaultBlockSize(), false, symmetric);
        long t0 = System.nanoTime();
        List<Map<String, Tensor>> inputs = Calibration.forGraph(graph, model.toAbsolutePath().getParent(), calibration);
        List<LayerScore> scores = LayerImportance.score(graph, inputs);
        Set<String> quantizable = new HashSet<>();
        for (WeightQuantizer.Candidate c : new WeightQuantizer().minSize(minSize).candidates(graph)) {
            if (c.notQuantizableBecause() == null) quantizable.add(c.name());
        }
        List<LayerScore> layers = PrecisionPlanner.restrictTo(scores, quantizable::contains);
        PrecisionPlanner.Plan plan = targetBits > 8 ? PrecisionPlanner.planLevels(layers, targetBits, 32, 8, 4)
                : PrecisionPlanner.planLevels(layers, targetBits, 8, 4);
        System.out.printf("importance LIM on %d calibration samples (%.1f s)%n", inputs.size(), (System.nanoTime() - t0) / 1e9);
        System.out.print(plan.table());
        Map<String, Integer> bits = plan.weightBits();
        return name -> {
            Integer b = bits.get(name);
            if (b == null) return null;
            return b == 4 ? low : QuantFormat.ofBits(b);
        };
    }

    /** Quantizes with the given plan, writes --out, prints the summary and runs the check. */
    int quantizeWith(Graph graph, Function<String, QuantFormat> plan) throws IOException {
        if (Files.exists(out) && Files.isSameFile(out, model)) {
            throw new IllegalArgumentException("--out must differ from the input model (its weights are read from the file while writing)");
        }
        OnnxModelWriter writer = new OnnxModelWriter();
        long before = writer.size(graph);
        long t0 = System.nanoTime();
        ProgressBar[] bar = new ProgressBar[1];
        WeightQuantizer.Result r = new WeightQuantizer().minSize(minSize).embeddings(embeddings).progress((done, total, name) -> {
            if (bar[0] == null) bar[0] = ProgressBar.onTerminal("quantizing", total);
            bar[0].update(done);
        }).quantize(graph, plan);
        if (bar[0] != null) bar[0].finish();
        long t1 = System.nanoTime();
        writer.write(r.graph(), out);
        long t2 = System.nanoTime();
        long after = Files.size(out);

        System.out.println("model      " + model + " -> " + out);
        int quantized = 0;
        Map<String, Integer> kept = new LinkedHashMap<>();
        for (WeightQuantizer.WeightReport w : r.weights()) {
            if (w.quantized()) quantized++;
            else kept.merge(w.keptBecause().replaceAll("'[^']*'", "'…'"), 1, Integer::sum);
        }
        System.out.println("weights    " + r.weights().size() + (embeddings ? " MatMul/Gemm weights and embedding tables: " : " MatMul/Gemm weights: ") + r.countsByFormat());
        kept.forEach((why, n) -> System.out.println("  kept fp32: " + n + " x " + why));
        for (WeightQuantizer.WeightReport w : r.weights()) {
            if (w.note() != null) System.out.println("  " + w.name() + ": " + w.note());
        }
        System.out.printf("size       %s -> %s (%.1f%%)%n", mib(before), mib(after), 100.0 * after / before);
        if (quantized > 0) {
            System.out.printf("bits       %.3f bits per quantized weight (codes + scales + zero points); %.3f over all MatMul/Gemm weights incl. those kept fp32%n",
                    r.quantizedBitsPerWeight(), r.allBitsPerWeight());
        }
        System.out.printf("time       quantize %.2f s, write %.2f s%n", (t1 - t0) / 1e9, (t2 - t1) / 1e9);
        if (!noCheck) {
            check(graph);
            quality(graph);
        }
        return 0;
    }

    /**
     * The quality figures on real text: for a sentence encoder, cosine of mean-pooled embeddings of
     * {@link Calibration#SENTENCES} against fp32 (tokenizer.json beside the model, or all-MiniLM-L6-v2's
     * for a 30,522-token BERT vocabulary); for a causal LM (a {@code logits} output), next-token top-1
     * agreement and KL divergence against fp32 over the same sentences (the folder's byte-level BPE
     * tokenizer) or random ids.
     */
    private void quality(Graph original) {
        boolean hasIds = original.inputs().stream().anyMatch(v -> v.name().equals("input_ids"));
        if (!hasIds) return;
        boolean causal = original.outputs().stream().anyMatch(v -> v.name().equals("logits"));
        Path folder = model.toAbsolutePath().getParent();
        long vocab = vocabulary(original, "input_ids", new java.util.HashMap<>());
        try {
            Model reference = Model.of(original), candidate = Model.load(out);
            if (causal) {
                dev.petrel.tokenizer.ByteLevelBpeTokenizer bpe = Calibration.bpeTokenizerNear(folder);
                List<long[]> sequences = bpe == null ? null : Calibration.tokenSequences(bpe, Calibration.SENTENCES, 64);
                String source = sequences != null ? Calibration.SENTENCES.size() + " sentences" : "16 random sequences of 32 ids";
                if (sequences == null) {
                    if (vocab <= 0) return;
                    sequences = Calibration.randomTokens((int) vocab, 16, 32, 7);
                }
                QualityProbe.LmQuality q = QualityProbe.causalLm("quantized", reference, candidate, sequences);
                System.out.printf("quality    next token vs fp32 over %s (%d positions): top-1 agreement %.4f, KL mean %.3e, max %.3e%n",
                        source, q.positions(), q.top1Agreement(), q.meanKl(), q.maxKl());
            } else {
                dev.petrel.tokenizer.WordPieceTokenizer tokenizer = Calibration.wordPieceTokenizerNear(folder);
                if (tokenizer == null) {
                    if (vocab != 30522) return;
                    tokenizer = dev.petrel.tokenizer.WordPieceTokenizer.load(EmbeddedModels.file(EmbeddedModels.MINILM_TOKENIZER));
                }
                QualityProbe.EmbeddingQuality q = QualityProbe.embeddings("quantized", reference, candidate, tokenizer,
                        Calibration.SENTENCES);
                System.out.printf("quality    sentence embeddings vs fp32 (%d sentences): cosine mean %.5f, worst %.5f%n",
                        q.sentences(), q.meanCosine(), q.worstCosine());
            }
        } catch (IOException | RuntimeException e) {
            System.out.println("quality    skipped: " + e.getMessage());
        }
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / 1048576.0);
    }

    /**
     * A decoder's key/value cache input with its symbolic sequence dimension 0 (an empty past, as in a
     * prefill), so that the attention mask synthesized for the new tokens has the length the model expects.
     */
    private static Tensor emptyPast(Graph g, String name, Tensor t) {
        for (dev.petrel.graph.ValueInfo v : g.inputs()) {
            if (!v.name().equals(name) || v.shape() == null || v.shape().size() != t.rank()) continue;
            int[] dims = t.dims().clone();
            for (int i = 1; i < dims.length; i++) if (!v.shape().get(i).isFixed()) dims[i] = 0;
            return Tensor.allocate(t.dtype(), dims);
        }
        return t;
    }

    /**
     * Token ids folded into the vocabulary of the embedding table that a Gather reads them from, looking
     * into If/Loop bodies too (Optimum's merged decoders embed inside both branches).
     */
    private static Tensor withinVocabulary(Graph g, String ids, Tensor t) {
        long vocab = vocabulary(g, ids, new java.util.HashMap<>());
        if (vocab <= 0) return t;
        long[] v = t.toLongArray();
        for (int i = 0; i < v.length; i++) v[i] = Math.floorMod(v[i], vocab);
        return Tensor.of(v, t.shape());
    }

    private static long vocabulary(Graph g, String ids, Map<String, Tensor> outer) {
        Map<String, Tensor> constants = new java.util.HashMap<>(outer);
        constants.putAll(g.initializers());
        for (dev.petrel.graph.Node n : g.nodes()) {
            if (n.opType().equals("Gather") && n.input(1).equals(ids)) {
                Tensor w = constants.get(n.input(0));
                if (w != null && w.rank() >= 1) return w.dim(0);
            }
            for (dev.petrel.graph.Attribute a : n.attributes().all()) {
                if (a.kind() != dev.petrel.graph.Attribute.Kind.GRAPH) continue;
                long v = vocabulary((Graph) a.value(), ids, constants);
                if (v > 0) return v;
            }
        }
        return -1;
    }

    /** Runs both models in Petrel on the same synthetic inputs and compares every float output. */
    private void check(Graph original) {
        Map<String, Tensor> inputs;
        try {
            List<InputSynthesizer.Input> synthesized = new InputSynthesizer(batch, seq, 1).synthesize(original);
            inputs = new LinkedHashMap<>();
            for (InputSynthesizer.Input in : synthesized) {
                Tensor t = in.tensor();
                if (in.kind() == InputSynthesizer.Kind.TOKEN_IDS && t.dtype() == DType.INT64) t = withinVocabulary(original, in.name(), t);
                if (in.name().startsWith("past")) t = emptyPast(original, in.name(), t);
                inputs.put(in.name(), t);
            }
        } catch (RuntimeException e) {
            System.out.println("check      skipped: cannot synthesize inputs: " + e.getMessage());
            return;
        }
        Map<String, Tensor> ref;
        Map<String, Tensor> q;
        try (Session a = Model.of(original).newSession(); Session b = Model.load(out).newSession()) {
            ref = a.run(inputs);
            q = b.run(inputs);
        } catch (RuntimeException e) {
            System.out.println("check      failed to run: " + e.getMessage());
            return;
        }
        System.out.println("check      Petrel, fp32 vs quantized, synthetic inputs (batch " + batch + ", seq " + seq + "):");
        for (Map.Entry<String, Tensor> e : ref.entrySet()) {
            Tensor x = e.getValue();
            Tensor y = q.get(e.getKey());
            if (y == null || x.dtype() != DType.FLOAT || y.dtype() != DType.FLOAT || x.size() != y.size()) continue;
            float[] a = x.toFloatArray();
            float[] b = y.toFloatArray();
            double dot = 0, na = 0, nb = 0, worst = 0;
            for (int i = 0; i < a.length; i++) {
                dot += (double) a[i] * b[i];
                na += (double) a[i] * a[i];
                nb += (double) b[i] * b[i];
                worst = Math.max(worst, Math.abs(a[i] - b[i]));
            }
            double cos = na == 0 && nb == 0 ? 1 : dot / Math.sqrt(na * nb);
            System.out.printf("  %-28s max |diff| %.4g, cosine %.6f%n", e.getKey(), worst, cos);
        }
    }
}
