package dev.petrel.llm;

import dev.petrel.DType;
import dev.petrel.ModelFormatException;
import dev.petrel.Tensor;
import dev.petrel.safetensors.SafetensorsCheckpoint;
import dev.petrel.spi.Float16;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.Arrays;

/**
 * A GPT-2 checkpoint's weights as the decoder runs them: fp32 {@link FloatBuffer}s, row-major, in the
 * layouts of {@link DecoderMath} (Conv1D {@code [in, out]} for projections, {@code [vocab, d]} for the
 * embedding and head). F32 tensors are views of the mapped safetensors files; F16/BF16 tensors are
 * converted once to fp32, and LayerNorm folds write new matrices: {@link #copiedBytes()} counts both.
 *
 * <p>How each LayerNorm is run ({@link #blockNorm()}, {@link #finalNorm()}):
 * <ul>
 *   <li>standard model: LayerNorm in fp32 with the config's eps;
 *   <li>LN-free model (eps ≥ 1e6, see {@link Gpt2Config#isLayerNormFree()}): the stored LayerNorm
 *       computes {@code (x − mean(x))·γ/sqrt(eps) + β} to fp32 precision, an affine map of x. ln_1 and
 *       ln_2 are folded into c_attn and c_fc ({@code W' = C·diag(g)·W}, {@code c' = c + β·W} with
 *       {@code g = γ/sqrt(eps)} and the centering matrix {@code C = I − 11ᵀ/d}), in double, rounded once
 *       to fp32; ln_f stays as the O(d) centering plus affine map before the tied head;
 *   <li>{@link DecoderOptions#literalLayerNorm}: every LayerNorm run as stored, whatever its eps;
 *   <li>{@link DecoderOptions#preRmsNorm}: every writer of the residual stream is recentered (c_proj
 *       matrices and biases here, the embedding when gathered), so the stream has mean 0 and each
 *       LayerNorm equals an RMSNorm with the same eps, γ and β (an LN-free model's LayerNorms become
 *       pure affine maps: the centering matrix drops out of the folds).
 * </ul>
 */
public final class Gpt2Weights {
    /** How a normalization runs: the flags of {@link DecoderMath#normalize}. */
    public enum Norm {
        LAYER_NORM(true, true), RMS_NORM(false, true), CENTER_AFFINE(true, false), AFFINE(false, false),
        /** Folded into the projection that reads it: nothing to run. */
        FOLDED(false, false);

        final boolean center, divide;

        Norm(boolean center, boolean divide) {
            this.center = center;
            this.divide = divide;
        }
    }

    /** One transformer block. ln* are null when {@link #blockNorm()} is {@link Norm#FOLDED}. */
    static final class Layer {
        FloatBuffer ln1Gamma, ln1Beta, attnW, attnB, attnProjW, attnProjB;
        FloatBuffer ln2Gamma, ln2Beta, fcW, fcB, mlpProjW, mlpProjB;
        /** The projections quantized at load (then their fp32 fields are null), or null for fp32. */
        QuantizedMatrix attnQ, attnProjQ, fcQ, mlpProjQ;
    }

    final Gpt2Config config;
    final Layer[] layers;
    final FloatBuffer wte, wpe, lnFGamma, lnFBeta, lmHead;
    /** The logits table quantized at load ({@code [vocab, d]} as a d × vocab product), or null for fp32. */
    final QuantizedMatrix lmHeadQ;
    final WeightFormat format;
    final Norm blockNorm, finalNorm;
    final float eps;
    final boolean centerEmbedding;
    private final long weightBytes, copiedBytes, quantizedBytes;

