package dev.petrel.safetensors;

import dev.petrel.ModelFormatException;
import dev.petrel.json.Json;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed and checked safetensors header. Every number is checked before anything uses it: each range
 * against the data region and against its dtype and shape, and the ranges against each other, so that a
 * hostile file can neither make a tensor read outside its bytes nor make two tensors share bytes.
 */
final class Header {
    /** The header size limit of the reference implementation, against files that ask for huge parses. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    /** Real headers nest three levels; the limit keeps the recursive JSON reader far from stack overflow. */
    private static final int MAX_NESTING = 64;
    static final String METADATA_KEY = "__metadata__";

    final List<TensorInfo> tensors;
    final Map<String, TensorInfo> byName;
    final Map<String, String> metadata;

    private Header(List<TensorInfo> tensors, Map<String, TensorInfo> byName, Map<String, String> metadata) {
        this.tensors = tensors;
        this.byName = byName;
        this.metadata = metadata;
    }

    /**
     * @param where the file, for messages
     * @param json the header's bytes (the 8-byte length already checked)
     * @param dataSize bytes after the header: the data region every tensor must lie in
     */
    static Header parse(String where, ByteBuffer json, long dataSize) {
        long headerEnd = 8L + json.remaining();
        String text = utf8(where, json);
        checkNesting(where, text);
        Object root;
        try {
            root = Json.parse(text, true);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(where + ": header (file bytes 8.." + headerEnd + ") is not valid JSON: " + e.getMessage());
        }
        if (!(root instanceof Map)) {
            throw new ModelFormatException(where + ": header (file bytes 8.." + headerEnd + ") is " + describe(root)
                    + ", expected a JSON object of tensors");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> entries = (Map<String, Object>) root;
        List<TensorInfo> tensors = new ArrayList<>(entries.size());
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        Map<String, String> metadata = Collections.emptyMap();
        for (Map.Entry<String, Object> e : entries.entrySet()) {
            if (e.getKey().equals(METADATA_KEY)) {
                metadata = metadata(where, e.getValue());
            } else {
                TensorInfo t = tensor(where, e.getKey(), e.getValue(), headerEnd, dataSize);
                tensors.add(t);
                byName.put(t.name(), t);
            }
        }
        checkLayout(where, tensors, headerEnd, dataSize);
        return new Header(Collections.unmodifiableList(tensors), Collections.unmodifiableMap(byName), metadata);
    }

    private static String utf8(String where, ByteBuffer json) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = json.duplicate();
        int start = in.position();
        // UTF-8 never decodes to more UTF-16 units than it has bytes.
        CharBuffer out = CharBuffer.allocate(in.remaining());
        CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) r = decoder.flush(out);
        if (r.isError()) {
            throw new ModelFormatException(where + ": header is not valid UTF-8 at file byte " + (8L + in.position() - start));
        }
        ((Buffer) out).flip();
        return out.toString();
    }

    /** Rejects nesting beyond {@link #MAX_NESTING}, scanning strings exactly as the JSON reader does. */
    private static void checkNesting(String where, String text) {
        int depth = 0;
        boolean inString = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inString) {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
            } else if (c == '"') {
                inString = true;
            } else if (c == '[' || c == '{') {
                if (++depth > MAX_NESTING) {
                    throw new ModelFormatException(where + ": header nests JSON deeper than " + MAX_NESTING
                            + " levels (character " + i + " of the header)");
                }
            } else if (c == ']' || c == '}') {
                depth--;
            }
        }
    }

    private static Map<String, String> metadata(String where, Object value) {
        if (!(value instanceof Map)) {
            throw new ModelFormatException(where + ": " + METADATA_KEY + " is " + describe(value) + ", expected an object of strings");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
            if (!(e.getValue() instanceof String)) {
                throw new ModelFormatException(where + ": " + METADATA_KEY + " entry '" + e.getKey() + "' is "
                        + describe(e.getValue()) + "; the format allows only strings there");
            }
            m.put((String) e.getKey(), (String) e.getValue());
        }
        return Collections.unmodifiableMap(m);
    }

    private static TensorInfo tensor(String where, String name, Object value, long headerEnd, long dataSize) {
        String what = where + ": tensor '" + name + "'";
        if (!(value instanceof Map)) {
            throw new ModelFormatException(what + " is " + describe(value) + ", expected an object with dtype, shape and data_offsets");
        }
        Map<?, ?> m = (Map<?, ?>) value;
        Object dtypeValue = field(what, m, "dtype");
        if (!(dtypeValue instanceof String)) {
            throw new ModelFormatException(what + ": field 'dtype' is " + describe(dtypeValue) + ", expected a string");
        }
        String dtype = (String) dtypeValue;
        int bits = SafetensorsDTypes.bits(dtype);
        if (bits < 0) throw new ModelFormatException(what + ": unknown dtype '" + dtype + "'");
        long[] shape = longs(what, "shape", field(what, m, "shape"));
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw new ModelFormatException(what + ": dimension " + i + " of shape " + Arrays.toString(shape) + " is negative");
            }
        }
        long[] offsets = longs(what, "data_offsets", field(what, m, "data_offsets"));
        if (offsets.length != 2) {
            throw new ModelFormatException(what + ": data_offsets " + Arrays.toString(offsets) + " must hold two numbers, [begin, end]");
        }
        long begin = offsets[0];
        long end = offsets[1];
        String range = "data_offsets [" + begin + ", " + end + "]";
        if (begin < 0 || end < 0) throw new ModelFormatException(what + ": " + range + " are negative");
        if (begin > end) throw new ModelFormatException(what + ": " + range + " begin after they end");
        if (end > dataSize) {
            throw new ModelFormatException(what + ": " + range + " run past the data region, which holds " + dataSize
                    + " bytes (file bytes " + headerEnd + ".." + (headerEnd + dataSize) + ")");
        }
        long need = byteSize(what, dtype, bits, shape);
        if (need != end - begin) {
            throw new ModelFormatException(what + ": " + dtype + Arrays.toString(shape) + " needs " + need + " bytes but "
                    + range + " span " + (end - begin));
        }
        return new TensorInfo(name, dtype, shape, begin, end, headerEnd);
    }

    private static long byteSize(String what, String dtype, int bits, long[] shape) {
        try {
            long n = bits;
            for (long d : shape) n = Math.multiplyExact(n, d);
            if (n % 8 != 0) {
                throw new ModelFormatException(what + ": " + dtype + Arrays.toString(shape) + " is " + n
                        + " bits, not a whole number of bytes");
            }
            return n / 8;
        } catch (ArithmeticException overflow) {
            throw new ModelFormatException(what + ": shape " + Arrays.toString(shape) + " of " + dtype + " is too large");
        }
    }

    /** Ranges sorted by position must tile the data region exactly: no overlap, no hole, nothing after. */
    private static void checkLayout(String where, List<TensorInfo> tensors, long headerEnd, long dataSize) {
        List<TensorInfo> sorted = new ArrayList<>(tensors);
        sorted.sort((a, b) -> a.begin() != b.begin() ? Long.compare(a.begin(), b.begin()) : Long.compare(a.end(), b.end()));
        long covered = 0;
        TensorInfo previous = null;
        for (TensorInfo t : sorted) {
            if (t.begin() < covered) {
                throw new ModelFormatException(where + ": tensors '" + previous.name() + "' (data_offsets [" + previous.begin()
                        + ", " + previous.end() + "]) and '" + t.name() + "' (data_offsets [" + t.begin() + ", " + t.end()
                        + "]) overlap");
            }
            if (t.begin() > covered) throw hole(where, covered, t.begin(), headerEnd, "before tensor '" + t.name() + "'");
            covered = t.end();
            previous = t;
        }
        if (covered != dataSize) {
            throw hole(where, covered, dataSize, headerEnd, previous == null ? "in a file without tensors" : "after the last tensor");
        }
    }

    private static ModelFormatException hole(String where, long from, long to, long headerEnd, String position) {
        return new ModelFormatException(where + ": data bytes [" + from + ", " + to + ") (file bytes " + (headerEnd + from)
                + ".." + (headerEnd + to) + "), " + position + ", belong to no tensor; the format requires the data"
                + " region to be fully indexed");
    }

    private static Object field(String what, Map<?, ?> m, String key) {
        if (!m.containsKey(key)) throw new ModelFormatException(what + ": missing field '" + key + "'");
        return m.get(key);
    }

    private static long[] longs(String what, String field, Object value) {
        if (!(value instanceof List)) {
            throw new ModelFormatException(what + ": field '" + field + "' is " + describe(value) + ", expected an array of integers");
        }
        List<?> list = (List<?>) value;
        long[] a = new long[list.size()];
        for (int i = 0; i < a.length; i++) {
            Object v = list.get(i);
            if (!(v instanceof Long)) {
                throw new ModelFormatException(what + ": element " + i + " of field '" + field + "' is " + describe(v)
                        + ", expected an integer");
            }
            a[i] = (Long) v;
        }
        return a;
    }

    private static String describe(Object v) {
        if (v == null) return "null";
        if (v instanceof Map) return "an object";
        if (v instanceof List) return "an array";
        if (v instanceof String) return "the string \"" + abbreviate((String) v) + "\"";
        if (v instanceof Boolean) return "the boolean " + v;
        if (v instanceof Double) return "the number " + v + " (not a 64-bit integer)";
        return "the number " + v;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
