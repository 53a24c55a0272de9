package dev.petrel.ops.fused;

import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.graph.Node;
import dev.petrel.ops.Broadcast;
import java.util.Arrays;

/**
 * Where {@code dev.petrel::Attention}'s operands live, for one set of input shapes: the checks both
 * attention kernels (portable and vector) share, and for each (batch, head) pair {@code t} the element
 * offset of its Q, K, V, mask and output blocks, with the strides between rows.
 *
 * <p>Layouts, by attributes:
 * <ul>
 *   <li>default: Q [..., Sq, D], K [..., Sk, D], V [..., Sk, Dv], output [..., Sq, Dv]; the leading axes
 *       broadcast as MatMul's;</li>
 *   <li>{@code k_transposed=1}: K given as Kᵀ [..., D, Sk];</li>
 *   <li>{@code sequence_major=1}: Q [B, Sq, H, D], K [B, Sk, H, D], V [B, Sk, H, Dv] and the output
 *       [B, Sq, H, Dv], the layout the projections produce before the usual transposes to [B, H, S, D]
 *       (the optimizer removes those transposes); B and H broadcast.</li>
 *   <li>{@code qkv_packed=1}: Q, K and V are the same tensor [B, S, 3, H, D], a fused QKV projection
 *       reshaped (ViT's export then transposes it to [3, B, H, S, D] and splits it: the optimizer removes
 *       those copies); the output is [B, S, H, D] as with {@code sequence_major}.</li>
 * </ul>
 * The additive mask broadcasts to the scores [B, H, Sq, Sk] (or [..., Sq, Sk]) in every layout, except
 * with {@code mask_windows=W}: Swin's shifted windows, where batch item b is window b mod W of its image,
 * and the mask [W, H or 1, Sq, Sk] holds each window's mask (and the relative position bias).
 */
public final class AttentionGeometry {
    /** Query rows, key rows, key width, value width, and (batch, head) pairs. */
    public final int sq, sk, d, dv, pairs;
    /** The output's dimensions. */
    public final int[] outDims;
    /** Elements between consecutive rows of Q, K, V and the output; {@link #kCol} between K's columns. */
    public final int qRow, kRow, kCol, vRow, yRow;
    /** Mask strides along query rows and key columns (0 when broadcast or without a mask). */
    public final int maskRow, maskCol;
    private final long[] qBase, kBase, vBase, maskBase, yBase;
    private final int[] qd, kd, vd, maskDims;

    /** Reads {@code k_transposed} and {@code sequence_major}. */
    public static boolean kTransposed(Node node) {
        return node.attributes().getInt("k_transposed", 0) != 0;
    }

    public static boolean sequenceMajor(Node node) {
        return node.attributes().getInt("sequence_major", 0) != 0;
    }

    public static boolean qkvPacked(Node node) {
        return node.attributes().getInt("qkv_packed", 0) != 0;
    }

    /** The {@code mask_windows} attribute: 0 when the mask broadcasts as usual. */
    public static int maskWindows(Node node) {
        long w = node.attributes().getInt("mask_windows", 0);
        if (w < 0 || w > Integer.MAX_VALUE) throw new IllegalArgumentException("Attention mask_windows must be >= 0, got " + w);
        return (int) w;
    }

    /**
     * Checks the shapes and plans the offsets.
     *
     * @throws IllegalArgumentException when Q, K and V disagree
     * @throws UnsupportedFeatureException for ranks or a mask this operator does not take
     */
    public static AttentionGeometry of(Tensor q, Tensor k, Tensor v, Tensor mask, boolean kTransposed, boolean sequenceMajor) {
        return of(q, k, v, mask, kTransposed, sequenceMajor, false);
    }

    /** As above, with the {@code qkv_packed} layout. */
    public static AttentionGeometry of(Tensor q, Tensor k, Tensor v, Tensor mask, boolean kTransposed, boolean sequenceMajor,
                                       boolean qkvPacked) {
        return of(q, k, v, mask, kTransposed, sequenceMajor, qkvPacked, 0);
    }

    /** As above, with {@code mask_windows} (0: none). */
    public static AttentionGeometry of(Tensor q, Tensor k, Tensor v, Tensor mask, boolean kTransposed, boolean sequenceMajor,
                                       boolean qkvPacked, int maskWindows) {
        return new AttentionGeometry(q.dims(), k.dims(), v.dims(), mask == null ? null : mask.dims(), kTransposed, sequenceMajor,
                qkvPacked, maskWindows, q, k, v, mask);
    }