    private Gpt2Weights(Loader l, Layer[] layers, FloatBuffer wte, FloatBuffer wpe, FloatBuffer lnFGamma,
                        FloatBuffer lnFBeta, FloatBuffer lmHead, QuantizedMatrix lmHeadQ, WeightFormat format, Norm blockNorm,
                        Norm finalNorm, boolean centerEmbedding) {
        this.config = l.config;
        this.layers = layers;
        this.wte = wte;
        this.wpe = wpe;
        this.lnFGamma = lnFGamma;
        this.lnFBeta = lnFBeta;
        this.lmHead = lmHead;
        this.lmHeadQ = lmHeadQ;
        this.format = format;
        this.blockNorm = blockNorm;
        this.finalNorm = finalNorm;
        this.eps = (float) l.config.layerNormEpsilon;
        this.centerEmbedding = centerEmbedding;
        long bytes = 0;
        for (Layer layer : layers) {
            for (FloatBuffer b : new FloatBuffer[] {layer.ln1Gamma, layer.ln1Beta, layer.attnW, layer.attnB, layer.attnProjW,
                    layer.attnProjB, layer.ln2Gamma, layer.ln2Beta, layer.fcW, layer.fcB, layer.mlpProjW, layer.mlpProjB}) {
                if (b != null) bytes += 4L * b.capacity();
            }
            for (QuantizedMatrix q : new QuantizedMatrix[] {layer.attnQ, layer.attnProjQ, layer.fcQ, layer.mlpProjQ}) {
                if (q != null) bytes += q.bytes();
            }
        }
        bytes += 4L * (wpe.capacity() + lnFGamma.capacity() + lnFBeta.capacity());
        // The decoder reads the fp32 table only for the embedding rows of its tokens when the logits are quantized.
        if (lmHeadQ != null) bytes += lmHeadQ.bytes();
        else bytes += 4L * (wte.capacity() + (lmHead != wte ? lmHead.capacity() : 0));
        this.weightBytes = bytes;
        this.quantizedBytes = l.quantized;
        this.copiedBytes = l.copied;
    }

    public Gpt2Config config() {
        return config;
    }

    /** Bytes of weights a decode step reads (fp32 or quantized; the tied embedding counted once). */
    public long weightBytes() {
        return weightBytes;
    }

    /** How the projections and the logits table are kept. */
    public WeightFormat format() {
        return format;
    }

    /** Bytes of quantized matrices made at load (codes, scales); 0 for fp32. */
    public long quantizedBytes() {
        return quantizedBytes;
    }

    /** Bytes written at load: F16/BF16 conversions and LayerNorm folds; 0 for an F32 standard model. */
    public long copiedBytes() {
        return copiedBytes;
    }

    /** How ln_1 and ln_2 run. */
    public Norm blockNorm() {
        return blockNorm;
    }

    /** How ln_f runs. */
    public Norm finalNorm() {
        return finalNorm;
    }

    /** The per-channel scale ln_f applies after its normalization ({@code γ/sqrt(eps)} for an LN-free model). */
    FloatBuffer finalGamma() {
        return lnFGamma;
    }

