package dev.petrel.ops.signal;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.ops.Elements;

/** Reads the signal operators' scalar inputs and checks their output_datatype attribute. */
final class SignalValues {
    private SignalValues() {}

    static double realScalar(Tensor t, String what) {
        if (t.size() != 1) throw new IllegalArgumentException(what + " must be a scalar, got " + t.describe());
        return Elements.getDouble(Elements.requireFloating(t, what), 0);
    }

    static long intScalar(Tensor t, String what) {
        if (t.size() != 1) throw new IllegalArgumentException(what + " must be a scalar, got " + t.describe());
        switch (t.dtype()) {
            case INT64: return t.longs().get(0);
            case INT32: return t.ints().get(0);
            default: throw new IllegalArgumentException(what + " must be int32 or int64, got " + t.describe());
        }
    }

    /** The output_datatype attribute as a type these operators can produce. */
    static DType outputType(long code, String op) {
        DType t;
        try {
            t = DType.fromOnnx((int) code);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(op + " output_datatype " + code + " is not a known element type");
        }
        switch (t) {
            case FLOAT: case DOUBLE: case FLOAT16: case BFLOAT16:
            case INT8: case INT16: case INT32: case INT64:
            case UINT8: case UINT16: case UINT32: case UINT64:
                return t;
            default:
                throw new IllegalArgumentException(op + " output_datatype must be a numeric type, got " + t);
        }
    }
}
