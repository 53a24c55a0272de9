package dev.petrel.onnx;

import dev.petrel.ModelFormatException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Reads one protobuf message from a window of a buffer, field by field, without a protobuf library.
 *
 * <p>The input is untrusted: every length is checked against the bytes left in the enclosing message
 * before anything is read or allocated, varints are limited to 10 bytes, and a known field sent with
 * the wrong wire type is rejected. Errors are {@link ModelFormatException}s that name the message, the
 * field and the absolute byte offset. All reads are absolute, so the underlying buffer (typically the
 * memory-mapped model file) is shared, never modified.
 *
 * <p>Usage: {@code while (r.next()) switch (r.field()) { case 1: x = r.string("name"); break; default: r.skip(); }}
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LEN = 2;
    static final int FIXED32 = 5;

    private final ByteBuffer buf;
    private final int end;
    private int pos;
    private final String message;
    private String subject;
    private int field;
    private int wireType;
    private int tagOffset;

    ProtoReader(ByteBuffer buf, int start, int end, String message) {
        this.buf = buf;
        this.pos = start;
        this.end = end;
        this.message = message;
        this.tagOffset = start;
    }

    /** A reader over {@code b}'s remaining bytes (position to limit). */
    static ProtoReader of(ByteBuffer b, String message) {
        return new ProtoReader(b, b.position(), b.limit(), message);
    }

    /** Names the message being read (e.g. the tensor's name) in later error messages. */
    void subject(String name) {
        this.subject = name;
    }

    String subject() {
        return subject;
    }

    String messageType() {
        return message;
    }

    /** Offset of the first unread byte. */
    int position() {
        return pos;
    }

    int end() {
        return end;
    }

    /** True when no field is left. */
    boolean atEnd() {
        return pos >= end;
    }

    /** Reads the next field's tag; false at the end of the message. */
    boolean next() {
        if (pos >= end) return false;
        tagOffset = pos;
        field = 0;
        long tag = rawVarint("tag");
        if (tag > 0xFFFFFFFFL || tag < 0) throw errorAt(tagOffset, "field tag " + Long.toUnsignedString(tag) + " is out of range");
        int f = (int) (tag >>> 3);
        int wt = (int) (tag & 7);
        if (f == 0) throw errorAt(tagOffset, "field number 0 is invalid");
        field = f;
        wireType = wt;
        if (wt == 3 || wt == 4) throw errorAt(tagOffset, "groups (wire type " + wt + ") are not supported");
        if (wt > 5) throw errorAt(tagOffset, "invalid wire type " + wt);
        return true;
    }

    int field() {
        return field;
    }

    int wireType() {
        return wireType;
    }

    /** Skips the current field, whatever its wire type. */
    void skip() {
        switch (wireType) {
            case VARINT: rawVarint(null); break;
            case FIXED64: advance(8, null); break;
            case FIXED32: advance(4, null); break;
            case LEN: advance(length(null), null); break;
            default: throw errorAt(tagOffset, "invalid wire type " + wireType);
        }
    }

    // ------------------------------------------------------------------ typed field reads

    long varint(String fieldName) {
        expect(VARINT, fieldName);
        return rawVarint(fieldName);
    }

    /** An int32 or enum field; values outside the int range are rejected. */
    int int32(String fieldName) {
        int at = pos;
        long v = varint(fieldName);
        if (v != (int) v) throw fieldError(fieldName, "value " + v + " does not fit in 32 bits", at);
        return (int) v;
    }

    float float32(String fieldName) {
        expect(FIXED32, fieldName);
        return Float.intBitsToFloat(rawFixed32(fieldName));
    }

    String string(String fieldName) {
        expect(LEN, fieldName);
        int n = length(fieldName);
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = buf.get(pos + i);
        pos += n;
        return new String(b, StandardCharsets.UTF_8);
    }

    /** A length-delimited field as a zero-copy slice of the underlying buffer. */
    ByteBuffer bytes(String fieldName) {
        expect(LEN, fieldName);
        int n = length(fieldName);
        ByteBuffer s = slice(pos, n);
        pos += n;
        return s;
    }

    /** An embedded message, as a reader over its bytes. */
    ProtoReader message(String fieldName, String messageType) {
        expect(LEN, fieldName);
        int n = length(fieldName);
        ProtoReader r = new ProtoReader(buf, pos, pos + n, messageType);
        pos += n;
        return r;
    }

    /**
     * The bytes of a repeated scalar field occurrence: the whole packed run (wire type 2), or the one
     * unpacked value (wire type {@code elementWireType}). The reader moves past it.
     */
    Segment segment(String fieldName, int elementWireType) {
        if (wireType == LEN) {
            int n = length(fieldName);
            int start = pos;
            pos += n;
            return new Segment(start, pos, elementWireType);
        }
        expect(elementWireType, fieldName);
        int start = pos;
        if (elementWireType == VARINT) rawVarint(fieldName);
        else advance(elementWireType == FIXED32 ? 4 : 8, fieldName);
        return new Segment(start, pos, elementWireType);
    }

    /** A run of scalar values of one wire type inside the buffer. */
    final class Segment {
        final int start;
        final int stop;
        final int elementWireType;
        private final int fieldNumber;

        Segment(int start, int stop, int elementWireType) {
            this.start = start;
            this.stop = stop;
            this.elementWireType = elementWireType;
            this.fieldNumber = field;
        }

        /** Number of values; checks fixed-width runs divide evenly and varint runs end on a whole varint. */
        int count(String name) {
            int n = stop - start;
            if (elementWireType == FIXED32 || elementWireType == FIXED64) {
                int w = elementWireType == FIXED32 ? 4 : 8;
                if (n % w != 0) throw segmentError(name, "packed length " + n + " is not a multiple of " + w);
                return n / w;
            }
            int count = 0;
            for (int i = start; i < stop; i++) {
                if ((buf.get(i) & 0x80) == 0) count++;
            }
            if (n > 0 && (buf.get(stop - 1) & 0x80) != 0) throw segmentError(name, "packed varints end inside a varint");
            return count;
        }

        /** Reads the values one by one; call {@link #count} first. */
        Values values(String name) {
            return new Values(this, name);
        }

        private ModelFormatException segmentError(String name, String what) {
            return errorAt(start, fieldNumber, name, what);
        }
    }

    /** A cursor over a {@link Segment}'s values. */
    final class Values {
        private final Segment seg;
        private final String name;
        private int at;

        Values(Segment seg, String name) {
            this.seg = seg;
            this.name = name;
            this.at = seg.start;
        }

        long nextVarint() {
            long result = 0;
            for (int shift = 0, i = 0; i < 10; i++, shift += 7) {
                if (at >= seg.stop) throw errorAt(at, seg.fieldNumber, name, "truncated varint");
                int b = buf.get(at++);
                result |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) return result;
            }
            throw errorAt(at, seg.fieldNumber, name, "varint longer than 10 bytes");
        }

        int nextFixed32() {
            int v = buf.get(at) & 0xFF | (buf.get(at + 1) & 0xFF) << 8 | (buf.get(at + 2) & 0xFF) << 16 | (buf.get(at + 3) & 0xFF) << 24;
            at += 4;
            return v;
        }

        long nextFixed64() {
            long lo = nextFixed32() & 0xFFFFFFFFL;
            long hi = nextFixed32() & 0xFFFFFFFFL;
            return lo | hi << 32;
        }
    }

    // ------------------------------------------------------------------ errors

    /** An error about the current field, at the offset of its tag. */
    ModelFormatException fieldError(String fieldName, String what) {
        return errorAt(tagOffset, field, fieldName, what);
    }

    private ModelFormatException fieldError(String fieldName, String what, int offset) {
        return errorAt(offset, field, fieldName, what);
    }

    /** An error about the message as a whole (e.g. a missing field). */
    ModelFormatException messageError(String what) {
        return new ModelFormatException(describe() + ": " + what);
    }

    private ModelFormatException errorAt(int offset, String what) {
        return errorAt(offset, field, null, what);
    }

    private ModelFormatException errorAt(int offset, int fieldNumber, String fieldName, String what) {
        StringBuilder sb = new StringBuilder(describe());
        if (fieldNumber > 0) {
            sb.append(" field ").append(fieldNumber);
            if (fieldName != null) sb.append(" (").append(fieldName).append(')');
        }
        sb.append(": ").append(what).append(" at byte ").append(offset);
        return new ModelFormatException(sb.toString());
    }

    private String describe() {
        return subject == null || subject.isEmpty() ? message : message + " '" + subject + "'";
    }

    // ------------------------------------------------------------------ wire primitives

    private void expect(int expected, String fieldName) {
        if (wireType != expected) {
            throw fieldError(fieldName, "wire type " + wireType + " where " + expected + " was expected");
        }
    }

    private long rawVarint(String fieldName) {
        long result = 0;
        int start = pos;
        for (int shift = 0, i = 0; i < 10; i++, shift += 7) {
            if (pos >= end) throw fieldError(fieldName, "varint is truncated by the end of the enclosing message", start);
            int b = buf.get(pos++);
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw fieldError(fieldName, "varint longer than 10 bytes", start);
    }

    private int rawFixed32(String fieldName) {
        int at = pos;
        advance(4, fieldName);
        return buf.get(at) & 0xFF | (buf.get(at + 1) & 0xFF) << 8 | (buf.get(at + 2) & 0xFF) << 16 | (buf.get(at + 3) & 0xFF) << 24;
    }

    /** Reads a length prefix and checks it fits in what is left of this message. */
    private int length(String fieldName) {
        int at = pos;
        long n = rawVarint(fieldName);
        if (n < 0 || n > end - pos) {
            throw fieldError(fieldName, "length " + (n < 0 ? Long.toUnsignedString(n) : Long.toString(n))
                    + " runs past the end of the enclosing message", at);
        }
        return (int) n;
    }

    private void advance(int n, String fieldName) {
        if (n > end - pos) throw fieldError(fieldName, n + " bytes run past the end of the enclosing message", pos);
        pos += n;
    }

    private ByteBuffer slice(int start, int n) {
        ByteBuffer d = buf.duplicate();
        ((Buffer) d).limit(start + n);
        ((Buffer) d).position(start);
        return d.slice();
    }
}