    /** Reads and checks every tensor of a GPT-2 checkpoint and prepares it as {@code options} ask. */
    public static Gpt2Weights load(SafetensorsCheckpoint checkpoint, Gpt2Config config, DecoderOptions options) {
        Loader l = new Loader(checkpoint, config);
        int d = config.embeddingSize, inner = config.innerSize;
        // A checkpoint written by QuantizedCheckpoint holds the matrices as this method prepared them: mapped, not redone.
        QuantizedCheckpoint stored = QuantizedCheckpoint.of(checkpoint);
        if (stored != null) stored.checkOptions(config, options);
        WeightFormat format = stored != null ? stored.format : options.weights();
        boolean lnFree = config.isLayerNormFree() && !options.literalLayerNorm();
        boolean rms = options.preRmsNorm();
        l.checkNoExtraLayers();

        Layer[] layers = new Layer[config.layers];
        for (int n = 0; n < config.layers; n++) {
            String p = "h." + n + ".";
            Layer layer = new Layer();
            if (stored != null) {
                if (!lnFree) {
                    layer.ln1Gamma = l.tensor(p + "ln_1.weight", d); layer.ln1Beta = l.tensor(p + "ln_1.bias", d);
                    layer.ln2Gamma = l.tensor(p + "ln_2.weight", d); layer.ln2Beta = l.tensor(p + "ln_2.bias", d);
                }
                layer.attnB = l.tensor(p + "attn.c_attn.bias", 3 * d);
                layer.attnProjB = l.tensor(p + "attn.c_proj.bias", d);
                layer.fcB = l.tensor(p + "mlp.c_fc.bias", inner);
                layer.mlpProjB = l.tensor(p + "mlp.c_proj.bias", d);
                layer.attnQ = stored.matrix(p + "attn.c_attn.weight", d, 3 * d);
                layer.attnProjQ = stored.matrix(p + "attn.c_proj.weight", d, d);
                layer.fcQ = stored.matrix(p + "mlp.c_fc.weight", d, inner);
                layer.mlpProjQ = stored.matrix(p + "mlp.c_proj.weight", inner, d);
                layers[n] = layer;
                continue;
            }
            FloatBuffer ln1Gamma = l.tensor(p + "ln_1.weight", d), ln1Beta = l.tensor(p + "ln_1.bias", d);
            FloatBuffer attnW = l.tensor(p + "attn.c_attn.weight", d, 3 * d), attnB = l.tensor(p + "attn.c_attn.bias", 3 * d);
            layer.attnProjW = l.tensor(p + "attn.c_proj.weight", d, d);
            layer.attnProjB = l.tensor(p + "attn.c_proj.bias", d);
            FloatBuffer ln2Gamma = l.tensor(p + "ln_2.weight", d), ln2Beta = l.tensor(p + "ln_2.bias", d);
            FloatBuffer fcW = l.tensor(p + "mlp.c_fc.weight", d, inner), fcB = l.tensor(p + "mlp.c_fc.bias", inner);
            layer.mlpProjW = l.tensor(p + "mlp.c_proj.weight", inner, d);
            layer.mlpProjB = l.tensor(p + "mlp.c_proj.bias", d);
            if (lnFree) {
                // With a zero-mean stream (rms) the centering matrix is the identity on it and drops out.
                FloatBuffer[] attn = l.foldLayerNorm(ln1Gamma, ln1Beta, attnW, attnB, d, 3 * d, !rms);
                FloatBuffer[] fc = l.foldLayerNorm(ln2Gamma, ln2Beta, fcW, fcB, d, inner, !rms);
                layer.attnW = attn[0]; layer.attnB = attn[1]; layer.fcW = fc[0]; layer.fcB = fc[1];
            } else {
                layer.ln1Gamma = ln1Gamma; layer.ln1Beta = ln1Beta; layer.attnW = attnW; layer.attnB = attnB;
                layer.ln2Gamma = ln2Gamma; layer.ln2Beta = ln2Beta; layer.fcW = fcW; layer.fcB = fcB;
            }
            if (rms) {
                FloatBuffer[] a = l.recenterOutputs(layer.attnProjW, layer.attnProjB, d, d);
                FloatBuffer[] m = l.recenterOutputs(layer.mlpProjW, layer.mlpProjB, inner, d);
                layer.attnProjW = a[0]; layer.attnProjB = a[1]; layer.mlpProjW = m[0]; layer.mlpProjB = m[1];
            }
            if (options.weights() != WeightFormat.FP32) {
                WeightFormat f = options.weights();
                layer.attnQ = l.quantize(f, layer.attnW, d, 3 * d, false);
                layer.attnProjQ = l.quantize(f, layer.attnProjW, d, d, false);
                layer.fcQ = l.quantize(f, layer.fcW, d, inner, false);
                layer.mlpProjQ = l.quantize(f, layer.mlpProjW, inner, d, false);
                layer.attnW = null; layer.attnProjW = null; layer.fcW = null; layer.mlpProjW = null;
            }
            layers[n] = layer;
        }
        FloatBuffer wte = l.tensor("wte.weight", config.vocabSize, d);
        FloatBuffer wpe = l.tensor("wpe.weight", config.positions, d);
        FloatBuffer lnFGamma = l.tensor("ln_f.weight", d), lnFBeta = l.tensor("ln_f.bias", d);
        FloatBuffer lmHead = wte;
        QuantizedMatrix lmHeadQ;
        if (stored != null) {
            lmHeadQ = stored.matrix(QuantizedCheckpoint.LM_HEAD, d, config.vocabSize);
            // Mapped but untouched by decoding: only logit attribution reads an untied fp32 head.
            if (!config.tieWordEmbeddings) lmHead = l.tensor("lm_head.weight", config.vocabSize, d);
        } else {
            if (!config.tieWordEmbeddings) lmHead = l.tensor("lm_head.weight", config.vocabSize, d);
            lmHeadQ = format == WeightFormat.FP32 ? null : l.quantize(format, lmHead, d, config.vocabSize, true);
        }
        // A stored checkpoint's ln_f.weight is the runtime's, already divided by sqrt(eps).
        if (lnFree && stored == null) lnFGamma = l.scaled(lnFGamma, 1 / Math.sqrt(config.layerNormEpsilon));

        Norm blockNorm, finalNorm;
        if (lnFree) {
            blockNorm = Norm.FOLDED;
            finalNorm = rms ? Norm.AFFINE : Norm.CENTER_AFFINE;
        } else {
            blockNorm = rms ? Norm.RMS_NORM : Norm.LAYER_NORM;
            finalNorm = blockNorm;
        }
        return new Gpt2Weights(l, layers, wte, wpe, lnFGamma, lnFBeta, lmHead, lmHeadQ, format, blockNorm, finalNorm, rms);
    }

