package dev.petrel.quantize;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Layer-wise mixed precision (Dumitru et al. 2024, papers.md §4.6): every group of weights starts at
 * {@code highBits}; the least important blocks (lowest LIM) move to {@code lowBits}, whole blocks at a
 * time, until the parameter-weighted average of nominal bits is at most the target. Groups outside the
 * blocks (embedding, head) rank above every block: they are lowered only after all blocks.
 * {@link #planLevels} does the same over three or more precisions (fp32 / int8 / q4).
 *
 * <p>Nominal bits count the codes only. {@link #effectiveBits} adds the scales and zero points of the
 * formats the quantizer writes for 8 and 4 bits: int8 per output channel (one fp32 scale per column,
 * {@code 8 + 32/K}) and q4 in blocks of 32 along K with an fp32 scale and a 4-bit zero point
 * ({@code 4 + 32/32 + 4/32 = 5.125}).
 */
public final class PrecisionPlanner {
    /** Block length of the 4-bit (and other sub-8-bit) format {@link #effectiveBits} assumes. */
    public static final int LOW_BLOCK = 32;

    private PrecisionPlanner() {}

    /** Bits per weight initializer name; see {@link #planLayers}. */
    public static Map<String, Integer> plan(List<LayerScore> layers, double targetBits, int highBits, int lowBits) {
        return planLayers(layers, targetBits, highBits, lowBits).weightBits();
    }

    /**
     * The plan with its per-layer choice and sizes.
     *
     * @throws IllegalArgumentException when {@code lowBits >= highBits}, the target lies outside
     *         [lowBits, highBits], a block has no score, a weight appears in two groups, or there are no weights
     */
    public static Plan planLayers(List<LayerScore> layers, double targetBits, int highBits, int lowBits) {
        if (lowBits < 1 || highBits > 32 || lowBits >= highBits) {
            throw new IllegalArgumentException("need 1 <= lowBits < highBits <= 32, got lowBits " + lowBits + ", highBits " + highBits);
        }
        return planLevels(layers, targetBits, highBits, lowBits);
    }

    /**
     * The plan over several precisions, highest first (e.g. {@code 32, 8, 4}: keep fp32, int8, q4). All
     * groups start at the highest; in importance order (least important first) they move to the next
     * level until the target is met, and only when every group is at that level do they move on to the
     * one below. So a target of 12 with {32, 8, 4} keeps the most important blocks in fp32 and puts the
     * rest in int8, while a target of 6 mixes int8 and q4 exactly as {@code planLayers(…, 8, 4)} does. A
     * more important group never gets fewer bits than a less important one.
     *
     * @throws IllegalArgumentException when the levels are not strictly decreasing within 1..32, the target lies
     *         outside [lowest, highest], a block has no score, a weight appears in two groups, or there are no weights
     */
    public static Plan planLevels(List<LayerScore> layers, double targetBits, int... levels) {
        if (levels.length < 2) throw new IllegalArgumentException("need at least two precision levels, got " + levels.length);
        for (int i = 0; i < levels.length; i++) {
            if (levels[i] < 1 || levels[i] > 32 || (i > 0 && levels[i] >= levels[i - 1])) {
                throw new IllegalArgumentException("precision levels must decrease strictly within 1..32, got "
                        + java.util.Arrays.toString(levels));
            }
        }
        int highBits = levels[0], lowBits = levels[levels.length - 1];
        if (!(targetBits >= lowBits)) {
            throw new IllegalArgumentException("target " + targetBits + " bits is below the low precision (" + lowBits
                    + " bits): even with every layer at " + lowBits + " bits the average is " + lowBits);
        }
        if (targetBits > highBits) {
            throw new IllegalArgumentException("target " + targetBits + " bits is above the high precision (" + highBits
                    + " bits): no layer would be quantized to more than " + highBits + " bits; raise highBits instead");
        }
        long total = 0;
        Map<String, String> owner = new LinkedHashMap<>();
        for (LayerScore l : layers) {
            if (l.scored() && Double.isNaN(l.lim())) {
                throw new IllegalArgumentException(l.name() + " has no LIM score (run LayerImportance.score first)");
            }
            for (LayerScore.Weight w : l.weights()) {
                String prev = owner.put(w.name(), l.name());
                if (prev != null) throw new IllegalArgumentException("weight '" + w.name() + "' is in both " + prev + " and " + l.name());
            }
            total += l.params();
        }
        if (total == 0) throw new IllegalArgumentException("no weights to plan");

        int[] bits = new int[layers.size()];
        java.util.Arrays.fill(bits, highBits);
        List<Integer> order = loweringOrder(layers);
        double weighted = (double) total * highBits;
        lowering:
        for (int level = 1; level < levels.length; level++) {
            for (int i : order) {
                if (weighted / total <= targetBits + 1e-9) break lowering;
                weighted -= (double) layers.get(i).params() * (bits[i] - levels[level]);
                bits[i] = levels[level];
            }
        }
        Map<String, Integer> weightBits = new LinkedHashMap<>();
        List<Integer> chosen = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            chosen.add(bits[i]);
            for (LayerScore.Weight w : layers.get(i).weights()) weightBits.put(w.name(), bits[i]);
        }
        return new Plan(layers, chosen, weightBits, targetBits);
    }

    /**
     * The groups with only the weights {@code quantizable} accepts (those a quantizer will actually
     * rewrite: a tied embedding read by a Gather stays fp32), dropping groups left empty. Plan over the
     * result so the average counts only weights that get the planned bits.
     */
    public static List<LayerScore> restrictTo(List<LayerScore> layers, java.util.function.Predicate<String> quantizable) {
        List<LayerScore> out = new ArrayList<>();
        for (LayerScore l : layers) {
            List<LayerScore.Weight> kept = new ArrayList<>();
            for (LayerScore.Weight w : l.weights()) if (quantizable.test(w.name())) kept.add(w);
            if (!kept.isEmpty()) {
                out.add(new LayerScore(l.name(), l.kind(), l.block(), l.lim(), l.cosine(), l.inState(), l.outState(), kept));
            }
        }
        return out;
    }

    /** Indices of the groups in the order they are lowered: blocks by LIM (then index), then the others. */
    static List<Integer> loweringOrder(List<LayerScore> layers) {
        List<Integer> blocks = new ArrayList<>(), others = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) (layers.get(i).scored() ? blocks : others).add(i);
        blocks.sort(Comparator.<Integer>comparingDouble(i -> layers.get(i).lim()).thenComparingInt(i -> layers.get(i).block()));
        blocks.addAll(others);
        return blocks;
    }

    /**
     * Storage bits per weight of a format, scales and zero points included: 32 for fp32, {@code 8 + 32/k}
     * for int8 with one fp32 scale per output channel of {@code k} weights, and for fewer bits b blocks of
     * {@link #LOW_BLOCK} with an fp32 scale and a b-bit zero point, {@code b + (32 + b)/32}
     * (q4: 5.125).
     */
    public static double effectiveBits(int bits, int k) {
        if (bits >= 32) return 32;
        if (bits >= 8) return bits + 32.0 / Math.max(k, 1);
        return bits + (32.0 + bits) / LOW_BLOCK;
    }

    /** A plan: bits per group and per weight. */
    public record Plan(List<LayerScore> layers, List<Integer> bits, Map<String, Integer> weightBits, double targetBits) {
        public Plan {
            layers = List.copyOf(layers);
            bits = List.copyOf(bits);
            weightBits = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(weightBits));
        }

        public long params() {
            long p = 0;
            for (LayerScore l : layers) p += l.params();
            return p;
        }

        /** Parameter-weighted mean of the nominal bits. */
        public double averageBits() {
            double s = 0;
            for (int i = 0; i < layers.size(); i++) s += (double) layers.get(i).params() * bits.get(i);
            return s / params();
        }

        /** Parameter-weighted mean of {@link PrecisionPlanner#effectiveBits}. */
        public double effectiveBits() {
            return bytes() * 8.0 / params();
        }

        /** Storage of the planned weights with their scales and zero points. */
        public double bytes() {
            double s = 0;
            for (int i = 0; i < layers.size(); i++) {
                for (LayerScore.Weight w : layers.get(i).weights()) s += w.params() * PrecisionPlanner.effectiveBits(bits.get(i), w.k()) / 8;
            }
            return s;
        }

        /** How many groups got {@code b} bits. */
        public int count(int b) {
            int n = 0;
            for (int x : bits) if (x == b) n++;
            return n;
        }

        /** Per-layer table (layer, params, LIM, bits) and a summary line with the resulting size. */
        public String table() {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-10s %10s %9s %5s %8s%n", "layer", "params", "LIM", "bits", "eff.bits"));
            for (int i = 0; i < layers.size(); i++) {
                LayerScore l = layers.get(i);
                double eff = 0;
                for (LayerScore.Weight w : l.weights()) eff += w.params() * PrecisionPlanner.effectiveBits(bits.get(i), w.k());
                sb.append(String.format(Locale.ROOT, "%-10s %10d %9s %5d %8.3f%n", l.name(), l.params(),
                        l.scored() ? String.format(Locale.ROOT, "%.6f", l.lim()) : "-", bits.get(i), eff / Math.max(l.params(), 1)));
            }
            sb.append(summary()).append('\n');
            return sb.toString();
        }

        /** "target 6.00: 6.00 nominal / 6.71 effective bits, 1.23 MiB (fp32 4.56 MiB)". */
        public String summary() {
            return String.format(Locale.ROOT, "target %.2f: %d params, %.3f nominal / %.3f effective bits per weight, %.2f MiB (fp32 %.2f MiB)",
                    targetBits, params(), averageBits(), effectiveBits(), bytes() / (1 << 20), params() * 4.0 / (1 << 20));
        }
    }
}