    /** True when this plan was made for these shapes (so a kernel can keep it across runs). */
    public boolean fits(Tensor q, Tensor k, Tensor v, Tensor mask) {
        return Arrays.equals(qd, q.dims()) && Arrays.equals(kd, k.dims()) && Arrays.equals(vd, v.dims())
                && Arrays.equals(maskDims, mask == null ? null : mask.dims());
    }

    public long qBase(int t) { return qBase[t]; }
    public long kBase(int t) { return kBase[t]; }
    public long vBase(int t) { return vBase[t]; }
    public long yBase(int t) { return yBase[t]; }
    /** Offset of pair t's mask block; 0 without a mask. */
    public long maskBase(int t) { return maskBase == null ? 0 : maskBase[t]; }

    private AttentionGeometry(int[] qd, int[] kd, int[] vd, int[] maskDims, boolean kTransposed, boolean sequenceMajor,
            boolean packed, int windows, Tensor q, Tensor k, Tensor v, Tensor mask) {
        this.qd = qd.clone();
        this.kd = kd.clone();
        this.vd = vd.clone();
        this.maskDims = maskDims == null ? null : maskDims.clone();
        String operands = "Q " + q.describe() + ", K " + k.describe() + (kTransposed ? " (transposed)" : "") + ", V " + v.describe();
        if (sequenceMajor && kTransposed) {
            throw new UnsupportedFeatureException("Attention: sequence_major with k_transposed is not supported");
        }
        if (packed && (sequenceMajor || kTransposed)) {
            throw new UnsupportedFeatureException("Attention: qkv_packed with sequence_major or k_transposed is not supported");
        }
        if (packed && (qd.length != 5 || qd[2] != 3 || !Arrays.equals(qd, kd) || !Arrays.equals(qd, vd))) {
            throw new IllegalArgumentException("Attention qkv_packed needs Q, K and V to be one tensor [B, S, 3, H, D], got " + operands);
        }
        int minRank = packed ? 5 : sequenceMajor ? 4 : 2;
        if (qd.length < minRank || kd.length < minRank || vd.length < minRank || (sequenceMajor && (qd.length != 4 || kd.length != 4 || vd.length != 4))) {
            throw new UnsupportedFeatureException("Attention needs Q, K, V of rank " + (sequenceMajor ? "4 (sequence_major)" : ">= 2")
                    + ", got " + operands);
        }
        // The (batch, head) axes and the row/column axes of each operand.
        int[] qb, kb, vb;
        if (packed) {
            sq = sk = qd[1];
            d = dv = qd[4];
            qb = kb = vb = new int[] {qd[0], qd[3]};
        } else if (sequenceMajor) {
            sq = qd[1];
            d = qd[3];
            sk = kd[1];
            dv = vd[3];
            if (kd[3] != d || vd[1] != sk) throw new IllegalArgumentException("Attention shapes do not agree: " + operands);
            qb = new int[] {qd[0], qd[2]};
            kb = new int[] {kd[0], kd[2]};
            vb = new int[] {vd[0], vd[2]};
        } else {
            sq = qd[qd.length - 2];
            d = qd[qd.length - 1];
            sk = kTransposed ? kd[kd.length - 1] : kd[kd.length - 2];
            int kdim = kTransposed ? kd[kd.length - 2] : kd[kd.length - 1];
            dv = vd[vd.length - 1];
            if (kdim != d || vd[vd.length - 2] != sk) throw new IllegalArgumentException("Attention shapes do not agree: " + operands);
            qb = Arrays.copyOf(qd, qd.length - 2);
            kb = Arrays.copyOf(kd, kd.length - 2);
            vb = Arrays.copyOf(vd, vd.length - 2);
        }
        int[] batch;
        try {
            batch = Broadcast.shape(qb, kb, vb);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Attention batch/head axes do not broadcast: " + operands);
        }
        int[] scoreDims = Arrays.copyOf(batch, batch.length + 2);
        scoreDims[batch.length] = sq;
        scoreDims[batch.length + 1] = sk;
        int[] ms = null;
        int maskHeads = 0;
        if (windows > 0) {
            // Mask [W, H or 1, Sq, Sk]; scores [B, H, Sq, Sk] with B a multiple of W.
            if (mask == null || mask.dtype() != dev.petrel.DType.FLOAT || batch.length != 2 || maskDims.length != 4
                    || maskDims[0] != windows || (maskDims[1] != 1 && maskDims[1] != batch[1]) || maskDims[2] != sq || maskDims[3] != sk) {
                throw new IllegalArgumentException("Attention mask_windows=" + windows + " needs a FLOAT mask [" + windows + ", H or 1, "
                        + sq + ", " + sk + "] and scores of rank 4, got " + (mask == null ? "no mask" : mask.describe()) + " for " + operands);
            }
            if (batch[0] % windows != 0) {
                throw new IllegalArgumentException("Attention mask_windows=" + windows + " needs a batch that is a multiple of "
                        + windows + ", got " + batch[0] + " (" + operands + ")");
            }
            maskHeads = maskDims[1];
        } else if (mask != null) {
            if (mask.dtype() != dev.petrel.DType.FLOAT) throw new IllegalArgumentException("Attention mask must be FLOAT, got " + mask.describe());
            if (maskDims.length > scoreDims.length || !Arrays.equals(Broadcast.shape(scoreDims, maskDims), scoreDims)) {
                throw new UnsupportedFeatureException("Attention mask " + mask.describe() + " does not broadcast to the scores "
                        + Arrays.toString(scoreDims));
            }
            ms = Broadcast.strides(maskDims, scoreDims);
        }
        pairs = Tensor.checkedSize(batch);
        if (packed) {
            outDims = new int[] {batch[0], sq, batch[1], dv};
            qRow = kRow = vRow = 3 * qd[3] * d;
            yRow = batch[1] * dv;
        } else if (sequenceMajor) {
            outDims = new int[] {batch[0], sq, batch[1], dv};
            qRow = qd[2] * d;
            kRow = kd[2] * d;
            vRow = vd[2] * dv;
            yRow = batch[1] * dv;
        } else {
            outDims = Arrays.copyOf(batch, batch.length + 2);
            outDims[batch.length] = sq;
            outDims[batch.length + 1] = dv;
            qRow = d;
            kRow = kTransposed ? 1 : d;
            vRow = dv;
            yRow = dv;
        }
        kCol = kTransposed ? sk : 1;
        maskRow = windows > 0 ? sk : ms == null ? 0 : ms[batch.length];
        maskCol = windows > 0 ? 1 : ms == null ? 0 : ms[batch.length + 1];
        qBase = new long[pairs];
        kBase = new long[pairs];
        vBase = new long[pairs];
        yBase = new long[pairs];
        maskBase = ms == null && windows == 0 ? null : new long[pairs];
        int[] qs = Broadcast.strides(qb, batch);
        int[] ks = Broadcast.strides(kb, batch);
        int[] vs = Broadcast.strides(vb, batch);
        for (int t = 0; t < pairs; t++) {
            int rest = t;
            long qo = 0, ko = 0, vo = 0, mo = 0;
            int[] idx = new int[batch.length];
            for (int i = batch.length - 1; i >= 0; i--) {
                idx[i] = rest % batch[i];
                rest /= batch[i];
                qo += (long) idx[i] * qs[i];
                ko += (long) idx[i] * ks[i];
                vo += (long) idx[i] * vs[i];
                if (ms != null) mo += (long) idx[i] * ms[i];
            }
            if (packed) {
                // Row (b, s) holds Q, K, V of every head: [3][H][D].
                long heads = qd[3];
                long row = ((long) idx[0] * sq * 3) * heads * d + (long) idx[1] * d;
                qBase[t] = row;
                kBase[t] = row + heads * d;
                vBase[t] = row + 2 * heads * d;
                yBase[t] = ((long) idx[0] * sq * batch[1] + idx[1]) * dv;
            } else if (sequenceMajor) {
                // qs/ks/vs count (b, h) pairs of the operand's own [B, H]: b·H + h, or 0 where broadcast.
                qBase[t] = rowMajorBase(idx, qb, qd[1], d);
                kBase[t] = rowMajorBase(idx, kb, kd[1], d);
                vBase[t] = rowMajorBase(idx, vb, vd[1], dv);
                yBase[t] = ((long) idx[0] * sq * batch[1] + idx[1]) * dv;
            } else {
                qBase[t] = qo * sq * d;
                kBase[t] = ko * sk * d;
                vBase[t] = vo * sk * dv;
                yBase[t] = (long) t * sq * dv;
            }
            if (windows > 0) {
                maskBase[t] = ((long) (idx[0] % windows) * maskHeads + (maskHeads == 1 ? 0 : idx[1])) * sq * sk;
            } else if (maskBase != null) {
                maskBase[t] = mo;
            }
        }
    }

    /** Offset of pair (b, h) in a [B, S, H, W] operand whose [B, H] may be 1 (broadcast). */
    private static long rowMajorBase(int[] idx, int[] bh, int s, int w) {
        long b = bh[0] == 1 ? 0 : idx[0];
        long h = bh[1] == 1 ? 0 : idx[1];
        return (b * s * bh[1] + h) * w;
    }
}
