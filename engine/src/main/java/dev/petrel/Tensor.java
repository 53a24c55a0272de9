package dev.petrel;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.Arrays;

/**
 * A dense tensor: an element type, a shape, and little-endian storage in a {@link ByteBuffer}.
 *
 * <p>The storage may be a view into a memory-mapped model file (weights are never copied on load),
 * a heap buffer (tensors made here and results returned to callers), or off-heap memory planned by a
 * {@link Session} for intermediate values. Tensors made by the factory methods
 * copy the caller's array, so Petrel never modifies what a user passed in.
 *
 * <pre>{@code
 * Tensor ids = Tensor.of(new long[] {101, 7592, 102}, 1, 3);
 * float[] values = result.get("output").toFloatArray();
 * }</pre>
 *
 * <p>Kernels read and write through the typed views ({@link #floats()}, {@link #longs()}, ...) with
 * absolute indices only, so a tensor can be read from many threads at once.
 */
public final class Tensor {
    private final DType dtype;
    private final int[] dims;
    private final int size;
    private final ByteBuffer bytes;
    private final Buffer view;

    private Tensor(DType dtype, int[] dims, ByteBuffer bytes) {
        if (!dtype.isStorable()) {
            throw new PetrelException("tensors of type " + dtype + " are not supported");
        }
        this.dtype = dtype;
        this.dims = dims;
        this.size = checkedSize(dims);
        long need = (long) size * dtype.byteSize();
        if (bytes.capacity() < need) {
            throw new PetrelException("storage of " + bytes.capacity() + " bytes is too small for " + dtype
                    + Arrays.toString(dims) + " (" + need + " bytes)");
        }
        ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        // Through Buffer: the covariant ByteBuffer overloads of Java 9+ do not exist on Android 26.
        ((Buffer) b).position(0);
        ((Buffer) b).limit((int) need);
        this.bytes = b.slice().order(ByteOrder.LITTLE_ENDIAN);
        this.view = typedView(dtype, this.bytes);
    }

    // ---------------------------------------------------------------- construction

    /**
     * A zero-filled tensor on the Java heap. Heap storage is what results handed to callers use: the
     * garbage collector frees it like any array, with no off-heap limit to run into under load.
     */
    public static Tensor allocate(DType dtype, int... dims) {
        int[] d = dims.clone();
        long n = (long) checkedSize(d) * dtype.byteSize();
        if (n > Integer.MAX_VALUE) {
            throw new PetrelException(dtype + Arrays.toString(d) + " needs " + n + " bytes, more than one buffer holds (2 GiB)");
        }
        return new Tensor(dtype, d, ByteBuffer.allocate((int) n));
    }

    /**
     * A tensor over existing little-endian storage, without copying. The buffer's position and limit
     * are ignored; its contents from index 0 are the elements, row-major.
     */
    public static Tensor wrap(DType dtype, ByteBuffer storage, int... dims) {
        return new Tensor(dtype, dims.clone(), storage);
    }

    public static Tensor of(float[] values, long... shape) {
        Tensor t = allocate(DType.FLOAT, checkShape(values.length, shape));
        for (int i = 0; i < values.length; i++) t.floats().put(i, values[i]);
        return t;
    }

    public static Tensor of(double[] values, long... shape) {
        Tensor t = allocate(DType.DOUBLE, checkShape(values.length, shape));
        for (int i = 0; i < values.length; i++) t.doubles().put(i, values[i]);
        return t;
    }

    public static Tensor of(long[] values, long... shape) {
        Tensor t = allocate(DType.INT64, checkShape(values.length, shape));
        for (int i = 0; i < values.length; i++) t.longs().put(i, values[i]);
        return t;
    }

    public static Tensor of(int[] values, long... shape) {
        Tensor t = allocate(DType.INT32, checkShape(values.length, shape));
        for (int i = 0; i < values.length; i++) t.ints().put(i, values[i]);
        return t;
    }

    public static Tensor of(boolean[] values, long... shape) {
        Tensor t = allocate(DType.BOOL, checkShape(values.length, shape));
        for (int i = 0; i < values.length; i++) t.bytes().put(i, (byte) (values[i] ? 1 : 0));
        return t;
    }

    /** An INT8 or UINT8 tensor from raw bytes. */
    public static Tensor of(DType dtype, byte[] values, long... shape) {
        if (dtype.byteSize() != 1) throw new PetrelException("byte[] data needs a 1-byte type, not " + dtype);
        Tensor t = allocate(dtype, checkShape(values.length, shape));
        for (int i = 0; i < values.length; i++) t.bytes().put(i, values[i]);
        return t;
    }

    /** A rank-0 FLOAT tensor. */
    public static Tensor scalar(float value) {
        return of(new float[] {value});
    }

    // ---------------------------------------------------------------- shape

    public DType dtype() {
        return dtype;
    }

    /** The shape, as ONNX writes it (a copy). */
    public long[] shape() {
        long[] s = new long[dims.length];
        for (int i = 0; i < dims.length; i++) s[i] = dims[i];
        return s;
    }

    /** The shape as ints (a copy). */
    public int[] dims() {
        return dims.clone();
    }

    public int rank() {
        return dims.length;
    }

    public int dim(int axis) {
        return dims[axis];
    }

    /** Number of elements. */
    public int size() {
        return size;
    }

    /** True if this tensor has exactly the given shape. */
    public boolean hasDims(int... expected) {
        return Arrays.equals(dims, expected);
    }

