package dev.petrel.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds protobuf messages field by field, for tests: well-formed ones and deliberately broken ones. */
final class ProtoWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    ProtoWriter tag(int field, int wireType) {
        return rawVarint((long) field << 3 | wireType);
    }

    ProtoWriter rawVarint(long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
        return this;
    }

    ProtoWriter raw(byte... bytes) {
        out.write(bytes, 0, bytes.length);
        return this;
    }

    ProtoWriter varint(int field, long v) {
        return tag(field, 0).rawVarint(v);
    }

    ProtoWriter float32(int field, float v) {
        tag(field, 5);
        return raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(v).array());
    }

    ProtoWriter double64(int field, double v) {
        tag(field, 1);
        return raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(v).array());
    }

    ProtoWriter bytes(int field, byte[] b) {
        tag(field, 2).rawVarint(b.length);
        return raw(b);
    }

    ProtoWriter string(int field, String s) {
        return bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    ProtoWriter message(int field, ProtoWriter m) {
        return bytes(field, m.toByteArray());
    }

    ProtoWriter packedVarints(int field, long... values) {
        ProtoWriter p = new ProtoWriter();
        for (long v : values) p.rawVarint(v);
        return bytes(field, p.toByteArray());
    }

    ProtoWriter packedFloats(int field, float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return bytes(field, b.array());
    }

    ProtoWriter packedDoubles(int field, double... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) b.putDouble(v);
        return bytes(field, b.array());
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }

    static byte[] littleEndianFloats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return b.array();
    }
}
