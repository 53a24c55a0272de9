package dev.petrel;

/**
 * Element types of tensors, numbered as ONNX's {@code TensorProto.DataType}.
 *
 * <p>Every tensor is stored little-endian in a {@link java.nio.ByteBuffer}; {@link #byteSize()} is the
 * width of one element there. Unsigned types share the storage of the signed type of the same width;
 * kernels reinterpret the bits (e.g. {@code b & 0xFF} for {@link #UINT8}).
 */
public enum DType {
    FLOAT(1, 4),
    UINT8(2, 1),
    INT8(3, 1),
    UINT16(4, 2),
    INT16(5, 2),
    INT32(6, 4),
    INT64(7, 8),
    STRING(8, 0),
    BOOL(9, 1),
    FLOAT16(10, 2),
    DOUBLE(11, 8),
    UINT32(12, 4),
    UINT64(13, 8),
    COMPLEX64(14, 8),
    COMPLEX128(15, 16),
    BFLOAT16(16, 2);

    private final int onnxCode;
    private final int byteSize;

    DType(int onnxCode, int byteSize) {
        this.onnxCode = onnxCode;
        this.byteSize = byteSize;
    }

    /** The {@code TensorProto.DataType} number of this type. */
    public int onnxCode() {
        return onnxCode;
    }

    /** Bytes per element in storage; 0 for {@link #STRING}, which has no fixed width. */
    public int byteSize() {
        return byteSize;
    }

    /** True for types with a fixed-width numeric or boolean storage that Petrel can hold in a tensor. */
    public boolean isStorable() {
        return this != STRING && this != COMPLEX64 && this != COMPLEX128;
    }

    public boolean isFloatingPoint() {
        return this == FLOAT || this == DOUBLE || this == FLOAT16 || this == BFLOAT16;
    }

    public boolean isInteger() {
        switch (this) {
            case UINT8: case INT8: case UINT16: case INT16: case INT32: case INT64: case UINT32: case UINT64:
                return true;
            default:
                return false;
        }
    }

    public boolean isUnsigned() {
        return this == UINT8 || this == UINT16 || this == UINT32 || this == UINT64;
    }

    /** The type with the given {@code TensorProto.DataType} number, or null if Petrel does not know it. */
    public static DType fromOnnx(int code) {
        for (DType t : values()) {
            if (t.onnxCode == code) return t;
        }
        return null;
    }
}
