package dev.petrel.tokenizer;

import dev.petrel.json.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A BERT WordPiece tokenizer configured from a Hugging Face {@code tokenizer.json}, producing the same
 * ids as the Hugging Face tokenizers library for the pipeline BERT models use: added (special) tokens
 * matched in the raw text, BertNormalizer, BertPreTokenizer, WordPiece, TemplateProcessing (or
 * BertProcessing), truncation and padding.
 *
 * <pre>{@code
 * WordPieceTokenizer tok = WordPieceTokenizer.fromClasspath("/all-minilm-l6-v2-tokenizer.json");
 * Encoding e = tok.encode("Hello, world!");   // [CLS] hello , world ! [SEP] + padding
 * }</pre>
 *
 * <p>Instances are immutable and thread-safe. Other normalizers, pre-tokenizers and models are
 * refused with an {@link IllegalArgumentException} naming the unsupported part.
 */
public final class WordPieceTokenizer {
    /** Which end truncation cuts and padding fills. */
    public enum Direction { LEFT, RIGHT }

    /**
     * Truncation to at most {@code maxLength} positions, special tokens included. For a single sequence
     * the strategies LongestFirst, OnlyFirst and OnlySecond all cut the one sequence.
     */
    public record Truncation(int maxLength, Direction direction) {
        public Truncation {
            if (maxLength < 0) throw new IllegalArgumentException("max_length must be >= 0, got " + maxLength);
        }
    }

    /**
     * Padding to {@code fixedLength}, or to the longest encoding of the batch when it is 0 (BatchLongest),
     * then up to a multiple of {@code multipleOf} when that is above 0.
     */
    public record Padding(int fixedLength, int multipleOf, long padId, long padTypeId, String padToken, Direction direction) {
        public boolean batchLongest() {
            return fixedLength <= 0;
        }
    }

    private record AddedToken(String content, long id, boolean singleWord, boolean lstrip, boolean rstrip) {}

    /** One element of the post-processing template: special tokens, or the sequence when {@code ids} is null. */
    private record TemplatePiece(long[] ids, List<String> tokens, long typeId) {}

    private final Map<String, Integer> vocab;
    private final boolean normalize;
    private final boolean cleanText;
    private final boolean chineseChars;
    private final boolean stripAccents;
    private final boolean lowercase;
    private final boolean bertPreTokenizer;
    private final String unkToken;
    private final long unkId;
    private final String prefix;
    private final int maxInputChars;
    private final List<TemplatePiece> template;
    private final int specialCount;
    private final List<AddedToken> rawAddedTokens;
    private final List<AddedToken> normalizedAddedTokens;
    private final Truncation truncation;
    private final Padding padding;

    private WordPieceTokenizer(WordPieceTokenizer base, Truncation truncation, Padding padding) {
        this.vocab = base.vocab;
        this.normalize = base.normalize;
        this.cleanText = base.cleanText;
        this.chineseChars = base.chineseChars;
        this.stripAccents = base.stripAccents;
        this.lowercase = base.lowercase;
        this.bertPreTokenizer = base.bertPreTokenizer;
        this.unkToken = base.unkToken;
        this.unkId = base.unkId;
        this.prefix = base.prefix;
        this.maxInputChars = base.maxInputChars;
        this.template = base.template;
        this.specialCount = base.specialCount;
        this.rawAddedTokens = base.rawAddedTokens;
        this.normalizedAddedTokens = base.normalizedAddedTokens;
        this.truncation = truncation;
        this.padding = padding;
    }

