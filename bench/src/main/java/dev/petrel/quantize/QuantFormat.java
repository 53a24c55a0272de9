package dev.petrel.quantize;

import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * How one weight is stored after quantization.
 *
 * <ul>
 *   <li>{@link Kind#INT8}: int8 initializer + {@code DequantizeLinear} (QDQ) feeding the original op;
 *       symmetric, zero point 0, {@code s = max|w| / 127}; per tensor, or per output column when
 *       {@code perChannel}.
 *   <li>{@link Kind#Q4}: {@code com.microsoft::MatMulNBits} with bits=4 and blocks of {@code blockSize}
 *       along K; asymmetric (min/max per block, packed zero points) unless {@code symmetric}.
 *   <li>{@link Kind#Q8}: the same with bits=8 (one byte per code, a scale and an 8-bit zero point per
 *       block): the most accurate format (MiniLM embeddings 0.9999 cosine vs fp32), but Petrel runs
 *       8-bit MatMulNBits with its portable kernel only (MiniLM at 32 tokens: about 0.76 s against 58 ms
 *       for int8 QDQ, measured on a loaded 2-core machine).
 *   <li>{@link Kind#NF4}, {@link Kind#FP4}: {@code com.microsoft::MatMulBnb4} (bitsandbytes' 4-bit codes,
 *       absmax per block of {@code blockSize} flat elements of the [N, K] weight).
 * </ul>
 *
 * @param blockSize block length for the 4-bit kinds (ignored for INT8)
 * @param perChannel INT8 only: one scale per output column instead of one per tensor
 * @param symmetric Q4/Q8 only: zero point 2^(bits-1) (absent) instead of a zero point per block
 */
public record QuantFormat(Kind kind, int blockSize, boolean perChannel, boolean symmetric) {
    /** The storage kinds. */
    public enum Kind {
        INT8(8), Q4(4), Q8(8), NF4(4), FP4(4);

        private final int bits;

        Kind(int bits) {
            this.bits = bits;
        }

        /** Stored with MatMulNBits (Q4, Q8). */
        public boolean isNBits() {
            return this == Q4 || this == Q8;
        }

        /** Bits per code (scales not included). */
        public int bits() {
            return bits;
        }

        /** The block size used when none is given: 32 for Q4 (ONNX Runtime's default), 64 for NF4/FP4 (bitsandbytes'). */
        public int defaultBlockSize() {
            return isNBits() ? 32 : this == INT8 ? 0 : 64;
        }

        public static Kind parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown quantization format '" + s + "' (int8, q4, q8, nf4, fp4)");
            }
        }
    }

    public QuantFormat {
        if (kind == null) throw new IllegalArgumentException("kind is required");
        if (kind.isNBits() && (blockSize < 16 || Integer.bitCount(blockSize) != 1)) {
            throw new IllegalArgumentException(kind.name().toLowerCase(Locale.ROOT) + " block size must be a power of 2 >= 16 (MatMulNBits), got " + blockSize);
        }
        if ((kind == Kind.NF4 || kind == Kind.FP4) && (blockSize < 16 || blockSize > 4096 || Integer.bitCount(blockSize) != 1)) {
            throw new IllegalArgumentException(kind.name().toLowerCase(Locale.ROOT)
                    + " block size must be a power of 2 in 16..4096, got " + blockSize);
        }
    }

    public static QuantFormat int8(boolean perChannel) {
        return new QuantFormat(Kind.INT8, 0, perChannel, true);
    }

    public static QuantFormat q4(int blockSize, boolean symmetric) {
        return new QuantFormat(Kind.Q4, blockSize, false, symmetric);
    }

    public static QuantFormat q8(int blockSize, boolean symmetric) {
        return new QuantFormat(Kind.Q8, blockSize, false, symmetric);
    }

    public static QuantFormat nf4(int blockSize) {
        return new QuantFormat(Kind.NF4, blockSize, false, true);
    }

    public static QuantFormat fp4(int blockSize) {
        return new QuantFormat(Kind.FP4, blockSize, false, true);
    }

    /**
     * The format for a bit width, as a precision planner gives it: 8 = {@link #int8} per channel (QDQ,
     * which Petrel runs fast, rather than {@link Kind#Q8}),
     * 4 = {@link #q4} (block 32, with zero points); 16 or 32 = null (keep fp32).
     */
    public static QuantFormat ofBits(int bits) {
        switch (bits) {
            case 8: return int8(true);
            case 4: return q4(32, false);
            case 16: case 32: return null;
            default: throw new IllegalArgumentException("no weight format with " + bits + " bits (4, 8, 16 or 32)");
        }
    }

    /**
     * A plan for {@link WeightQuantizer#quantize(dev.petrel.graph.Graph, Function)} from a precision
     * planner's bits per weight name ({@link #ofBits}); weights the map does not list get {@code otherwise}
     * (null = keep fp32).
     */
    public static Function<String, QuantFormat> fromBits(Map<String, Integer> bits, QuantFormat otherwise) {
        Map<String, Integer> copy = Map.copyOf(bits);
        return name -> {
            Integer b = copy.get(name);
            return b == null ? otherwise : ofBits(b);
        };
    }

    /** The kind with its defaults: {@code --to q4} without other options. */
    public static QuantFormat of(Kind kind) {
        return new QuantFormat(kind, kind.defaultBlockSize(), false, false);
    }

    /** A short label: "int8", "int8/channel", "q4/b32", "q4/b32/sym", "nf4/b64". */
    public String label() {
        String k = kind.name().toLowerCase(Locale.ROOT);
        if (kind == Kind.INT8) return perChannel ? k + "/channel" : k;
        return k + "/b" + blockSize + (kind.isNBits() && symmetric ? "/sym" : "");
    }

    @Override
    public String toString() {
        return label();
    }
}
