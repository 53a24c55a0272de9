package dev.petrel.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.petrel.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GeneratorTest {
    // Prompt 1 greedily continues " wite paw, and she doesn't like the rain. When the wind comes from the sea".
    private static final Map<String, Object> PROMPT = Fixtures.prompts(Fixtures.F32).get(1);
    private static final String TEXT = (String) PROMPT.get("text");

    private static GenerationResult run(GenerationOptions o, List<String> pieces) {
        try (Generator g = Fixtures.model(Fixtures.F32).newGenerator()) {
            return g.generate(TEXT, o, pieces::add);
        }
    }

    @Test
    void stopStringEndsTheTextJustBeforeIt() {
        List<String> pieces = new ArrayList<>();
        GenerationResult r = run(GenerationOptions.greedy().maxNewTokens(24).stopStrings("like"), pieces);
        assertThat(r.text()).isEqualTo(" wite paw, and she doesn't ");
        assertThat(String.join("", pieces)).isEqualTo(r.text());
        assertThat(r.stopReason()).isEqualTo(GenerationResult.StopReason.STOP_STRING);
    }

    /** "she doesn" is spread over several tokens; the earliest of two stop strings wins. */
    @Test
    void stopStringSpanningTokens() {
        List<String> pieces = new ArrayList<>();
        GenerationResult r = run(GenerationOptions.greedy().maxNewTokens(24).stopStrings("rain", "e doesn"), pieces);
        assertThat(r.text()).isEqualTo(" wite paw, and sh");
        assertThat(String.join("", pieces)).isEqualTo(r.text());
        for (String p : pieces) assertThat(p).doesNotContain("e d");
    }

    @Test
    void textThatOnlyStartsLikeAStopStringIsReleasedAtTheEnd() {
        List<String> pieces = new ArrayList<>();
        GenerationResult r = run(GenerationOptions.greedy().maxNewTokens(24).stopAtEos(false).stopStrings("sea!"), pieces);
        assertThat(r.text()).isEqualTo(PROMPT.get("greedy_text"));
        assertThat(String.join("", pieces)).isEqualTo(r.text());
        assertThat(r.stopReason()).isEqualTo(GenerationResult.StopReason.MAX_TOKENS);
    }

    @Test
    void eosStopsAndIsNotInTheText() {
        Gpt2Model model = Fixtures.model(Fixtures.F32);
        // Sample at high temperature until an EOS shows up within the budget; the tiny model ends paragraphs often.
        try (Generator g = model.newGenerator()) {
            boolean sawEos = false;
            for (long seed = 0; seed < 40 && !sawEos; seed++) {
                GenerationResult r = g.generate(TEXT, GenerationOptions.sampling(1.5f, seed).maxNewTokens(60), null);
                if (r.stopReason() == GenerationResult.StopReason.EOS) {
                    sawEos = true;
                    int[] t = r.tokens();
                    assertThat(t[t.length - 1]).isEqualTo(506);
                    assertThat(r.text()).doesNotContain("<|endoftext|>").isEqualTo(model.tokenizer().decode(java.util.Arrays.copyOf(t, t.length - 1)));
                }
            }
            assertThat(sawEos).isTrue();
        }
    }

    @Test
    void seededSamplingIsReproducible() {
        GenerationOptions o = GenerationOptions.sampling(0.9f, 1234).topK(20).topP(0.9f).repetitionPenalty(1.3f).maxNewTokens(30);
        GenerationResult a = run(o, new ArrayList<>()), b = run(o, new ArrayList<>());
        assertThat(a.tokens()).containsExactly(b.tokens());
        assertThat(a.text()).isEqualTo(b.text());
    }

    @Test
    void contextFullStopsGeneration() {
        int[] prompt = new int[120];
        java.util.Arrays.fill(prompt, 258);
        try (Generator g = Fixtures.model(Fixtures.F32).newGenerator()) {
            GenerationResult r = g.generate(prompt, GenerationOptions.greedy().stopAtEos(false).maxNewTokens(50), null);
            assertThat(r.stopReason()).isEqualTo(GenerationResult.StopReason.CONTEXT_FULL);
            assertThat(r.tokens()).hasSize(9);   // 8 decoded into positions 120..127, plus the last one sampled
            assertThatThrownBy(() -> g.generate(new int[129], GenerationOptions.greedy(), null))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("128 positions");
        }
    }

    @Test
    void listenerCanStopAndSeesEveryToken() {
        List<Integer> ids = new ArrayList<>();
        try (Generator g = Fixtures.model(Fixtures.F32).newGenerator()) {
            GenerationResult r = g.generate(TEXT, GenerationOptions.greedy().maxNewTokens(24), new TokenListener() {
                @Override public void onText(String text) { }
                @Override public boolean onToken(int id) {
                    ids.add(id);
                    return ids.size() < 5;
                }
            });
            assertThat(r.stopReason()).isEqualTo(GenerationResult.StopReason.LISTENER);
            assertThat(r.tokens()).hasSize(5);
            assertThat(ids).containsExactly(261, 293, 68, 306, 64);
            assertThat(r.promptTokensPerSecond()).isPositive();
        }
    }

    @Test
    void decoderRefusesOverflowAndBadIds() {
        try (Gpt2Decoder d = Fixtures.model(Fixtures.F32).newDecoder()) {
            assertThatThrownBy(() -> d.prefill(new int[129])).isInstanceOf(InvalidInputException.class).hasMessageContaining("context is full");
            assertThatThrownBy(() -> d.decode(507)).isInstanceOf(InvalidInputException.class).hasMessageContaining("outside the vocabulary");
            assertThat(d.position()).isZero();
            d.prefill(new int[128]);
            assertThatThrownBy(() -> d.decode(1)).isInstanceOf(InvalidInputException.class).hasMessageContaining("128 positions");
            d.reset();
            d.decode(1);
            assertThat(d.position()).isEqualTo(1);
        }
    }
}
