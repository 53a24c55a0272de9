package dev.petrel.ops;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.spi.Float16;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * Element reads and writes by type, for the kernels' generic (non-FLOAT fast path) code: every type
 * is widened to {@code double} (floating types, and integers where a kernel computes in floating
 * point) or {@code long} (integers and bool), computed on, and narrowed back with C semantics.
 *
 * <ul>
 *   <li>Unsigned types zero-extend; UINT64 keeps its bits in a {@code long} and reads as its unsigned
 *       value when widened to {@code double}.</li>
 *   <li>Writes of {@code double} to FLOAT16/BFLOAT16 round once, correctly (not through a float
 *       rounding first); writes of {@code float} round once as well.</li>
 *   <li>Writes of {@code double} to integer types truncate toward zero and keep the low bits, as a C
 *       cast does on x86; BOOL stores any non-zero value as 1.</li>
 * </ul>
 *
 * Whole-tensor conversions write or read exactly {@code size()} elements; array arguments may be longer
 * (reused scratch).
 */
public final class Elements {
    private Elements() {}

    public static final Set<DType> FLOATS = of(DType.FLOAT, DType.DOUBLE, DType.FLOAT16, DType.BFLOAT16);
    public static final Set<DType> SIGNED_INTS = of(DType.INT8, DType.INT16, DType.INT32, DType.INT64);
    public static final Set<DType> UNSIGNED_INTS = of(DType.UINT8, DType.UINT16, DType.UINT32, DType.UINT64);
    public static final Set<DType> INTS = union(SIGNED_INTS, UNSIGNED_INTS);
    public static final Set<DType> NUMERIC = union(FLOATS, INTS);
    public static final Set<DType> SIGNED = union(FLOATS, SIGNED_INTS);
    public static final Set<DType> BOOL = of(DType.BOOL);
    public static final Set<DType> ALL = union(NUMERIC, BOOL);

    private static final double TWO_63 = 0x1p63;

    /** An unmodifiable set of the given types. */
    public static Set<DType> of(DType... types) {
        EnumSet<DType> s = EnumSet.noneOf(DType.class);
        Collections.addAll(s, types);
        return Collections.unmodifiableSet(s);
    }

    /** An unmodifiable union of the given sets. */
    @SafeVarargs
    public static Set<DType> union(Set<DType>... sets) {
        EnumSet<DType> u = EnumSet.noneOf(DType.class);
        for (Set<DType> s : sets) u.addAll(s);
        return Collections.unmodifiableSet(u);
    }

    /** {@code t} itself when it holds a floating type, else an error naming {@code what}. */
    public static Tensor requireFloating(Tensor t, String what) {
        if (!t.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(what + " must be FLOAT, DOUBLE, FLOAT16 or BFLOAT16, got " + t.describe());
        }
        return t;
    }

    // ---- whole tensors ----

    /** Every element as a double, in a new array of exactly {@code t.size()}. */
    public static double[] toDoubles(Tensor t) {
        return toDoubles(t, null);
    }

