package dev.petrel.ops.fused;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.graph.Node;
import dev.petrel.ops.Broadcast;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * {@code dev.petrel::Attention(Q, K, V[, mask])}, FLOAT: {@code softmax(Q·Kᵀ·scale + mask)·V} over the
 * last two axes, Q [..., Sq, D], K [..., Sk, D] (or Kᵀ [..., D, Sk] with {@code k_transposed=1}),
 * V [..., Sk, Dv]; the leading axes broadcast as MatMul's do, and the additive mask must broadcast to
 * the scores [..., Sq, Sk]. Each (batch, head) pair is copied into float arrays once and done in one pass
 * per query row: scores, max-subtracted softmax, weighted sum of V.
 */
final class AttentionKernel implements Kernel {
    private final float scale;
    private final boolean kTransposed;
    private Head head;

    AttentionKernel(Node node) {
        this.scale = node.attributes().getFloat("scale", Float.NaN);
        if (Float.isNaN(scale)) throw new IllegalArgumentException("Attention needs the FLOAT attribute scale");
        this.kTransposed = node.attributes().getInt("k_transposed", 0) != 0;
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor q = ctx.requireInput(0);
        Tensor k = ctx.requireInput(1);
        Tensor v = ctx.requireInput(2);
        Tensor mask = ctx.input(3);
        if (q.rank() < 2 || k.rank() < 2 || v.rank() < 2) {
            throw new UnsupportedFeatureException("Attention needs Q, K, V of rank >= 2, got " + q.describe() + ", "
                    + k.describe() + ", " + v.describe());
        }
        int[] qd = q.dims();
        int[] kd = k.dims();
        int[] vd = v.dims();
        int sq = qd[qd.length - 2];
        int d = qd[qd.length - 1];
        int sk = kTransposed ? kd[kd.length - 1] : kd[kd.length - 2];
        int kdim = kTransposed ? kd[kd.length - 2] : kd[kd.length - 1];
        int dv = vd[vd.length - 1];
        if (kdim != d || vd[vd.length - 2] != sk) {
            throw new IllegalArgumentException("Attention shapes do not agree: Q " + q.describe() + ", K " + k.describe()
                    + (kTransposed ? " (transposed)" : "") + ", V " + v.describe());
        }
        int[] qb = Arrays.copyOf(qd, qd.length - 2);
        int[] kb = Arrays.copyOf(kd, kd.length - 2);
        int[] vb = Arrays.copyOf(vd, vd.length - 2);
        int[] batch = Broadcast.shape(qb, kb, vb);
        int[] scoreDims = Arrays.copyOf(batch, batch.length + 2);
        scoreDims[batch.length] = sq;
        scoreDims[batch.length + 1] = sk;
        int[] ms = null;
        if (mask != null) {
            if (mask.dtype() != DType.FLOAT) throw new IllegalArgumentException("Attention mask must be FLOAT, got " + mask.describe());
            if (mask.rank() > scoreDims.length || !Arrays.equals(Broadcast.shape(scoreDims, mask.dims()), scoreDims)) {
                throw new UnsupportedFeatureException("Attention mask " + mask.describe() + " does not broadcast to the scores "
                        + Arrays.toString(scoreDims));
            }
            ms = Broadcast.strides(mask.dims(), scoreDims);
        }
        int[] outDims = Arrays.copyOf(batch, batch.length + 2);
        outDims[batch.length] = sq;
        outDims[batch.length + 1] = dv;
        Tensor y = ctx.output(0, DType.FLOAT, outDims);
        int batches = 1;
        for (int b : batch) batches *= b;
        int[] qs = Broadcast.strides(qb, batch);
        int[] ks = Broadcast.strides(kb, batch);
        int[] vs = Broadcast.strides(vb, batch);
        int[] msf = ms;
        boolean sequential = ctx.parallel().threads() == 1;
        if (sequential && (head == null || !head.fits(sq, sk, d, dv))) head = new Head(sq, sk, d, dv);
        Head reused = head;
        ctx.parallel().forRange(batches, (from, to) -> {
            // One thread reuses the kernel's scratch; workers each take their own.
            Head h = sequential ? reused : new Head(sq, sk, d, dv);
            for (int t = from; t < to; t++) {
                h.run(t, batch, q, qs, k, ks, v, vs, mask, msf, y);
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

        void run(int t, int[] batch, Tensor q, int[] qs, Tensor k, int[] ks, Tensor v, int[] vs, Tensor mask, int[] ms, Tensor y) {
            int qo = 0, ko = 0, vo = 0, mo = 0;
            int rest = t;
            for (int i = batch.length - 1; i >= 0; i--) {
                int idx = rest % batch[i];
                rest /= batch[i];
                qo += idx * qs[i];
                ko += idx * ks[i];
                vo += idx * vs[i];
                if (ms != null) mo += idx * ms[i];
            }
            FloatBuffer qf = q.floats();
            FloatBuffer kf = k.floats();
            FloatBuffer vf = v.floats();
            int qBase = qo * sq * d;
            for (int i = 0; i < sq * d; i++) qa[i] = qf.get(qBase + i);
            int kBase = ko * sk * d;
            if (kTransposed) {
                for (int dd = 0; dd < d; dd++) for (int j = 0; j < sk; j++) ka[j * d + dd] = kf.get(kBase + dd * sk + j);
            } else {
                for (int i = 0; i < sk * d; i++) ka[i] = kf.get(kBase + i);
            }
            int vBase = vo * sk * dv;
            for (int i = 0; i < sk * dv; i++) va[i] = vf.get(vBase + i);
            FloatBuffer mf = mask == null ? null : mask.floats();
            int msq = ms == null ? 0 : ms[batch.length];
            int msk = ms == null ? 0 : ms[batch.length + 1];
            FloatBuffer yf = y.floats();
            int yBase = t * sq * dv;
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
                for (int c = 0; c < dv; c++) yf.put(yBase + i * dv + c, acc[c]);
            }
        }
    }
}
