package dev.petrel.quantize;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Dim;
import dev.petrel.graph.Graph;
import dev.petrel.graph.ValueInfo;
import dev.petrel.tokenizer.ByteLevelBpeTokenizer;
import dev.petrel.tokenizer.Encoding;
import dev.petrel.tokenizer.WordPieceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Calibration and probe inputs: a fixed set of English sentences for encoders, a few paragraphs for
 * small causal LMs, and the graph inputs built from them (one sample per text, batch 1, no padding).
 */
public final class Calibration {
    private Calibration() {}

    /** 32 varied English sentences: news, questions, technical text, instructions, short and long. */
    public static final List<String> SENTENCES = List.of(
            "The central bank raised interest rates by a quarter point on Wednesday, citing persistent inflation.",
            "Heavy rain flooded several streets in the city centre overnight, and two bridges remain closed.",
            "The company reported record profits for the third quarter despite weaker sales in Europe.",
            "Scientists have discovered a new species of frog in the mountains of northern Peru.",
            "Local elections will be held next month, and turnout is expected to be low.",
            "How do I reset my password if I no longer have access to my email account?",
            "What is the difference between a virus and a bacterium?",
            "Where can I find a good bakery near the train station?",
            "Is it safe to take ibuprofen together with paracetamol?",
            "Why does the sky look red at sunset?",
            "A hash map stores key-value pairs and offers constant expected time lookups.",
            "The garbage collector frees memory that is no longer reachable from any live reference.",
            "To compile the project, run the build tool with the offline flag and skip the integration tests.",
            "Matrix multiplication dominates the cost of running a transformer on a CPU.",
            "The function returns null when the input list is empty, so callers must check the result.",
            "Quantizing the weights to four bits cuts the model size by a factor of about seven.",
            "Preheat the oven to 180 degrees and butter a round cake tin.",
            "Turn left at the second traffic light and the museum is on your right.",
            "Please send me the signed contract by Friday afternoon.",
            "I love you.",
            "Thanks!",
            "The cat sat on the mat.",
            "It rained all day.",
            "She finally finished the marathon after five hours of running, exhausted but proud of what she had done.",
            "My grandfather used to tell stories about the winter of 1947, when the snow reached the first-floor windows "
                    + "and the village was cut off from the rest of the country for almost three weeks.",
            "The new phone has a brighter screen, a longer battery life and a camera that works well in low light.",
            "Our team lost the final match two to one after a penalty in the last minute.",
            "The recipe calls for two eggs, a cup of flour, half a cup of sugar and a pinch of salt.",
            "Photosynthesis converts light energy into chemical energy stored in glucose.",
            "The museum's new exhibition brings together paintings from private collections across Europe, many of which "
                    + "have never been shown to the public before.",
            "He apologized for the delay and promised that the package would arrive on Monday.",
            "Climate change is increasing the frequency of droughts and heat waves in southern Europe.");

    /** Short paragraphs in the style of the tiny GPT-2 fixture's training text (a harbor town), for causal LMs. */
    public static final List<String> STORIES = List.of(
            "The baker opens his shop early in the morning, and the smell of bread drifts down to the harbor.",
            "The fishing boats come back before seven, and the fishermen carry their fish to the market.",
            "The old grey cat sleeps next to the oven when the wind comes from the sea.",
            "At the market there are apples and pears from the farms on the hill, and fish from the boats.",
            "In the evening the lamps on the harbor wall come on one by one, and the town is quiet again.",
            "The keeper of the lighthouse writes down the weather three times a day in her notebook.",
            "Visitors arrive on the morning train, walk along the harbor wall and take pictures of the boats.",
            "The children stop to say hello to the cat on their way to school.");

    /** {@link #SENTENCES}. */
    public static List<String> sentences() {
        return SENTENCES;
    }

    /**
     * Encoder inputs, one sample per text, for the inputs the graph declares among
     * {@code input_ids}, {@code attention_mask} and {@code token_type_ids} (INT64 [1, tokens]).
     */
    public static List<Map<String, Tensor>> sentences(WordPieceTokenizer tokenizer, List<String> texts, Graph graph) {
        WordPieceTokenizer unpadded = tokenizer.withPadding(null);
        List<Map<String, Tensor>> out = new ArrayList<>();
        for (String t : texts) {
            Encoding e = unpadded.encode(t);
            int s = e.ids().length;
            Map<String, Tensor> in = new LinkedHashMap<>();
            for (ValueInfo v : graph.inputs()) {
                switch (v.name()) {
                    case "input_ids" -> in.put(v.name(), Tensor.of(e.ids(), 1, s));
                    case "attention_mask" -> in.put(v.name(), Tensor.of(e.attentionMask(), 1, s));
                    case "token_type_ids" -> in.put(v.name(), Tensor.of(e.typeIds(), 1, s));
                    default -> {
                        if (!graph.initializers().containsKey(v.name())) {
                            throw new IllegalArgumentException("encoder input '" + v.name() + "' is not one of input_ids, "
                                    + "attention_mask, token_type_ids");
                        }
                    }
                }
            }
            out.add(in);
        }
        return out;
    }

