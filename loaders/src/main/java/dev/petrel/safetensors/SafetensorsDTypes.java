package dev.petrel.safetensors;

import dev.petrel.DType;
import java.util.HashMap;
import java.util.Map;

/** The safetensors element type names, their widths in bits, and the Petrel types they map to. */
final class SafetensorsDTypes {
    private static final Map<String, Integer> BITS = new HashMap<>();
    private static final Map<String, DType> PETREL = new HashMap<>();
    private static final Map<DType, String> NAMES = new HashMap<>();

    static {
        petrel("F64", DType.DOUBLE);
        petrel("F32", DType.FLOAT);
        petrel("F16", DType.FLOAT16);
        petrel("BF16", DType.BFLOAT16);
        petrel("I64", DType.INT64);
        petrel("I32", DType.INT32);
        petrel("I16", DType.INT16);
        petrel("I8", DType.INT8);
        petrel("U64", DType.UINT64);
        petrel("U32", DType.UINT32);
        petrel("U16", DType.UINT16);
        petrel("U8", DType.UINT8);
        petrel("BOOL", DType.BOOL);
        // Valid in files, without a Petrel element type: readable through info(), not as tensors.
        BITS.put("F8_E4M3", 8);
        BITS.put("F8_E5M2", 8);
        BITS.put("F8_E8M0", 8);
        BITS.put("F6_E2M3", 6);
        BITS.put("F6_E3M2", 6);
        BITS.put("F4", 4);
        BITS.put("C64", 64);
    }

    private SafetensorsDTypes() {}

    private static void petrel(String name, DType type) {
        BITS.put(name, type.byteSize() * 8);
        PETREL.put(name, type);
        NAMES.put(type, name);
    }

    /** Bits per element of a safetensors dtype, or -1 if the name is not a safetensors dtype. */
    static int bits(String name) {
        Integer b = BITS.get(name);
        return b == null ? -1 : b;
    }

    /** The Petrel type for a safetensors dtype, or null when Petrel has none. */
    static DType petrel(String name) {
        return PETREL.get(name);
    }

    /** The safetensors name of a Petrel type, or null when the format has none. */
    static String name(DType type) {
        return NAMES.get(type);
    }
}
