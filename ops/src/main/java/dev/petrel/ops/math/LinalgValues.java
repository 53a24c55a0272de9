package dev.petrel.ops.math;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.spi.Float16;
import java.util.EnumSet;
import java.util.Set;

/**
 * Element access by type for the linear-algebra and reduction kernels' generic paths: floating types
 * are read and written as double, integer types as long (unsigned ones zero-extended). The hot FLOAT
 * paths do not go through here.
 */
final class LinalgValues {
    private LinalgValues() {}

    static final Set<DType> FLOATS = EnumSet.of(DType.FLOAT, DType.DOUBLE, DType.FLOAT16, DType.BFLOAT16);
    static final Set<DType> INTS = EnumSet.of(DType.INT8, DType.UINT8, DType.INT16, DType.UINT16,
            DType.INT32, DType.UINT32, DType.INT64, DType.UINT64);
    static final Set<DType> NUMERIC = union(FLOATS, INTS);

    static Set<DType> union(Set<DType> a, Set<DType> b) {
        EnumSet<DType> s = EnumSet.noneOf(DType.class);
        s.addAll(a);
        s.addAll(b);
        return s;
    }

    static Set<DType> of(DType... types) {
        EnumSet<DType> s = EnumSet.noneOf(DType.class);
        for (DType t : types) s.add(t);
        return s;
    }

    /** Element {@code i} of a floating-point tensor. */
    static double getDouble(Tensor t, int i) {
        switch (t.dtype()) {
            case FLOAT: return t.floats().get(i);
            case DOUBLE: return t.doubles().get(i);
            case FLOAT16: return Float16.toFloat(t.shorts().get(i));
            case BFLOAT16: return Float16.bfloat16ToFloat(t.shorts().get(i));
            default: return getLong(t, i);
        }
    }

    /** Stores {@code v} into a floating-point tensor, rounding to its precision. */
    static void putDouble(Tensor t, int i, double v) {
        switch (t.dtype()) {
            case FLOAT: t.floats().put(i, (float) v); break;
            case DOUBLE: t.doubles().put(i, v); break;
            case FLOAT16: t.shorts().put(i, Float16.fromFloat((float) v)); break;
            case BFLOAT16: t.shorts().put(i, Float16.floatToBfloat16((float) v)); break;
            default: putLong(t, i, toLong(v, t.dtype()));
        }
    }

    /** Element {@code i} of an integer (or bool) tensor; unsigned types are zero-extended. */
    static long getLong(Tensor t, int i) {
        switch (t.dtype()) {
            case INT64: case UINT64: return t.longs().get(i);
            case INT32: return t.ints().get(i);
            case UINT32: return t.ints().get(i) & 0xFFFFFFFFL;
            case INT16: return t.shorts().get(i);
            case UINT16: return t.shorts().get(i) & 0xFFFF;
            case INT8: return t.bytes().get(i);
            case UINT8: case BOOL: return t.bytes().get(i) & 0xFF;
            default: throw new IllegalArgumentException("expected an integer tensor, got " + t.describe());
        }
    }

    /** Stores the low bits of {@code v} into an integer tensor (wrapping like C integer arithmetic). */
    static void putLong(Tensor t, int i, long v) {
        switch (t.dtype()) {
            case INT64: case UINT64: t.longs().put(i, v); break;
            case INT32: case UINT32: t.ints().put(i, (int) v); break;
            case INT16: case UINT16: t.shorts().put(i, (short) v); break;
            case INT8: case UINT8: t.bytes().put(i, (byte) v); break;
            case BOOL: t.bytes().put(i, (byte) (v != 0 ? 1 : 0)); break;
            default: throw new IllegalArgumentException("expected an integer tensor, got " + t.describe());
        }
    }

    /**
     * A long whose signed order is the element order of the type: UINT64 values are flipped at the
     * sign bit so that plain {@code <} compares them as unsigned.
     */
    static long orderKey(Tensor t, int i) {
        long v = getLong(t, i);
        return t.dtype() == DType.UINT64 ? v ^ Long.MIN_VALUE : v;
    }

    /** A double result (mean, norm, log) converted to an integer type, truncating toward zero. */
    static long toLong(double v, DType type) {
        if (type == DType.UINT64 && v >= 0x1p63) return (long) (v - 0x1p63) ^ Long.MIN_VALUE;
        return (long) v;
    }

    /** The value of an unsigned 64-bit integer as a double. */
    static double unsignedToDouble(long v) {
        if (v >= 0) return v;
        return ((v >>> 1) | (v & 1)) * 2.0;
    }

    /** An integer element read as a double, honouring UINT64. */
    static double intAsDouble(Tensor t, int i) {
        long v = getLong(t, i);
        return t.dtype() == DType.UINT64 ? unsignedToDouble(v) : v;
    }

    /** Copies element {@code from} of {@code src} to element {@code to} of {@code dst} (same type), bit for bit. */
    static void copyElement(Tensor src, int from, Tensor dst, int to) {
        int w = src.dtype().byteSize();
        switch (w) {
            case 8: dst.bytes().putLong(to * 8, src.bytes().getLong(from * 8)); break;
            case 4: dst.bytes().putInt(to * 4, src.bytes().getInt(from * 4)); break;
            case 2: dst.bytes().putShort(to * 2, src.bytes().getShort(from * 2)); break;
            default: dst.bytes().put(to, src.bytes().get(from)); break;
        }
    }

    /** A scalar or one-element integer tensor's value. */
    static long scalarLong(Tensor t, String what) {
        if (t.size() != 1) {
            throw new IllegalArgumentException(what + " must hold exactly one value, got " + t.describe());
        }
        return getLong(t, 0);
    }
}
