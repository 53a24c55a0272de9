package dev.petrel.json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON reader (RFC 8259), enough for tokenizer.json, config.json and safetensors headers. Values map to Java as:
 * object to {@code Map<String, Object>} (insertion ordered), array to {@code List<Object>}, string to
 * {@link String}, number to {@link Long} when written as an integer that fits, else {@link Double},
 * true/false to {@link Boolean}, null to {@code null}.
 */
public final class Json {
    private final String text;
    private final boolean uniqueKeys;
    private int pos;

    private Json(String text, boolean uniqueKeys) {
        this.text = text;
        this.uniqueKeys = uniqueKeys;
    }

    /** Reads a whole UTF-8 text file; portable to Android API 26 (no {@code Files.readString}). */
    public static String readUtf8(java.nio.file.Path file) throws java.io.IOException {
        return new String(java.nio.file.Files.readAllBytes(file), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Reads a UTF-8 stream to its end; the caller closes it. */
    public static String readUtf8(java.io.InputStream in) throws java.io.IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] chunk = new byte[1 << 16];
        for (int n; (n = in.read(chunk)) > 0; ) out.write(chunk, 0, n);
        return new String(out.toByteArray(), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Parses a complete JSON document; of keys repeated in one object, the last wins. */
    public static Object parse(String text) {
        return parse(text, false);
    }

    /**
     * Parses a complete JSON document; with {@code uniqueKeys}, a key repeated within one object is an
     * error (formats such as safetensors forbid duplicates, so that two readers cannot see different data).
     */
    public static Object parse(String text, boolean uniqueKeys) {
        Json p = new Json(text, uniqueKeys);
        p.skipWhitespace();
        Object v = p.value();
        p.skipWhitespace();
        if (p.pos != text.length()) throw p.error("unexpected content after the JSON value");
        return v;
    }

    private Object value() {
        if (pos >= text.length()) throw error("unexpected end of input, expected a value");
        char c = text.charAt(pos);
        switch (c) {
            case '{': return object();
            case '[': return array();
            case '"': return string();
            case 't': literal("true"); return Boolean.TRUE;
            case 'f': literal("false"); return Boolean.FALSE;
            case 'n': literal("null"); return null;
            default:
                if (c == '-' || (c >= '0' && c <= '9')) return number();
                throw error("unexpected character '" + c + "', expected a value");
        }
    }

    private Map<String, Object> object() {
        Map<String, Object> m = new LinkedHashMap<>();
        pos++;
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return m;
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') throw error("expected a string key");
            int keyAt = pos;
            String key = string();
            if (uniqueKeys && m.containsKey(key)) throw error("duplicate key \"" + key + "\"", keyAt);
            skipWhitespace();
            expect(':');
            skipWhitespace();
            m.put(key, value());
            skipWhitespace();
            char c = next();
            if (c == '}') return m;
            if (c != ',') throw error("expected ',' or '}' in object, found '" + c + "'", pos - 1);
        }
    }

    private List<Object> array() {
        List<Object> list = new ArrayList<>();
        pos++;
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return list;
        }
        while (true) {
            skipWhitespace();
            list.add(value());
            skipWhitespace();
            char c = next();
            if (c == ']') return list;
            if (c != ',') throw error("expected ',' or ']' in array, found '" + c + "'", pos - 1);
        }
    }

    private String string() {
        int start = pos;
        pos++;
        StringBuilder sb = null;
        int runStart = pos;
        while (true) {
            if (pos >= text.length()) throw error("unterminated string", start);
            char c = text.charAt(pos);
            if (c == '"') {
                String s = sb == null ? text.substring(runStart, pos) : sb.append(text, runStart, pos).toString();
                pos++;
                return s;
            }
            if (c < 0x20) throw error("unescaped control character U+" + hex(c) + " in string");
            if (c != '\\') {
                pos++;
                continue;
            }
            if (sb == null) sb = new StringBuilder();
            sb.append(text, runStart, pos);
            pos++;
            if (pos >= text.length()) throw error("unterminated escape", pos - 1);
            char e = text.charAt(pos++);
            switch (e) {
                case '"': sb.append('"'); break;
                case '\\': sb.append('\\'); break;
                case '/': sb.append('/'); break;
                case 'b': sb.append('\b'); break;
                case 'f': sb.append('\f'); break;
                case 'n': sb.append('\n'); break;
                case 'r': sb.append('\r'); break;
                case 't': sb.append('\t'); break;
                // A surrogate pair arrives as two consecutive escapes; appending each UTF-16 unit
                // as it comes rebuilds the pair, and a lone surrogate is kept as the input says.
                case 'u': sb.append(hex4()); break;
                default: throw error("invalid escape '\\" + e + "'", pos - 2);
            }
            runStart = pos;
        }
    }

    private char hex4() {
        if (pos + 4 > text.length()) throw error("truncated \\u escape", pos - 2);
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(text.charAt(pos + i), 16);
            if (d < 0) throw error("invalid hex digit in \\u escape", pos + i);
            v = v * 16 + d;
        }
        pos += 4;
        return (char) v;
    }

    private Object number() {
        int start = pos;
        if (peek() == '-') pos++;
        if (peek() == '0') {
            pos++;
        } else if (isDigit(peek())) {
            while (isDigit(peek())) pos++;
        } else {
            throw error("invalid number", start);
        }
        boolean integral = true;
        if (peek() == '.') {
            integral = false;
            pos++;
            if (!isDigit(peek())) throw error("expected a digit after '.'", pos);
            while (isDigit(peek())) pos++;
        }
        if (peek() == 'e' || peek() == 'E') {
            integral = false;
            pos++;
            if (peek() == '+' || peek() == '-') pos++;
            if (!isDigit(peek())) throw error("expected a digit in the exponent", pos);
            while (isDigit(peek())) pos++;
        }
        String s = text.substring(start, pos);
        if (integral) {
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException tooBig) {
                return Double.parseDouble(s);
            }
        }
        return Double.parseDouble(s);
    }

    private void literal(String word) {
        if (!text.startsWith(word, pos)) throw error("invalid literal, expected '" + word + "'");
        pos += word.length();
    }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
            pos++;
        }
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private char next() {
        if (pos >= text.length()) throw error("unexpected end of input");
        return text.charAt(pos++);
    }

    private void expect(char c) {
        if (pos >= text.length() || text.charAt(pos) != c) throw error("expected '" + c + "'");
        pos++;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static String hex(char c) {
        return String.format("%04X", (int) c);
    }

    private IllegalArgumentException error(String message) {
        return error(message, pos);
    }

    private IllegalArgumentException error(String message, int at) {
        int line = 1;
        int col = 1;
        for (int i = 0; i < at && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return new IllegalArgumentException("invalid JSON at line " + line + ", column " + col + ": " + message);
    }
}
