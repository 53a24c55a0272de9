package dev.petrel.cli;

import dev.petrel.Model;
import dev.petrel.Options;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.tokenizer.WordPieceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code petrel embed "sentence" ...}: sentence embeddings with the embedded all-MiniLM-L6-v2. */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = "Embed sentences with all-MiniLM-L6-v2 (mean pooling, L2 normalization) and print their cosine similarities.")
final class EmbedCommand implements Callable<Integer> {
    static final List<String> BUILT_IN = List.of(
            "The cat sits on the mat.",
            "A kitten is resting on a rug.",
            "Stock markets fell sharply on Monday.",
            "Investors sold shares as prices dropped.",
            "Petrel runs transformer models in pure Java.");

    @Parameters(arity = "0..*", description = "Sentences to embed (default: a few built-in ones).")
    List<String> sentences = new ArrayList<>();

    @Option(names = "--int8", description = "Use the int8 (dynamically quantized) model.")
    boolean int8;

    @Option(names = "--threads", defaultValue = "1", description = "Intra-op threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--dims", defaultValue = "6", description = "Leading embedding values to print (default ${DEFAULT-VALUE}).")
    int dims;

    @Override
    public Integer call() throws IOException {
        List<String> texts = sentences.isEmpty() ? BUILT_IN : sentences;
        long t0 = System.nanoTime();
        WordPieceTokenizer tokenizer;
        try (InputStream in = EmbedCommand.class.getResourceAsStream(EmbeddedModels.MINILM_TOKENIZER)) {
            tokenizer = WordPieceTokenizer.load(in);
        }
        Model model = Model.load(EmbeddedModels.file(int8 ? EmbeddedModels.MINILM_Q : EmbeddedModels.MINILM));
        long t1 = System.nanoTime();
        try (Session session = model.newSession(new Options().threads(threads))) {
            SentenceEmbedder embedder = new SentenceEmbedder(tokenizer, session);
            long t2 = System.nanoTime();
            float[][] e = embedder.embed(texts);
            long t3 = System.nanoTime();
            System.out.printf("all-MiniLM-L6-v2 (%s): %d sentences, %d dimensions; load %.0f ms, first run %.1f ms%n",
                    int8 ? "int8" : "fp32", texts.size(), e[0].length, (t1 - t0) / 1e6, (t3 - t2) / 1e6);
            for (int i = 0; i < texts.size(); i++) {
                StringBuilder sb = new StringBuilder();
                for (int d = 0; d < Math.min(dims, e[i].length); d++) sb.append(String.format("%8.4f", e[i][d]));
                System.out.printf("[%d] %s ...  %s%n", i, sb, texts.get(i));
            }
            System.out.println("cosine similarity");
            System.out.print("     ");
            for (int j = 0; j < texts.size(); j++) System.out.printf("%7s", "[" + j + "]");
            System.out.println();
            for (int i = 0; i < texts.size(); i++) {
                System.out.printf("%5s", "[" + i + "]");
                for (int j = 0; j < texts.size(); j++) System.out.printf("%7.3f", SentenceEmbedder.dot(e[i], e[j]));
                System.out.println();
            }
        }
        return 0;
    }
}