    /** A tensor sharing this one's storage with another shape of the same element count. */
    public Tensor reshape(int... newDims) {
        if (checkedSize(newDims) != size) {
            throw new PetrelException("cannot reshape " + describe() + " to " + Arrays.toString(newDims));
        }
        return new Tensor(dtype, newDims.clone(), bytes);
    }

    // ---------------------------------------------------------------- storage views

    /** The raw little-endian storage, exactly {@code size() * dtype().byteSize()} bytes. */
    public ByteBuffer bytes() {
        return bytes;
    }

    public FloatBuffer floats() {
        return (FloatBuffer) viewFor(DType.FLOAT);
    }

    public DoubleBuffer doubles() {
        return (DoubleBuffer) viewFor(DType.DOUBLE);
    }

    /** Storage of INT64 and UINT64 tensors. */
    public LongBuffer longs() {
        if (dtype != DType.INT64 && dtype != DType.UINT64) throw wrongView("long");
        return (LongBuffer) view;
    }

    /** Storage of INT32 and UINT32 tensors. */
    public IntBuffer ints() {
        if (dtype != DType.INT32 && dtype != DType.UINT32) throw wrongView("int");
        return (IntBuffer) view;
    }

    /** Storage of 16-bit tensors: INT16, UINT16, FLOAT16 and BFLOAT16 bits. */
    public ShortBuffer shorts() {
        if (dtype.byteSize() != 2) throw wrongView("short");
        return (ShortBuffer) view;
    }

    private Buffer viewFor(DType expected) {
        if (dtype != expected) throw wrongView(expected.name().toLowerCase());
        return view;
    }

    private PetrelException wrongView(String kind) {
        return new PetrelException("tensor " + describe() + " has no " + kind + " view");
    }

    // ---------------------------------------------------------------- copies out

    public float[] toFloatArray() {
        float[] a = new float[size];
        FloatBuffer f = floats();
        for (int i = 0; i < size; i++) a[i] = f.get(i);
        return a;
    }

    public double[] toDoubleArray() {
        double[] a = new double[size];
        DoubleBuffer f = doubles();
        for (int i = 0; i < size; i++) a[i] = f.get(i);
        return a;
    }

    public long[] toLongArray() {
        long[] a = new long[size];
        LongBuffer f = longs();
        for (int i = 0; i < size; i++) a[i] = f.get(i);
        return a;
    }

    public int[] toIntArray() {
        int[] a = new int[size];
        IntBuffer f = ints();
        for (int i = 0; i < size; i++) a[i] = f.get(i);
        return a;
    }

    public byte[] toByteArray() {
        byte[] a = new byte[bytes.limit()];
        for (int i = 0; i < a.length; i++) a[i] = bytes.get(i);
        return a;
    }

    /** A deep copy on the heap. */
    public Tensor copy() {
        Tensor t = allocate(dtype, dims);
        copyBytes(bytes, 0, t.bytes, 0, bytes.limit());
        return t;
    }

    /** "FLOAT[2, 3]" */
    public String describe() {
        return dtype + Arrays.toString(dims);
    }

    @Override
    public String toString() {
        return "Tensor(" + describe() + ")";
    }

    // ---------------------------------------------------------------- helpers

    /** Copies {@code length} bytes between storages using absolute indices (no position changes). */
    public static void copyBytes(ByteBuffer src, int srcIndex, ByteBuffer dst, int dstIndex, int length) {
        if (length < 512) {
            // Short runs (rows of a gather or a transpose) by absolute reads: no buffer views to allocate.
            int i = 0;
            if (src.order() == dst.order()) {
                for (; i + 8 <= length; i += 8) dst.putLong(dstIndex + i, src.getLong(srcIndex + i));
            }
            for (; i < length; i++) dst.put(dstIndex + i, src.get(srcIndex + i));
            return;
        }
        ByteBuffer s = src.duplicate();
        ((Buffer) s).limit(srcIndex + length);
        ((Buffer) s).position(srcIndex);
        ByteBuffer d = dst.duplicate();
        ((Buffer) d).position(dstIndex);
        d.put(s);
    }

    /** Element count of a shape; throws on a negative dimension or more than 2^31-1 elements. */
    public static int checkedSize(int[] dims) {
        long n = 1;
        for (int d : dims) {
            if (d < 0) throw new PetrelException("negative dimension in shape " + Arrays.toString(dims));
            n *= d;
            if (n > Integer.MAX_VALUE) {
                throw new PetrelException("shape " + Arrays.toString(dims) + " has more than 2^31-1 elements");
            }
        }
        return (int) n;
    }

    private static int[] checkShape(int length, long[] shape) {
        if (shape.length == 0 && length != 1) {
            shape = new long[] {length};
        }
        int[] d = new int[shape.length];
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0 || shape[i] > Integer.MAX_VALUE) {
                throw new PetrelException("invalid dimension " + shape[i] + " in shape " + Arrays.toString(shape));
            }
            d[i] = (int) shape[i];
            n *= shape[i];
        }
        if (n != length) {
            throw new PetrelException(length + " values do not fill shape " + Arrays.toString(shape) + " (" + n + " elements)");
        }
        return d;
    }

    private static Buffer typedView(DType dtype, ByteBuffer b) {
        switch (dtype) {
            case FLOAT: return b.asFloatBuffer();
            case DOUBLE: return b.asDoubleBuffer();
            case INT64: case UINT64: return b.asLongBuffer();
            case INT32: case UINT32: return b.asIntBuffer();
            case INT16: case UINT16: case FLOAT16: case BFLOAT16: return b.asShortBuffer();
            default: return b;
        }
    }
}
