package dev.petrel.onnx;

import dev.petrel.ModelFormatException;
import dev.petrel.PetrelException;
import dev.petrel.Tensor;
import dev.petrel.UnsupportedFeatureException;
import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads and writes single serialized TensorProto files, the format of the ONNX backend tests'
 * {@code input_N.pb} and {@code output_N.pb}.
 */
public final class TensorProtos {
    private TensorProtos() {}

    /** Reads a TensorProto file; its raw data stays a view of the mapped file. */
    public static NamedTensor read(Path file) throws IOException {
        MappedByteBuffer mapped;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) throw new ModelFormatException(file + " is too large for a TensorProto (" + size + " bytes)");
            mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
        }
        try (ExternalFiles external = new ExternalFiles(file.toAbsolutePath().getParent())) {
            return parse(mapped, external);
        }
    }

    /** Reads a TensorProto from the buffer's remaining bytes; the result may share the buffer's memory. */
    public static NamedTensor read(ByteBuffer proto) {
        try (ExternalFiles none = new ExternalFiles(null)) {
            return parse(proto, none);
        } catch (IOException e) {
            throw new IllegalStateException("closing no files cannot fail", e);
        }
    }

    /**
     * The backend tests also store sequence and optional values (SequenceProto, OptionalProto) in
     * {@code .pb} files, which nothing marks apart from TensorProto. Such a file fails to parse as a
     * tensor; only then is it recognized, and reported as unsupported rather than malformed.
     */
    private static NamedTensor parse(ByteBuffer b, ExternalFiles external) {
        try {
            return TensorProtoReader.tensorProto(ProtoReader.of(b, "TensorProto"), external);
        } catch (PetrelException e) {
            String name = nonTensorValueName(b);
            if (name != null) {
                throw new UnsupportedFeatureException("'" + name + "' holds a sequence, optional or map value"
                        + " (SequenceProto, OptionalProto or MapProto), not a tensor; Petrel supports only tensors");
            }
            throw e;
        }
    }

    /**
     * The name of a SequenceProto, OptionalProto or MapProto in {@code b}, or null when it does not look
     * like one: field 1 a printable name, field 2 a value kind in 0..5, then only length-delimited
     * fields 3 to 7 (their values) or, for a map's keys, field 3 varints.
     */
    private static String nonTensorValueName(ByteBuffer b) {
        try {
            ProtoReader r = ProtoReader.of(b, "SequenceProto");
            if (!r.next() || r.field() != 1 || r.wireType() != ProtoReader.LEN) return null;
            String name = r.string("name");
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (c < 0x20 || c > 0x7e) return null;
            }
            if (!r.next() || r.field() != 2) return null;
            long kind = r.varint("elem_type");
            if (kind < 0 || kind > 5) return null;
            while (r.next()) {
                if (r.field() < 3 || r.field() > 7) return null;
                r.skip();
            }
            return name;
        } catch (ModelFormatException e) {
            return null;
        }
    }

    /** Writes {@code t} as a TensorProto with dims, data_type, name and raw_data. */
    public static void write(Path file, String name, Tensor t) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer header = ByteBuffer.wrap(header(name, t));
            while (header.hasRemaining()) ch.write(header);
            ByteBuffer data = t.bytes().duplicate();
            ((Buffer) data).position(0);
            while (data.hasRemaining()) ch.write(data);
        }
    }

    /** Everything up to and including raw_data's length prefix; the data bytes follow. */
    private static byte[] header(String name, Tensor t) {
        if (name == null) throw new PetrelException("tensor name must not be null");
        ByteArray out = new ByteArray();
        for (int d : t.dims()) {
            out.varint(1 << 3);
            out.varint(d);
        }
        out.varint(2 << 3);
        out.varint(t.dtype().onnxCode());
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        out.varint(8 << 3 | 2);
        out.varint(n.length);
        out.bytes(n);
        out.varint(9 << 3 | 2);
        out.varint(t.bytes().limit());
        return out.toArray();
    }

    private static final class ByteArray {
        private byte[] a = new byte[64];
        private int n;

        void varint(long v) {
            while ((v & ~0x7FL) != 0) {
                put((int) (v & 0x7F) | 0x80);
                v >>>= 7;
            }
            put((int) v);
        }

        void bytes(byte[] b) {
            for (byte x : b) put(x);
        }

        private void put(int b) {
            if (n == a.length) a = java.util.Arrays.copyOf(a, a.length * 2);
            a[n++] = (byte) b;
        }

        byte[] toArray() {
            return java.util.Arrays.copyOf(a, n);
        }
    }
}
