package dev.petrel.ops.tensor;

import dev.petrel.DType;
import dev.petrel.graph.Node;
import dev.petrel.spi.Float16;
import java.nio.ByteBuffer;

/**
 * Reads, writes, compares and combines single elements of any storable type, for the few kernels
 * of this family that look at values (Range, OneHot, Unique, reductions of the scatters, ...).
 */
final class Scalars {
    private Scalars() {}

    static double toDouble(ByteBuffer b, int i, DType t) {
        switch (t) {
            case FLOAT: return b.getFloat(i * 4);
            case DOUBLE: return b.getDouble(i * 8);
            case FLOAT16: return Float16.toFloat(b.getShort(i * 2));
            case BFLOAT16: return Float16.bfloat16ToFloat(b.getShort(i * 2));
            case UINT64: {
                long v = b.getLong(i * 8);
                return v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
            }
            default: return toLong(b, i, t);
        }
    }

    /** Integer value of an element (unsigned types zero-extended; UINT64 as its raw bits; floats truncated). */
    static long toLong(ByteBuffer b, int i, DType t) {
        switch (t) {
            case INT64: case UINT64: return b.getLong(i * 8);
            case INT32: return b.getInt(i * 4);
            case UINT32: return b.getInt(i * 4) & 0xFFFFFFFFL;
            case INT16: return b.getShort(i * 2);
            case UINT16: return b.getShort(i * 2) & 0xFFFF;
            case INT8: return b.get(i);
            case UINT8: case BOOL: return b.get(i) & 0xFF;
            default: return (long) toDouble(b, i, t);
        }
    }

    /** Raw bits of {@code v} converted to type {@code t} (ONNX Cast rules: truncation toward zero for integers). */
    static long bitsOf(double v, DType t) {
        switch (t) {
            case FLOAT: return Float.floatToRawIntBits((float) v) & 0xFFFFFFFFL;
            case DOUBLE: return Double.doubleToRawLongBits(v);
            case FLOAT16: return Float16.fromFloat((float) v) & 0xFFFFL;
            case BFLOAT16: return Float16.floatToBfloat16((float) v) & 0xFFFFL;
            case BOOL: return v != 0 ? 1 : 0;
            case UINT64:
                if (v >= 0x1p63) return (long) (v - 0x1p63) ^ Long.MIN_VALUE;
                return (long) v;
            default: return (long) v;
        }
    }

    static void put(ByteBuffer b, int i, DType t, double v) {
        ElementCopier.putBits(b, i, bitsOf(v, t), t.byteSize());
    }

    /** True unless the element is zero (either sign for floating point). */
    static boolean isNonZero(ByteBuffer b, int i, DType t) {
        switch (t) {
            case FLOAT: return (b.getInt(i * 4) & 0x7FFFFFFF) != 0;
            case DOUBLE: return (b.getLong(i * 8) & 0x7FFFFFFFFFFFFFFFL) != 0;
            case FLOAT16: case BFLOAT16: return (b.getShort(i * 2) & 0x7FFF) != 0;
            default: return ElementCopier.bits(b, i, t.byteSize()) != 0;
        }
    }

    /** Numeric order of two elements of type {@code t}; NaN sorts after everything. */
    static int compare(ByteBuffer a, int i, ByteBuffer b, int j, DType t) {
        switch (t) {
            case FLOAT: case DOUBLE: case FLOAT16: case BFLOAT16: {
                double x = toDouble(a, i, t);
                double y = toDouble(b, j, t);
                if (x < y) return -1;
                if (x > y) return 1;
                boolean nx = Double.isNaN(x);
                boolean ny = Double.isNaN(y);
                return nx == ny ? 0 : nx ? 1 : -1;
            }
            case UINT64: return Long.compareUnsigned(a.getLong(i * 8), b.getLong(j * 8));
            default: return Long.compare(toLong(a, i, t), toLong(b, j, t));
        }
    }

    /** Reductions of ScatterElements and ScatterND. */
    enum Reduction {
        NONE, ADD, MUL, MAX, MIN;

        static Reduction parse(String s) {
            switch (s) {
                case "none": return NONE;
                case "add": return ADD;
                case "mul": return MUL;
                case "max": return MAX;
                case "min": return MIN;
                default: throw new IllegalArgumentException("reduction '" + s + "' is not supported (none, add, mul, max, min)");
            }
        }

        /** A scatter node's reduction: none before opset 16, where the attribute appeared; max and min from 18. */
        static Reduction of(Node node, String op) {
            Reduction r = node.opsetVersion() >= 16 ? parse(node.attributes().getString("reduction", "none")) : NONE;
            if (node.opsetVersion() < 18 && (r == MAX || r == MIN)) {
                throw new IllegalArgumentException(op + " reduction max/min needs opset 18");
            }
            return r;
        }
    }

    /** dst[i] = dst[i] (op) src[j], for elements of type {@code t}. */
    static void combine(ByteBuffer dst, int i, ByteBuffer src, int j, DType t, Reduction r) {
        int w = t.byteSize();
        if (r == Reduction.NONE) {
            ElementCopier.putBits(dst, i, ElementCopier.bits(src, j, w), w);
            return;
        }
        if (r == Reduction.MAX || r == Reduction.MIN) {
            int c = compare(src, j, dst, i, t);
            boolean take = r == Reduction.MAX ? c > 0 : c < 0;
            if (take) ElementCopier.putBits(dst, i, ElementCopier.bits(src, j, w), w);
            return;
        }
        if (t.isFloatingPoint()) {
            double x = toDouble(dst, i, t);
            double y = toDouble(src, j, t);
            double v = r == Reduction.ADD ? x + y : x * y;
            if (t != DType.DOUBLE) v = (float) v;
            put(dst, i, t, v);
        } else if (t == DType.BOOL) {
            long x = ElementCopier.bits(dst, i, 1);
            long y = ElementCopier.bits(src, j, 1);
            dst.put(i, (byte) (r == Reduction.ADD ? (x | y) : (x & y)));
        } else {
            // Two's complement wraps the same way for signed and unsigned types of the same width.
            long x = ElementCopier.bits(dst, i, w);
            long y = ElementCopier.bits(src, j, w);
            ElementCopier.putBits(dst, i, r == Reduction.ADD ? x + y : x * y, w);
        }
    }
}
