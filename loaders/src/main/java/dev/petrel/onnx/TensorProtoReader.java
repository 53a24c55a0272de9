package dev.petrel.onnx;

import dev.petrel.DType;
import dev.petrel.ModelFormatException;
import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses a TensorProto into a {@link Tensor}. {@code raw_data} and external data become views of the
 * mapped file (zero-copy); the typed repeated fields are decoded into a fresh little-endian buffer,
 * allocated only once the element count has been checked against the dims.
 */
final class TensorProtoReader {
    private static final String[] NEWER_TYPES = {
        "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4", "INT4", "FLOAT4E2M1",
        "FLOAT8E8M0", "UINT2", "INT2"
    };

    private TensorProtoReader() {}

    /** The field that holds typed data, one per kind of element encoding. */
    private enum Field {
        FLOAT_DATA(4, "float_data", ProtoReader.FIXED32),
        INT32_DATA(5, "int32_data", ProtoReader.VARINT),
        INT64_DATA(7, "int64_data", ProtoReader.VARINT),
        DOUBLE_DATA(10, "double_data", ProtoReader.FIXED64),
        UINT64_DATA(11, "uint64_data", ProtoReader.VARINT);

        final int number;
        final String protoName;
        final int wireType;

        Field(int number, String protoName, int wireType) {
            this.number = number;
            this.protoName = protoName;
            this.wireType = wireType;
        }

        static Field byNumber(int n) {
            for (Field f : values()) if (f.number == n) return f;
            return null;
        }
    }

    static NamedTensor tensorProto(ProtoReader r, ExternalFiles files) {
        String name = "";
        List<ProtoReader.Segment> dimSegments = new ArrayList<>();
        int dataType = 0;
        boolean hasDataType = false;
        ByteBuffer raw = null;
        Field typedField = null;
        List<ProtoReader.Segment> typed = new ArrayList<>();
        boolean hasStrings = false;
        int location = 0;
        List<String[]> external = new ArrayList<>();
        while (r.next()) {
            switch (r.field()) {
                case 1: dimSegments.add(r.segment("dims", ProtoReader.VARINT)); break;
                case 2: dataType = r.int32("data_type"); hasDataType = true; break;
                case 3:
                    throw new UnsupportedFeatureException(r.messageType() + ": segmented tensors are not supported");
                case 4: case 5: case 7: case 10: case 11: {
                    Field f = Field.byNumber(r.field());
                    if (typedField != null && typedField != f) {
                        throw r.fieldError(f.protoName, "holds data, but " + typedField.protoName + " does too");
                    }
                    typedField = f;
                    typed.add(r.segment(f.protoName, f.wireType));
                    break;
                }
                case 6: r.bytes("string_data"); hasStrings = true; break;
                case 8: name = r.string("name"); r.subject(name); break;
                case 9: raw = r.bytes("raw_data"); break;
                case 13: external.add(stringStringEntryProto(r.message("external_data", "StringStringEntryProto"))); break;
                case 14: location = r.int32("data_location"); break;
                default: r.skip();
            }
        }
        r.subject(name);
        int[] dims = dims(r, dimSegments);
        DType dtype = dataType(r, dataType, hasDataType);
        if (hasStrings) throw r.messageError("string_data cannot hold " + dtype + " data");
        int size = Tensor.checkedSize(dims);
        long byteCount = (long) size * dtype.byteSize();
        if (byteCount > Integer.MAX_VALUE) {
            throw r.messageError("holds " + byteCount + " bytes, more than one buffer can (2^31-1)");
        }
        int sources = (raw != null ? 1 : 0) + (typedField != null ? 1 : 0) + (location == 1 ? 1 : 0);
        if (sources > 1) throw r.messageError("has data in more than one of raw_data, typed fields and external data");
        if (location != 0 && location != 1) throw r.messageError("unknown data_location " + location);
        Tensor t;
        if (location == 1) {
            t = Tensor.wrap(dtype, externalData(r, files, external, byteCount), dims);
        } else if (raw != null) {
            if (raw.remaining() != byteCount) {
                throw r.messageError("raw_data holds " + raw.remaining() + " bytes, but " + dtype + java.util.Arrays.toString(dims)
                        + " needs " + byteCount);
            }
            t = Tensor.wrap(dtype, raw, dims);
        } else if (typedField != null) {
            t = Tensor.wrap(dtype, decodeTyped(r, dtype, typedField, typed, size), dims);
        } else if (size == 0) {
            t = Tensor.wrap(dtype, ByteBuffer.allocate(0), dims);
        } else {
            throw r.messageError("has no data (" + dtype + java.util.Arrays.toString(dims) + " needs " + size + " elements)");
        }
        return new NamedTensor(name, t);
    }

    private static String[] stringStringEntryProto(ProtoReader r) {
        String key = "";
        String value = "";
        while (r.next()) {
            switch (r.field()) {
                case 1: key = r.string("key"); break;
                case 2: value = r.string("value"); break;
                default: r.skip();
            }
        }
        return new String[] {key, value};
    }