    /**
     * Calibration inputs for a text model found by its inputs and outputs, for tools that take only a
     * model file: a causal LM (a {@code logits} output) gets {@link #SENTENCES} through the byte-level BPE
     * tokenizer of {@code folder} (tokenizer.json, or vocab.json + merges.txt; the folder above is tried
     * too), an encoder through its WordPiece tokenizer.json; without a tokenizer, random token ids over the
     * vocabulary (the {@code logits} width, or the rows of the table {@code input_ids} index), 32 per sample.
     *
     * @param folder where to look for a tokenizer, or null
     * @param count  how many samples (at most {@link #SENTENCES}' size when a tokenizer is found)
     * @throws IllegalArgumentException when the graph has no {@code input_ids} input
     */
    public static List<Map<String, Tensor>> forGraph(Graph graph, Path folder, int count) {
        boolean hasIds = false, causal = false;
        for (ValueInfo v : graph.inputs()) hasIds |= v.name().equals("input_ids");
        for (ValueInfo v : graph.outputs()) causal |= v.name().equals("logits");
        if (!hasIds) throw new IllegalArgumentException("no input_ids input: calibration inputs for this model must be given");
        List<String> texts = SENTENCES.subList(0, Math.min(count, SENTENCES.size()));
        if (causal) {
            ByteLevelBpeTokenizer bpe = bpeTokenizerNear(folder);
            if (bpe != null) return causalLmInputs(graph, tokenSequences(bpe, texts, 128));
        } else {
            WordPieceTokenizer wordPiece = wordPieceTokenizerNear(folder);
            if (wordPiece != null) return sentences(wordPiece, texts, graph);
        }
        int vocab = vocabulary(graph, causal);
        List<long[]> ids = randomTokens(vocab, count, 32, 20240601L);
        if (causal) return causalLmInputs(graph, ids);
        List<Map<String, Tensor>> out = new ArrayList<>();
        for (long[] seq : ids) {
            Map<String, Tensor> in = new LinkedHashMap<>();
            long[] ones = new long[seq.length];
            java.util.Arrays.fill(ones, 1);
            for (ValueInfo v : graph.inputs()) {
                switch (v.name()) {
                    case "input_ids" -> in.put(v.name(), Tensor.of(seq, 1, seq.length));
                    case "attention_mask" -> in.put(v.name(), Tensor.of(ones, 1, seq.length));
                    case "token_type_ids" -> in.put(v.name(), Tensor.of(new long[seq.length], 1, seq.length));
                    default -> {
                        if (!graph.initializers().containsKey(v.name())) {
                            throw new IllegalArgumentException("no calibration data for input '" + v.name() + "'");
                        }
                    }
                }
            }
            out.add(in);
        }
        return out;
    }

    /**
     * The byte-level BPE tokenizer (tokenizer.json, or vocab.json + merges.txt) of {@code folder} or the
     * folder above it; null when neither holds one that loads.
     */
    public static ByteLevelBpeTokenizer bpeTokenizerNear(Path folder) {
        for (Path dir : folderAndParent(folder)) {
            if (!Files.isRegularFile(dir.resolve("tokenizer.json")) && !Files.isRegularFile(dir.resolve("vocab.json"))) continue;
            try {
                return ByteLevelBpeTokenizer.fromFolder(dir);
            } catch (IOException | RuntimeException e) {
                // Not a tokenizer of this kind: look further.
            }
        }
        return null;
    }

