package dev.petrel.llm;

import dev.petrel.spi.Float16;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * A weight matrix {@code W [in, out]} of a product {@code y = x·W + b}, quantized in blocks of
 * {@link #blockSize()} weights along the input ({@code in}) for each output column, and laid out for
 * a vector unit that works on {@link #PANEL} output columns at once:
 * <ul>
 *   <li>the columns are cut into panels of 16 (the last one padded with zero codes); a panel's codes
 *       are one contiguous run from input 0 to {@link #paddedIn()} (inputs past {@code in} hold code 0),
 *       so one thread streams its panels in address order, as the fp32 GEMV streams its rows;
 *   <li>codes are stored unsigned ({@code code + 2^(bits−1)}), in 64-byte groups read as 16 little-endian
 *       ints, int j holding column j's codes of consecutive inputs: {@link Q8Matrix} 4 inputs per group
 *       (input k + s in bits {@code [8s, 8s + 8)}), {@link Q4Matrix} 8 inputs (bits {@code [4s, 4s + 4)}).
 *       A vector unit isolates each code vector of a group with one AND ({@code v & (mask << bits·s)})
 *       and converts it to float as it stands ({@code code·2^(bits·s)}, exact), the activation having been
 *       scaled by {@code 2^(−bits·s)} once per call (exact): no shifts but one per group for the top
 *       codes, whose AND would set the sign bit;
 *   <li>scales {@code [panel][block][16]}, fp16 or fp32 ({@link #halfScales()}); optional offsets in the
 *       same layout (fp32): {@code W[k, n] = code·scale + offset} (a zero point other than the codes'
 *       middle, as ONNX MatMulNBits allows).
 * </ul>
 * The product, per output column n ({@link #multiply} here, the reference; the vector kernels in
 * {@code ops/vector} sum the unsigned codes instead and add {@code −2^(bits−1)·sum(x over the block)·scale}
 * per block, with fused multiply-adds: equal up to fp32 rounding):
 * <pre>
 * total = 0
 * for each block b: even = odd = 0
 *     for t in [0, blockSize): k = b·blockSize + t; a = k &lt; in ? x[k] : 0
 *         (t even ? even : odd) += a·code[k, n]
 *     total += (even + odd)·scale[b, n]
 *     if offsets: total += offset[b, n]·sum(x[k] over the block)
 * y[n] = total + bias[n]
 * </pre>
 * Two partial sums per block halve the chain of dependent additions a vector lane waits on.
 */
public abstract class QuantizedMatrix {
    /** Output columns per panel: one 16-lane vector of floats. */
    public static final int PANEL = 16;

    final int in, out, blockSize, blocks, paddedIn, panels, bits;
    final boolean halfScales;
    final ByteBuffer codes, scales, offsets;

    /** The code of {@code W[k, n]}, within the format's range. */
    public interface Codes {
        int code(int n, int k);
    }

    /** A value per (output column, block): a scale, or an offset ({@code W[k, n] = code·scale + offset}). */
    public interface PerBlock {
        float at(int n, int block);
    }

    QuantizedMatrix(int bits, int in, int out, int blockSize, boolean halfScales, boolean withOffsets) {
        this(bits, in, out, blockSize, halfScales, null, null, null, withOffsets);
    }

    /** Over existing buffers (checked by {@link #wrap}), or new zeroed ones where {@code codes} is null. */
    QuantizedMatrix(int bits, int in, int out, int blockSize, boolean halfScales, ByteBuffer codes, ByteBuffer scales,
                    ByteBuffer offsets, boolean withOffsets) {
        checkShape(in, out, blockSize);
        this.bits = bits;
        this.in = in;
        this.out = out;
        this.blockSize = blockSize;
        this.blocks = (in + blockSize - 1) / blockSize;
        this.paddedIn = blocks * blockSize;
        this.panels = (out + PANEL - 1) / PANEL;
        this.halfScales = halfScales;
        if (codes == null) {
            this.codes = direct(codeBytes(bits, in, out, blockSize));
            this.scales = direct(scaleBytes(in, out, blockSize, halfScales));
            this.offsets = withOffsets ? direct(scaleBytes(in, out, blockSize, false)) : null;
        } else {
            this.codes = codes;
            this.scales = scales;
            this.offsets = offsets;
        }
    }

    private static void checkShape(int in, int out, int blockSize) {
        if (in < 1 || out < 1) throw new IllegalArgumentException("matrix must not be empty, got " + in + " x " + out);
        if (blockSize < 8 || blockSize % 8 != 0) throw new IllegalArgumentException("block size must be a positive multiple of 8, got " + blockSize);
    }

    /** Bytes of the codes of an {@code in × out} matrix: whole panels of 16 columns, inputs padded to whole blocks. */
    public static long codeBytes(int bits, int in, int out, int blockSize) {
        long blocks = (in + blockSize - 1) / blockSize, panels = (out + PANEL - 1) / PANEL;
        return panels * blocks * blockSize * PANEL * bits / 8;
    }

    /** Bytes of the scales ({@code 2} per value when {@code half}, else 4), or of fp32 offsets with {@code half} false. */
    public static long scaleBytes(int in, int out, int blockSize, boolean half) {
        long blocks = (in + blockSize - 1) / blockSize, panels = (out + PANEL - 1) / PANEL;
        return panels * blocks * PANEL * (half ? 2 : 4);
    }

    /**
     * A matrix over existing buffers in this class's layout (as {@link #codes()}, {@link #scales()},
     * {@link #offsets()} return them), without copying: e.g. views of a memory-mapped file. Each buffer's
     * bytes from its position to its limit are used, read as little-endian; they must not change while
     * the matrix is used. A heap buffer is copied once to native memory, which the vector kernels read.
     *
     * @param offsets fp32 offsets in the scales' layout, or null
     * @throws IllegalArgumentException for bits other than 4 or 8, an empty matrix, a block size that is not
     *     a positive multiple of 8, or a buffer whose size is not the layout's (the message names it)
     */
    public static QuantizedMatrix wrap(int bits, int in, int out, int blockSize, boolean halfScales, ByteBuffer codes,
                                       ByteBuffer scales, ByteBuffer offsets) {
        if (bits != 4 && bits != 8) throw new IllegalArgumentException("bits must be 4 or 8, got " + bits);
        checkShape(in, out, blockSize);
        String what = "Q" + bits + " " + in + " x " + out + " in blocks of " + blockSize;
        ByteBuffer c = view("codes", what, codes, codeBytes(bits, in, out, blockSize));
        ByteBuffer s = view((halfScales ? "fp16" : "fp32") + " scales", what, scales, scaleBytes(in, out, blockSize, halfScales));
        ByteBuffer o = offsets == null ? null : view("fp32 offsets", what, offsets, scaleBytes(in, out, blockSize, false));
        return bits == 8 ? new Q8Matrix(in, out, blockSize, halfScales, c, s, o) : new Q4Matrix(in, out, blockSize, halfScales, c, s, o);
    }

    private static ByteBuffer view(String name, String what, ByteBuffer b, long expected) {
        if (b == null) throw new IllegalArgumentException(name + " of " + what + " must not be null");
        if (b.remaining() != expected) {
            throw new IllegalArgumentException(name + " of " + what + ": expected " + expected + " bytes, got " + b.remaining());
        }
        ByteBuffer v = b.slice();
        if (!v.isDirect()) {
            ByteBuffer d = ByteBuffer.allocateDirect(v.remaining());
            d.put(v);
            v = d;
            ((java.nio.Buffer) v).clear();
        }
        return v.order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ByteBuffer direct(long bytes) {
        if (bytes > Integer.MAX_VALUE) throw new IllegalArgumentException("quantized matrix of " + bytes + " bytes is too large");
        return ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A matrix of this format from codes and scales (fp32 scales unless {@code halfScales}); offsets may be null. */
    public static QuantizedMatrix pack(int bits, int in, int out, int blockSize, boolean halfScales, Codes codes, PerBlock scales,
                                       PerBlock offsets) {
        QuantizedMatrix m;
        if (bits == 8) m = new Q8Matrix(in, out, blockSize, halfScales, offsets != null);
        else if (bits == 4) m = new Q4Matrix(in, out, blockSize, halfScales, offsets != null);
        else throw new IllegalArgumentException("bits must be 4 or 8, got " + bits);
        for (int n = 0; n < out; n++) {
            for (int b = 0; b < m.blocks; b++) {
                m.putScale(n, b, scales.at(n, b));
                if (offsets != null) m.offsets.putFloat(m.blockIndex(n, b) * 4, offsets.at(n, b));
                int k1 = Math.min(in, (b + 1) * blockSize);
                for (int k = b * blockSize; k < k1; k++) m.putCode(n, k, codes.code(n, k));
            }
        }
        return m;
    }

    /**
     * Quantizes {@code w} ({@code [in, out]}, or {@code [out, in]} when {@code outMajor}, as an embedding
     * table) in blocks of 32 with fp16 scales.
     */
    public static QuantizedMatrix quantize(WeightFormat format, FloatBuffer w, int in, int out, boolean outMajor) {
        QuantizedMatrix m;
        if (format == WeightFormat.Q8) m = new Q8Matrix(in, out, 32, true, false);
        else if (format == WeightFormat.Q4) m = new Q4Matrix(in, out, 32, true, false);
        else throw new IllegalArgumentException("not a quantized format: " + format);
        int bs = m.blockSize;
        float[] block = new float[PANEL * bs];
        int[] q = new int[bs];
        for (int p = 0; p < m.panels; p++) {
            int n0 = p * PANEL, n1 = Math.min(out, n0 + PANEL);
            for (int b = 0; b < m.blocks; b++) {
                int k0 = b * bs, k1 = Math.min(in, k0 + bs);
                // k outside, n inside: rows of a [in, out] matrix are read in address order.
                for (int k = k0; k < k1; k++) {
                    for (int n = n0; n < n1; n++) {
                        block[(n - n0) * bs + k - k0] = outMajor ? w.get(n * in + k) : w.get(k * out + n);
                    }
                }
                for (int n = n0; n < n1; n++) {
                    float scale = m.quantizeBlock(block, (n - n0) * bs, k1 - k0, q);
                    m.putScale(n, b, scale);
                    m.putCodes(n, k0, k1 - k0, q);
                }
            }
        }
        return m;
    }

    /**
     * Chooses the scale of {@code v[o, o + count)} (representable in fp16) and writes the codes into
     * {@code q}; returns the scale.
     */
    abstract float quantizeBlock(float[] v, int o, int count, int[] q);

    /** Writes the code of {@code W[k, n]}. */
    abstract void putCode(int n, int k, int code);

    /** Writes {@code q[0, count)} as the codes of {@code W[k0 + i, n]}. */
    void putCodes(int n, int k0, int count, int[] q) {
        for (int i = 0; i < count; i++) putCode(n, k0 + i, q[i]);
    }

    /** The code of {@code W[k, n]} (0 for padding). */
    public abstract int code(int n, int k);

    final int blockIndex(int n, int b) {
        return ((n / PANEL) * blocks + b) * PANEL + n % PANEL;
    }

    private void putScale(int n, int b, float scale) {
        int i = blockIndex(n, b);
        if (halfScales) scales.putShort(i * 2, Float16.fromFloat(scale));
        else scales.putFloat(i * 4, scale);
    }

    public final float scale(int n, int b) {
        int i = blockIndex(n, b);
        return halfScales ? Float16.toFloat(scales.getShort(i * 2)) : scales.getFloat(i * 4);
    }

    public final float offset(int n, int b) {
        return offsets == null ? 0f : offsets.getFloat(blockIndex(n, b) * 4);
    }

    /** The weight {@code W[k, n]} as the product uses it. */
    public final float get(int k, int n) {
        int b = k / blockSize;
        return code(n, k) * scale(n, b) + offset(n, b);
    }

    /**
     * The reference product for output panels {@code [panelFrom, panelTo)}: {@code y[yOffset + r·out + n]}
     * for {@code r < rows}, x {@code [rows, in]} row-major; bias may be null.
     */
    public final void multiply(float[] x, int rows, FloatBuffer bias, float[] y, int yOffset, int panelFrom, int panelTo) {
        float[] sums = new float[blocks];
        for (int r = 0; r < rows; r++) {
            int xo = r * in;
            if (offsets != null) blockSums(x, xo, in, blockSize, sums, 0);
            for (int n = panelFrom * PANEL; n < Math.min(out, panelTo * PANEL); n++) {
                float total = 0f;
                for (int b = 0; b < blocks; b++) {
                    float even = 0f, odd = 0f;
                    int k0 = b * blockSize, k1 = Math.min(in, k0 + blockSize);
                    for (int k = k0; k < k1; k += 2) {
                        even += x[xo + k] * code(n, k);
                        if (k + 1 < k1) odd += x[xo + k + 1] * code(n, k + 1);
                    }
                    total += (even + odd) * scale(n, b);
                    if (offsets != null) total += offset(n, b) * sums[b];
                }
                y[yOffset + r * out + n] = bias == null ? total : total + bias.get(n);
            }
        }
    }

    /** {@code sums[so + b]} = the sum of {@code x[xo + k]} over block b, k ascending from 0. */
    public static void blockSums(float[] x, int xo, int in, int blockSize, float[] sums, int so) {
        for (int b = so, k = 0; k < in; b++) {
            float s = 0f;
            int k1 = Math.min(in, k + blockSize);
            for (; k < k1; k++) s += x[xo + k];
            sums[b] = s;
        }
    }

    public final int bits() { return bits; }
    public final int in() { return in; }
    public final int out() { return out; }
    public final int blockSize() { return blockSize; }
    public final int blocks() { return blocks; }
    public final int paddedIn() { return paddedIn; }
    public final int panels() { return panels; }
    public final boolean halfScales() { return halfScales; }

    /** The codes, little-endian, in the panel layout above (a view: do not change its position). */
    public final ByteBuffer codes() { return codes; }

    /** Scales {@code [panel][block][16]}: fp16 bits if {@link #halfScales()}, else fp32. */
    public final ByteBuffer scales() { return scales; }

    /** Offsets {@code [panel][block][16]} fp32, or null. */
    public final ByteBuffer offsets() { return offsets; }

    /** Bytes of codes, scales and offsets. */
    public final long bytes() {
        return codes.capacity() + (long) scales.capacity() + (offsets == null ? 0 : offsets.capacity());
    }

    /** The same as {@code Math.round} for the codes' range, but halves away from zero as ggml rounds. */
    static int roundAway(float v) {
        return v >= 0 ? (int) (v + 0.5f) : -(int) (-v + 0.5f);
    }

    /** {@code v} rounded to the nearest fp16 and back. */
    static float toHalf(float v) {
        return Float16.toFloat(Float16.fromFloat(v));
    }

    @Override
    public String toString() {
        return "Q" + bits + " " + in + " x " + out + ", blocks of " + blockSize + (halfScales ? ", fp16 scales" : ", fp32 scales")
                + (offsets != null ? ", offsets" : "");
    }
}
