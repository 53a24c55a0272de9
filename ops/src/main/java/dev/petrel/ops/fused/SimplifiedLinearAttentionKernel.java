package dev.petrel.ops.fused;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.graph.Node;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import dev.petrel.spi.Parallel;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * {@code dev.petrel::SimplifiedLinearAttention} (opset 1), FLOAT: SLAB's simplified linear attention
 * (Guo et al., ICML 2024), the portable reference.
 *
 * <p>Inputs:
 * <ol start="0">
 *   <li>{@code qkv} [B, N, 3C]: the fused qkv projection as PyTorch's {@code qkv} Linear writes it, q in
 *       channels [0, C), k in [C, 2C), v in [2C, 3C); head h owns channels [h·c, (h+1)·c) of each, c = C/H;</li>
 *   <li>{@code positional} (optional) [1, N, C] or [N, C]: added to K before the kernel function;</li>
 *   <li>{@code dwc_weight} (optional) [c, 1, kh, kw], kh and kw odd: the depth-wise convolution on V, the
 *       same weights for every head, zero padding (kh-1)/2 and (kw-1)/2 ("same" output), stride 1;</li>
 *   <li>{@code dwc_bias} (optional, only with a weight) [c].</li>
 * </ol>
 * Attributes: {@code num_heads} H (required, divides C); {@code height} and {@code width}, the token grid
 * (row-major, height·width = N) the convolution sees, both or neither: without them N must be a perfect
 * square; {@code eps} (default 1e-6).
 *
 * <p>Output [B, N, C], heads concatenated (what SLAB's {@code proj} reads). Per batch and head, with
 * q_i = ReLU(Q_i), k_j = ReLU(K_j + P_j), v_j = V_j (c-vectors):
 * <pre>
 *   kv = Σ_j k_j v_jᵀ (c×c),  z = Σ_j k_j,
 *   O_i = q_iᵀ kv / (q_i·z + eps) + DWC(V)_i
 * </pre>
 * where DWC(V) treats V ([N, c]) as a c-channel height×width image. Everything is fp32, as SLAB runs it
 * (autocast off): kᵀv is formed first, so the cost is linear in N (N·c² per head, plus N·c·kh·kw for the
 * convolution). Heads and batches are independent: they are dealt to the session's threads, each part with
 * its own scratch kept across runs.
 */
public final class SimplifiedLinearAttentionKernel implements Kernel {
    /** Operator name in the {@code dev.petrel} domain. */
    public static final String OP = "SimplifiedLinearAttention";

    private final Params params;
    private Geometry geometry;
    private float[][] scratch = new float[0][];
    // The run's operands, in fields so that the parallel body allocates nothing.
    private FloatBuffer qkvF, posF, wF, bF, yF;
    private int parts;
    private final Parallel.RangeBody body = this::runParts;

    SimplifiedLinearAttentionKernel(Node node) {
        this.params = Params.of(node);
    }

    /** The attributes, parsed once per node (shared with the vector kernel). */
    public static final class Params {
        public final int heads;
        /** Grid height and width; 0 when the grid is the square root of N. */
        public final int height, width;
        public final float eps;

        private Params(int heads, int height, int width, float eps) {
            this.heads = heads;
            this.height = height;
            this.width = width;
            this.eps = eps;
        }

        public static Params of(Node node) {
            long h = node.attributes().getInt("num_heads", 0);
            if (h < 1) throw new IllegalArgumentException(OP + " needs the attribute num_heads >= 1, got " + h);
            long height = node.attributes().getInt("height", 0);
            long width = node.attributes().getInt("width", 0);
            if ((height == 0) != (width == 0) || height < 0 || width < 0 || height > Integer.MAX_VALUE || width > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(OP + ": give both height and width (positive) or neither, got height "
                        + height + ", width " + width);
            }
            float eps = node.attributes().getFloat("eps", 1e-6f);
            return new Params((int) Math.min(h, Integer.MAX_VALUE), (int) height, (int) width, eps);
        }
    }

    /** The operands' shapes, checked once per input signature. */
    public static final class Geometry {
        public final int batch, tokens, channels, heads, headDim, height, width, kh, kw;
        public final boolean hasPositional, hasWeight, hasBias;
        private final int[] qkvDims, posDims, wDims, bDims;

        public static Geometry of(Params a, Tensor qkv, Tensor pos, Tensor w, Tensor b) {
            return new Geometry(a, qkv, pos, w, b);
        }

        /** True when this plan was made for these shapes. */
        public boolean fits(Tensor qkv, Tensor pos, Tensor w, Tensor b) {
            return Arrays.equals(qkvDims, qkv.dims()) && Arrays.equals(posDims, pos == null ? null : pos.dims())
                    && Arrays.equals(wDims, w == null ? null : w.dims()) && Arrays.equals(bDims, b == null ? null : b.dims());
        }

        private Geometry(Params a, Tensor qkv, Tensor pos, Tensor w, Tensor b) {
            qkvDims = qkv.dims();
            posDims = pos == null ? null : pos.dims();
            wDims = w == null ? null : w.dims();
            bDims = b == null ? null : b.dims();
            if (qkvDims.length != 3 || qkvDims[2] % 3 != 0) {
                throw new IllegalArgumentException(OP + ": qkv must be [B, N, 3C], got " + qkv.describe());
            }
            batch = qkvDims[0];
            tokens = qkvDims[1];
            channels = qkvDims[2] / 3;
            heads = a.heads;
            if (channels % heads != 0) {
                throw new IllegalArgumentException(OP + ": num_heads " + heads + " does not divide C = " + channels + " (qkv "
                        + qkv.describe() + ")");
            }
            headDim = channels / heads;
            if (a.height > 0) {
                if ((long) a.height * a.width != tokens) {
                    throw new IllegalArgumentException(OP + ": height " + a.height + " x width " + a.width + " != N = " + tokens);
                }
                height = a.height;
                width = a.width;
            } else {
                int s = (int) Math.round(Math.sqrt(tokens));
                if ((long) s * s != tokens) {
                    throw new IllegalArgumentException(OP + ": N = " + tokens + " is not a perfect square; give height and width");
                }
                height = width = s;
            }
            hasPositional = pos != null;
            if (pos != null) {
                boolean ok = pos.dtype() == DType.FLOAT && (posDims.length == 3 && posDims[0] == 1 && posDims[1] == tokens
                        && posDims[2] == channels || posDims.length == 2 && posDims[0] == tokens && posDims[1] == channels);
                if (!ok) {
                    throw new IllegalArgumentException(OP + ": positional must be FLOAT [1, " + tokens + ", " + channels + "] or ["
                            + tokens + ", " + channels + "], got " + pos.describe());
                }
            }
            hasWeight = w != null;
            hasBias = b != null;
            if (w != null) {
                if (w.dtype() != DType.FLOAT || wDims.length != 4 || wDims[0] != headDim || wDims[1] != 1 || wDims[2] % 2 == 0
                        || wDims[3] % 2 == 0) {
                    throw new IllegalArgumentException(OP + ": dwc_weight must be FLOAT [" + headDim + ", 1, kh, kw] with odd kh, kw, got "
                            + w.describe());
                }
                kh = wDims[2];
                kw = wDims[3];
            } else {
                kh = kw = 0;
            }
            if (b != null && (w == null || b.dtype() != DType.FLOAT || b.size() != headDim || bDims.length != 1)) {
                throw new IllegalArgumentException(OP + ": dwc_bias must be FLOAT [" + headDim + "] and come with a weight, got " + b.describe());
            }
        }

        /** The output's dimensions. */
        public int[] outDims() {
            return new int[] {batch, tokens, channels};
        }

        /** (batch, head) pairs. */
        public int pairs() {
            return batch * heads;
        }
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor qkv = ctx.requireInput(0);
        Tensor pos = ctx.input(1);
        Tensor w = ctx.input(2);
        Tensor b = ctx.input(3);
        if (qkv.dtype() != DType.FLOAT) throw new IllegalArgumentException(OP + ": qkv must be FLOAT, got " + qkv.describe());
        Geometry g = geometry;
        if (g == null || !g.fits(qkv, pos, w, b)) geometry = g = Geometry.of(params, qkv, pos, w, b);
        Tensor y = ctx.output(0, DType.FLOAT, g.outDims());
        int pairs = g.pairs();
        if (pairs == 0 || g.tokens == 0 || g.headDim == 0) return;
        int threads = Math.min(ctx.parallel().threads(), pairs);
        int c = g.headDim;
        int need = c * c + c + c;
        if (scratch.length < threads || scratch[0].length < need) {
            float[][] s = new float[Math.max(threads, scratch.length)][];
            for (int i = 0; i < s.length; i++) s[i] = new float[need];
            scratch = s;
        }
        qkvF = qkv.floats();
        posF = pos == null ? null : pos.floats();
        wF = w == null ? null : w.floats();
        bF = b == null ? null : b.floats();
        yF = y.floats();
        parts = threads;
        try {
            if (threads <= 1) runParts(0, 1);
            else ctx.parallel().forRange(threads, body);
        } finally {
            qkvF = posF = wF = bF = yF = null;
        }
    }

    private void runParts(int p0, int p1) {
        Geometry g = geometry;
        int pairs = g.pairs();
        for (int p = p0; p < p1; p++) {
            int from = (int) ((long) pairs * p / parts);
            int to = (int) ((long) pairs * (p + 1) / parts);
            for (int t = from; t < to; t++) head(g, scratch[p], t / g.heads, t % g.heads);
        }
    }

    /** One (batch, head) pair; {@code s} holds kv (c×c), z (c) and a query row (c). */
    private void head(Geometry g, float[] s, int b, int h) {
        final int n = g.tokens, cc = g.channels, c = g.headDim, row = 3 * cc;
        final FloatBuffer x = qkvF, pos = posF, y = yF;
        final int kvOff = 0, zOff = c * c, qOff = zOff + c;
        final long base = (long) b * n * row;
        Arrays.fill(s, 0, qOff, 0f);
        for (int j = 0; j < n; j++) {
            int kr = (int) (base + (long) j * row) + cc + h * c;
            int vr = kr + cc;
            int pr = j * cc + h * c;
            for (int t = 0; t < c; t++) {
                float k = x.get(kr + t);
                if (pos != null) k += pos.get(pr + t);
                k = Math.max(k, 0f);
                // ReLU zeros add nothing (NaN still propagates, as in PyTorch).
                if (k == 0f) continue;
                s[zOff + t] += k;
                int o = kvOff + t * c;
                for (int d = 0; d < c; d++) s[o + d] += k * x.get(vr + d);
            }
        }
        final float eps = params.eps;
        for (int i = 0; i < n; i++) {
            int qr = (int) (base + (long) i * row) + h * c;
            float den = 0f;
            for (int t = 0; t < c; t++) {
                float q = Math.max(x.get(qr + t), 0f);
                s[qOff + t] = q;
                den += q * s[zOff + t];
            }
            float inv = 1f / (den + eps);
            int yr = (int) (((long) b * n + i) * cc) + h * c;
            for (int d = 0; d < c; d++) {
                float acc = 0f;
                for (int t = 0; t < c; t++) acc += s[qOff + t] * s[kvOff + t * c + d];
                y.put(yr + d, acc * inv + dwc(g, b, h, i, d));
            }
        }
    }

    /** DWC(V) at token i, channel d of head h: the shared kh×kw filter over the zero-padded token grid. */
    private float dwc(Geometry g, int b, int h, int i, int d) {
        if (!g.hasWeight) return 0f;
        final int n = g.tokens, cc = g.channels, c = g.headDim, row = 3 * cc, wd = g.width, kh = g.kh, kw = g.kw;
        final int py = i / wd, px = i % wd, ry = kh / 2, rx = kw / 2;
        final long vBase = (long) b * n * row + 2L * cc + (long) h * c + d;
        float acc = g.hasBias ? bF.get(d) : 0f;
        for (int u = 0; u < kh; u++) {
            int yy = py + u - ry;
            if (yy < 0 || yy >= g.height) continue;
            for (int v = 0; v < kw; v++) {
                int xx = px + v - rx;
                if (xx < 0 || xx >= wd) continue;
                acc += wF.get((d * kh + u) * kw + v) * qkvF.get((int) (vBase + (long) (yy * wd + xx) * row));
            }
        }
        return acc;
    }
}