    /** Finds tensors under an optional "transformer." prefix, checks their shapes, converts them to fp32. */
    private static final class Loader {
        final SafetensorsCheckpoint checkpoint;
        final Gpt2Config config;
        final String prefix;
        long copied, quantized;

        Loader(SafetensorsCheckpoint checkpoint, Gpt2Config config) {
            this.checkpoint = checkpoint;
            this.config = config;
            this.prefix = !checkpoint.contains("wte.weight") && checkpoint.contains("transformer.wte.weight") ? "transformer." : "";
        }

        /** A tensor of a layer the config does not have means config and weights disagree: refuse it. */
        void checkNoExtraLayers() {
            for (String name : checkpoint.names()) {
                String n = name.startsWith(prefix) ? name.substring(prefix.length()) : name;
                if (!n.startsWith("h.")) continue;
                int dot = n.indexOf('.', 2);
                if (dot < 0) continue;
                try {
                    int layer = Integer.parseInt(n.substring(2, dot));
                    if (layer >= config.layers) {
                        throw new ModelFormatException("tensor '" + name + "' belongs to layer " + layer
                                + " but config.json has n_layer = " + config.layers);
                    }
                } catch (NumberFormatException ignored) {
                    // not a layer tensor
                }
            }
        }

        FloatBuffer tensor(String name, int... dims) {
            String stored = name;
            if (!checkpoint.contains(stored)) {
                stored = "lm_head.weight".equals(name) ? name : prefix + name;
                if (!checkpoint.contains(stored)) {
                    throw new ModelFormatException("missing tensor '" + stored + "' (expected shape " + Arrays.toString(dims) + ")");
                }
            }
            long[] shape = checkpoint.info(stored).shape();
            boolean ok = shape.length == dims.length;
            for (int i = 0; ok && i < dims.length; i++) ok = shape[i] == dims[i];
            if (!ok) {
                throw new ModelFormatException("tensor '" + stored + "': expected shape " + Arrays.toString(dims)
                        + ", found " + Arrays.toString(shape));
            }
            Tensor t = checkpoint.tensor(stored);
            DType type = t.dtype();
            if (type == DType.FLOAT) return t.floats();
            int n = t.size();
            FloatBuffer out = allocate(n);
            if (type == DType.FLOAT16 || type == DType.BFLOAT16) {
                ShortBuffer bits = t.shorts();
                boolean half = type == DType.FLOAT16;
                for (int i = 0; i < n; i++) out.put(i, half ? Float16.toFloat(bits.get(i)) : Float16.bfloat16ToFloat(bits.get(i)));
            } else if (type == DType.DOUBLE) {
                for (int i = 0; i < n; i++) out.put(i, (float) t.doubles().get(i));
            } else {
                throw new ModelFormatException("tensor '" + stored + "': element type " + type
                        + " is not supported (expected F32, F16, BF16 or F64)");
            }
            return out;
        }

