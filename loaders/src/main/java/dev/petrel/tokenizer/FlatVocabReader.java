package dev.petrel.tokenizer;

import java.util.HashMap;
import java.util.Map;

/**
 * Reads a vocab.json, a flat JSON object of token to id, straight into the map the tokenizer keeps:
 * about three times faster than the general JSON reader and its boxed, ordered maps, which matters for
 * the 50,000 entries of a GPT-2 vocabulary at start-up. Gives up (null) on anything but that exact
 * shape, so that the caller can run the general reader and report the error precisely.
 */
final class FlatVocabReader {
    private final String text;
    private int pos;
    private final StringBuilder sb = new StringBuilder();

    private FlatVocabReader(String text) {
        this.text = text;
    }

    /** The token to id map, or null when the text is not a flat object of string to non-negative int. */
    static Map<String, Integer> read(String text) {
        return new FlatVocabReader(text).object();
    }

    private Map<String, Integer> object() {
        Map<String, Integer> vocab = new HashMap<>(Math.max(16, text.length() / 6));
        skipSpace();
        if (!take('{')) return null;
        skipSpace();
        if (take('}')) return end() ? vocab : null;
        while (true) {
            skipSpace();
            String key = string();
            if (key == null) return null;
            skipSpace();
            if (!take(':')) return null;
            skipSpace();
            int id = integer();
            if (id < 0 || vocab.put(key, id) != null) return null;
            skipSpace();
            if (take('}')) return end() ? vocab : null;
            if (!take(',')) return null;
        }
    }

    private boolean end() {
        skipSpace();
        return pos == text.length();
    }

    private String string() {
        if (!take('"')) return null;
        int start = pos;
        int n = text.length();
        while (pos < n) {
            char c = text.charAt(pos);
            if (c == '"') return text.substring(start, pos++);
            if (c == '\\') break;
            if (c < 0x20) return null;
            pos++;
        }
        sb.setLength(0);
        sb.append(text, start, pos);
        while (pos < n) {
            char c = text.charAt(pos++);
            if (c == '"') return sb.toString();
            if (c < 0x20) return null;
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (pos >= n) return null;
            char e = text.charAt(pos++);
            switch (e) {
                case '"': case '\\': case '/': sb.append(e); break;
                case 'b': sb.append('\b'); break;
                case 'f': sb.append('\f'); break;
                case 'n': sb.append('\n'); break;
                case 'r': sb.append('\r'); break;
                case 't': sb.append('\t'); break;
                case 'u': {
                    if (pos + 4 > n) return null;
                    int v = 0;
                    for (int i = 0; i < 4; i++) {
                        int d = Character.digit(text.charAt(pos++), 16);
                        if (d < 0) return null;
                        v = v * 16 + d;
                    }
                    sb.append((char) v);
                    break;
                }
                default: return null;
            }
        }
        return null;
    }

    /** A non-negative int written plainly (no sign, fraction or exponent), or -1. */
    private int integer() {
        int start = pos;
        long v = 0;
        while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9' && pos - start < 10) {
            v = v * 10 + (text.charAt(pos++) - '0');
        }
        if (pos == start || (text.charAt(start) == '0' && pos - start > 1) || v > Integer.MAX_VALUE - 8) return -1;
        if (pos < text.length() && (text.charAt(pos) == '.' || text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) return -1;
        return (int) v;
    }

    private boolean take(char c) {
        if (pos < text.length() && text.charAt(pos) == c) {
            pos++;
            return true;
        }
        return false;
    }

    private void skipSpace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
            pos++;
        }
    }
}
