package dev.petrel.cli;

import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.tokenizer.Encoding;
import dev.petrel.tokenizer.WordPieceTokenizer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sentence embeddings the sentence-transformers way: tokenize a batch with padding, run the encoder,
 * average the token vectors where the attention mask is 1, and L2-normalize.
 */
public final class SentenceEmbedder {
    private final WordPieceTokenizer tokenizer;
    private final Session session;

    /**
     * Pads each batch to its longest sentence rather than to the tokenizer file's fixed length (128 for
     * all-MiniLM-L6-v2): masked padding changes no embedding, and short batches run several times faster.
     */
    public SentenceEmbedder(WordPieceTokenizer tokenizer, Session session) {
        WordPieceTokenizer.Padding p = tokenizer.padding();
        this.tokenizer = p == null ? tokenizer : tokenizer.withPadding(
                new WordPieceTokenizer.Padding(0, p.multipleOf(), p.padId(), p.padTypeId(), p.padToken(), p.direction()));
        this.session = session;
    }

    /** The encoder inputs for a batch: input_ids, attention_mask, token_type_ids, each INT64 [batch, seq]. */
    public static Map<String, Tensor> inputs(List<Encoding> batch) {
        int b = batch.size();
        int s = batch.get(0).ids().length;
        long[] ids = new long[b * s], mask = new long[b * s], types = new long[b * s];
        for (int i = 0; i < b; i++) {
            Encoding e = batch.get(i);
            System.arraycopy(e.ids(), 0, ids, i * s, s);
            System.arraycopy(e.attentionMask(), 0, mask, i * s, s);
            System.arraycopy(e.typeIds(), 0, types, i * s, s);
        }
        Map<String, Tensor> in = new HashMap<>();
        in.put("input_ids", Tensor.of(ids, b, s));
        in.put("attention_mask", Tensor.of(mask, b, s));
        in.put("token_type_ids", Tensor.of(types, b, s));
        return in;
    }

    public float[][] embed(List<String> texts) {
        List<Encoding> batch = tokenizer.encodeBatch(texts);
        Map<String, Tensor> in = inputs(batch);
        Map<String, Tensor> out = session.run(in);
        Tensor hidden = null;
        for (Tensor t : out.values()) {
            if (t.rank() == 3) {
                hidden = t;
                break;
            }
        }
        if (hidden == null) throw new IllegalStateException("the model has no [batch, seq, dim] output: " + out.keySet());
        return meanPoolNormalize(hidden, in.get("attention_mask"));
    }

    /** Mean over the tokens whose mask is 1, then L2 normalization (as sentence-transformers does). */
    public static float[][] meanPoolNormalize(Tensor hidden, Tensor mask) {
        int b = hidden.dim(0), s = hidden.dim(1), d = hidden.dim(2);
        float[][] e = new float[b][d];
        for (int i = 0; i < b; i++) {
            double[] acc = new double[d];
            long count = 0;
            for (int t = 0; t < s; t++) {
                if (mask.longs().get(i * s + t) == 0) continue;
                count++;
                int base = (i * s + t) * d;
                for (int k = 0; k < d; k++) acc[k] += hidden.floats().get(base + k);
            }
            double norm = 0;
            for (int k = 0; k < d; k++) {
                acc[k] /= Math.max(count, 1);
                norm += acc[k] * acc[k];
            }
            norm = Math.max(Math.sqrt(norm), 1e-12);
            for (int k = 0; k < d; k++) e[i][k] = (float) (acc[k] / norm);
        }
        return e;
    }

    static float dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return (float) s;
    }
}
