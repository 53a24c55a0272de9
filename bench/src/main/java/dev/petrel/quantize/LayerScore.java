package dev.petrel.quantize;

import java.util.List;

/**
 * One group of MatMul/Gemm weights and its importance: a transformer block scored with LIM, or a
 * group outside the blocks (embedding side, head side) that is never ranked below a block.
 *
 * @param name      "block 3", "embedding", "head", "other"
 * @param kind      what the group is
 * @param block     the block's index from the input side, -1 for the other kinds
 * @param lim       LIM importance {@code 1 - cosine}: higher means the block changes the residual stream
 *                  more; {@link Double#NaN} for groups that are not scored
 * @param cosine    mean cosine between the residual state entering and leaving the block, NaN when unscored
 * @param inState   the graph value of the residual state entering the block (null for other groups)
 * @param outState  the graph value leaving it (null for other groups)
 * @param weights   the constant weights of the group's MatMul/Gemm nodes
 */
public record LayerScore(String name, Kind kind, int block, double lim, double cosine, String inState, String outState,
                         List<Weight> weights) {
    public LayerScore {
        weights = List.copyOf(weights);
    }

    /** What a group of weights is. */
    public enum Kind {
        /** A transformer block between two residual states: scored. */
        BLOCK,
        /** Weights that run before the first residual state (input projections). */
        EMBEDDING,
        /** Weights that run after the last residual state (pooler, LM head). */
        HEAD,
        /** MatMul weights on no path through the residual stream. */
        OTHER
    }

    /**
     * A MatMul/Gemm weight.
     *
     * @param name   the initializer's name in the fp32 graph (what a quantizer's per-weight choice is keyed by)
     * @param params its element count
     * @param k      the reduction length (rows of a MatMul B [K, N]): per-channel scales cost 32/K bits a weight
     */
    public record Weight(String name, long params, int k) {}

    /** Parameters of all weights of the group. */
    public long params() {
        long p = 0;
        for (Weight w : weights) p += w.params();
        return p;
    }

    public boolean scored() {
        return kind == Kind.BLOCK;
    }

    /** The same group with a LIM score (used by tests and by callers with scores of their own). */
    public LayerScore withScore(double cosine) {
        return new LayerScore(name, kind, block, 1 - cosine, cosine, inState, outState, weights);
    }
}