    private static int[] dims(ProtoReader r, List<ProtoReader.Segment> segments) {
        int rank = 0;
        for (ProtoReader.Segment s : segments) rank += s.count("dims");
        int[] dims = new int[rank];
        int i = 0;
        long product = 1;
        for (ProtoReader.Segment s : segments) {
            ProtoReader.Values v = s.values("dims");
            for (int k = s.count("dims"); k > 0; k--) {
                long d = v.nextVarint();
                if (d < 0) throw r.messageError("dimension " + i + " is negative (" + d + ")");
                if (d > Integer.MAX_VALUE) throw r.messageError("dimension " + i + " is too large (" + d + ")");
                dims[i++] = (int) d;
                product *= d;
                if (product > Integer.MAX_VALUE) {
                    throw r.messageError("dims " + dimsToString(segments) + " hold more than 2^31-1 elements");
                }
            }
        }
        return dims;
    }

    private static String dimsToString(List<ProtoReader.Segment> segments) {
        StringBuilder sb = new StringBuilder("[");
        for (ProtoReader.Segment s : segments) {
            ProtoReader.Values v = s.values("dims");
            for (int k = s.count("dims"); k > 0; k--) {
                if (sb.length() > 1) sb.append(", ");
                sb.append(v.nextVarint());
            }
        }
        return sb.append(']').toString();
    }

    private static DType dataType(ProtoReader r, int code, boolean present) {
        if (!present || code == 0) throw r.messageError("has no data_type");
        DType t = DType.fromOnnx(code);
        if (t == DType.STRING) {
            throw new UnsupportedFeatureException("tensor '" + r.subject() + "' has type STRING; Petrel has no string tensors");
        }
        if (t != null && !t.isStorable()) {
            throw new UnsupportedFeatureException("tensor '" + r.subject() + "' has type " + t + ", which Petrel does not support");
        }
        if (t == null) {
            if (code >= 17 && code < 17 + NEWER_TYPES.length) {
                throw new UnsupportedFeatureException("tensor '" + r.subject() + "' has type " + NEWER_TYPES[code - 17]
                        + ", which Petrel does not support");
            }
            throw r.messageError("unknown data_type " + code);
        }
        return t;
    }

    private static Field fieldFor(DType t) {
        switch (t) {
            case FLOAT: return Field.FLOAT_DATA;
            case INT64: return Field.INT64_DATA;
            case DOUBLE: return Field.DOUBLE_DATA;
            case UINT32: case UINT64: return Field.UINT64_DATA;
            default: return Field.INT32_DATA;
        }
    }

    private static ByteBuffer decodeTyped(ProtoReader r, DType dtype, Field field, List<ProtoReader.Segment> segments, int size) {
        if (field != fieldFor(dtype)) {
            throw r.messageError(field.protoName + " cannot hold " + dtype + " data (expected " + fieldFor(dtype).protoName + ")");
        }
        long count = 0;
        for (ProtoReader.Segment s : segments) count += s.count(field.protoName);
        if (count != size) {
            throw r.messageError(field.protoName + " holds " + count + " values, but the dims need " + size);
        }
        int width = dtype.byteSize();
        ByteBuffer out = ByteBuffer.allocate(size * width).order(ByteOrder.LITTLE_ENDIAN);
        int at = 0;
        for (ProtoReader.Segment s : segments) {
            ProtoReader.Values v = s.values(field.protoName);
            for (int k = s.count(field.protoName); k > 0; k--, at += width) {
                switch (field) {
                    case FLOAT_DATA: out.putInt(at, v.nextFixed32()); break;
                    case DOUBLE_DATA: out.putLong(at, v.nextFixed64()); break;
                    case INT64_DATA: out.putLong(at, v.nextVarint()); break;
                    case UINT64_DATA:
                        if (width == 4) out.putInt(at, (int) v.nextVarint());
                        else out.putLong(at, v.nextVarint());
                        break;
                    default: {
                        long x = v.nextVarint();
                        if (dtype == DType.BOOL) out.put(at, (byte) (x != 0 ? 1 : 0));
                        else if (width == 1) out.put(at, (byte) x);
                        else if (width == 2) out.putShort(at, (short) x);
                        else out.putInt(at, (int) x);
                    }
                }
            }
        }
        return out;
    }

    private static ByteBuffer externalData(ProtoReader r, ExternalFiles files, List<String[]> entries, long byteCount) {
        String location = null;
        long offset = 0;
        long length = -1;
        for (String[] e : entries) {
            switch (e[0]) {
                case "location": location = e[1]; break;
                case "offset": offset = number(r, e); break;
                case "length": length = number(r, e); break;
                default: break;
            }
        }
        if (location == null) throw r.messageError("external data has no 'location'");
        if (length < 0) length = byteCount;
        if (length != byteCount) {
            throw r.messageError("external data length " + length + " does not match the " + byteCount + " bytes the dims need");
        }
        return files.map(r.subject(), location, offset, length);
    }

    private static long number(ProtoReader r, String[] entry) {
        try {
            long v = Long.parseLong(entry[1].trim());
            if (v < 0) throw r.messageError("external data '" + entry[0] + "' is negative: " + entry[1]);
            return v;
        } catch (NumberFormatException e) {
            throw r.messageError("external data '" + entry[0] + "' is not a number: '" + entry[1] + "'");
        }
    }
}
