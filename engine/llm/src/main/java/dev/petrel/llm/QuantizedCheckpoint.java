package dev.petrel.llm;

import dev.petrel.DType;
import dev.petrel.ModelFormatException;
import dev.petrel.Tensor;
import dev.petrel.safetensors.SafetensorsCheckpoint;
import dev.petrel.safetensors.SafetensorsFile;
import dev.petrel.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A GPT-2 checkpoint whose projections and logits table are stored already quantized, in the
 * {@link QuantizedMatrix} panel layout, so that {@link Gpt2Model#load} maps them without quantizing and
 * without the fp32 matrices. One {@code model.safetensors}:
 * <ul>
 *   <li>fp32 ({@code F32}) tensors under their Hugging Face names, as the runtime uses them: {@code wte.weight}
 *       (the embedding lookup), {@code wpe.weight}, for an untied model {@code lm_head.weight} (read only by
 *       {@link LogitAttribution}), {@code ln_f.weight} (already divided by {@code sqrt(eps)}
 *       when the blocks are folded), {@code ln_f.bias}, each layer's biases ({@code attn.c_attn.bias} and
 *       {@code mlp.c_fc.bias} with ln_1/ln_2 folded in when folded) and, unless folded, {@code ln_1}/{@code ln_2};
 *   <li>per quantized matrix {@code NAME.qB.codes}, {@code NAME.qB.scales} and, if it has offsets,
 *       {@code NAME.qB.offsets}, all {@code U8} (1-D, the bytes of {@link QuantizedMatrix#codes()} etc.), B
 *       the bits; NAME is {@code h.N.attn.c_attn.weight}, {@code h.N.attn.c_proj.weight},
 *       {@code h.N.mlp.c_fc.weight}, {@code h.N.mlp.c_proj.weight} ({@code [in, out]} as Conv1D stores them)
 *       and {@code lm_head.weight} (the logits product, {@code in} = n_embd, {@code out} = vocab_size; for a
 *       tied model the quantized wte);
 *   <li>{@code __metadata__}: {@value #FORMAT_KEY} = {@value #FORMAT}, {@value #VERSION_KEY} = {@value #VERSION},
 *       {@value #WEIGHTS_KEY} = q8|q4, {@value #BITS_KEY}, {@value #BLOCK_KEY}, {@value #HALF_KEY} (true|false),
 *       {@value #PANEL_KEY} (16), {@value #NORM_KEY} = folded|stored (folded: the LN-free ln_1/ln_2 are in the
 *       matrices and must not be folded again), {@value #PRE_RMS_KEY} (true|false), and per matrix
 *       {@code petrel.matrix.NAME} = {@code "in,out"}.
 * </ul>
 * {@code config.json} gains {@code "petrel_weights": "q8"|"q4"} (informative; the metadata decides).
 */
public final class QuantizedCheckpoint {
    public static final String FORMAT_KEY = "petrel.format";
    public static final String FORMAT = "petrel-quantized-gpt2";
    public static final String VERSION_KEY = "petrel.format_version";
    public static final String VERSION = "1";
    public static final String WEIGHTS_KEY = "petrel.weights";
    public static final String BITS_KEY = "petrel.bits";
    public static final String BLOCK_KEY = "petrel.block_size";
    public static final String HALF_KEY = "petrel.half_scales";
    public static final String PANEL_KEY = "petrel.panel";
    public static final String NORM_KEY = "petrel.layer_norm";
    public static final String PRE_RMS_KEY = "petrel.pre_rms_norm";
    public static final String MATRIX_KEY_PREFIX = "petrel.matrix.";
    /** The name of the quantized logits table. */
    public static final String LM_HEAD = "lm_head.weight";

    /** Tokenizer files copied beside the checkpoint when the source folder has them. */
    static final String[] TOKENIZER_FILES = {"vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "generation_config.json"};

    final WeightFormat format;
    final int bits, blockSize;
    final boolean halfScales, folded, preRmsNorm;
    private final Map<String, String> metadata;
    private final SafetensorsCheckpoint checkpoint;

    private QuantizedCheckpoint(SafetensorsCheckpoint checkpoint, Map<String, String> m, String where) {
        this.checkpoint = checkpoint;
        this.metadata = m;
        String version = m.get(VERSION_KEY);
        if (!VERSION.equals(version)) {
            throw new ModelFormatException(where + ": " + FORMAT + " format version " + version + " is not supported (this runtime reads "
                    + VERSION + ")");
        }
        String w = required(m, WEIGHTS_KEY, where);
        if ("q8".equals(w)) format = WeightFormat.Q8;
        else if ("q4".equals(w)) format = WeightFormat.Q4;
        else throw new ModelFormatException(where + ": " + WEIGHTS_KEY + " '" + w + "' is not q8 or q4");
        bits = integer(m, BITS_KEY, where);
        if (bits != (format == WeightFormat.Q8 ? 8 : 4)) throw new ModelFormatException(where + ": " + BITS_KEY + " " + bits + " does not match " + w);
        blockSize = integer(m, BLOCK_KEY, where);
        halfScales = bool(m, HALF_KEY, where);
        int panel = integer(m, PANEL_KEY, where);
        if (panel != QuantizedMatrix.PANEL) {
            throw new ModelFormatException(where + ": " + PANEL_KEY + " " + panel + " is not supported (panels of " + QuantizedMatrix.PANEL + ")");
        }
        String norm = required(m, NORM_KEY, where);
        if (!norm.equals("folded") && !norm.equals("stored")) throw new ModelFormatException(where + ": " + NORM_KEY + " '" + norm + "' is not folded or stored");
        folded = norm.equals("folded");
        preRmsNorm = bool(m, PRE_RMS_KEY, where);
    }

    /** The checkpoint's Petrel metadata, or null for an ordinary (Hugging Face) checkpoint. */
    static QuantizedCheckpoint of(SafetensorsCheckpoint checkpoint) {
        for (SafetensorsFile f : checkpoint.files()) {
            Map<String, String> m = f.metadata();
            if (FORMAT.equals(m.get(FORMAT_KEY))) return new QuantizedCheckpoint(checkpoint, m, f.path().toString());
        }
        return null;
    }

    /** Whether {@code folder} holds a checkpoint written by {@link #write} (reads the header only). */
    public static boolean isQuantized(Path folder) throws IOException {
        Path file = folder.resolve(SafetensorsWriter.SINGLE_FILE);
        if (!Files.isRegularFile(file)) return false;
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            return FORMAT.equals(f.metadata().get(FORMAT_KEY));
        }
    }

    /** Refuses options that would prepare the weights otherwise than they were stored. */
    void checkOptions(Gpt2Config config, DecoderOptions options) {
        if (options.weights() != WeightFormat.FP32 && options.weights() != format) {
            throw new IllegalArgumentException("the checkpoint is stored as " + format + " weights; options ask for " + options.weights()
                    + " (FP32, the default, loads it as stored; re-quantize the original checkpoint for another format)");
        }
        boolean wantFolded = config.isLayerNormFree() && !options.literalLayerNorm();
        if (wantFolded != folded) {
            throw new IllegalArgumentException("the checkpoint's LayerNorms are " + (folded ? "folded into the matrices" : "stored")
                    + " but the options ask for them " + (wantFolded ? "folded" : "run literally")
                    + (folded ? " (literalLayerNorm cannot undo a fold)" : ""));
        }
        if (options.preRmsNorm() != preRmsNorm) {
            throw new IllegalArgumentException("the checkpoint was written " + (preRmsNorm ? "with" : "without")
                    + " the Pre-RMSNorm conversion; options ask " + (options.preRmsNorm() ? "for it" : "without it"));
        }
    }

    /** The stored matrix {@code name}, checked against its expected shape, over the mapped bytes. */
    QuantizedMatrix matrix(String name, int in, int out) {
        String shape = metadata.get(MATRIX_KEY_PREFIX + name);
        if (shape == null) throw new ModelFormatException("quantized checkpoint: no " + MATRIX_KEY_PREFIX + name + " metadata entry");
        if (!shape.equals(in + "," + out)) {
            throw new ModelFormatException("quantized matrix '" + name + "': expected in,out " + in + "," + out + " from config.json, found " + shape);
        }
        String base = name + ".q" + bits + ".";
        ByteBuffer codes = bytes(base + "codes", true), scales = bytes(base + "scales", true), offsets = bytes(base + "offsets", false);
        try {
            return QuantizedMatrix.wrap(bits, in, out, blockSize, halfScales, codes, scales, offsets);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException("quantized matrix '" + name + "': " + e.getMessage(), e);
        }
    }

    private ByteBuffer bytes(String name, boolean required) {
        if (!checkpoint.contains(name)) {
            if (!required) return null;
            throw new ModelFormatException("quantized checkpoint: missing tensor '" + name + "'");
        }
        String type = checkpoint.info(name).dtypeName();
        if (!type.equals("U8")) throw new ModelFormatException("quantized checkpoint: tensor '" + name + "' is " + type + ", expected U8");
        return checkpoint.file(name).bytes(name);
    }

    /**
     * Writes {@code model} (loaded with {@link WeightFormat#Q8} or {@link WeightFormat#Q4}) to
     * {@code outFolder}: {@code model.safetensors} as described above, {@code config.json} from
     * {@code sourceFolder} with {@code petrel_weights} added, and the tokenizer files it has.
     *
     * @return the bytes of the written {@code model.safetensors}
     */
    public static long write(Gpt2Model model, Path sourceFolder, Path outFolder) throws IOException {
        Gpt2Weights w = model.weights();
        if (w.format() == WeightFormat.FP32) throw new IllegalArgumentException("the model's weights are fp32: load it with Q8 or Q4 weights to write it quantized");
        if (Files.exists(outFolder) && Files.isSameFile(outFolder, sourceFolder)) {
            throw new IllegalArgumentException("the output folder must differ from the source folder (its weights are mapped from there)");
        }
        if (isQuantized(sourceFolder)) {
            throw new IllegalArgumentException(sourceFolder + " already holds a quantized checkpoint: quantize the original Hugging Face folder");
        }
        Files.createDirectories(outFolder);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> meta = new LinkedHashMap<>();
        QuantizedMatrix any = w.lmHeadQ;
        meta.put(FORMAT_KEY, FORMAT);
        meta.put(VERSION_KEY, VERSION);
        meta.put(WEIGHTS_KEY, w.format() == WeightFormat.Q8 ? "q8" : "q4");
        meta.put(BITS_KEY, Integer.toString(any.bits()));
        meta.put(BLOCK_KEY, Integer.toString(any.blockSize()));
        meta.put(HALF_KEY, Boolean.toString(any.halfScales()));
        meta.put(PANEL_KEY, Integer.toString(QuantizedMatrix.PANEL));
        boolean folded = w.blockNorm() == Gpt2Weights.Norm.FOLDED;
        meta.put(NORM_KEY, folded ? "folded" : "stored");
        meta.put(PRE_RMS_KEY, Boolean.toString(model.options().preRmsNorm()));
        int d = w.config.embeddingSize;
        floats(tensors, "wte.weight", w.wte, w.config.vocabSize, d);
        floats(tensors, "wpe.weight", w.wpe, w.config.positions, d);
        // An untied fp32 head only for logit attribution: mapped, never read by decoding.
        if (w.lmHead != w.wte) floats(tensors, "lm_head.weight", w.lmHead, w.config.vocabSize, d);
        floats(tensors, "ln_f.weight", w.lnFGamma, d);
        floats(tensors, "ln_f.bias", w.lnFBeta, d);
        for (int n = 0; n < w.layers.length; n++) {
            Gpt2Weights.Layer l = w.layers[n];
            String p = "h." + n + ".";
            if (!folded) {
                floats(tensors, p + "ln_1.weight", l.ln1Gamma, d);
                floats(tensors, p + "ln_1.bias", l.ln1Beta, d);
                floats(tensors, p + "ln_2.weight", l.ln2Gamma, d);
                floats(tensors, p + "ln_2.bias", l.ln2Beta, d);
            }
            floats(tensors, p + "attn.c_attn.bias", l.attnB, l.attnB.capacity());
            floats(tensors, p + "attn.c_proj.bias", l.attnProjB, l.attnProjB.capacity());
            floats(tensors, p + "mlp.c_fc.bias", l.fcB, l.fcB.capacity());
            floats(tensors, p + "mlp.c_proj.bias", l.mlpProjB, l.mlpProjB.capacity());
            quantized(tensors, meta, p + "attn.c_attn.weight", l.attnQ);
            quantized(tensors, meta, p + "attn.c_proj.weight", l.attnProjQ);
            quantized(tensors, meta, p + "mlp.c_fc.weight", l.fcQ);
            quantized(tensors, meta, p + "mlp.c_proj.weight", l.mlpProjQ);
        }
        quantized(tensors, meta, LM_HEAD, w.lmHeadQ);
        Path file = outFolder.resolve(SafetensorsWriter.SINGLE_FILE);
        SafetensorsWriter.write(file, tensors, meta);

        String config = new String(Files.readAllBytes(sourceFolder.resolve("config.json")), StandardCharsets.UTF_8);
        int brace = config.indexOf('{');
        if (brace < 0) throw new ModelFormatException(sourceFolder.resolve("config.json") + " is not a JSON object");
        config = config.substring(0, brace + 1) + "\n  \"petrel_weights\": \"" + meta.get(WEIGHTS_KEY) + "\","
                + config.substring(brace + 1);
        Files.write(outFolder.resolve("config.json"), config.getBytes(StandardCharsets.UTF_8));
        for (String name : TOKENIZER_FILES) {
            Path f = sourceFolder.resolve(name);
            if (Files.isRegularFile(f)) Files.copy(f, outFolder.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
        return Files.size(file);
    }

    private static void floats(Map<String, Tensor> tensors, String name, FloatBuffer v, int... dims) {
        int n = v.capacity();
        if ((long) n != Arrays.stream(dims).asLongStream().reduce(1, (a, b) -> a * b)) {
            throw new IllegalStateException(name + ": " + n + " floats for shape " + Arrays.toString(dims));
        }
        ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        FloatBuffer f = b.asFloatBuffer();
        FloatBuffer src = v.duplicate();
        ((java.nio.Buffer) src).clear();
        f.put(src);
        tensors.put(name, Tensor.wrap(DType.FLOAT, b, dims));
    }

    private static void quantized(Map<String, Tensor> tensors, Map<String, String> meta, String name, QuantizedMatrix q) {
        String base = name + ".q" + q.bits() + ".";
        meta.put(MATRIX_KEY_PREFIX + name, q.in() + "," + q.out());
        tensors.put(base + "codes", bytes(q.codes()));
        tensors.put(base + "scales", bytes(q.scales()));
        if (q.offsets() != null) tensors.put(base + "offsets", bytes(q.offsets()));
    }

    private static Tensor bytes(ByteBuffer b) {
        ByteBuffer v = b.duplicate();
        ((java.nio.Buffer) v).clear();
        return Tensor.wrap(DType.UINT8, v, v.capacity());
    }

    private static String required(Map<String, String> m, String key, String where) {
        String v = m.get(key);
        if (v == null) throw new ModelFormatException(where + ": missing __metadata__ entry " + key);
        return v;
    }

    private static int integer(Map<String, String> m, String key, String where) {
        String v = required(m, key, where);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new ModelFormatException(where + ": __metadata__ " + key + " '" + v + "' is not an integer");
        }
    }

    private static boolean bool(Map<String, String> m, String key, String where) {
        String v = required(m, key, where);
        if (!v.equals("true") && !v.equals("false")) throw new ModelFormatException(where + ": __metadata__ " + key + " '" + v + "' is not true or false");
        return v.equals("true");
    }
}
