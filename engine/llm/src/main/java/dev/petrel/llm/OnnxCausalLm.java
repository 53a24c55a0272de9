package dev.petrel.llm;

import dev.petrel.DType;
import dev.petrel.InvalidInputException;
import dev.petrel.Model;
import dev.petrel.ModelFormatException;
import dev.petrel.Options;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.graph.Dim;
import dev.petrel.graph.ValueInfo;
import dev.petrel.json.Json;
import dev.petrel.spi.Float16;
import dev.petrel.tokenizer.ByteLevelBpeTokenizer;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A causal language model exported to ONNX (Hugging Face Optimum's decoder layouts), run by the general
 * engine ({@link Model}/{@link Session}; kernels come from the backends on the class path) and driven by
 * the same {@link Generator}, {@link Sampler} and streaming API as {@link Gpt2Model}.
 *
 * <p>{@link #load} takes a {@code .onnx} file or a folder holding one of Optimum's layouts:
 * <ul>
 *   <li>{@code decoder_model_merged.onnx}: one model with an {@code If} on {@code use_cache_branch}; the
 *       prompt runs with {@code false} and an empty past, every later token with {@code true};</li>
 *   <li>{@code decoder_with_past_model.onnx}, with or without {@code decoder_model.onnx}: the prompt runs
 *       through the no-past model when it outputs {@code present.*}, otherwise through the with-past
 *       model with an empty past {@code [1, heads, 0, headSize]};</li>
 *   <li>a single {@code model.onnx} (or any file), classified by its inputs: with {@code past_key_values.*}
 *       it is used as above; without, every token recomputes the whole context (no cache).</li>
 * </ul>
 * Inputs are found by name: {@code input_ids}, {@code attention_mask} and {@code position_ids} (both
 * optional), {@code past_key_values.N.key/value}, {@code use_cache_branch}; outputs {@code logits} and
 * {@code present.N.key/value}. Each step's {@code present.*} become the next step's past. Batch 1.
 *
 * <p>The tokenizer ({@code tokenizer.json}, or {@code vocab.json} + {@code merges.txt}) and
 * {@code config.json} are read from the model's folder, or the folder above it (an {@code onnx/}
 * subfolder), when present. The vocabulary size comes from the {@code logits} shape or config.json; the
 * context length from config.json ({@code n_positions}, {@code max_position_embeddings}), else the rows
 * of an initializer named {@code *wpe.weight}, else 1024.
 *
 * <pre>{@code
 * OnnxCausalLm lm = OnnxCausalLm.load(Paths.get("gpt2-onnx"), new Options().threads(4));
 * try (Generator generator = lm.newGenerator()) {
 *     generator.generate("The old harbor", GenerationOptions.greedy().maxNewTokens(24), System.out::print);
 * }
 * }</pre>
 *
 * <p>The key/value cache stays inside the with-past session between steps ({@link Session#carry}: each
 * {@code present.*} output is written to session memory and read as the next run's past), so nothing is
 * copied out of the graph and back per token; the one copy left is the model's own {@code Concat} of
 * past and new positions into the present.
 */
public final class OnnxCausalLm {
    /** How the prompt and the following tokens are run. */
    public enum Layout {
        /** One model with {@code use_cache_branch}. */
        MERGED,
        /** A with-past model; the prompt runs with an empty past. */
        WITH_PAST,
        /** A no-past model that outputs {@code present.*} for the prompt, a with-past model for the rest. */
        SPLIT,
        /** A model without past inputs: every token recomputes the whole context. */
        NO_PAST
    }

    static final int DEFAULT_CONTEXT = 1024;
    private static final Pattern PAST = Pattern.compile("past_key_values\\.(\\d+)\\.(key|value)");
    private static final Pattern PRESENT = Pattern.compile("present\\.(\\d+)\\.(key|value)");

    private final Path source;
    private final Layout layout;
    private final Signature withPast, noPast;
    private final int layers, heads, headSize, vocabSize, capacity, eosId;
    private final DType pastType;
    private final ByteLevelBpeTokenizer tokenizer;
    private final Options options;

    private OnnxCausalLm(Path source, Layout layout, Signature withPast, Signature noPast, int heads, int headSize,
                         int vocabSize, int capacity, int eosId, ByteLevelBpeTokenizer tokenizer, Options options) {
        this.source = source;
        this.layout = layout;
        this.withPast = withPast;
        this.noPast = noPast;
        this.layers = withPast != null ? withPast.layers : 0;
        this.pastType = withPast != null ? withPast.pastType : null;
        this.heads = heads;
        this.headSize = headSize;
        this.vocabSize = vocabSize;
        this.capacity = capacity;
        this.eosId = eosId;
        this.tokenizer = tokenizer;
        this.options = options;
    }

    /** Loads with default session options. */
    public static OnnxCausalLm load(Path fileOrFolder) throws IOException {
        return load(fileOrFolder, new Options());
    }

    /**
     * Loads a decoder export; {@code options} configure every session the model opens (threads).
     *
     * @throws NoSuchFileException when the path does not exist
     * @throws ModelFormatException when no decoder layout is recognized, or inputs/outputs are missing
     * @throws dev.petrel.UnsupportedOperatorException when an operator has no kernel on the class path
     */
    public static OnnxCausalLm load(Path fileOrFolder, Options options) throws IOException {
        if (!Files.exists(fileOrFolder)) throw new NoSuchFileException(fileOrFolder.toString(), null, "no such ONNX model or folder");
        Path folder;
        Signature withPast = null, noPast = null;
        if (Files.isDirectory(fileOrFolder)) {
            folder = fileOrFolder;
            Path dir = Files.isDirectory(folder.resolve("onnx")) && findLayout(folder) == null ? folder.resolve("onnx") : folder;
            Path merged = dir.resolve("decoder_model_merged.onnx"), past = dir.resolve("decoder_with_past_model.onnx");
            Path plain = dir.resolve("decoder_model.onnx"), single = dir.resolve("model.onnx");
            if (Files.isRegularFile(merged)) {
                withPast = Signature.of(merged, options);
            } else if (Files.isRegularFile(past)) {
                withPast = Signature.of(past, options);
                if (Files.isRegularFile(plain)) noPast = Signature.of(plain, options);
            } else if (Files.isRegularFile(plain) || Files.isRegularFile(single)) {
                Signature s = Signature.of(Files.isRegularFile(plain) ? plain : single, options);
                if (s.layers > 0) withPast = s;
                else noPast = s;
            } else {
                throw new ModelFormatException(fileOrFolder + ": no decoder export found (decoder_model_merged.onnx, "
                        + "decoder_with_past_model.onnx, decoder_model.onnx or model.onnx)");
            }
        } else {
            folder = fileOrFolder.toAbsolutePath().getParent();
            Signature s = Signature.of(fileOrFolder, options);
            if (s.layers > 0) withPast = s;
            else noPast = s;
        }
        if (withPast != null && withPast.layers == 0) {
            throw new ModelFormatException(withPast.file + ": expected past_key_values.N.key/value inputs");
        }
        if (noPast != null && noPast.layers > 0) {
            throw new ModelFormatException(noPast.file + ": expected a model without past_key_values inputs");
        }
        Layout layout;
        if (withPast == null) layout = Layout.NO_PAST;
        else if (withPast.useCacheBranch != null) layout = Layout.MERGED;
        else if (noPast != null && noPast.presentLayers == withPast.layers) layout = Layout.SPLIT;
        else layout = Layout.WITH_PAST;
        if (layout != Layout.SPLIT) {
            // A no-past model that cannot hand its cache over is only useful alone.
            if (withPast != null) noPast = null;
        }

        Map<String, Object> config = readConfig(folder);
        int heads = 0, headSize = 0;
        if (withPast != null) {
            heads = withPast.pastDim(1, config, "num_key_value_heads", "n_head", "num_attention_heads");
            headSize = withPast.pastDim(3, config, null);
            if (headSize <= 0) {
                int embd = intOf(config, "n_embd", "hidden_size");
                int attnHeads = intOf(config, "n_head", "num_attention_heads");
                if (embd > 0 && attnHeads > 0) headSize = embd / attnHeads;
            }
            if (heads <= 0 || headSize <= 0) {
                throw new ModelFormatException(withPast.file + ": past_key_values shapes have no fixed heads/head size and "
                        + "config.json does not give them (n_head, n_embd)");
            }
        }
        Signature any = withPast != null ? withPast : noPast;
        int vocab = any.logitsVocab();
        if (vocab <= 0) vocab = intOf(config, "vocab_size");
        ByteLevelBpeTokenizer tokenizer = readTokenizer(folder);
        if (vocab <= 0) {
            throw new ModelFormatException(any.file + ": the logits output has no fixed vocabulary size and config.json "
                    + "gives no vocab_size");
        }
        int capacity = intOf(config, "n_positions", "max_position_embeddings", "n_ctx");
        if (capacity <= 0) capacity = any.positionRows();
        if (capacity <= 0) capacity = DEFAULT_CONTEXT;
        int eos = intOf(config, "eos_token_id");
        if (eos < 0 && tokenizer != null) eos = tokenizer.eosId();
        if (tokenizer != null && tokenizer.vocabSize() > vocab) {
            throw new ModelFormatException(folder + ": the tokenizer has " + tokenizer.vocabSize()
                    + " tokens, more than the model's " + vocab + " logits");
        }
        return new OnnxCausalLm(fileOrFolder, layout, withPast, noPast, heads, headSize, vocab, capacity, eos, tokenizer, options);
    }

    /** The layout file names in {@code dir}, or null. */
    private static String findLayout(Path dir) {
        for (String n : new String[] {"decoder_model_merged.onnx", "decoder_with_past_model.onnx", "decoder_model.onnx", "model.onnx"}) {
            if (Files.isRegularFile(dir.resolve(n))) return n;
        }
        return null;
    }

    private static Map<String, Object> readConfig(Path folder) throws IOException {
        for (Path dir : new Path[] {folder, folder.getParent()}) {
            if (dir == null) continue;
            Path f = dir.resolve("config.json");
            if (Files.isRegularFile(f)) {
                Object root = Json.parse(Json.readUtf8(f));
                if (!(root instanceof Map)) throw new ModelFormatException(f + ": not a JSON object");
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) root;
                return m;
            }
        }
        return new HashMap<>();
    }

    private static ByteLevelBpeTokenizer readTokenizer(Path folder) throws IOException {
        for (Path dir : new Path[] {folder, folder.getParent()}) {
            if (dir == null) continue;
            if (Files.isRegularFile(dir.resolve("tokenizer.json"))
                    || (Files.isRegularFile(dir.resolve("vocab.json")) && Files.isRegularFile(dir.resolve("merges.txt")))) {
                return ByteLevelBpeTokenizer.fromFolder(dir);
            }
        }
        return null;
    }

    /** The first of {@code keys} that config.json holds as a number, else -1. */
    private static int intOf(Map<String, Object> config, String... keys) {
        for (String k : keys) {
            Object v = config.get(k);
            if (v instanceof Number) return ((Number) v).intValue();
        }
        return -1;
    }

    public Path source() {
        return source;
    }

    public Layout layout() {
        return layout;
    }

    /** Transformer layers (pairs of past inputs); 0 for {@link Layout#NO_PAST}. */
    public int layers() {
        return layers;
    }

    /** Key/value heads of the past; 0 for {@link Layout#NO_PAST}. */
    public int heads() {
        return heads;
    }

    public int headSize() {
        return headSize;
    }

    public int vocabSize() {
        return vocabSize;
    }

    /** The most tokens of context (see the class comment for where it comes from). */
    public int capacity() {
        return capacity;
    }

    /** The end-of-text id: config.json's eos_token_id, else the tokenizer's, else -1. */
    public int eosId() {
        return eosId;
    }

    /** The tokenizer found beside the model, or null. */
    public ByteLevelBpeTokenizer tokenizer() {
        return tokenizer;
    }

    /** A decoder with its own sessions and cache. */
    public Decoder newDecoder() {
        return new Decoder();
    }

    /** A generator over a new decoder. */
    public Generator newGenerator() {
        return new Generator(newDecoder(), tokenizer, eosId);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("ONNX decoder ").append(layout);
        if (withPast != null) sb.append(" (").append(withPast.file.getFileName());
        if (noPast != null) sb.append(withPast != null ? " + " : " (").append(noPast.file.getFileName());
        sb.append("), vocab ").append(vocabSize).append(", context ").append(capacity);
        if (layers > 0) sb.append(", ").append(layers).append(" layers x ").append(heads).append(" heads x ").append(headSize);
        return sb.toString();
    }

    /**
     * Runs the model token by token: {@link #prefill} feeds the prompt in one run, {@link #decode} one
     * token, each run's {@code present.*} kept as the next run's past. Not thread-safe; close it to
     * close its sessions.
     */
    public final class Decoder implements Generator.Steps {
        private final Session pastSession, noPastSession;
        /**
         * The no-past model's present.* after a {@link Layout#SPLIT} prompt, passed once to the with-past
         * session; null otherwise (the with-past session carries its own presents).
         */
        private final Tensor[] handover;
        private final Tensor[] emptyPast;
        private final float[] logits = new float[vocabSize];
        private final FloatBuffer logitsView = FloatBuffer.wrap(logits).asReadOnlyBuffer();
        private final int[] context = new int[capacity];
        private final int[] single = new int[1];
        private int position;

        Decoder() {
            pastSession = withPast != null ? withPast.model.newSession(options) : null;
            noPastSession = noPast != null ? noPast.model.newSession(options) : null;
            handover = new Tensor[2 * layers];
            emptyPast = new Tensor[2 * layers];
            for (int i = 0; i < emptyPast.length; i++) emptyPast[i] = Tensor.allocate(pastType, 1, heads, 0, headSize);
            // The cache stays in the with-past session from run to run: no copy out and back in per token.
            for (int i = 0; i < 2 * layers; i++) pastSession.carry(withPast.present[i], withPast.past[i]);
        }

        @Override
        public int vocabSize() {
            return vocabSize;
        }

        @Override
        public int capacity() {
            return capacity;
        }

        /** Tokens in the cache: the position the next token will take. */
        @Override
        public int position() {
            return position;
        }

        /** Empties the cache. */
        @Override
        public void reset() {
            // The next run passes an empty past (or the no-past model's presents), which restarts the session's.
            position = 0;
            java.util.Arrays.fill(handover, null);
        }

        /** The logits after the last token fed: a read-only view overwritten by the next call. */
        public FloatBuffer logits() {
            return logitsView;
        }

        @Override
        public float[] logitsArray() {
            return logits;
        }

        /** Bytes of past keys and values the next step reads (kept in the with-past session). */
        public long pastBytes() {
            return layers == 0 ? 0 : 2L * layers * heads * headSize * position * pastType.byteSize();
        }

        /** Feeds tokens after those in the cache; returns the logits after the last one. */
        public FloatBuffer prefill(int... ids) {
            prefill(ids, null);
            return logitsView;
        }

        @Override
        public void feed(int[] ids) {
            prefill(ids, null);
        }

        /** As {@link #prefill(int...)}, also writing the logits after every token into {@code allLogits} ({@code [ids.length, vocab]}) when not null. */
        public void prefill(int[] ids, float[] allLogits) {
            if (ids.length == 0) throw new InvalidInputException("prefill needs at least one token");
            checkRoom(ids.length);
            for (int i = 0; i < ids.length; i++) checkId(ids[i], i);
            if (allLogits != null && allLogits.length < (long) ids.length * vocabSize) {
                throw new InvalidInputException("allLogits holds " + allLogits.length + " floats, " + ids.length + " x "
                        + vocabSize + " needed");
            }
            System.arraycopy(ids, 0, context, position, ids.length);
            if (layout == Layout.NO_PAST) {
                // Without a cache the model sees the whole context; only the new rows are asked for.
                run(noPast, noPastSession, context, 0, position + ids.length, false, ids.length, allLogits);
            } else if (position == 0 && layout == Layout.SPLIT) {
                run(noPast, noPastSession, ids, 0, ids.length, false, ids.length, allLogits);
            } else {
                run(withPast, pastSession, ids, 0, ids.length, position > 0, ids.length, allLogits);
            }
        }

        /** Feeds one token; returns the logits after it. */
        public FloatBuffer decode(int id) {
            single[0] = id;
            prefill(single, null);
            return logitsView;
        }

        @Override
        public void step(int id) {
            decode(id);
        }

        private void checkRoom(int tokens) {
            if (position + tokens > capacity) {
                throw new InvalidInputException("context is full: " + position + " tokens in the cache, " + tokens
                        + " more do not fit the model's " + capacity + " positions (reset() the decoder or shorten the input)");
            }
        }

        private void checkId(int id, int index) {
            if (id < 0 || id >= vocabSize) {
                throw new InvalidInputException("token id " + id + " (input " + index + ") is outside the vocabulary [0, " + vocabSize + ")");
            }
        }

        /**
         * One run over {@code ids[from, from + n)} at positions {@code position - (recompute ? ...)}: with
         * {@code usePast} the cache is fed as past; the logits of the last {@code newRows} rows go out.
         */
        private void run(Signature s, Session session, int[] ids, int from, int n, boolean usePast, int newRows, float[] allLogits) {
            boolean recompute = layout == Layout.NO_PAST;
            int first = recompute ? 0 : position;      // position of ids[from]
            int pastLength = usePast ? position : 0;
            Map<String, Tensor> in = new HashMap<>();
            in.put(s.inputIds, ints(s.idsType, ids, from, n, 0));
            if (s.attentionMask != null) in.put(s.attentionMask, ones(s.maskType, pastLength + n));
            if (s.positionIds != null) in.put(s.positionIds, positions(s.positionType, first, n));
            if (s.useCacheBranch != null) in.put(s.useCacheBranch, Tensor.of(new boolean[] {usePast}, 1));
            for (int i = 0; i < s.layers * 2; i++) {
                // With the past in use it comes from the session, except right after a split prompt.
                if (!usePast) in.put(s.past[i], emptyPast[i]);
                else if (handover[i] != null) in.put(s.past[i], handover[i]);
            }
            Map<String, Tensor> out = session.run(in);
            Tensor l = out.get(s.logits);
            if (l.rank() != 3 || l.dim(0) != 1 || l.dim(1) != n || l.dim(2) != vocabSize) {
                throw new ModelFormatException(s.file + ": logits came out " + l.describe() + ", expected [1, " + n + ", " + vocabSize + "]");
            }
            int rows = newRows;
            int firstRow = n - rows;
            if (allLogits != null) {
                for (int r = 0; r < rows; r++) copyRow(l, firstRow + r, allLogits, r * vocabSize);
            }
            copyRow(l, n - 1, logits, 0);
            if (s == noPast && layout == Layout.SPLIT) {
                for (int i = 0; i < s.presentLayers * 2; i++) {
                    Tensor p = out.get(s.present[i]);
                    if (p == null || p.rank() != 4 || p.dim(2) != n) {
                        throw new ModelFormatException(s.file + ": " + s.present[i] + " came out "
                                + (p == null ? "missing" : p.describe()) + ", expected " + n + " positions on axis 2");
                    }
                    handover[i] = p;
                }
            } else if (s == withPast) {
                java.util.Arrays.fill(handover, null);
            }
            position += newRows;
        }

        private void copyRow(Tensor logitsTensor, int row, float[] into, int offset) {
            int base = row * vocabSize;
            if (logitsTensor.dtype() == DType.FLOAT) {
                FloatBuffer f = logitsTensor.floats();
                for (int v = 0; v < vocabSize; v++) into[offset + v] = f.get(base + v);
            } else if (logitsTensor.dtype() == DType.FLOAT16) {
                ShortBuffer h = logitsTensor.shorts();
                for (int v = 0; v < vocabSize; v++) into[offset + v] = Float16.toFloat(h.get(base + v));
            } else if (logitsTensor.dtype() == DType.BFLOAT16) {
                ShortBuffer h = logitsTensor.shorts();
                for (int v = 0; v < vocabSize; v++) into[offset + v] = Float16.bfloat16ToFloat(h.get(base + v));
            } else {
                throw new UnsupportedFeatureException("logits of type " + logitsTensor.dtype() + " are not supported");
            }
        }

        @Override
        public void close() {
            if (pastSession != null) pastSession.close();
            if (noPastSession != null) noPastSession.close();
        }
    }

    private static Tensor ints(DType type, int[] values, int from, int n, int add) {
        if (type == DType.INT32) {
            int[] a = new int[n];
            for (int i = 0; i < n; i++) a[i] = values[from + i] + add;
            return Tensor.of(a, 1, n);
        }
        long[] a = new long[n];
        for (int i = 0; i < n; i++) a[i] = values[from + i] + add;
        return Tensor.of(a, 1, n);
    }

    private static Tensor ones(DType type, int n) {
        if (type == DType.INT32) {
            int[] a = new int[n];
            java.util.Arrays.fill(a, 1);
            return Tensor.of(a, 1, n);
        }
        long[] a = new long[n];
        java.util.Arrays.fill(a, 1L);
        return Tensor.of(a, 1, n);
    }

    private static Tensor positions(DType type, int first, int n) {
        if (type == DType.INT32) {
            int[] a = new int[n];
            for (int i = 0; i < n; i++) a[i] = first + i;
            return Tensor.of(a, 1, n);
        }
        long[] a = new long[n];
        for (int i = 0; i < n; i++) a[i] = first + i;
        return Tensor.of(a, 1, n);
    }

    /** The inputs and outputs of one ONNX decoder file, found by name. */
    private static final class Signature {
        final Path file;
        final Model model;
        String inputIds, attentionMask, positionIds, useCacheBranch, logits;
        DType idsType, maskType, positionType, pastType;
        int layers, presentLayers;
        String[] past = new String[0], present = new String[0];
        ValueInfo pastInfo, logitsInfo;

        private Signature(Path file, Model model) {
            this.file = file;
            this.model = model;
        }

        static Signature of(Path file, Options options) {
            Model model = Model.load(file);
            Signature s = new Signature(file, model);
            Map<String, Tensor> initializers = model.graph().initializers();
            Map<Integer, String[]> pasts = new HashMap<>();
            for (ValueInfo v : model.inputs()) {
                String n = v.name();
                if (initializers.containsKey(n)) continue;
                Matcher m = PAST.matcher(n);
                if (n.equals("input_ids")) {
                    s.inputIds = n;
                    s.idsType = intType(file, v);
                } else if (n.equals("attention_mask")) {
                    s.attentionMask = n;
                    s.maskType = intType(file, v);
                } else if (n.equals("position_ids")) {
                    s.positionIds = n;
                    s.positionType = intType(file, v);
                } else if (n.equals("use_cache_branch")) {
                    s.useCacheBranch = n;
                } else if (m.matches()) {
                    pasts.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new String[2])[m.group(2).equals("key") ? 0 : 1] = n;
                    if (s.pastInfo == null) s.pastInfo = v;
                } else {
                    throw new ModelFormatException(file + ": unexpected input '" + n + "' (" + v.describe() + "); a decoder "
                            + "export takes input_ids, attention_mask, position_ids, past_key_values.N.key/value, use_cache_branch");
                }
            }
            if (s.inputIds == null) throw new ModelFormatException(file + ": no input_ids input; inputs are " + names(model.inputs()));
            s.layers = layerCount(file, pasts, "past_key_values");
            s.past = flatten(pasts, s.layers);
            if (s.layers > 0) {
                s.pastType = s.pastInfo.dtype() == null ? DType.FLOAT : s.pastInfo.dtype();
                if (s.pastInfo.shape() == null || s.pastInfo.shape().size() != 4) {
                    throw new UnsupportedFeatureException(file + ": past_key_values of shape " + s.pastInfo.describe()
                            + " are not supported (expected [batch, heads, past_length, head_size])");
                }
            }
            Map<Integer, String[]> presents = new HashMap<>();
            for (ValueInfo v : model.outputs()) {
                Matcher m = PRESENT.matcher(v.name());
                if (v.name().equals("logits")) {
                    s.logits = v.name();
                    s.logitsInfo = v;
                } else if (m.matches()) {
                    presents.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new String[2])[m.group(2).equals("key") ? 0 : 1] = v.name();
                }
            }
            if (s.logits == null) throw new ModelFormatException(file + ": no logits output; outputs are " + names(model.outputs()));
            s.presentLayers = layerCount(file, presents, "present");
            s.present = flatten(presents, s.presentLayers);
            if (s.layers > 0 && s.presentLayers != s.layers) {
                throw new ModelFormatException(file + ": " + s.layers + " past_key_values layers but " + s.presentLayers + " present outputs");
            }
            return s;
        }

        private static DType intType(Path file, ValueInfo v) {
            DType t = v.dtype() == null ? DType.INT64 : v.dtype();
            if (t != DType.INT64 && t != DType.INT32) {
                throw new UnsupportedFeatureException(file + ": input " + v.describe() + " is not INT64 or INT32");
            }
            return t;
        }

        private static int layerCount(Path file, Map<Integer, String[]> byLayer, String what) {
            for (int l = 0; l < byLayer.size(); l++) {
                String[] kv = byLayer.get(l);
                if (kv == null || kv[0] == null || kv[1] == null) {
                    throw new ModelFormatException(file + ": " + what + " of layer " + l + " incomplete (need .key and .value for layers 0.."
                            + (byLayer.size() - 1) + ")");
                }
            }
            return byLayer.size();
        }

        private static String[] flatten(Map<Integer, String[]> byLayer, int layers) {
            String[] out = new String[2 * layers];
            for (int l = 0; l < layers; l++) {
                out[2 * l] = byLayer.get(l)[0];
                out[2 * l + 1] = byLayer.get(l)[1];
            }
            return out;
        }

        private static List<String> names(List<ValueInfo> values) {
            List<String> n = new java.util.ArrayList<>();
            for (ValueInfo v : values) n.add(v.name());
            return n;
        }

        /** Dimension {@code axis} of the past inputs when fixed, else the first of {@code keys} in config.json, else -1. */
        int pastDim(int axis, Map<String, Object> config, String... keys) {
            Dim d = pastInfo.shape().get(axis);
            if (d.isFixed()) return (int) d.value();
            return keys == null ? -1 : intOf(config, keys);
        }

        int logitsVocab() {
            List<Dim> shape = logitsInfo.shape();
            if (shape == null || shape.isEmpty()) return -1;
            Dim d = shape.get(shape.size() - 1);
            return d.isFixed() ? (int) d.value() : -1;
        }

        /** Rows of a position-embedding initializer ({@code *wpe.weight}), else -1. */
        int positionRows() {
            for (Map.Entry<String, Tensor> e : model.graph().initializers().entrySet()) {
                if (e.getKey().endsWith("wpe.weight") && e.getValue().rank() == 2) return e.getValue().dim(0);
            }
            return -1;
        }
    }
}