    @SuppressWarnings("unchecked")
    private WordPieceTokenizer(Map<String, Object> json) {
        Map<String, Object> model = object(json, "model", true);
        String modelType = string(model, "type", "WordPiece");
        if (!"WordPiece".equals(modelType)) throw unsupported("model type " + modelType);
        Map<String, Object> vocabJson = object(model, "vocab", true);
        Map<String, Integer> v = new HashMap<>(vocabJson.size() * 2);
        for (Map.Entry<String, Object> e : vocabJson.entrySet()) v.put(e.getKey(), (int) number(e.getValue(), "vocab id"));
        this.vocab = Collections.unmodifiableMap(v);
        this.unkToken = string(model, "unk_token", "[UNK]");
        Integer unk = vocab.get(unkToken);
        if (unk == null) throw new IllegalArgumentException("unk_token '" + unkToken + "' is not in the vocabulary");
        this.unkId = unk;
        this.prefix = string(model, "continuing_subword_prefix", "##");
        this.maxInputChars = (int) number(model.getOrDefault("max_input_chars_per_word", 100L), "max_input_chars_per_word");

        Map<String, Object> norm = object(json, "normalizer", false);
        if (norm == null) {
            normalize = false;
            cleanText = chineseChars = stripAccents = lowercase = false;
        } else {
            String type = string(norm, "type", "");
            if (!"BertNormalizer".equals(type)) throw unsupported("normalizer " + type);
            normalize = true;
            cleanText = bool(norm, "clean_text", true);
            chineseChars = bool(norm, "handle_chinese_chars", true);
            lowercase = bool(norm, "lowercase", true);
            Object strip = norm.get("strip_accents");
            // As in BERT: accents are stripped when asked, or by default whenever the text is lowercased.
            stripAccents = strip == null ? lowercase : (Boolean) strip;
        }

        Map<String, Object> pre = object(json, "pre_tokenizer", false);
        if (pre == null) {
            bertPreTokenizer = false;
        } else {
            String type = string(pre, "type", "");
            if (!"BertPreTokenizer".equals(type)) throw unsupported("pre_tokenizer " + type);
            bertPreTokenizer = true;
        }

        List<AddedToken> raw = new ArrayList<>();
        List<AddedToken> normalized = new ArrayList<>();
        Object added = json.get("added_tokens");
        if (added instanceof List<?> list) {
            for (Object o : list) {
                Map<String, Object> t = (Map<String, Object>) o;
                AddedToken at = new AddedToken(string(t, "content", null), number(t.get("id"), "added token id"),
                        bool(t, "single_word", false), bool(t, "lstrip", false), bool(t, "rstrip", false));
                if (at.content().isEmpty()) continue;
                // Tokens flagged normalized are looked for in the normalized text, the others in the raw text.
                if (bool(t, "normalized", !bool(t, "special", false))) normalized.add(at);
                else raw.add(at);
            }
        }
        // Longest first, so that among tokens starting at the same place the longest wins.
        raw.sort((a, b) -> b.content().length() - a.content().length());
        normalized.sort((a, b) -> b.content().length() - a.content().length());
        this.rawAddedTokens = List.copyOf(raw);
        this.normalizedAddedTokens = List.copyOf(normalized);

        this.template = parsePostProcessor(object(json, "post_processor", false));
        int specials = 0;
        for (TemplatePiece p : template) if (p.ids() != null) specials += p.ids().length;
        this.specialCount = specials;

        Map<String, Object> trunc = object(json, "truncation", false);
        if (trunc == null) {
            this.truncation = null;
        } else {
            String strategy = string(trunc, "strategy", "LongestFirst");
            if (!strategy.equals("LongestFirst") && !strategy.equals("OnlyFirst") && !strategy.equals("OnlySecond")) {
                throw unsupported("truncation strategy " + strategy);
            }
            this.truncation = new Truncation((int) number(trunc.get("max_length"), "truncation max_length"),
                    direction(string(trunc, "direction", "Right")));
        }

        Map<String, Object> pad = object(json, "padding", false);
        if (pad == null) {
            this.padding = null;
        } else {
            Object strategy = pad.get("strategy");
            int fixed;
            if ("BatchLongest".equals(strategy)) {
                fixed = 0;
            } else if (strategy instanceof Map<?, ?> m && m.get("Fixed") != null) {
                fixed = (int) number(m.get("Fixed"), "padding Fixed length");
                if (fixed <= 0) throw new IllegalArgumentException("padding Fixed length must be > 0, got " + fixed);
            } else {
                throw unsupported("padding strategy " + strategy);
            }
            Object multiple = pad.get("pad_to_multiple_of");
            this.padding = new Padding(fixed, multiple == null ? 0 : (int) number(multiple, "pad_to_multiple_of"),
                    number(pad.getOrDefault("pad_id", 0L), "pad_id"), number(pad.getOrDefault("pad_type_id", 0L), "pad_type_id"),
                    string(pad, "pad_token", "[PAD]"), direction(string(pad, "direction", "Right")));
        }
    }

