package dev.petrel.tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * One tokenized text, ready to feed a BERT-style model: token ids, the attention mask (1 for real
 * tokens, 0 for padding) and the token type ids, all of the same length; the token strings are
 * there for debugging.
 */
public record Encoding(long[] ids, long[] attentionMask, long[] typeIds, List<String> tokens) {
    public Encoding {
        if (attentionMask.length != ids.length || typeIds.length != ids.length || tokens.size() != ids.length) {
            throw new IllegalArgumentException("ids, attention mask, type ids and tokens must have the same length");
        }
        tokens = List.copyOf(tokens);
    }

    /** Number of positions, padding included. */
    public int length() {
        return ids.length;
    }

    /** Number of positions that are not padding. */
    public int tokenCount() {
        int n = 0;
        for (long m : attentionMask) n += (int) m;
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Encoding e && Arrays.equals(ids, e.ids) && Arrays.equals(attentionMask, e.attentionMask)
                && Arrays.equals(typeIds, e.typeIds) && tokens.equals(e.tokens);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(ids) + tokens.hashCode();
    }

    @Override
    public String toString() {
        return "Encoding" + tokens;
    }
}