    /** The WordPiece tokenizer.json of {@code folder} or the folder above it; null when neither holds one that loads. */
    public static WordPieceTokenizer wordPieceTokenizerNear(Path folder) {
        for (Path dir : folderAndParent(folder)) {
            if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) continue;
            try {
                return WordPieceTokenizer.load(dir.resolve("tokenizer.json"));
            } catch (IOException | RuntimeException e) {
                // Not a tokenizer of this kind: look further.
            }
        }
        return null;
    }

    private static List<Path> folderAndParent(Path folder) {
        List<Path> dirs = new ArrayList<>();
        if (folder != null) {
            dirs.add(folder);
            if (folder.getParent() != null) dirs.add(folder.getParent());
        }
        return dirs;
    }

    private static int vocabulary(Graph graph, boolean causal) {
        if (causal) {
            for (ValueInfo v : graph.outputs()) {
                List<Dim> shape = v.shape();
                if (v.name().equals("logits") && shape != null && !shape.isEmpty() && shape.get(shape.size() - 1).isFixed()) {
                    return (int) shape.get(shape.size() - 1).value();
                }
            }
        }
        for (dev.petrel.graph.Node n : graph.nodes()) {
            if (n.opType().equals("Gather") && n.input(1).equals("input_ids") && graph.initializers().containsKey(n.input(0))) {
                return graph.initializers().get(n.input(0)).dim(0);
            }
        }
        throw new IllegalArgumentException("cannot tell the vocabulary size (no fixed logits width, no embedding Gather of "
                + "input_ids) for random calibration tokens");
    }

    /** Token id sequences of texts, each cut to at most {@code maxLength} tokens. */
    public static List<long[]> tokenSequences(ByteLevelBpeTokenizer tokenizer, List<String> texts, int maxLength) {
        List<long[]> out = new ArrayList<>();
        for (String t : texts) {
            int[] ids = tokenizer.encode(t);
            long[] seq = new long[Math.min(ids.length, maxLength)];
            for (int i = 0; i < seq.length; i++) seq[i] = ids[i];
            out.add(seq);
        }
        return out;
    }

    /** {@code count} sequences of uniformly random ids in [0, vocab), for models without a tokenizer. */
    public static List<long[]> randomTokens(int vocab, int count, int length, long seed) {
        Random r = new Random(seed);
        List<long[]> out = new ArrayList<>();
        for (int c = 0; c < count; c++) {
            long[] seq = new long[length];
            for (int i = 0; i < length; i++) seq[i] = r.nextInt(vocab);
            out.add(seq);
        }
        return out;
    }

    /**
     * Causal LM inputs, one sample per sequence (batch 1): {@code input_ids}, and when the graph declares
     * them {@code attention_mask} (ones), {@code position_ids} (0..n−1), and empty
     * {@code past_key_values.*} [1, heads, 0, headSize] (their declared fixed dims) with
     * {@code use_cache_branch} false.
     */
    public static List<Map<String, Tensor>> causalLmInputs(Graph graph, List<long[]> sequences) {
        List<Map<String, Tensor>> out = new ArrayList<>();
        for (long[] seq : sequences) {
            int s = seq.length;
            Map<String, Tensor> in = new LinkedHashMap<>();
            for (ValueInfo v : graph.inputs()) {
                String n = v.name();
                if (n.equals("input_ids")) {
                    in.put(n, Tensor.of(seq.clone(), 1, s));
                } else if (n.equals("attention_mask")) {
                    long[] ones = new long[s];
                    java.util.Arrays.fill(ones, 1);
                    in.put(n, Tensor.of(ones, 1, s));
                } else if (n.equals("position_ids")) {
                    long[] pos = new long[s];
                    for (int i = 0; i < s; i++) pos[i] = i;
                    in.put(n, Tensor.of(pos, 1, s));
                } else if (n.startsWith("past_key_values.")) {
                    in.put(n, emptyPast(v));
                } else if (n.equals("use_cache_branch")) {
                    in.put(n, Tensor.of(new boolean[] {false}, 1));
                } else if (!graph.initializers().containsKey(n)) {
                    throw new IllegalArgumentException("causal LM input '" + n + "' is not one of input_ids, attention_mask, "
                            + "position_ids, past_key_values.*, use_cache_branch");
                }
            }
            out.add(in);
        }
        return out;
    }

    private static Tensor emptyPast(ValueInfo v) {
        List<Dim> shape = v.shape();
        if (shape == null || shape.size() != 4 || !shape.get(1).isFixed() || !shape.get(3).isFixed()) {
            throw new IllegalArgumentException("past input " + v.describe() + " has no fixed [batch, heads, past, headSize] shape");
        }
        DType t = v.dtype() == null ? DType.FLOAT : v.dtype();
        return Tensor.allocate(t, 1, (int) shape.get(1).value(), 0, (int) shape.get(3).value());
    }
}
