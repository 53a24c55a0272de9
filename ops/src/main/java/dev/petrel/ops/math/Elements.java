package dev.petrel.ops.math;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.spi.Float16;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.EnumSet;
import java.util.Set;

/**
 * Whole-tensor conversions used by the generic (non-FLOAT) paths of the elementwise kernels: every
 * type is widened once into a {@code double[]} (floating types) or {@code long[]} (integers and bool),
 * computed on, and narrowed back with C semantics (integers wrap, floats round to nearest even).
 */
final class Elements {
    private Elements() {}

    static final Set<DType> FLOATS = EnumSet.of(DType.FLOAT, DType.DOUBLE, DType.FLOAT16, DType.BFLOAT16);
    static final Set<DType> SIGNED_INTS = EnumSet.of(DType.INT8, DType.INT16, DType.INT32, DType.INT64);
    static final Set<DType> UNSIGNED_INTS = EnumSet.of(DType.UINT8, DType.UINT16, DType.UINT32, DType.UINT64);
    static final Set<DType> INTS = union(SIGNED_INTS, UNSIGNED_INTS);
    static final Set<DType> NUMERIC = union(FLOATS, INTS);
    static final Set<DType> SIGNED = union(FLOATS, SIGNED_INTS);
    static final Set<DType> ALL = union(NUMERIC, EnumSet.of(DType.BOOL));
    static final Set<DType> BOOL = EnumSet.of(DType.BOOL);

    private static final double TWO_63 = 0x1p63;

    @SafeVarargs
    static Set<DType> union(Set<DType>... sets) {
        Set<DType> u = EnumSet.noneOf(DType.class);
        for (Set<DType> s : sets) u.addAll(s);
        return u;
    }

    /** Every element as a double; UINT64 is read as unsigned, BOOL as 0/1. */
    static double[] toDoubles(Tensor t) {
        int n = t.size();
        double[] v = new double[n];
        switch (t.dtype()) {
            case FLOAT: { FloatBuffer b = t.floats(); for (int i = 0; i < n; i++) v[i] = b.get(i); break; }
            case DOUBLE: { DoubleBuffer b = t.doubles(); for (int i = 0; i < n; i++) v[i] = b.get(i); break; }
            case FLOAT16: { ShortBuffer b = t.shorts(); for (int i = 0; i < n; i++) v[i] = Float16.toFloat(b.get(i)); break; }
            case BFLOAT16: { ShortBuffer b = t.shorts(); for (int i = 0; i < n; i++) v[i] = Float16.bfloat16ToFloat(b.get(i)); break; }
            case UINT64: { LongBuffer b = t.longs(); for (int i = 0; i < n; i++) v[i] = unsignedToDouble(b.get(i)); break; }
            default: {
                long[] l = toLongs(t);
                for (int i = 0; i < n; i++) v[i] = l[i];
            }
        }
        return v;
    }

    /** Every element of an integer or bool tensor as a long; unsigned types zero-extend, UINT64 keeps its bits. */
    static long[] toLongs(Tensor t) {
        int n = t.size();
        long[] v = new long[n];
        switch (t.dtype()) {
            case INT64: case UINT64: { LongBuffer b = t.longs(); for (int i = 0; i < n; i++) v[i] = b.get(i); break; }
            case INT32: { IntBuffer b = t.ints(); for (int i = 0; i < n; i++) v[i] = b.get(i); break; }
            case UINT32: { IntBuffer b = t.ints(); for (int i = 0; i < n; i++) v[i] = b.get(i) & 0xFFFFFFFFL; break; }
            case INT16: { ShortBuffer b = t.shorts(); for (int i = 0; i < n; i++) v[i] = b.get(i); break; }
            case UINT16: { ShortBuffer b = t.shorts(); for (int i = 0; i < n; i++) v[i] = b.get(i) & 0xFFFF; break; }
            case INT8: { ByteBuffer b = t.bytes(); for (int i = 0; i < n; i++) v[i] = b.get(i); break; }
            case UINT8: { ByteBuffer b = t.bytes(); for (int i = 0; i < n; i++) v[i] = b.get(i) & 0xFF; break; }
            case BOOL: { ByteBuffer b = t.bytes(); for (int i = 0; i < n; i++) v[i] = b.get(i) != 0 ? 1 : 0; break; }
            default: throw new IllegalArgumentException("expected an integer or bool tensor, got " + t.describe());
        }
        return v;
    }

