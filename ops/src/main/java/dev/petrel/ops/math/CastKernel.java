package dev.petrel.ops.math;

import dev.petrel.DType;
import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Node;
import dev.petrel.ops.Elements;
import dev.petrel.spi.Kernel;
import dev.petrel.spi.KernelContext;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;

/**
 * Cast (target from the 'to' attribute) and CastLike (target is input 1's type) between all numeric
 * types and BOOL, with C++ static_cast semantics: floating to integer truncates toward zero, integers
 * narrow by keeping their low bits, anything to BOOL is {@code x != 0}, and every rounding to a
 * floating type is a single round-to-nearest-even (also from double or 64-bit integers to FLOAT16),
 * except float to BFLOAT16 before opset 19, which truncates as the reference of those opsets did.
 * The 'saturate' attribute only concerns float8 types, which Petrel does not have.
 */
final class CastKernel implements Kernel {
    /** The target type, or null for CastLike. */
    private final DType to;
    /**
     * Before opset 19 the reference converted float to bfloat16 by dropping the low 16 bits (the ONNX
     * test data of that era expects it); opset 19 settled on round to nearest even.
     */
    private final boolean truncateBfloat16;

    private CastKernel(DType to, boolean truncateBfloat16) {
        this.to = to;
        this.truncateBfloat16 = truncateBfloat16;
    }

    static CastKernel cast(Node node) {
        Attribute a = node.attributes().get("to");
        if (a == null) throw new IllegalArgumentException("Cast needs the 'to' attribute");
        DType t;
        if (a.kind() == Attribute.Kind.STRING) {
            // Opset 1 names the type ("FLOAT", "INT64", ...) instead of numbering it.
            String s = (String) a.value();
            try {
                t = DType.valueOf(s.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new UnsupportedFeatureException("Cast to '" + s + "' not supported: unknown type name");
            }
        } else {
            long code = node.attributes().requireInt("to");
            t = DType.fromOnnx((int) code);
            if (t == null) throw new UnsupportedFeatureException("Cast to type " + code + " not supported (float8/int4 types are not available)");
        }
        checkTarget(t);
        return new CastKernel(t, node.opsetVersion() < 19);
    }

    static CastKernel castLike(Node node) {
        return new CastKernel(null, node.opsetVersion() < 19);
    }

    private static void checkTarget(DType t) {
        if (!t.isStorable()) throw new UnsupportedFeatureException("Cast to " + t + " not supported");
    }

    @Override
    public void run(KernelContext ctx) {
        Tensor x = ctx.requireInput(0);
        DType target = to;
        if (target == null) {
            target = ctx.requireInput(1).dtype();
            checkTarget(target);
        }
        Tensor y = ctx.output(0, target, x.dims());
        if (target == DType.BFLOAT16 && truncateBfloat16 && x.dtype() != DType.BFLOAT16) {
            truncateToBfloat16(x, y);
        } else {
            convert(x, y);
        }
    }

    private static void truncateToBfloat16(Tensor x, Tensor y) {
        int n = x.size();
        java.nio.ShortBuffer b = y.shorts();
        if (x.dtype().isFloatingPoint()) {
            for (int i = 0; i < n; i++) {
                float f = (float) Elements.getDouble(x, i);
                b.put(i, f != f ? (short) 0x7FC0 : (short) (Float.floatToRawIntBits(f) >>> 16));
            }
        } else {
            boolean u64 = x.dtype() == DType.UINT64;
            for (int i = 0; i < n; i++) {
                long v = Elements.getLong(x, i);
                float f = u64 ? Elements.unsignedToFloat(v) : (float) v;
                b.put(i, (short) (Float.floatToRawIntBits(f) >>> 16));
            }
        }
    }

    /**
     * Converts every element of {@code x} into {@code y}, which has the same size and its own type.
     * Element by element, with no temporary arrays: Cast sits on hot paths (the int32 results of
     * MatMulInteger in quantized models), so the common pairs get their own loops.
     */
    static void convert(Tensor x, Tensor y) {
        DType from = x.dtype();
        DType to = y.dtype();
        int n = x.size();
        if (from == to) {
            Tensor.copyBytes(x.bytes(), 0, y.bytes(), 0, n * from.byteSize());
        } else if (from == DType.INT32 && to == DType.FLOAT) {
            IntBuffer a = x.ints();
            FloatBuffer b = y.floats();
            for (int i = 0; i < n; i++) b.put(i, a.get(i));
        } else if (from == DType.INT64 && to == DType.FLOAT) {
            LongBuffer a = x.longs();
            FloatBuffer b = y.floats();
            for (int i = 0; i < n; i++) b.put(i, a.get(i));
        } else if (from == DType.FLOAT && to == DType.FLOAT16) {
            FloatBuffer a = x.floats();
            for (int i = 0; i < n; i++) y.shorts().put(i, dev.petrel.spi.Float16.fromFloat(a.get(i)));
        } else if (from.isFloatingPoint() || to == DType.DOUBLE) {
            for (int i = 0; i < n; i++) Elements.putDouble(y, i, Elements.getDouble(x, i));
        } else if (to == DType.FLOAT) {
            // Straight from long: going through double would round twice for large 64-bit values.
            FloatBuffer b = y.floats();
            boolean u64 = from == DType.UINT64;
            for (int i = 0; i < n; i++) {
                long v = Elements.getLong(x, i);
                b.put(i, u64 ? Elements.unsignedToFloat(v) : (float) v);
            }
        } else if (to.isFloatingPoint()) {
            // 16-bit targets: round to odd on the way through double so the final rounding is the only one.
            boolean u64 = from == DType.UINT64;
            java.nio.ShortBuffer b = y.shorts();
            for (int i = 0; i < n; i++) {
                float f = Elements.toFloatRoundToOdd(Elements.longToDoubleRoundToOdd(Elements.getLong(x, i), u64));
                b.put(i, to == DType.FLOAT16 ? dev.petrel.spi.Float16.fromFloat(f) : dev.petrel.spi.Float16.floatToBfloat16(f));
            }
        } else {
            for (int i = 0; i < n; i++) Elements.putLong(y, i, Elements.getLong(x, i));
        }
    }
}
