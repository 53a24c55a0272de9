package dev.petrel.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LogitAttributionTest {

    @SuppressWarnings("unchecked")
    private static void compare(LogitAttribution a, Map<String, Object> ref, double tolerance) {
        Map<String, Object> expected = (Map<String, Object>) ref.get("contributions");
        assertThat(a.names()).containsExactlyElementsOf(expected.keySet());
        for (Map.Entry<String, Object> e : expected.entrySet()) {
            assertThat(a.contribution(e.getKey())).as(e.getKey()).isCloseTo(((Number) e.getValue()).doubleValue(), within(tolerance));
        }
        assertThat(a.logit()).isCloseTo(((Number) ref.get("logit")).doubleValue(), within(tolerance));
    }

    @Test
    @SuppressWarnings("unchecked")
    void lnFreeAttributionIsExactAndMatchesTheReference() {
        Map<String, Object> ref = (Map<String, Object>) Fixtures.reference(Fixtures.LN_FREE).get("direct_logit_attribution");
        int[] ids = Fixtures.ints(Fixtures.prompts(Fixtures.LN_FREE).get(((Number) ref.get("prompt")).intValue()).get("ids"));
        int position = ((Number) ref.get("position")).intValue(), token = ((Number) ref.get("token")).intValue();
        LogitAttribution a = Fixtures.model(Fixtures.LN_FREE).attribute(ids, position, token);
        System.out.println(a);
        assertThat(a.isExact()).isTrue();
        assertThat(Math.abs(a.residual())).isLessThan(1e-4);
        compare(a, ref, 1e-4);
        // Run literally (eps 1e12 in a real LayerNorm) and converted to Pre-RMSNorm, the same split comes out.
        for (DecoderOptions o : new DecoderOptions[] {DecoderOptions.defaults().literalLayerNorm(true), DecoderOptions.defaults().preRmsNorm(true)}) {
            LogitAttribution b = Fixtures.load(Fixtures.LN_FREE, o).attribute(ids, position, token);
            assertThat(Math.abs(b.residual())).as(o.toString()).isLessThan(1e-4);
            compare(b, ref, 1e-4);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void layerNormModelReportsTheFrozenScaleSplit() {
        Map<String, Object> ref = (Map<String, Object>) Fixtures.reference(Fixtures.F32).get("direct_logit_attribution_frozen_ln");
        int[] ids = Fixtures.ints(Fixtures.prompts(Fixtures.F32).get(((Number) ref.get("prompt")).intValue()).get("ids"));
        int position = ((Number) ref.get("position")).intValue(), token = ((Number) ref.get("token")).intValue();
        LogitAttribution a = Fixtures.model(Fixtures.F32).attribute(ids, position, token);
        System.out.println(a);
        assertThat(a.isExact()).isFalse();
        assertThat(a.frozenScale()).isCloseTo(((Number) ref.get("ln_f_scale")).doubleValue(), within(1e-6));
        // The scale is frozen at this very position, so the split is exact up to rounding here.
        assertThat(Math.abs(a.residual())).isLessThan(1e-4);
        compare(a, ref, 1e-4);
    }

    @Test
    void attributionAtAnEarlierPositionUsesOnlyThePrefix() {
        Gpt2Model model = Fixtures.model(Fixtures.LN_FREE);
        int[] ids = Fixtures.ints(Fixtures.prompts(Fixtures.LN_FREE).get(1).get("ids"));
        float[] all = Fixtures.allLogits(model, ids);
        LogitAttribution a = model.attribute(ids, 4, 258);
        assertThat(a.logit()).isEqualTo((double) all[4 * model.config().vocabSize + 258]);
        assertThat(a.sum()).isCloseTo(a.logit(), within(1e-4));
        assertThat(a.names()).containsExactly("embed", "attn.0", "mlp.0", "attn.1", "mlp.1", "ln_f.bias");
    }
}
