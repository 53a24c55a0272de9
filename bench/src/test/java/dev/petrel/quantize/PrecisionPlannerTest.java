package dev.petrel.quantize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class PrecisionPlannerTest {
    static LayerScore block(int i, double lim, long... params) {
        List<LayerScore.Weight> ws = new ArrayList<>();
        for (int j = 0; j < params.length; j++) ws.add(new LayerScore.Weight("b" + i + ".w" + j, params[j], 64));
        return new LayerScore("block " + i, LayerScore.Kind.BLOCK, i, lim, 1 - lim, "s" + i, "s" + (i + 1), ws);
    }

    static LayerScore head(long params) {
        return new LayerScore("head", LayerScore.Kind.HEAD, -1, Double.NaN, Double.NaN, null, null,
                List.of(new LayerScore.Weight("lm_head", params, 64)));
    }

    /** Random blocks (1..12, LIM in [0, 1) with ties, 1..10^6 parameters), sometimes a head group. */
    static List<LayerScore> layers(long seed) {
        Random r = new Random(seed);
        List<LayerScore> ls = new ArrayList<>();
        int n = 1 + r.nextInt(12);
        for (int i = 0; i < n; i++) {
            double lim = r.nextInt(4) == 0 ? 0.25 : r.nextDouble();
            ls.add(block(i, lim, 1 + r.nextInt(1_000_000), 1 + r.nextInt(1000)));
        }
        if (r.nextBoolean()) ls.add(head(1 + r.nextInt(1_000_000)));
        return ls;
    }

    @Test
    void lowersTheLeastImportantBlocksFirst() {
        // 4 blocks of 100 parameters: 8, 8, 8, 8 = 8.0; each block lowered to 4 bits takes 1 bit off the mean.
        List<LayerScore> ls = List.of(block(0, 0.30, 100), block(1, 0.10, 100), block(2, 0.20, 100), block(3, 0.50, 100));
        PrecisionPlanner.Plan p = PrecisionPlanner.planLayers(ls, 6.5, 8, 4);
        // 7.0 after block 1 (LIM 0.10), 6.0 after block 2 (0.20) <= 6.5: stop.
        assertThat(p.bits()).containsExactly(8, 4, 4, 8);
        assertThat(p.averageBits()).isEqualTo(6.0);
        assertThat(p.weightBits()).containsEntry("b1.w0", 4).containsEntry("b0.w0", 8);
        // Effective: two blocks at 8 + 32/64 = 8.5, two at 5.125.
        assertThat(p.effectiveBits()).isCloseTo((8.5 + 5.125) / 2, within(1e-12));
        assertThat(p.bytes()).isCloseTo(400 * (8.5 + 5.125) / 2 / 8, within(1e-9));
        assertThat(PrecisionPlanner.plan(ls, 7.0, 8, 4)).containsEntry("b1.w0", 4).containsEntry("b2.w0", 8);
        assertThat(p.table()).contains("block 1", "0.100000", "target 6.50");
    }

    @Test
    void headIsLoweredOnlyAfterEveryBlock() {
        List<LayerScore> ls = List.of(block(0, 0.9, 100), block(1, 0.8, 100), head(100));
        assertThat(PrecisionPlanner.planLayers(ls, 5.5, 8, 4).bits()).containsExactly(4, 4, 8);
        assertThat(PrecisionPlanner.planLayers(ls, 4.0, 8, 4).bits()).containsExactly(4, 4, 4);
    }

    @Test
    void restrictsToQuantizableWeights() {
        List<LayerScore> ls = List.of(block(0, 0.9, 100, 50), head(100));
        List<LayerScore> r = PrecisionPlanner.restrictTo(ls, n -> !n.equals("lm_head") && !n.equals("b0.w1"));
        assertThat(r).hasSize(1);
        assertThat(r.get(0).weights()).extracting(LayerScore.Weight::name).containsExactly("b0.w0");
        assertThat(r.get(0).lim()).isEqualTo(0.9);
    }

    @Test
    void threeLevelsKeepTheMostImportantInFp32() {
        List<LayerScore> ls = List.of(block(0, 0.30, 100), block(1, 0.10, 100), block(2, 0.20, 100), block(3, 0.50, 100));
        // 32 → 8 costs 6 bits of the mean per block: 26, 20, 14 <= 15.
        PrecisionPlanner.Plan p = PrecisionPlanner.planLevels(ls, 15, 32, 8, 4);
        assertThat(p.bits()).containsExactly(8, 8, 8, 32);
        assertThat(p.averageBits()).isEqualTo(14.0);
        // Below 8 every block is int8 first, then the same choice as the two-level plan.
        assertThat(PrecisionPlanner.planLevels(ls, 6.5, 32, 8, 4).bits()).containsExactly(8, 4, 4, 8);
        assertThat(PrecisionPlanner.planLevels(ls, 32, 32, 8, 4).bits()).containsOnly(32);
        assertThatThrownBy(() -> PrecisionPlanner.planLevels(ls, 6, 8, 8, 4)).hasMessageContaining("decrease strictly");
        assertThatThrownBy(() -> PrecisionPlanner.planLevels(ls, 6, 8)).hasMessageContaining("two precision levels");
    }

    @Property(tries = 200)
    void threeLevelPlansAreMonotoneAndWithinTarget(@ForAll long seed, @ForAll @DoubleRange(min = 4, max = 32) double target) {
        List<LayerScore> ls = layers(seed);
        PrecisionPlanner.Plan p = PrecisionPlanner.planLevels(ls, target, 32, 8, 4);
        assertThat(p.averageBits()).isLessThanOrEqualTo(target + 1e-9);
        for (int i = 0; i < ls.size(); i++) {
            for (int j = 0; j < ls.size(); j++) {
                if (importance(ls.get(i)) > importance(ls.get(j))) assertThat(p.bits().get(i)).isGreaterThanOrEqualTo(p.bits().get(j));
            }
        }
        if (target <= 8) assertThat(p.bits()).isEqualTo(PrecisionPlanner.planLayers(ls, target, 8, 4).bits());
    }

    @Test
    void effectiveBitsOfTheFormats() {
        assertThat(PrecisionPlanner.effectiveBits(8, 384)).isCloseTo(8 + 32.0 / 384, within(1e-12));
        assertThat(PrecisionPlanner.effectiveBits(4, 384)).isEqualTo(5.125);
        assertThat(PrecisionPlanner.effectiveBits(32, 384)).isEqualTo(32);
    }

    @Test
    void rejectsImpossibleTargets() {
        List<LayerScore> ls = List.of(block(0, 0.5, 10));
        assertThatThrownBy(() -> PrecisionPlanner.plan(ls, 3.9, 8, 4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("below the low precision");
        assertThatThrownBy(() -> PrecisionPlanner.plan(ls, 8.5, 8, 4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("above the high precision");
        assertThatThrownBy(() -> PrecisionPlanner.plan(ls, 4, 4, 4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PrecisionPlanner.plan(ls, Double.NaN, 8, 4)).isInstanceOf(IllegalArgumentException.class);
        LayerScore unscored = new LayerScore("block 0", LayerScore.Kind.BLOCK, 0, Double.NaN, Double.NaN, "a", "b",
                List.of(new LayerScore.Weight("w", 10, 8)));
        assertThatThrownBy(() -> PrecisionPlanner.plan(List.of(unscored), 6, 8, 4)).hasMessageContaining("no LIM score");
        assertThatThrownBy(() -> PrecisionPlanner.plan(List.of(block(0, 0.1, 5), block(0, 0.2, 5)), 6, 8, 4))
                .hasMessageContaining("in both");
    }

    @Property(tries = 300)
    void averageStaysWithinTarget(@ForAll long seed, @ForAll @DoubleRange(min = 4, max = 8) double target) {
        PrecisionPlanner.Plan p = PrecisionPlanner.planLayers(layers(seed), target, 8, 4);
        assertThat(p.averageBits()).isLessThanOrEqualTo(target + 1e-9);
    }

    @Property(tries = 300)
    void lowersNoMoreThanNeeded(@ForAll long seed, @ForAll @DoubleRange(min = 4, max = 8) double target) {
        List<LayerScore> ls = layers(seed);
        PrecisionPlanner.Plan p = PrecisionPlanner.planLayers(ls, target, 8, 4);
        // Raising the most important lowered group back to high bits would miss the target.
        int last = -1;
        for (int i : PrecisionPlanner.loweringOrder(ls)) if (p.bits().get(i) == 4) last = i;
        if (last >= 0) {
            double raised = p.averageBits() + (double) ls.get(last).params() * 4 / p.params();
            assertThat(raised).isGreaterThan(target - 1e-9);
        }
    }

    @Property(tries = 300)
    void moreImportantNeverGetsFewerBits(@ForAll long seed, @ForAll @DoubleRange(min = 4, max = 8) double target,
                                         @ForAll @IntRange(min = 2, max = 7) int low) {
        List<LayerScore> ls = layers(seed);
        PrecisionPlanner.Plan p = PrecisionPlanner.planLayers(ls, Math.max(target, low), 8, low);
        for (int i = 0; i < ls.size(); i++) {
            for (int j = 0; j < ls.size(); j++) {
                if (importance(ls.get(i)) > importance(ls.get(j))) {
                    assertThat(p.bits().get(i)).as(ls.get(i).name() + " vs " + ls.get(j).name())
                            .isGreaterThanOrEqualTo(p.bits().get(j));
                }
            }
        }
    }

    @Property(tries = 100)
    void highTargetKeepsEverythingHigh(@ForAll long seed) {
        Map<String, Integer> plan = PrecisionPlanner.plan(layers(seed), 8, 8, 4);
        assertThat(plan.values()).containsOnly(8);
    }

    @Property(tries = 100)
    void lowTargetLowersEverything(@ForAll long seed) {
        Map<String, Integer> plan = PrecisionPlanner.plan(layers(seed), 4, 8, 4);
        assertThat(plan.values()).containsOnly(4);
    }

    /** Groups outside the blocks rank above every block. */
    private static double importance(LayerScore l) {
        return l.scored() ? l.lim() : Double.POSITIVE_INFINITY;
    }
}
