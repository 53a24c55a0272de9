package dev.petrel.tokenizer;

import dev.petrel.ModelFormatException;
import dev.petrel.json.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * GPT-2's byte-level BPE tokenizer: text to UTF-8 bytes, bytes spelled with GPT-2's printable byte
 * alphabet, words cut by GPT-2's pre-tokenization pattern, and each word merged pair by pair in the
 * order of the merges list. Produces the ids of OpenAI's GPT-2 encoder.py (the tests check the real
 * vocabulary against fixtures from the reference JavaScript port, corrected to Python's white space).
 *
 * <pre>{@code
 * ByteLevelBpeTokenizer tok = ByteLevelBpeTokenizer.fromFolder(Path.of("gpt2"));
 * int[] ids = tok.encode("Hello world");            // [15496, 995]
 * String text = tok.decode(ids);
 * ByteLevelBpeTokenizer.Decoder d = tok.decoder();    // while generating:
 * System.out.print(d.append(nextId));                // whole characters only
 * }</pre>
 *
 * <p><b>Special tokens.</b> {@link #encode(String)} treats text that looks like a special token (e.g.
 * {@code <|endoftext|>}) as plain text, as tiktoken does by default: text from a user must not be able
 * to inject control tokens. {@link #encode(String, boolean)} with {@code allowSpecial} true matches them
 * (leftmost, longest first) and emits their ids without splitting them. Added tokens of a tokenizer.json
 * that are not flagged special are ordinary vocabulary extensions and are always matched, as in
 * Hugging Face tokenizers. For a vocab.json vocabulary, the tokens spelled {@code <|...|>} are special.
 *
 * <p>Instances are immutable and thread-safe; the cache of encoded words is bounded.
 */
public final class ByteLevelBpeTokenizer {
    private static final int CACHE_ENTRIES = 16_384;
    /** Longer words are rare enough, and big enough, not to be cached. */
    private static final int CACHE_WORD_CHARS = 64;
    private static final String END_OF_TEXT = "<|endoftext|>";

    private record AddedToken(String content, int id, boolean special, boolean lstrip, boolean rstrip, boolean singleWord) {}

    private final Map<String, Integer> vocab;
    private final String[] tokens;
    /** The UTF-8 of the added tokens, which are written as plain text rather than in the byte alphabet; null for the others. */
    private final byte[][] addedBytes;
    private final boolean[] special;
    private final int[] byteIds = new int[256];
    private final MergeTable merges;
    /** Added tokens by their first character, longest first. */
    private final Map<Character, AddedToken[]> addedByFirstChar;
    /** The first characters of added tokens, to skip the map for all other characters. */
    private final java.util.BitSet addedFirstChars = new java.util.BitSet();
    private final boolean hasPlainAddedTokens;
    private final boolean addPrefixSpace;
    private final boolean useRegex;
    private final boolean ignoreMerges;
    private final boolean nfc;
    private final int unkId;
    private final int eosId;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    /** The merges as read, in rank order, with where each was written (a line, or an index of model.merges). */
    private static final class MergeList {
        final boolean lines;
        String[] left = new String[1024];
        String[] right = new String[1024];
        int[] where = new int[1024];
        int size;

        MergeList(boolean lines) {
            this.lines = lines;
        }

        void add(String l, String r, int at) {
            if (size == left.length) {
                left = Arrays.copyOf(left, size * 2);
                right = Arrays.copyOf(right, size * 2);
                where = Arrays.copyOf(where, size * 2);
            }
            left[size] = l;
            right[size] = r;
            where[size++] = at;
        }

        String describe(int i) {
            return lines ? "line " + where[i] : "model.merges[" + where[i] + "]";
        }
    }

    /** Takes {@code vocab}, which it completes with the added tokens. */
    private ByteLevelBpeTokenizer(Map<String, Integer> vocab, MergeList mergeList,
                                  String mergesName, List<AddedToken> added, boolean addPrefixSpace, boolean useRegex,
                                  boolean ignoreMerges, boolean nfc, String unkToken, String eosToken) {
        this.addPrefixSpace = addPrefixSpace;
        this.useRegex = useRegex;
        this.ignoreMerges = ignoreMerges;
        this.nfc = nfc;
        Map<String, Integer> v = vocab;
        int maxId = -1;
        for (int id : v.values()) maxId = Math.max(maxId, id);
        for (AddedToken t : added) maxId = Math.max(maxId, t.id());
        String[] byId = new String[maxId + 1];
        for (Map.Entry<String, Integer> e : v.entrySet()) {
            int id = e.getValue();
            if (byId[id] != null) {
                throw new ModelFormatException("vocabulary gives id " + id + " to both '" + byId[id] + "' and '" + e.getKey() + "'");
            }
            byId[id] = e.getKey();
        }
        boolean[] isSpecial = new boolean[byId.length];
        for (AddedToken t : added) {
            if (byId[t.id()] == null) {
                byId[t.id()] = t.content();
                v.put(t.content(), t.id());
            } else if (!byId[t.id()].equals(t.content())) {
                throw new ModelFormatException("added token '" + t.content() + "' has id " + t.id()
                        + ", which the vocabulary gives to '" + byId[t.id()] + "'");
            }
            isSpecial[t.id()] = t.special();
        }
        this.vocab = Collections.unmodifiableMap(v);
        this.tokens = byId;
        this.special = isSpecial;

        this.addedBytes = new byte[byId.length][];
        for (AddedToken t : added) addedBytes[t.id()] = Utf8.bytes(t.content());

        for (int b = 0; b < 256; b++) {
            Integer id = v.get(String.valueOf(ByteLevelAlphabet.charOf(b)));
            byteIds[b] = id == null ? -1 : id;
        }

        this.merges = new MergeTable(mergeList.size);
        for (int rank = 0; rank < mergeList.size; rank++) {
            String a = mergeList.left[rank];
            String b = mergeList.right[rank];
            Integer left = v.get(a);
            Integer right = v.get(b);
            Integer result = v.get(a.concat(b));
            String missing = left == null ? a : right == null ? b : result == null ? a + b : null;
            if (missing != null) {
                throw new ModelFormatException(mergesName + " " + mergeList.describe(rank) + ": merge '" + a + " " + b
                        + "' needs token '" + missing + "', which is not in the vocabulary");
            }
            merges.put(left, right, rank, result);
        }

        Map<Character, List<AddedToken>> byFirst = new HashMap<>();
        for (AddedToken t : added) {
            if (!t.content().isEmpty()) byFirst.computeIfAbsent(t.content().charAt(0), k -> new ArrayList<>()).add(t);
        }
        Map<Character, AddedToken[]> firsts = new HashMap<>();
        for (Map.Entry<Character, List<AddedToken>> e : byFirst.entrySet()) {
            AddedToken[] a = e.getValue().toArray(new AddedToken[0]);
            Arrays.sort(a, (x, y) -> y.content().length() - x.content().length());
            firsts.put(e.getKey(), a);
        }
        this.addedByFirstChar = firsts;
        for (Character c : firsts.keySet()) addedFirstChars.set(c);
        boolean plain = false;
        for (AddedToken t : added) plain |= !t.special();
        this.hasPlainAddedTokens = plain;

        Integer unk = unkToken == null ? null : v.get(unkToken);
        this.unkId = unk == null ? -1 : unk;
        Integer eos = eosToken == null ? null : v.get(eosToken);
        if (eos == null) eos = v.get(END_OF_TEXT);
        this.eosId = eos == null ? -1 : eos;
    }

    // ------------------------------------------------------------------ construction

    /**
     * A GPT-2 style vocabulary from the texts of vocab.json (token to id) and merges.txt (one merge
     * "a b" a line, in rank order, after an optional {@code #version} line).
     */
    public static ByteLevelBpeTokenizer fromVocabAndMerges(String vocabJson, String mergesTxt) {
        return fromVocabAndMerges(vocabJson, "vocab.json", mergesTxt, "merges.txt", null);
    }

    /** Reads vocab.json and merges.txt files (GPT-2's encoder.json and vocab.bpe are the same formats). */
    public static ByteLevelBpeTokenizer load(Path vocabJson, Path mergesTxt) throws IOException {
        return fromVocabAndMerges(Json.readUtf8(vocabJson), vocabJson.toString(), Json.readUtf8(mergesTxt), mergesTxt.toString(), null);
    }

    /** A tokenizer from the text of a Hugging Face tokenizer.json whose model is BPE with byte-level pre-tokenization. */
    public static ByteLevelBpeTokenizer fromJson(String tokenizerJson) {
        return fromJson(tokenizerJson, "tokenizer.json", null);
    }

    /** Reads a Hugging Face tokenizer.json file. */
    public static ByteLevelBpeTokenizer load(Path tokenizerJson) throws IOException {
        return fromJson(Json.readUtf8(tokenizerJson), tokenizerJson.toString(), null);
    }

    /**
     * Reads a model folder: tokenizer.json when there is one, else vocab.json and merges.txt. The end of
     * text token is tokenizer_config.json's eos_token when the folder has one, else {@code <|endoftext|>}.
     */
    public static ByteLevelBpeTokenizer fromFolder(Path folder) throws IOException {
        String eos = eosTokenOf(folder.resolve("tokenizer_config.json"));
        Path json = folder.resolve("tokenizer.json");
        if (Files.isRegularFile(json)) return fromJson(Json.readUtf8(json), json.toString(), eos);
        Path vocabFile = folder.resolve("vocab.json");
        Path mergesFile = folder.resolve("merges.txt");
        if (!Files.isRegularFile(vocabFile) || !Files.isRegularFile(mergesFile)) {
            throw new IOException(folder + " has neither tokenizer.json nor vocab.json and merges.txt");
        }
        return fromVocabAndMerges(Json.readUtf8(vocabFile), vocabFile.toString(), Json.readUtf8(mergesFile), mergesFile.toString(), eos);
    }

    private static String eosTokenOf(Path tokenizerConfig) throws IOException {
        if (!Files.isRegularFile(tokenizerConfig)) return null;
        Object root = parseJson(Json.readUtf8(tokenizerConfig), tokenizerConfig.toString());
        if (!(root instanceof Map<?, ?> m)) return null;
        Object eos = m.get("eos_token");
        if (eos instanceof Map<?, ?> t) eos = t.get("content");
        return eos instanceof String s ? s : null;
    }

    private static Object parseJson(String text, String name) {
        try {
            return Json.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(name + ": " + e.getMessage(), e);
        }
    }

    private static ByteLevelBpeTokenizer fromVocabAndMerges(String vocabJson, String vocabName, String mergesTxt,
                                                            String mergesName, String eosToken) {
        Map<String, Integer> vocab = FlatVocabReader.read(vocabJson);
        if (vocab == null) {
            // Not the plain layout the fast reader expects: the full parser says what is wrong, or reads it.
            Object root = parseJson(vocabJson, vocabName);
            if (!(root instanceof Map<?, ?> map)) throw new ModelFormatException(vocabName + " must hold a JSON object of token to id");
            vocab = vocabOf(map, vocabName);
        }
        MergeList mergeList = new MergeList(true);
        int line = 0;
        int pos = 0;
        int n = mergesTxt.length();
        if (n > 0 && mergesTxt.charAt(0) == '\uFEFF') pos = 1;
        while (pos < n) {
            int eol = mergesTxt.indexOf('\n', pos);
            if (eol < 0) eol = n;
            int end = eol > pos && mergesTxt.charAt(eol - 1) == '\r' ? eol - 1 : eol;
            line++;
            String s = mergesTxt.substring(pos, end);
            pos = eol + 1;
            if (s.isEmpty() || (line == 1 && s.startsWith("#version"))) continue;
            int space = s.indexOf(' ');
            if (space <= 0 || space == s.length() - 1 || s.indexOf(' ', space + 1) >= 0) {
                throw new ModelFormatException(mergesName + " line " + line + ": expected two tokens separated by one space, got '" + s + "'");
            }
            mergeList.add(s.substring(0, space), s.substring(space + 1), line);
        }
        List<AddedToken> added = new ArrayList<>();
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            String t = e.getKey();
            if (t.length() >= 4 && t.startsWith("<|") && t.endsWith("|>")) added.add(new AddedToken(t, e.getValue(), true, false, false, false));
        }
        return new ByteLevelBpeTokenizer(vocab, mergeList, mergesName, added, false, true, false, false, null, eosToken);
    }

    private static Map<String, Integer> vocabOf(Map<?, ?> map, String name) {
        Map<String, Integer> vocab = new HashMap<>(map.size() * 2);
        for (Map.Entry<?, ?> e : map.entrySet()) {
            Object id = e.getValue();
            if (!(id instanceof Long l) || l < 0 || l > Integer.MAX_VALUE - 8) {
                throw new ModelFormatException(name + ": token '" + e.getKey() + "' must have a non-negative integer id, got " + id);
            }
            vocab.put((String) e.getKey(), (int) (long) l);
        }
        return vocab;
    }

    @SuppressWarnings("unchecked")
    private static ByteLevelBpeTokenizer fromJson(String text, String name, String eosToken) {
        Object root = parseJson(text, name);
        if (!(root instanceof Map)) throw new ModelFormatException(name + " must hold a JSON object");
        Map<String, Object> json = (Map<String, Object>) root;
        Map<String, Object> model = object(json, "model", name);
        if (model == null) throw new ModelFormatException(name + " has no 'model'");
        String type = string(model, "type", name);
        if (!"BPE".equals(type)) throw unsupported(name, "model type " + type);
        Object dropout = model.get("dropout");
        if (dropout != null && !(dropout instanceof Number d && d.doubleValue() == 0)) throw unsupported(name, "BPE dropout " + dropout);
        for (String key : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
            String affix = string(model, key, name);
            if (affix != null && !affix.isEmpty()) throw unsupported(name, "BPE " + key + " '" + affix + "'");
        }
        if (Boolean.TRUE.equals(model.get("byte_fallback"))) throw unsupported(name, "BPE byte_fallback");
        boolean ignoreMerges = Boolean.TRUE.equals(model.get("ignore_merges"));
        Map<String, Object> vocabJson = object(model, "vocab", name);
        if (vocabJson == null) throw new ModelFormatException(name + " has no model.vocab");
        Map<String, Integer> vocab = vocabOf(vocabJson, name + " model.vocab");

        Object mergesJson = model.get("merges");
        if (!(mergesJson instanceof List<?> ml)) throw new ModelFormatException(name + " model.merges must be a list");
        MergeList mergeList = new MergeList(false);
        for (int i = 0; i < ml.size(); i++) {
            Object m = ml.get(i);
            String[] pair = null;
            if (m instanceof String s) {
                int space = s.indexOf(' ');
                if (space > 0 && space < s.length() - 1 && s.indexOf(' ', space + 1) < 0) pair = new String[] {s.substring(0, space), s.substring(space + 1)};
            } else if (m instanceof List<?> p && p.size() == 2 && p.get(0) instanceof String a && p.get(1) instanceof String b) {
                pair = new String[] {a, b};
            }
            if (pair == null) throw new ModelFormatException(name + " model.merges[" + i + "]: expected \"a b\" or [\"a\", \"b\"], got " + m);
            mergeList.add(pair[0], pair[1], i);
        }

        boolean nfc = false;
        Map<String, Object> norm = object(json, "normalizer", name);
        if (norm != null) {
            String nt = string(norm, "type", name);
            if (!"NFC".equals(nt)) throw unsupported(name, "normalizer " + nt);
            nfc = true;
        }
        Map<String, Object> pre = object(json, "pre_tokenizer", name);
        if (pre == null || !"ByteLevel".equals(pre.get("type"))) {
            throw unsupported(name, "pre_tokenizer " + (pre == null ? "null" : pre.get("type")));
        }
        boolean addPrefixSpace = Boolean.TRUE.equals(pre.get("add_prefix_space"));
        boolean useRegex = !Boolean.FALSE.equals(pre.get("use_regex"));
        Map<String, Object> dec = object(json, "decoder", name);
        if (dec != null && !"ByteLevel".equals(dec.get("type"))) throw unsupported(name, "decoder " + dec.get("type"));
        Map<String, Object> post = object(json, "post_processor", name);
        // ByteLevel post-processing only trims offsets, which this tokenizer does not report.
        if (post != null && !"ByteLevel".equals(post.get("type"))) throw unsupported(name, "post_processor " + post.get("type"));

        List<AddedToken> added = new ArrayList<>();
        Object addedJson = json.get("added_tokens");
        if (addedJson instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                if (!(list.get(i) instanceof Map<?, ?> t) || !(t.get("content") instanceof String content) || !(t.get("id") instanceof Long id)
                        || id < 0 || id > Integer.MAX_VALUE - 8) {
                    throw new ModelFormatException(name + " added_tokens[" + i + "] needs a string content and a non-negative integer id");
                }
                added.add(new AddedToken(content, (int) (long) id, Boolean.TRUE.equals(t.get("special")),
                        Boolean.TRUE.equals(t.get("lstrip")), Boolean.TRUE.equals(t.get("rstrip")), Boolean.TRUE.equals(t.get("single_word"))));
            }
        } else if (addedJson != null) {
            throw new ModelFormatException(name + " added_tokens must be a list");
        }
        String unk = model.get("unk_token") instanceof String u ? u : null;
        return new ByteLevelBpeTokenizer(vocab, mergeList, name, added, addPrefixSpace, useRegex, ignoreMerges, nfc, unk, eosToken);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Map<String, Object> m, String key, String name) {
        Object v = m.get(key);
        if (v == null) return null;
        if (!(v instanceof Map)) throw new ModelFormatException(name + ": '" + key + "' must be a JSON object or null");
        return (Map<String, Object>) v;
    }

    private static String string(Map<String, Object> m, String key, String name) {
        Object v = m.get(key);
        if (v == null || v instanceof String) return (String) v;
        throw new ModelFormatException(name + ": '" + key + "' must be a string, got " + v);
    }

    private static IllegalArgumentException unsupported(String name, String what) {
        return new IllegalArgumentException(name + ": " + what + " not supported: only byte-level BPE pipelines "
                + "(BPE model, ByteLevel pre-tokenizer and decoder, optional NFC normalizer, no template post-processor)");
    }

    // ------------------------------------------------------------------ vocabulary

    /** The size of the id space: one more than the highest id (vocabulary and added tokens). */
    public int vocabSize() {
        return tokens.length;
    }

    /** The id of a token as spelled in the vocabulary (byte-level alphabet, e.g. "Ġthe"), or -1. */
    public int tokenId(String token) {
        Integer id = vocab.get(token);
        return id == null ? -1 : id;
    }

    /** The token of an id as spelled in the vocabulary, or null for an id that no token has. */
    public String token(int id) {
        checkId(id);
        return tokens[id];
    }

    /** Whether the id is a special token (e.g. {@code <|endoftext|>}). */
    public boolean isSpecial(int id) {
        checkId(id);
        return special[id];
    }

    /** The end of text id, or -1 when the vocabulary has none that is known. */
    public int eosId() {
        return eosId;
    }

    private void checkId(int id) {
        if (id < 0 || id >= tokens.length) throw new IllegalArgumentException("token id " + id + " out of range [0, " + tokens.length + ")");
    }

    // ------------------------------------------------------------------ encoding

    /** Encodes text, with special-token spellings taken as plain text. */
    public int[] encode(String text) {
        return encode(text, false);
    }

    /** Encodes text; with {@code allowSpecial} the special tokens written in it become their own ids. */
    public int[] encode(String text, boolean allowSpecial) {
        Work w = new Work();
        int n = text.length();
        int plainStart = 0;
        int i = 0;
        boolean scan = allowSpecial ? !addedByFirstChar.isEmpty() : hasPlainAddedTokens;
        while (scan && i < n) {
            char c = text.charAt(i);
            AddedToken[] candidates = addedFirstChars.get(c) ? addedByFirstChar.get(c) : null;
            AddedToken match = null;
            if (candidates != null) {
                for (AddedToken t : candidates) {
                    if ((allowSpecial || !t.special()) && text.startsWith(t.content(), i)
                            && (!t.singleWord() || isWordBoundary(text, i, i + t.content().length()))) {
                        match = t;
                        break;
                    }
                }
            }
            if (match == null) {
                i++;
                continue;
            }
            int segEnd = i;
            if (match.lstrip()) while (segEnd > plainStart && Gpt2Pretokenizer.isWhitespace(text.charAt(segEnd - 1))) segEnd--;
            encodeOrdinary(text, plainStart, segEnd, w);
            w.add(match.id());
            i += match.content().length();
            if (match.rstrip()) while (i < n && Gpt2Pretokenizer.isWhitespace(text.charAt(i))) i++;
            plainStart = i;
        }
        encodeOrdinary(text, plainStart, n, w);
        return Arrays.copyOf(w.ids, w.count);
    }

    private static boolean isWordBoundary(String text, int start, int end) {
        return (start == 0 || !Character.isLetterOrDigit(text.codePointBefore(start)))
                && (end >= text.length() || !Character.isLetterOrDigit(text.codePointAt(end)));
    }

    private void encodeOrdinary(String text, int from, int to, Work w) {
        if (from >= to) return;
        CharSequence s = text;
        if (nfc || addPrefixSpace) {
            String seg = text.substring(from, to);
            if (nfc) seg = Normalizer.normalize(seg, Normalizer.Form.NFC);
            if (addPrefixSpace && !seg.startsWith(" ")) seg = " " + seg;
            s = seg;
            from = 0;
            to = seg.length();
        }
        if (!useRegex) {
            encodeWord(s, from, to, w);
            return;
        }
        for (int i = from; i < to; ) {
            int end = Gpt2Pretokenizer.next(s, i, to);
            encodeWord(s, i, end, w);
            i = end;
        }
    }

    private void encodeWord(CharSequence text, int from, int to, Work w) {
        String key = null;
        if (to - from <= CACHE_WORD_CHARS) {
            key = text.subSequence(from, to).toString();
            int[] cached = cache.get(key);
            if (cached != null) {
                w.addAll(cached, cached.length);
                return;
            }
        }
        int[] end = w.intBox;
        w.bytes = Utf8.encode(text, from, to, w.bytes, 0, end);
        int nBytes = end[0];
        int mark = w.count;
        Integer whole = ignoreMerges ? vocab.get(ByteLevelAlphabet.encode(w.bytes, 0, nBytes)) : null;
        if (whole != null) {
            w.add(whole);
        } else {
            bpe(w, nBytes);
        }
        if (key != null) {
            if (cache.size() >= CACHE_ENTRIES) cache.clear();
            cache.put(key, Arrays.copyOfRange(w.ids, mark, w.count));
        }
    }

    /**
     * Merges the word in {@code w.bytes[0..n)} and appends its ids. Equivalent to GPT-2's loop (take the
     * pair of lowest rank, merge all its occurrences left to right, repeat) in O(n log n): a heap of
     * (rank, position) holds the candidate pairs; all the occurrences of one rank are merged before the
     * pairs they form are added, so even a merges list whose ranks are not in creation order gives
     * GPT-2's result.
     */
    private void bpe(Work w, int n) {
        int[] sym = w.sym(n);
        int[] next = w.next;
        int[] prev = w.prev;
        for (int i = 0; i < n; i++) {
            sym[i] = byteIds[w.bytes[i] & 0xFF];
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        w.heapSize = 0;
        for (int i = 0; i + 1 < n; i++) push(w, i, sym[i], sym[i + 1]);
        int[] touched = w.touched;
        while (w.heapSize > 0) {
            long rank = w.heap[0] >>> 32;
            int nTouched = 0;
            while (w.heapSize > 0 && (w.heap[0] >>> 32) == rank) {
                int pos = (int) pop(w);
                int right = next[pos];
                if (sym[pos] < 0 || right < 0 || sym[right] < 0) continue;
                int slot = merges.find(sym[pos], sym[right]);
                if (slot < 0 || merges.rank(slot) != rank) continue;
                sym[pos] = merges.result(slot);
                sym[right] = -1;
                next[pos] = next[right];
                if (next[right] >= 0) prev[next[right]] = pos;
                touched[nTouched++] = pos;
            }
            for (int t = 0; t < nTouched; t++) {
                int pos = touched[t];
                if (prev[pos] >= 0) push(w, prev[pos], sym[prev[pos]], sym[pos]);
                if (next[pos] >= 0) push(w, pos, sym[pos], sym[next[pos]]);
            }
        }
        for (int i = 0; i >= 0; i = next[i]) {
            int id = sym[i];
            if (id < 0) {
                if (unkId < 0) {
                    throw new IllegalArgumentException("byte 0x" + Integer.toHexString(w.bytes[i] & 0xFF)
                            + " has no token in this vocabulary, and there is no unk_token");
                }
                id = unkId;
            }
            w.add(id);
        }
    }

    private void push(Work w, int pos, int left, int right) {
        if (left < 0 || right < 0) return;
        int slot = merges.find(left, right);
        if (slot < 0) return;
        long e = ((long) merges.rank(slot) << 32) | pos;
        long[] h = w.heap;
        int i = w.heapSize++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (h[parent] <= e) break;
            h[i] = h[parent];
            i = parent;
        }
        h[i] = e;
    }

    private static long pop(Work w) {
        long[] h = w.heap;
        long top = h[0];
        long last = h[--w.heapSize];
        int size = w.heapSize;
        int i = 0;
        while (true) {
            int c = 2 * i + 1;
            if (c >= size) break;
            if (c + 1 < size && h[c + 1] < h[c]) c++;
            if (h[c] >= last) break;
            h[i] = h[c];
            i = c;
        }
        if (size > 0) h[i] = last;
        return top;
    }

    /** Scratch space of one encode call. */
    private static final class Work {
        int[] ids = new int[32];
        int count;
        byte[] bytes = new byte[64];
        final int[] intBox = new int[1];
        int[] sym = new int[0];
        int[] next;
        int[] prev;
        int[] touched;
        long[] heap;
        int heapSize;

        void add(int id) {
            if (count == ids.length) ids = Arrays.copyOf(ids, count * 2);
            ids[count++] = id;
        }

        void addAll(int[] a, int n) {
            if (count + n > ids.length) ids = Arrays.copyOf(ids, Math.max(ids.length * 2, count + n));
            System.arraycopy(a, 0, ids, count, n);
            count += n;
        }

        int[] sym(int n) {
            if (sym.length < n) {
                int cap = Math.max(n, 16);
                sym = new int[cap];
                next = new int[cap];
                prev = new int[cap];
                touched = new int[cap];
                // Each merge adds at most two pairs to the heap.
                heap = new long[3 * cap];
            }
            return sym;
        }
    }

    // ------------------------------------------------------------------ decoding

    /** The text of some ids; invalid UTF-8 (from a sequence cut inside a character) becomes U+FFFD. */
    public String decode(int[] ids) {
        Bytes buf = new Bytes();
        for (int id : ids) appendBytes(id, buf);
        StringBuilder sb = new StringBuilder(buf.size);
        Utf8.decode(buf.data, 0, buf.size, sb, true);
        return sb.toString();
    }

    /** Appends the bytes a token stands for; characters outside the byte alphabet stand for their own UTF-8. */
    private void appendBytes(int id, Bytes buf) {
        checkId(id);
        String token = tokens[id];
        if (token == null) throw new IllegalArgumentException("token id " + id + " is not in the vocabulary");
        if (addedBytes[id] != null) {
            buf.append(addedBytes[id]);
            return;
        }
        for (int i = 0; i < token.length(); i++) {
            int b = ByteLevelAlphabet.byteOf(token.charAt(i));
            if (b >= 0) {
                buf.append((byte) b);
            } else {
                int end = Character.isHighSurrogate(token.charAt(i)) && i + 1 < token.length() ? i + 2 : i + 1;
                buf.append(Utf8.bytes(token.substring(i, end)));
                i = end - 1;
            }
        }
    }

    /** A new incremental decoder, for text generated token by token. */
    public Decoder decoder() {
        return new Decoder(this);
    }

    /**
     * Decodes ids one at a time, returning only whole characters: a character whose UTF-8 bytes are
     * spread over several tokens comes out with its last byte. Concatenating what {@link #append}
     * and {@link #flush} return gives {@link #decode} of all the ids. Not thread-safe.
     */
    public static final class Decoder {
        private final ByteLevelBpeTokenizer tokenizer;
        private final Bytes pending = new Bytes();
        private final StringBuilder out = new StringBuilder();

        private Decoder(ByteLevelBpeTokenizer tokenizer) {
            this.tokenizer = tokenizer;
        }

        /** Adds a token; returns the characters it completes (possibly none). */
        public String append(int id) {
            tokenizer.appendBytes(id, pending);
            return drain(false);
        }

        /** Ends the text: bytes of an unfinished character come out as U+FFFD. */
        public String flush() {
            return drain(true);
        }

        private String drain(boolean end) {
            out.setLength(0);
            int used = Utf8.decode(pending.data, 0, pending.size, out, end);
            pending.drop(used);
            return out.toString();
        }
    }

    private static final class Bytes {
        byte[] data = new byte[16];
        int size;

        void append(byte[] b) {
            if (size + b.length > data.length) data = Arrays.copyOf(data, Math.max(data.length * 2, size + b.length));
            System.arraycopy(b, 0, data, size, b.length);
            size += b.length;
        }

        void append(byte b) {
            if (size == data.length) data = Arrays.copyOf(data, size * 2);
            data[size++] = b;
        }

        void drop(int n) {
            System.arraycopy(data, n, data, 0, size - n);
            size -= n;
        }
    }
}
