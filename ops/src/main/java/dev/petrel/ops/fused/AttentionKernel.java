package dev.petrel.ops.fused;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * {@code dev.petrel::Attention(Q, K, V[, mask])}, FLOAT: {@code softmax(Q·Kᵀ·scale + mask)·V} per
 * (batch, head) pair, in the layouts {@link AttentionGeometry} describes (which also checks the shapes). Each (batch, head) pair is copied into float arrays once and done in one pass
 * per query row: scores, max-subtracted softmax, weighted sum of V.
 */
final class AttentionKernel implements Kernel {
    private final float scale;
    private final boolean kTransposed;
    private final boolean sequenceMajor;
    private final boolean qkvPacked;
    private final int maskWindows;
    private AttentionGeometry geometry;
    private Head head;

    AttentionKernel(Node node) {
        this.scale = node.attributes().getFloat("scale", Float.NaN);
        if (Float.isNaN(scale)) throw new IllegalArgumentException("Attention needs the FLOAT attribute scale");
        this.kTransposed = AttentionGeometry.kTransposed(node);
        this.sequenceMajor = AttentionGeometry.sequenceMajor(node);
        this.qkvPacked = AttentionGeometry.qkvPacked(node);
        this.maskWindows = AttentionGeometry.maskWindows(node);
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor q = ctx.requireInput(0);
        Tensor k = ctx.requireInput(1);
        Tensor v = ctx.requireInput(2);
        Tensor mask = ctx.input(3);
        AttentionGeometry g = geometry;
        if (g == null || !g.fits(q, k, v, mask)) geometry = g = AttentionGeometry.of(q, k, v, mask, kTransposed, sequenceMajor, qkvPacked, maskWindows);
        Tensor y = ctx.output(0, DType.FLOAT, g.outDims);
        int sq = g.sq, sk = g.sk, d = g.d, dv = g.dv;
        boolean sequential = ctx.parallel().threads() == 1;
        if (sequential && (head == null || !head.fits(sq, sk, d, dv))) head = new Head(sq, sk, d, dv);
        Head reused = head;
        AttentionGeometry geo = g;
        ctx.parallel().forRange(g.pairs, (from, to) -> {
            // One thread reuses the kernel's scratch; workers each take their own.
            Head h = sequential ? reused : new Head(sq, sk, d, dv);
            for (int t = from; t < to; t++) {
                h.run(t, geo, q, k, v, mask, y);
            }
        });
    }

    /** Scratch for one (batch, head) pair at a time. */
    private final class Head {
        final int sq, sk, d, dv;
        final float[] qa, ka, va, scores, acc;

        Head(int sq, int sk, int d, int dv) {
            this.sq = sq;
            this.sk = sk;
            this.d = d;
            this.dv = dv;
            qa = new float[sq * d];
            ka = new float[sk * d];
            va = new float[sk * dv];
            scores = new float[sk];
            acc = new float[dv];
        }

        boolean fits(int sq, int sk, int d, int dv) {
            return this.sq == sq && this.sk == sk && this.d == d && this.dv == dv;
        }

        void run(int t, AttentionGeometry g, Tensor q, Tensor k, Tensor v, Tensor mask, Tensor y) {
            FloatBuffer qf = q.floats();
            FloatBuffer kf = k.floats();
            FloatBuffer vf = v.floats();
            int qBase = (int) g.qBase(t), kBase = (int) g.kBase(t), vBase = (int) g.vBase(t), mo = (int) g.maskBase(t);
            for (int i = 0; i < sq; i++) for (int dd = 0; dd < d; dd++) qa[i * d + dd] = qf.get(qBase + i * g.qRow + dd);
            for (int j = 0; j < sk; j++) for (int dd = 0; dd < d; dd++) ka[j * d + dd] = kf.get(kBase + j * g.kRow + dd * g.kCol);
            for (int j = 0; j < sk; j++) for (int c = 0; c < dv; c++) va[j * dv + c] = vf.get(vBase + j * g.vRow + c);
            FloatBuffer mf = mask == null ? null : mask.floats();
            int msq = g.maskRow;
            int msk = g.maskCol;
            FloatBuffer yf = y.floats();
            int yBase = (int) g.yBase(t);
            for (int i = 0; i < sq; i++) {
                float max = Float.NEGATIVE_INFINITY;
                int qr = i * d;
                for (int j = 0; j < sk; j++) {
                    int kr = j * d;
                    float s = 0f;
                    for (int dd = 0; dd < d; dd++) s += qa[qr + dd] * ka[kr + dd];
                    s *= scale;
                    if (mf != null) s += mf.get(mo + i * msq + j * msk);
                    scores[j] = s;
                    if (s > max) max = s;
                }
                if (max == Float.NEGATIVE_INFINITY) max = 0f;
                float sum = 0f;
                for (int j = 0; j < sk; j++) {
                    float e = (float) Math.exp(scores[j] - max);
                    scores[j] = e;
                    sum += e;
                }
                float inv = 1f / sum;
                Arrays.fill(acc, 0f);
                for (int j = 0; j < sk; j++) {
                    float p = scores[j] * inv;
                    int vr = j * dv;
                    for (int c = 0; c < dv; c++) acc[c] += p * va[vr + c];
                }
                for (int c = 0; c < dv; c++) yf.put(yBase + i * g.yRow + c, acc[c]);
            }
        }
    }
}
