package dev.petrel.models;

import static org.assertj.core.api.Assertions.assertThat;

import dev.petrel.Model;
import dev.petrel.Options;
import dev.petrel.Session;
import dev.petrel.Tensor;
import dev.petrel.cli.EmbeddedModels;
import dev.petrel.cli.SentenceEmbedder;
import dev.petrel.tokenizer.WordPieceTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * One loaded model shared by sessions on several threads, with real kernels (the int8 MiniLM, whose
 * MatMulInteger kernels cache repacked weights): every thread must get exactly the single-thread answer.
 */
class ConcurrentSessionsTest {
    @Test
    void sessionsOnSeveralThreadsShareOneModel() throws Exception {
        WordPieceTokenizer tokenizer = WordPieceTokenizer.fromClasspath(EmbeddedModels.MINILM_TOKENIZER)
                .withPadding(new WordPieceTokenizer.Padding(0, 0, 0, 0, "[PAD]", WordPieceTokenizer.Direction.RIGHT));
        List<Map<String, Tensor>> batches = List.of(
                SentenceEmbedder.inputs(tokenizer.encodeBatch(List.of("Birds fly south.", "The sea is calm today."))),
                SentenceEmbedder.inputs(tokenizer.encodeBatch(List.of("One short sentence."))),
                SentenceEmbedder.inputs(tokenizer.encodeBatch(List.of("Three", "sentences of", "different lengths here"))));
        Model model = Model.load(EmbeddedModels.file(EmbeddedModels.MINILM_Q));
        List<float[]> expected = new ArrayList<>();
        try (Session s = model.newSession()) {
            for (Map<String, Tensor> b : batches) expected.add(s.run(b).get("last_hidden_state").toFloatArray());
        }
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<List<float[]>>> results = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int offset = t;
                // Each thread has its own session (one with two intra-op threads) and walks the batches
                // in its own order, so the threads run different shapes at the same time.
                results.add(pool.submit(() -> {
                    List<float[]> got = new ArrayList<>(List.of(new float[0], new float[0], new float[0]));
                    try (Session s = model.newSession(new Options().threads(offset == 2 ? 2 : 1))) {
                        for (int round = 0; round < 2; round++) {
                            for (int i = 0; i < batches.size(); i++) {
                                int k = (i + offset) % batches.size();
                                got.set(k, s.run(batches.get(k)).get("last_hidden_state").toFloatArray());
                            }
                        }
                    }
                    return got;
                }));
            }
            for (Future<List<float[]>> f : results) {
                List<float[]> got = f.get();
                for (int k = 0; k < batches.size(); k++) assertThat(got.get(k)).containsExactly(expected.get(k));
            }
        } finally {
            pool.shutdown();
        }
    }
}