    /** Writes {@code v} into {@code out}, rounding to its floating type or converting to its integer type as C does. */
    static void storeDoubles(Tensor out, double[] v) {
        int n = out.size();
        switch (out.dtype()) {
            case FLOAT: { FloatBuffer b = out.floats(); for (int i = 0; i < n; i++) b.put(i, (float) v[i]); break; }
            case DOUBLE: { DoubleBuffer b = out.doubles(); for (int i = 0; i < n; i++) b.put(i, v[i]); break; }
            case FLOAT16: { ShortBuffer b = out.shorts(); for (int i = 0; i < n; i++) b.put(i, toHalf(v[i])); break; }
            case BFLOAT16: { ShortBuffer b = out.shorts(); for (int i = 0; i < n; i++) b.put(i, toBfloat16(v[i])); break; }
            case BOOL: { ByteBuffer b = out.bytes(); for (int i = 0; i < n; i++) b.put(i, (byte) (v[i] != 0 ? 1 : 0)); break; }
            default: {
                long[] l = new long[n];
                boolean u64 = out.dtype() == DType.UINT64;
                for (int i = 0; i < n; i++) l[i] = u64 ? toUnsignedLong(v[i]) : (long) v[i];
                storeLongs(out, l);
            }
        }
    }

    /** Writes {@code v} into an integer or bool tensor, keeping the low bits as a C cast does (bool: non-zero). */
    static void storeLongs(Tensor out, long[] v) {
        int n = out.size();
        switch (out.dtype()) {
            case INT64: case UINT64: { LongBuffer b = out.longs(); for (int i = 0; i < n; i++) b.put(i, v[i]); break; }
            case INT32: case UINT32: { IntBuffer b = out.ints(); for (int i = 0; i < n; i++) b.put(i, (int) v[i]); break; }
            case INT16: case UINT16: { ShortBuffer b = out.shorts(); for (int i = 0; i < n; i++) b.put(i, (short) v[i]); break; }
            case INT8: case UINT8: { ByteBuffer b = out.bytes(); for (int i = 0; i < n; i++) b.put(i, (byte) v[i]); break; }
            case BOOL: { ByteBuffer b = out.bytes(); for (int i = 0; i < n; i++) b.put(i, (byte) (v[i] != 0 ? 1 : 0)); break; }
            default: throw new IllegalArgumentException("expected an integer or bool output, got " + out.describe());
        }
    }

    /** The value of an unsigned 64-bit integer, rounded to the nearest double. */
    static double unsignedToDouble(long u) {
        if (u >= 0) return u;
        // Halve with the lost bit folded in (round to odd) so the final rounding is still correct.
        return ((double) ((u >>> 1) | (u & 1))) * 2.0;
    }

    /** The value of an unsigned 64-bit integer, rounded to the nearest float. */
    static float unsignedToFloat(long u) {
        if (u >= 0) return u;
        return ((float) ((u >>> 1) | (u & 1))) * 2.0f;
    }

    /** A double truncated toward zero into an unsigned 64-bit value (out of range: like the x86 conversion, wrapped). */
    static long toUnsignedLong(double d) {
        if (d >= TWO_63) return (long) (d - TWO_63) + Long.MIN_VALUE;
        return (long) d;
    }

    /** Unsigned 64-bit order as a signed long compare result. */
    static int compare(long a, long b, boolean unsigned) {
        return unsigned ? Long.compareUnsigned(a, b) : Long.compare(a, b);
    }

    /** A 64-bit integer as a double rounded to odd, for a later correct rounding to a narrower type. */
    static double longToDoubleRoundToOdd(long v, boolean unsigned) {
        boolean negative = !unsigned && v < 0;
        long mag = negative ? -v : v; // Long.MIN_VALUE stays 2^63 read as unsigned
        int length = 64 - Long.numberOfLeadingZeros(mag);
        double d;
        if (length <= 53) {
            d = unsignedToDouble(mag);
        } else {
            int k = length - 53;
            long top = mag >>> k;
            if ((mag & ((1L << k) - 1)) != 0) top |= 1;
            d = (double) top * Math.scalb(1.0, k);
        }
        return negative ? -d : d;
    }

    /** Double to IEEE half bits with a single correct rounding (through float rounded to odd). */
    static short toHalf(double d) {
        return Float16.fromFloat(toFloatRoundToOdd(d));
    }

    /** Double to bfloat16 bits with a single correct rounding. */
    static short toBfloat16(double d) {
        return Float16.floatToBfloat16(toFloatRoundToOdd(d));
    }

    /**
     * Rounding double to float and then to a narrower format can round twice in the same direction;
     * rounding the first step to odd instead keeps the sticky information, so the second rounding
     * (to at most 16 significant bits) is correct.
     */
    static float toFloatRoundToOdd(double d) {
        float f = (float) d;
        if ((double) f == d || Float.isInfinite(f) || Double.isNaN(d)) return f;
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 1) != 0) return f;
        // f is even and inexact: step one ulp toward d to get the odd neighbour that brackets d.
        return Float.intBitsToFloat(Math.abs((double) f) > Math.abs(d) ? bits - 1 : bits + 1);
    }
}