    // ------------------------------------------------------------------ construction

    /** A tokenizer from the text of a tokenizer.json file. */
    @SuppressWarnings("unchecked")
    public static WordPieceTokenizer fromJson(String json) {
        Object root = Json.parse(json);
        if (!(root instanceof Map)) throw new IllegalArgumentException("tokenizer.json must hold a JSON object");
        return new WordPieceTokenizer((Map<String, Object>) root);
    }

    /** Reads a tokenizer.json file. */
    public static WordPieceTokenizer load(Path file) throws IOException {
        return fromJson(Json.readUtf8(file));
    }

    /** Reads a tokenizer.json stream (UTF-8) to its end; the caller closes it. */
    public static WordPieceTokenizer load(InputStream in) throws IOException {
        return fromJson(Json.readUtf8(in));
    }

    /** Reads a tokenizer.json class path resource, e.g. "/all-minilm-l6-v2-tokenizer.json". */
    public static WordPieceTokenizer fromClasspath(String resource) {
        try (InputStream in = WordPieceTokenizer.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalArgumentException("no class path resource " + resource);
            return load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    /** This tokenizer with another truncation (null: none). */
    public WordPieceTokenizer withTruncation(Truncation t) {
        return new WordPieceTokenizer(this, t, padding);
    }

    /** This tokenizer with another padding (null: none). */
    public WordPieceTokenizer withPadding(Padding p) {
        return new WordPieceTokenizer(this, truncation, p);
    }

    public Truncation truncation() {
        return truncation;
    }

    public Padding padding() {
        return padding;
    }

    /** Id of a vocabulary token, or -1. */
    public long tokenToId(String token) {
        Integer id = vocab.get(token);
        return id == null ? -1 : id;
    }

    public int vocabSize() {
        return vocab.size();
    }

    // ------------------------------------------------------------------ encoding

    /** Tokenizes one text, with this tokenizer's truncation and padding. */
    public Encoding encode(String text) {
        Encoding e = postProcess(tokenize(text));
        return padding == null ? e : pad(e, targetLength(e.length()));
    }

    /** Tokenizes texts; BatchLongest padding pads all to the longest of them. */
    public List<Encoding> encodeBatch(List<String> texts) {
        List<Encoding> out = new ArrayList<>(texts.size());
        int longest = 0;
        for (String t : texts) {
            Encoding e = postProcess(tokenize(t));
            longest = Math.max(longest, e.length());
            out.add(e);
        }
        if (padding == null) return out;
        int target = targetLength(longest);
        for (int i = 0; i < out.size(); i++) out.set(i, pad(out.get(i), target));
        return out;
    }

    /** Ids and token strings of the text, before special tokens. */
    private static final class Tokens {
        long[] ids = new long[16];
        final List<String> strings = new ArrayList<>();

        void add(long id, String token) {
            int n = strings.size();
            if (n == ids.length) ids = java.util.Arrays.copyOf(ids, n * 2);
            ids[n] = id;
            strings.add(token);
        }

        int size() {
            return strings.size();
        }
    }

    private Tokens tokenize(String text) {
        Tokens out = new Tokens();
        splitAdded(text, rawAddedTokens, (segment, token) -> {
            if (token != null) {
                out.add(token.id(), token.content());
                return;
            }
            String normalized = normalize ? normalize(segment) : segment;
            splitAdded(normalized, normalizedAddedTokens, (seg, tok) -> {
                if (tok != null) out.add(tok.id(), tok.content());
                else preTokenize(seg, out);
            });
        });
        return out;
    }

    private interface SegmentSink {
        /** A stretch of plain text (token null), or one matched added token. */
        void accept(String segment, AddedToken token);
    }

    /**
     * Splits text around occurrences of added tokens, leftmost first and longest among those starting
     * at the same place. lstrip/rstrip tokens also swallow the whitespace beside them; single_word
     * tokens only match between word boundaries.
     */
    private static void splitAdded(String text, List<AddedToken> tokens, SegmentSink sink) {
        if (tokens.isEmpty()) {
            sink.accept(text, null);
            return;
        }
        int plainStart = 0;
        int i = 0;
        int n = text.length();
        while (i < n) {
            AddedToken hit = null;
            for (AddedToken t : tokens) {
                if (text.startsWith(t.content(), i) && (!t.singleWord() || isWordBoundary(text, i, i + t.content().length()))) {
                    hit = t;
                    break;
                }
            }
            if (hit == null) {
                i++;
                continue;
            }
            int start = i;
            int end = i + hit.content().length();
            if (hit.lstrip()) {
                while (start > plainStart && isWhitespace(text.charAt(start - 1))) start--;
            }
            if (hit.rstrip()) {
                while (end < n && isWhitespace(text.charAt(end))) end++;
            }
            if (start > plainStart) sink.accept(text.substring(plainStart, start), null);
            sink.accept(hit.content(), hit);
            plainStart = end;
            i = end;
        }
        if (plainStart < n || plainStart == 0) sink.accept(text.substring(plainStart), null);
    }

    private static boolean isWordBoundary(String text, int start, int end) {
        boolean before = start == 0 || !isWordChar(text.codePointBefore(start));
        boolean after = end >= text.length() || !isWordChar(text.codePointAt(end));
        return before && after;
    }

    private static boolean isWordChar(int cp) {
        return Character.isLetterOrDigit(cp) || cp == '_';
    }

    /** BertNormalizer: clean text, space out CJK ideographs, strip accents, lowercase. */
    String normalize(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cleanText) {
                if (cp == 0 || cp == 0xFFFD || isControl(cp)) continue;
                if (isWhitespace(cp)) {
                    sb.append(' ');
                    continue;
                }
            }
            if (chineseChars && isChineseChar(cp)) {
                sb.append(' ').appendCodePoint(cp).append(' ');
            } else {
                sb.appendCodePoint(cp);
            }
        }
        String s = sb.toString();
        if (stripAccents && !isAscii(s)) {
            String nfd = Normalizer.normalize(s, Normalizer.Form.NFD);
            StringBuilder stripped = new StringBuilder(nfd.length());
            for (int i = 0; i < nfd.length(); ) {
                int cp = nfd.codePointAt(i);
                i += Character.charCount(cp);
                if (Character.getType(cp) != Character.NON_SPACING_MARK) stripped.appendCodePoint(cp);
            }
            s = stripped.toString();
        }
        if (lowercase) {
            StringBuilder lower = new StringBuilder(s.length());
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                i += Character.charCount(cp);
                // Code point by code point (no final-sigma context), with the one unconditional
                // multi-character mapping of Unicode: capital I with dot above -> i + combining dot.
                if (cp == 0x130) lower.append("i\u0307");
                else lower.appendCodePoint(Character.toLowerCase(cp));
            }
            s = lower.toString();
        }
        return s;
    }

    /** BertPreTokenizer: words split on whitespace, each punctuation character a word of its own. */
    private void preTokenize(String text, Tokens out) {
        if (!bertPreTokenizer) {
            if (!text.isEmpty()) wordPiece(text, out);
            return;
        }
        int wordStart = -1;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (isWhitespace(cp)) {
                if (wordStart >= 0) wordPiece(text.substring(wordStart, i), out);
                wordStart = -1;
            } else if (isPunctuation(cp)) {
                if (wordStart >= 0) wordPiece(text.substring(wordStart, i), out);
                wordPiece(text.substring(i, next), out);
                wordStart = -1;
            } else if (wordStart < 0) {
                wordStart = i;
            }
            i = next;
        }
        if (wordStart >= 0) wordPiece(text.substring(wordStart), out);
    }

    /** Greedy longest-match-first split of one word into vocabulary pieces; the unknown token if none fits. */
    private void wordPiece(String word, Tokens out) {
        if (word.codePointCount(0, word.length()) > maxInputChars) {
            out.add(unkId, unkToken);
            return;
        }
        int mark = out.size();
        int start = 0;
        int n = word.length();
        while (start < n) {
            int end = n;
            Integer id = null;
            String piece = null;
            while (end > start) {
                piece = start > 0 ? prefix + word.substring(start, end) : word.substring(start, end);
                id = vocab.get(piece);
                if (id != null) break;
                end = word.offsetByCodePoints(end, -1);
            }
            if (id == null) {
                while (out.size() > mark) out.strings.remove(out.size() - 1);
                out.add(unkId, unkToken);
                return;
            }
            out.add(id, piece);
            start = end;
        }
    }

    private Encoding postProcess(Tokens t) {
        int keep = t.size();
        int from = 0;
        if (truncation != null) {
            int room = Math.max(0, truncation.maxLength() - specialCount);
            if (keep > room) {
                if (truncation.direction() == Direction.LEFT) from = keep - room;
                keep = room;
            }
        }
        int total = keep + specialCount;
        long[] ids = new long[total];
        long[] mask = new long[total];
        long[] types = new long[total];
        List<String> tokens = new ArrayList<>(total);
        int p = 0;
        for (TemplatePiece piece : template) {
            if (piece.ids() == null) {
                for (int i = 0; i < keep; i++, p++) {
                    ids[p] = t.ids[from + i];
                    types[p] = piece.typeId();
                    tokens.add(t.strings.get(from + i));
                }
            } else {
                for (int i = 0; i < piece.ids().length; i++, p++) {
                    ids[p] = piece.ids()[i];
                    types[p] = piece.typeId();
                    tokens.add(piece.tokens().get(i));
                }
            }
        }
        java.util.Arrays.fill(mask, 1L);
        return new Encoding(ids, mask, types, tokens);
    }

    private int targetLength(int length) {
        int target = padding.batchLongest() ? length : Math.max(length, padding.fixedLength());
        int m = padding.multipleOf();
        if (m > 0 && target % m != 0) target += m - target % m;
        return target;
    }

    private Encoding pad(Encoding e, int target) {
        int n = e.length();
        if (n >= target) return e;
        int extra = target - n;
        int offset = padding.direction() == Direction.LEFT ? extra : 0;
        int padFrom = padding.direction() == Direction.LEFT ? 0 : n;
        long[] ids = new long[target];
        long[] mask = new long[target];
        long[] types = new long[target];
        System.arraycopy(e.ids(), 0, ids, offset, n);
        System.arraycopy(e.attentionMask(), 0, mask, offset, n);
        System.arraycopy(e.typeIds(), 0, types, offset, n);
        List<String> tokens = new ArrayList<>(target);
        if (offset > 0) tokens.addAll(Collections.nCopies(extra, padding.padToken()));
        tokens.addAll(e.tokens());
        if (offset == 0) tokens.addAll(Collections.nCopies(extra, padding.padToken()));
        for (int i = padFrom; i < padFrom + extra; i++) {
            ids[i] = padding.padId();
            types[i] = padding.padTypeId();
        }
        return new Encoding(ids, mask, types, tokens);
    }

    // ------------------------------------------------------------------ character classes

    /** Unicode White_Space, the set Rust's char::is_whitespace (and so Hugging Face) uses. */
    static boolean isWhitespace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F
                || cp == 0x3000;
    }

    /** Control, format, unassigned, private-use and surrogate code points, except tab, newline and carriage return. */
    static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') return false;
        switch (Character.getType(cp)) {
            case Character.CONTROL:
            case Character.FORMAT:
            case Character.UNASSIGNED:
            case Character.PRIVATE_USE:
            case Character.SURROGATE:
                return true;
            default:
                return false;
        }
    }

    /** ASCII symbols (all non-alphanumeric printable ASCII) and every Unicode punctuation category, as BERT. */
    static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION:
            case Character.DASH_PUNCTUATION:
            case Character.START_PUNCTUATION:
            case Character.END_PUNCTUATION:
            case Character.INITIAL_QUOTE_PUNCTUATION:
            case Character.FINAL_QUOTE_PUNCTUATION:
            case Character.OTHER_PUNCTUATION:
                return true;
            default:
                return false;
        }
    }

    /** The CJK Unified Ideograph blocks BERT treats as words of their own (not kana or hangul). */
    static boolean isChineseChar(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) >= 0x80) return false;
        return true;
    }

    // ------------------------------------------------------------------ tokenizer.json helpers

    @SuppressWarnings("unchecked")
    private static List<TemplatePiece> parsePostProcessor(Map<String, Object> pp) {
        List<TemplatePiece> out = new ArrayList<>();
        if (pp == null) {
            out.add(new TemplatePiece(null, List.of(), 0));
            return out;
        }
        String type = string(pp, "type", "");
        if (type.equals("BertProcessing")) {
            List<Object> cls = (List<Object>) pp.get("cls");
            List<Object> sep = (List<Object>) pp.get("sep");
            out.add(new TemplatePiece(new long[] {number(cls.get(1), "cls id")}, List.of((String) cls.get(0)), 0));
            out.add(new TemplatePiece(null, List.of(), 0));
            out.add(new TemplatePiece(new long[] {number(sep.get(1), "sep id")}, List.of((String) sep.get(0)), 0));
            return out;
        }
        if (!type.equals("TemplateProcessing")) throw unsupported("post_processor " + type);
        Map<String, Object> specials = object(pp, "special_tokens", false);
        Object single = pp.get("single");
        if (!(single instanceof List<?> items)) throw new IllegalArgumentException("TemplateProcessing needs a 'single' template");
        for (Object item : items) {
            Map<String, Object> m = (Map<String, Object>) item;
            if (m.containsKey("Sequence")) {
                Map<String, Object> s = (Map<String, Object>) m.get("Sequence");
                if (!"A".equals(s.get("id"))) throw unsupported("single template sequence " + s.get("id"));
                out.add(new TemplatePiece(null, List.of(), number(s.getOrDefault("type_id", 0L), "type_id")));
            } else if (m.containsKey("SpecialToken")) {
                Map<String, Object> s = (Map<String, Object>) m.get("SpecialToken");
                String name = (String) s.get("id");
                Map<String, Object> spec = specials == null ? null : (Map<String, Object>) specials.get(name);
                if (spec == null) throw new IllegalArgumentException("template special token '" + name + "' is not in special_tokens");
                List<Object> ids = (List<Object>) spec.get("ids");
                List<Object> toks = (List<Object>) spec.get("tokens");
                long[] idArray = new long[ids.size()];
                List<String> tokStrings = new ArrayList<>();
                for (int i = 0; i < idArray.length; i++) {
                    idArray[i] = number(ids.get(i), "special token id");
                    tokStrings.add(toks != null && i < toks.size() ? (String) toks.get(i) : name);
                }
                out.add(new TemplatePiece(idArray, tokStrings, number(s.getOrDefault("type_id", 0L), "type_id")));
            } else {
                throw unsupported("template item " + m.keySet());
            }
        }
        return out;
    }

    private static Direction direction(String s) {
        switch (s) {
            case "Right": return Direction.RIGHT;
            case "Left": return Direction.LEFT;
            default: throw unsupported("direction " + s);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Map<String, Object> m, String key, boolean required) {
        Object v = m.get(key);
        if (v == null) {
            if (required) throw new IllegalArgumentException("tokenizer.json has no '" + key + "'");
            return null;
        }
        if (!(v instanceof Map)) throw new IllegalArgumentException("'" + key + "' must be a JSON object");
        return (Map<String, Object>) v;
    }

    private static String string(Map<String, Object> m, String key, String fallback) {
        Object v = m.get(key);
        if (v == null) {
            if (fallback == null) throw new IllegalArgumentException("missing '" + key + "'");
            return fallback;
        }
        if (!(v instanceof String s)) throw new IllegalArgumentException("'" + key + "' must be a string, got " + v);
        return s;
    }

    private static boolean bool(Map<String, Object> m, String key, boolean fallback) {
        Object v = m.get(key);
        if (v == null) return fallback;
        if (!(v instanceof Boolean b)) throw new IllegalArgumentException("'" + key + "' must be true or false, got " + v);
        return b;
    }

    private static long number(Object v, String what) {
        if (v instanceof Long l) return l;
        throw new IllegalArgumentException(what + " must be an integer, got " + v);
    }

    private static IllegalArgumentException unsupported(String what) {
        return new IllegalArgumentException("tokenizer.json " + what + " not supported: only BERT WordPiece pipelines "
                + "(BertNormalizer, BertPreTokenizer, WordPiece, TemplateProcessing/BertProcessing)");
    }
}