    /**
     * Every element as a double, in {@code scratch} when it is large enough (else a new array); UINT64
     * reads as unsigned, BOOL as 0/1.
     */
    public static double[] toDoubles(Tensor t, double[] scratch) {
        int n = t.size();
        double[] v = scratch != null && scratch.length >= n ? scratch : new double[n];
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

    /**
     * Every element as a float, in {@code scratch} when it is large enough (else a new array): DOUBLE
     * and 64-bit integers round to nearest.
     */
    public static float[] toFloats(Tensor t, float[] scratch) {
        int n = t.size();
        float[] v = scratch != null && scratch.length >= n ? scratch : new float[n];
        switch (t.dtype()) {
            case FLOAT: { FloatBuffer b = t.floats(); for (int i = 0; i < n; i++) v[i] = b.get(i); break; }
            case DOUBLE: { DoubleBuffer b = t.doubles(); for (int i = 0; i < n; i++) v[i] = (float) b.get(i); break; }
            case FLOAT16: { ShortBuffer b = t.shorts(); for (int i = 0; i < n; i++) v[i] = Float16.toFloat(b.get(i)); break; }
            case BFLOAT16: { ShortBuffer b = t.shorts(); for (int i = 0; i < n; i++) v[i] = Float16.bfloat16ToFloat(b.get(i)); break; }
            case UINT64: { LongBuffer b = t.longs(); for (int i = 0; i < n; i++) v[i] = unsignedToFloat(b.get(i)); break; }
            default: {
                long[] l = toLongs(t);
                for (int i = 0; i < n; i++) v[i] = l[i];
            }
        }
        return v;
    }

    /** Every element of an integer or bool tensor as a long; unsigned types zero-extend, UINT64 keeps its bits. */
    public static long[] toLongs(Tensor t) {
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
    public static void storeDoubles(Tensor out, double[] v) {
        int n = out.size();
        switch (out.dtype()) {
            case FLOAT: { FloatBuffer b = out.floats(); for (int i = 0; i < n; i++) b.put(i, (float) v[i]); break; }
            case DOUBLE: { DoubleBuffer b = out.doubles(); for (int i = 0; i < n; i++) b.put(i, v[i]); break; }
            case FLOAT16: { ShortBuffer b = out.shorts(); for (int i = 0; i < n; i++) b.put(i, toHalf(v[i])); break; }
            case BFLOAT16: { ShortBuffer b = out.shorts(); for (int i = 0; i < n; i++) b.put(i, toBfloat16(v[i])); break; }
            case BOOL: { ByteBuffer b = out.bytes(); for (int i = 0; i < n; i++) b.put(i, (byte) (v[i] != 0 ? 1 : 0)); break; }
            default: {
                long[] l = new long[n];
                DType type = out.dtype();
                for (int i = 0; i < n; i++) l[i] = toLong(v[i], type);
                storeLongs(out, l);
            }
        }
    }

    /** Writes {@code v} into a floating-point tensor, rounding to its type. */
    public static void storeFloats(Tensor out, float[] v) {
        int n = out.size();
        switch (out.dtype()) {
            case FLOAT: { FloatBuffer b = out.floats(); for (int i = 0; i < n; i++) b.put(i, v[i]); break; }
            case DOUBLE: { DoubleBuffer b = out.doubles(); for (int i = 0; i < n; i++) b.put(i, v[i]); break; }
            case FLOAT16: { ShortBuffer b = out.shorts(); for (int i = 0; i < n; i++) b.put(i, Float16.fromFloat(v[i])); break; }
            case BFLOAT16: { ShortBuffer b = out.shorts(); for (int i = 0; i < n; i++) b.put(i, Float16.floatToBfloat16(v[i])); break; }
            default: throw new IllegalArgumentException("expected a floating-point output, got " + out.describe());
        }
    }

    /** Writes {@code v} into an integer or bool tensor, keeping the low bits as a C cast does (bool: non-zero). */
    public static void storeLongs(Tensor out, long[] v) {
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

    // ---- single elements ----

    /** Element {@code i} as a double: the same conversion as {@link #toDoubles(Tensor)}. */
    public static double getDouble(Tensor t, int i) {
        switch (t.dtype()) {
            case FLOAT: return t.floats().get(i);
            case DOUBLE: return t.doubles().get(i);
            case FLOAT16: return Float16.toFloat(t.shorts().get(i));
            case BFLOAT16: return Float16.bfloat16ToFloat(t.shorts().get(i));
            case UINT64: return unsignedToDouble(t.longs().get(i));
            default: return getLong(t, i);
        }
    }

    /** Stores {@code v} as element {@code i}: the same conversion as {@link #storeDoubles}. */
    public static void putDouble(Tensor t, int i, double v) {
        switch (t.dtype()) {
            case FLOAT: t.floats().put(i, (float) v); break;
            case DOUBLE: t.doubles().put(i, v); break;
            case FLOAT16: t.shorts().put(i, toHalf(v)); break;
            case BFLOAT16: t.shorts().put(i, toBfloat16(v)); break;
            case BOOL: t.bytes().put(i, (byte) (v != 0 ? 1 : 0)); break;
            default: putLong(t, i, toLong(v, t.dtype()));
        }
    }

    /** Element {@code i} of an integer or bool tensor: the same conversion as {@link #toLongs}. */
    public static long getLong(Tensor t, int i) {
        switch (t.dtype()) {
            case INT64: case UINT64: return t.longs().get(i);
            case INT32: return t.ints().get(i);
            case UINT32: return t.ints().get(i) & 0xFFFFFFFFL;
            case INT16: return t.shorts().get(i);
            case UINT16: return t.shorts().get(i) & 0xFFFF;
            case INT8: return t.bytes().get(i);
            case UINT8: return t.bytes().get(i) & 0xFF;
            case BOOL: return t.bytes().get(i) != 0 ? 1 : 0;
            default: throw new IllegalArgumentException("expected an integer or bool tensor, got " + t.describe());
        }
    }

    /** Stores the low bits of {@code v} as element {@code i} of an integer tensor (bool: non-zero). */
    public static void putLong(Tensor t, int i, long v) {
        switch (t.dtype()) {
            case INT64: case UINT64: t.longs().put(i, v); break;
            case INT32: case UINT32: t.ints().put(i, (int) v); break;
            case INT16: case UINT16: t.shorts().put(i, (short) v); break;
            case INT8: case UINT8: t.bytes().put(i, (byte) v); break;
            case BOOL: t.bytes().put(i, (byte) (v != 0 ? 1 : 0)); break;
            default: throw new IllegalArgumentException("expected an integer or bool tensor, got " + t.describe());
        }
    }

    /**
     * Element {@code i} of an integer tensor as a long whose signed order is the type's order: UINT64
     * is flipped at the sign bit so that plain {@code <} compares it as unsigned.
     */
    public static long orderKey(Tensor t, int i) {
        long v = getLong(t, i);
        return t.dtype() == DType.UINT64 ? v ^ Long.MIN_VALUE : v;
    }

    /** Copies element {@code from} of {@code src} to element {@code to} of {@code dst} (same type), bit for bit. */
    public static void copyElement(Tensor src, int from, Tensor dst, int to) {
        switch (src.dtype().byteSize()) {
            case 8: dst.bytes().putLong(to * 8, src.bytes().getLong(from * 8)); break;
            case 4: dst.bytes().putInt(to * 4, src.bytes().getInt(from * 4)); break;
            case 2: dst.bytes().putShort(to * 2, src.bytes().getShort(from * 2)); break;
            default: dst.bytes().put(to, src.bytes().get(from)); break;
        }
    }

    /** The value of a scalar or one-element integer tensor. */
    public static long scalarLong(Tensor t, String what) {
        if (t.size() != 1) {
            throw new IllegalArgumentException(what + " must hold exactly one value, got " + t.describe());
        }
        return getLong(t, 0);
    }

    // ---- scalar conversions ----

    /** The value of an unsigned 64-bit integer, rounded to the nearest double. */
    public static double unsignedToDouble(long u) {
        if (u >= 0) return u;
        // Halve with the lost bit folded in (round to odd) so the final rounding is still correct.
        return ((double) ((u >>> 1) | (u & 1))) * 2.0;
    }

    /** The value of an unsigned 64-bit integer, rounded to the nearest float. */
    public static float unsignedToFloat(long u) {
        if (u >= 0) return u;
        return ((float) ((u >>> 1) | (u & 1))) * 2.0f;
    }

    /**
     * A double converted to the integer type {@code type} as C does: truncated toward zero, UINT64
     * through the unsigned range (out of range: wrapped like the x86 conversion).
     */
    public static long toLong(double d, DType type) {
        return type == DType.UINT64 ? toUnsignedLong(d) : (long) d;
    }

    /** A double truncated toward zero into an unsigned 64-bit value (out of range: like the x86 conversion, wrapped). */
    public static long toUnsignedLong(double d) {
        if (d >= TWO_63) return (long) (d - TWO_63) + Long.MIN_VALUE;
        return (long) d;
    }

    /** Unsigned 64-bit order as a signed long compare result. */
    public static int compare(long a, long b, boolean unsigned) {
        return unsigned ? Long.compareUnsigned(a, b) : Long.compare(a, b);
    }

    /** A 64-bit integer as a double rounded to odd, for a later correct rounding to a narrower type. */
    public static double longToDoubleRoundToOdd(long v, boolean unsigned) {
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
    public static short toHalf(double d) {
        return Float16.fromFloat(toFloatRoundToOdd(d));
    }

    /** Double to bfloat16 bits with a single correct rounding. */
    public static short toBfloat16(double d) {
        return Float16.floatToBfloat16(toFloatRoundToOdd(d));
    }

    /**
     * Rounding double to float and then to a narrower format can round twice in the same direction;
     * rounding the first step to odd instead keeps the sticky information, so the second rounding
     * (to at most 16 significant bits) is correct.
     */
    public static float toFloatRoundToOdd(double d) {
        float f = (float) d;
        if ((double) f == d || Float.isInfinite(f) || Double.isNaN(d)) return f;
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 1) != 0) return f;
        // f is even and inexact: step one ulp toward d to get the odd neighbour that brackets d.
        return Float.intBitsToFloat(Math.abs((double) f) > Math.abs(d) ? bits - 1 : bits + 1);
    }
}