        QuantizedMatrix quantize(WeightFormat format, FloatBuffer w, int in, int out, boolean outMajor) {
            QuantizedMatrix q = QuantizedMatrix.quantize(format, w, in, out, outMajor);
            quantized += q.bytes();
            return q;
        }

        FloatBuffer allocate(int n) {
            copied += 4L * n;
            return ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
        }

        FloatBuffer scaled(FloatBuffer v, double factor) {
            FloatBuffer out = allocate(v.capacity());
            for (int i = 0; i < v.capacity(); i++) out.put(i, (float) (v.get(i) * factor));
            return out;
        }

        /**
         * {@code W' = C·diag(g)·W} (C only when {@code center}) and {@code c' = c + β·W}, with
         * {@code g = γ/sqrt(eps)}: the LN-free LayerNorm {@code (x − mean x)·g + β} folded into the
         * Conv1D {@code y = x·W + c} that reads it.
         */
        FloatBuffer[] foldLayerNorm(FloatBuffer gamma, FloatBuffer beta, FloatBuffer w, FloatBuffer c, int in, int out, boolean center) {
            double sigma = Math.sqrt(config.layerNormEpsilon);
            FloatBuffer w2 = allocate(in * out), c2 = allocate(out);
            double[] g = new double[in];
            for (int i = 0; i < in; i++) g[i] = gamma.get(i) / sigma;
            double[] colMean = new double[out];
            double[] bias = new double[out];
            for (int j = 0; j < out; j++) bias[j] = c.get(j);
            for (int i = 0; i < in; i++) {
                double b = beta.get(i);
                for (int j = 0; j < out; j++) {
                    double wij = w.get(i * out + j);
                    colMean[j] += g[i] * wij;
                    bias[j] += b * wij;
                }
            }
            for (int j = 0; j < out; j++) colMean[j] = center ? colMean[j] / in : 0;
            for (int i = 0; i < in; i++) {
                for (int j = 0; j < out; j++) w2.put(i * out + j, (float) (g[i] * w.get(i * out + j) - colMean[j]));
            }
            for (int j = 0; j < out; j++) c2.put(j, (float) bias[j]);
            return new FloatBuffer[] {w2, c2};
        }

        /** {@code W ← W·C}, {@code b ← b − mean(b)}: every output row of {@code y = x·W + b} gets mean 0. */
        FloatBuffer[] recenterOutputs(FloatBuffer w, FloatBuffer b, int in, int out) {
            FloatBuffer w2 = allocate(in * out), b2 = allocate(out);
            for (int i = 0; i < in; i++) {
                double mean = 0;
                for (int j = 0; j < out; j++) mean += w.get(i * out + j);
                mean /= out;
                for (int j = 0; j < out; j++) w2.put(i * out + j, (float) (w.get(i * out + j) - mean));
            }
            double mean = 0;
            for (int j = 0; j < out; j++) mean += b.get(j);
            mean /= out;
            for (int j = 0; j < out; j++) b2.put(j, (float) (b.get(j) - mean));
            return new FloatBuffer[] {w2, b2};
        }
    }
}
