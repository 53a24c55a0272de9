package dev.petrel.cli;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ONNX Runtime Java under the generation benchmark: the classic loop over an ONNX export with past
 * key/values (Hugging Face Optimum's names). The prefill runs with an empty past {@code [1, heads, 0,
 * headSize]}; each decode step feeds the {@code present.*} outputs of the previous step back as
 * {@code past_key_values.*}, with an attention mask of the whole context and the step's position. An
 * Optimum merged model ({@code use_cache_branch}) is fed false for the prefill and true afterwards.
 *
 * <p>Every tensor is closed once used: the small inputs right after their step, each step's results
 * (its presents) after the next step has read them. The logits are written into buffers allocated at
 * load (ONNX Runtime's pinned outputs), so reading them copies nothing; the inputs wrap direct buffers
 * filled at load, so creating them copies nothing either.
 */
final class OrtGenerateEngine implements GenerateEngine {
    private final Path file;
    private final Map<String, String> config;
    private final int maxPrompt;
    private final int maxNew;
    private final int fallbackHeads;
    private final int fallbackHeadSize;
    private final int fallbackVocab;

    private OrtEnvironment env;
    private OrtSession session;
    private final List<String> pastNames = new ArrayList<>();
    private final List<String> presentNames = new ArrayList<>();
    private Set<String> requested;
    private boolean positionIds;
    private boolean cacheBranch;
    private int heads, headSize, vocab;

    private LongBuffer ids, mask, positions;
    private FloatBuffer promptLogitsOut, stepLogitsOut;
    private OnnxTensor emptyPast, branchFalse, branchTrue, promptLogitsTensor, stepLogitsTensor;
    private Map<String, OnnxTensor> promptPinned, stepPinned;
    private final Map<String, OnnxTensor> feeds = new HashMap<>();

    /**
     * @param fallbackHeads heads, head size and vocabulary to use where the ONNX file leaves those
     *     dimensions symbolic (the Hugging Face config of the same model)
     */
    OrtGenerateEngine(Path file, Map<String, String> config, int maxPrompt, int maxNew, int fallbackHeads,
                      int fallbackHeadSize, int fallbackVocab) {
        this.file = file;
        this.config = Map.copyOf(config);
        this.maxPrompt = maxPrompt;
        this.maxNew = maxNew;
        this.fallbackHeads = fallbackHeads;
        this.fallbackHeadSize = fallbackHeadSize;
        this.fallbackVocab = fallbackVocab;
    }

    @Override
    public String name() {
        return "onnxruntime";
    }

    @Override
    public long load(int threads) throws Exception {
        env = OrtEnvironment.getEnvironment();
        long t0 = System.nanoTime();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            for (Map.Entry<String, String> e : config.entrySet()) options.addConfigEntry(e.getKey(), e.getValue());
            session = env.createSession(file.toString(), options);
        }
        long t1 = System.nanoTime();
        inspect();
        allocate();
        return t1 - t0;
    }

    /** Finds the layout of the export and checks that it is the one this loop feeds. */
    private void inspect() throws OrtException {
        Map<String, NodeInfo> in = session.getInputInfo();
        Map<String, NodeInfo> out = session.getOutputInfo();
        for (String name : new String[] {"input_ids", "attention_mask"}) {
            if (!in.containsKey(name)) throw error("has no input '" + name + "'", in.keySet());
            if (type(in.get(name)) != OnnxJavaType.INT64) {
                throw error("input '" + name + "' is " + type(in.get(name)) + ", this benchmark feeds int64", in.keySet());
            }
        }
        positionIds = in.containsKey("position_ids");
        cacheBranch = in.containsKey("use_cache_branch");
        for (int layer = 0; in.containsKey("past_key_values." + layer + ".key"); layer++) {
            for (String kv : new String[] {"key", "value"}) {
                String past = "past_key_values." + layer + "." + kv, present = "present." + layer + "." + kv;
                if (!in.containsKey(past)) throw error("has no input '" + past + "'", in.keySet());
                if (!out.containsKey(present)) throw error("has no output '" + present + "'", out.keySet());
                pastNames.add(past);
                presentNames.add(present);
            }
        }
        if (pastNames.isEmpty()) {
            throw error("has no past_key_values.N.key/value inputs: export the model with past (decoder_with_past_model.onnx "
                    + "or decoder_model_merged.onnx in Optimum's names)", in.keySet());
        }
        if (!out.containsKey("logits")) throw error("has no output 'logits'", out.keySet());
        long[] past = ((TensorInfo) in.get(pastNames.get(0)).getInfo()).getShape();
        heads = past.length == 4 && past[1] > 0 ? (int) past[1] : fallbackHeads;
        headSize = past.length == 4 && past[3] > 0 ? (int) past[3] : fallbackHeadSize;
        long[] logits = ((TensorInfo) out.get("logits").getInfo()).getShape();
        vocab = logits.length == 3 && logits[2] > 0 ? (int) logits[2] : fallbackVocab;
        if (vocab != fallbackVocab) {
            throw new IllegalArgumentException(file + " outputs logits over " + vocab + " tokens, the model folder's vocabulary has "
                    + fallbackVocab + ": not the same model");
        }
        requested = new LinkedHashSet<>(presentNames);
    }

    private static OnnxJavaType type(NodeInfo info) {
        return info.getInfo() instanceof TensorInfo t ? t.type : OnnxJavaType.UNKNOWN;
    }

    private IllegalArgumentException error(String what, Set<String> names) {
        return new IllegalArgumentException(file + " " + what + " (it has " + names + ")");
    }

    private void allocate() throws OrtException {
        int context = maxPrompt + maxNew;
        ids = longs(maxPrompt);
        mask = longs(context);
        positions = longs(context);
        for (int i = 0; i < context; i++) {
            mask.put(i, 1);
            positions.put(i, i);
        }
        emptyPast = OnnxTensor.createTensor(env, floats(0), new long[] {1, heads, 0, headSize});
        branchFalse = OnnxTensor.createTensor(env, new boolean[] {false});
        branchTrue = OnnxTensor.createTensor(env, new boolean[] {true});
        stepLogitsOut = floats(vocab);
        stepLogitsTensor = OnnxTensor.createTensor(env, stepLogitsOut, new long[] {1, 1, vocab});
        stepPinned = Map.of("logits", stepLogitsTensor);
        preparePrompt(maxPrompt);
    }

    /** The pinned logits of a prefill: {@code [1, promptTokens, vocab]}, reallocated when the length changes. */
    private void preparePrompt(int promptTokens) throws OrtException {
        if (promptLogitsTensor != null && promptLogitsOut.capacity() == (long) promptTokens * vocab) return;
        if (promptLogitsTensor != null) promptLogitsTensor.close();
        promptLogitsOut = floats(Math.multiplyExact(promptTokens, vocab));
        promptLogitsTensor = OnnxTensor.createTensor(env, promptLogitsOut, new long[] {1, promptTokens, vocab});
        promptPinned = Map.of("logits", promptLogitsTensor);
    }

    private static LongBuffer longs(int n) {
        return ByteBuffer.allocateDirect(n * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer();
    }

    private static FloatBuffer floats(int n) {
        return ByteBuffer.allocateDirect(n * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    @Override
    public String details() {
        return "ONNX Runtime " + env.getVersion() + ", " + file.getFileName() + ", default optimization level, "
                + pastNames.size() / 2 + " layers of past key/values fed back" + (cacheBranch ? " (merged model, use_cache_branch)" : "")
                + (config.isEmpty() ? "" : ", session config " + config) + "; prefill computes the logits of every prompt position";
    }

    @Override
    public void generate(int[] prompt, GenerateRun run, float[] promptLogits) throws Exception {
        int p = prompt.length;
        int[] tokens = run.tokens;
        if (p > maxPrompt || p + tokens.length > maxPrompt + maxNew) {
            throw new IllegalArgumentException("prepared for " + maxPrompt + " prompt and " + maxNew + " new tokens");
        }
        preparePrompt(p);
        for (int i = 0; i < p; i++) ids.put(i, prompt[i]);
        OrtSession.Result last = null;
        try {
            long t0 = System.nanoTime();
            last = step(p, 0, emptyPast, null, branchFalse, promptPinned);
            long t1 = System.nanoTime();
            int token = GenerateEngine.argmax(promptLogitsOut, (p - 1) * vocab, vocab);
            long t2 = System.nanoTime();
            run.prefillNanos = t1 - t0;
            run.firstTokenNanos = t2 - t0;
            tokens[0] = token;
            if (promptLogits != null) for (int i = 0; i < vocab; i++) promptLogits[i] = promptLogitsOut.get((p - 1) * vocab + i);
            for (int k = 1; k < tokens.length; k++) {
                long s = System.nanoTime();
                ids.put(0, token);
                OrtSession.Result next = step(1, p + k - 1, null, last, branchTrue, stepPinned);
                last.close();   // the past it held has been read
                last = next;
                token = GenerateEngine.argmax(stepLogitsOut, 0, vocab);
                run.stepNanos[k - 1] = System.nanoTime() - s;
                tokens[k] = token;
            }
        } finally {
            if (last != null) last.close();
            feeds.clear();
        }
    }

    /**
     * Runs {@code length} tokens (from {@link #ids}) at positions {@code [first, first + length)} over the
     * past of {@code previous} (or {@code emptyPast}); the logits go to {@code pinned}.
     */
    private OrtSession.Result step(int length, int first, OnnxTensor empty, OrtSession.Result previous, OnnxTensor branch,
                                   Map<String, OnnxTensor> pinned) throws OrtException {
        OnnxTensor idsTensor = null, maskTensor = null, positionTensor = null;
        try {
            idsTensor = OnnxTensor.createTensor(env, ids.slice(0, length), new long[] {1, length});
            maskTensor = OnnxTensor.createTensor(env, mask.slice(0, first + length), new long[] {1, first + length});
            feeds.put("input_ids", idsTensor);
            feeds.put("attention_mask", maskTensor);
            if (positionIds) {
                positionTensor = OnnxTensor.createTensor(env, positions.slice(first, length), new long[] {1, length});
                feeds.put("position_ids", positionTensor);
            }
            if (cacheBranch) feeds.put("use_cache_branch", branch);
            for (int i = 0; i < pastNames.size(); i++) {
                feeds.put(pastNames.get(i), empty != null ? empty : present(previous, presentNames.get(i)));
            }
            return session.run(feeds, requested, pinned);
        } finally {
            if (idsTensor != null) idsTensor.close();
            if (maskTensor != null) maskTensor.close();
            if (positionTensor != null) positionTensor.close();
        }
    }

    private static OnnxTensor present(OrtSession.Result result, String name) {
        OnnxValue v = result.get(name).orElseThrow(() -> new IllegalStateException("ONNX Runtime returned no " + name));
        return (OnnxTensor) v;
    }

    @Override
    public void close() throws Exception {
        for (OnnxTensor t : new OnnxTensor[] {emptyPast, branchFalse, branchTrue, promptLogitsTensor, stepLogitsTensor}) {
            if (t != null) t.close();
        }
        if (session != null) session.close();
    }
}
