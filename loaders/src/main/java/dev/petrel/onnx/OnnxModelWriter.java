package dev.petrel.onnx;

import dev.petrel.DType;
import dev.petrel.ModelFormatException;
import dev.petrel.Tensor;
import dev.petrel.graph.Attribute;
import dev.petrel.graph.Dim;
import dev.petrel.graph.Graph;
import dev.petrel.graph.Node;
import dev.petrel.graph.ValueInfo;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link Graph} as an ONNX ModelProto. Every tensor (initializers and tensor attributes) is
 * stored as {@code raw_data}, little-endian as Petrel holds it; declared input and output types keep
 * their symbolic dimensions; the opset imports are the top graph's {@link Graph#opsets()}.
 *
 * <p>Protobuf prefixes every nested message with its length, so the writer first builds a tree of
 * pieces whose sizes are known without touching weight bytes (a tensor's size follows from its dtype
 * and dims), then streams it: weights go from their mapped storage to the file in small chunks, and
 * no buffer the size of the model is ever allocated. A ModelProto cannot exceed 2 GiB; larger graphs
 * are refused before anything is written.
 *
 * <p>What the graph IR does not keep is not written: doc strings, metadata, intermediate value_info,
 * and the original {@code ir_version}, which is derived from the default domain's opset instead (at
 * least 7, so that initializers need not be listed as graph inputs).
 */
public final class OnnxModelWriter {
    /** The largest serialized ModelProto protobuf allows. */
    static final long MAX_MODEL_BYTES = Integer.MAX_VALUE;

    private String producerName = "petrel";
    private String producerVersion = "0.1.0";
    private long irVersion = -1;

    /** The producer_name field (default "petrel"). */
    public OnnxModelWriter producer(String name, String version) {
        this.producerName = name;
        this.producerVersion = version;
        return this;
    }

    /** Forces the ir_version field; by default it follows the default domain's opset. */
    public OnnxModelWriter irVersion(long v) {
        this.irVersion = v;
        return this;
    }

    /**
     * The IR version that ships with the ONNX release that introduced opset {@code opset} of the default
     * domain (onnx.helper's VERSION_TABLE), but at least 7.
     */
    public static long irVersionFor(int opset) {
        int ir;
        if (opset <= 11) ir = 6;
        else if (opset <= 14) ir = 7;
        else if (opset <= 18) ir = 8;
        else if (opset <= 20) ir = 9;
        else if (opset <= 22) ir = 10;
        else ir = 11;
        return Math.max(7, ir);
    }

    /**
     * Writes {@code graph} to {@code file} through a temporary file in the same folder, then renamed:
     * a reader never sees a half-written model, and {@code file} may be the model the graph's weights
     * are mapped from.
     */
    public void write(Graph graph, Path file) throws IOException {
        Piece model = model(graph);
        if (model.size() > MAX_MODEL_BYTES) {
            throw new ModelFormatException("the model would be " + model.size() + " bytes; a ModelProto cannot exceed 2 GiB");
        }
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        // Not Files.createTempFile: its owner-only permissions would stay on the model.
        Path tmp = dir.resolve(abs.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                model.writeTo(out, new byte[1 << 16]);
            }
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes {@code graph} as a ModelProto to {@code out} (not closed). */
    public void write(Graph graph, OutputStream out) throws IOException {
        Piece model = model(graph);
        if (model.size() > MAX_MODEL_BYTES) {
            throw new ModelFormatException("the model would be " + model.size() + " bytes; a ModelProto cannot exceed 2 GiB");
        }
        model.writeTo(out, new byte[1 << 16]);
    }

    /** The serialized size in bytes, computed without serializing the weights. */
    public long size(Graph graph) {
        return model(graph).size();
    }

    // ------------------------------------------------------------------ messages

    private Message model(Graph graph) {
        Map<String, Integer> opsets = graph.opsets();
        long ir = irVersion;
        if (ir < 0) ir = irVersionFor(opsets.getOrDefault("", 1));
        Message m = new Message();
        m.varint(1, ir);
        m.string(2, producerName);
        m.string(3, producerVersion);
        m.message(7, graph(graph));
        for (Map.Entry<String, Integer> e : opsets.entrySet()) {
            Message o = new Message();
            o.string(1, e.getKey());
            o.varint(2, e.getValue());
            m.message(8, o);
        }
        return m;
    }

    private static Message graph(Graph g) {
        Message m = new Message();
        for (Node n : g.nodes()) m.message(1, node(n));
        m.string(2, g.name().isEmpty() ? "graph" : g.name());
        for (Map.Entry<String, Tensor> e : g.initializers().entrySet()) m.message(5, tensor(e.getKey(), e.getValue()));
        for (ValueInfo v : g.inputs()) m.message(11, valueInfo(v));
        for (ValueInfo v : g.outputs()) m.message(12, valueInfo(v));
        return m;
    }

    private static Message node(Node n) {
        Message m = new Message();
        for (String in : n.inputs()) m.stringAlways(1, in);
        for (String out : n.outputs()) m.stringAlways(2, out);
        m.string(3, n.name());
        m.string(4, n.opType());
        for (Attribute a : n.attributes().all()) m.message(5, attribute(a));
        m.string(7, n.domain());
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Message attribute(Attribute a) {
        Message m = new Message();
        m.string(1, a.name());
        Object v = a.value();
        int type;
        switch (a.kind()) {
            case FLOAT: m.fixed32(2, Float.floatToRawIntBits((Float) v)); type = 1; break;
            case INT: m.varintAlways(3, (Long) v); type = 2; break;
            case STRING: m.bytesAlways(4, ((String) v).getBytes(StandardCharsets.UTF_8)); type = 3; break;
            case TENSOR: m.message(5, tensor("", (Tensor) v)); type = 4; break;
            case GRAPH: m.message(6, graph((Graph) v)); type = 5; break;
            case FLOATS: {
                float[] f = (float[]) v;
                ByteBuffer b = ByteBuffer.allocate(4 * f.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (float x : f) b.putFloat(x);
                m.bytesAlways(7, b.array());
                type = 6;
                break;
            }
            case INTS: {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                for (long x : (long[]) v) rawVarint(b, x);
                m.bytesAlways(8, b.toByteArray());
                type = 7;
                break;
            }
            case STRINGS:
                for (String s : (List<String>) v) m.bytesAlways(9, s.getBytes(StandardCharsets.UTF_8));
                type = 8;
                break;
            case TENSORS:
                for (Tensor t : (List<Tensor>) v) m.message(10, tensor("", t));
                type = 9;
                break;
            case GRAPHS:
                for (Graph g : (List<Graph>) v) m.message(11, graph(g));
                type = 10;
                break;
            default:
                throw new IllegalArgumentException("attribute '" + a.name() + "': unknown kind " + a.kind());
        }
        m.varint(20, type);
        return m;
    }

    /** A TensorProto with dims, data_type, name and raw_data (streamed from the tensor's storage). */
    static Message tensor(String name, Tensor t) {
        if (!t.dtype().isStorable()) {
            throw new IllegalArgumentException("tensor '" + name + "' has type " + t.dtype() + ", which cannot be written");
        }
        Message m = new Message();
        if (t.rank() > 0) {
            ByteArrayOutputStream dims = new ByteArrayOutputStream();
            for (int d : t.dims()) rawVarint(dims, d);
            m.bytesAlways(1, dims.toByteArray());
        }
        m.varintAlways(2, t.dtype().onnxCode());
        m.string(8, name);
        long bytes = (long) t.size() * t.dtype().byteSize();
        m.header(9, 2);
        m.lengthPrefixed(new TensorBytes(t.bytes(), bytes));
        return m;
    }

    private static Message valueInfo(ValueInfo v) {
        Message m = new Message();
        m.string(1, v.name());
        if (v.dtype() != null || v.shape() != null) {
            Message tensorType = new Message();
            if (v.dtype() != null) tensorType.varintAlways(1, v.dtype().onnxCode());
            if (v.shape() != null) {
                Message shape = new Message();
                for (Dim d : v.shape()) {
                    Message dim = new Message();
                    if (d.isFixed()) dim.varintAlways(1, d.value());
                    else if (d.symbol() != null) dim.string(2, d.symbol());
                    shape.message(1, dim);
                }
                tensorType.message(2, shape);
            }
            Message type = new Message();
            type.message(1, tensorType);
            m.message(2, type);
        }
        return m;
    }

    // ------------------------------------------------------------------ wire format

    static void rawVarint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }

    static int varintSize(long v) {
        int n = 1;
        while ((v & ~0x7FL) != 0) {
            n++;
            v >>>= 7;
        }
        return n;
    }

    /** Part of the output whose size is known before it is written. */
    interface Piece {
        long size();

        void writeTo(OutputStream out, byte[] scratch) throws IOException;
    }

    /** Bytes already serialized (small fields). */
    private static final class Bytes implements Piece {
        final byte[] b;

        Bytes(byte[] b) {
            this.b = b;
        }

        @Override
        public long size() {
            return b.length;
        }

        @Override
        public void writeTo(OutputStream out, byte[] scratch) throws IOException {
            out.write(b);
        }
    }

    /** A tensor's storage, copied to the stream chunk by chunk when written. */
    private static final class TensorBytes implements Piece {
        final ByteBuffer storage;
        final long length;

        TensorBytes(ByteBuffer storage, long length) {
            this.storage = storage;
            this.length = length;
        }

        @Override
        public long size() {
            return length;
        }

        @Override
        public void writeTo(OutputStream out, byte[] scratch) throws IOException {
            ByteBuffer b = storage.duplicate();
            ((java.nio.Buffer) b).position(0);
            ((java.nio.Buffer) b).limit((int) length);
            if (b.hasArray()) {
                out.write(b.array(), b.arrayOffset(), (int) length);
                return;
            }
            while (b.hasRemaining()) {
                int n = Math.min(scratch.length, b.remaining());
                b.get(scratch, 0, n);
                out.write(scratch, 0, n);
            }
        }
    }

    /** A message: a list of pieces, small fields gathered in a pending byte buffer. */
    static final class Message implements Piece {
        private final List<Piece> pieces = new ArrayList<>();
        private ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private long size = -1;

        private void flush() {
            if (pending.size() > 0) {
                pieces.add(new Bytes(pending.toByteArray()));
                pending = new ByteArrayOutputStream();
            }
        }

        void header(int field, int wireType) {
            rawVarint(pending, (long) field << 3 | wireType);
        }

        void varint(int field, long v) {
            if (v != 0) varintAlways(field, v);
        }

        void varintAlways(int field, long v) {
            header(field, 0);
            rawVarint(pending, v);
        }

        void fixed32(int field, int bits) {
            header(field, 5);
            for (int i = 0; i < 4; i++) pending.write(bits >>> (8 * i));
        }

        void string(int field, String s) {
            if (s != null && !s.isEmpty()) bytesAlways(field, s.getBytes(StandardCharsets.UTF_8));
        }

        /** A repeated string element: written even when empty (an absent optional input keeps its slot). */
        void stringAlways(int field, String s) {
            bytesAlways(field, s.getBytes(StandardCharsets.UTF_8));
        }

        void bytesAlways(int field, byte[] b) {
            header(field, 2);
            rawVarint(pending, b.length);
            pending.write(b, 0, b.length);
        }

        void message(int field, Piece m) {
            header(field, 2);
            lengthPrefixed(m);
        }

        /** A length varint then the piece itself. */
        void lengthPrefixed(Piece p) {
            rawVarint(pending, p.size());
            flush();
            pieces.add(p);
        }

        @Override
        public long size() {
            if (size < 0) {
                flush();
                long s = 0;
                for (Piece p : pieces) s += p.size();
                size = s;
            }
            return size;
        }

        @Override
        public void writeTo(OutputStream out, byte[] scratch) throws IOException {
            flush();
            for (Piece p : pieces) p.writeTo(out, scratch);
        }
    }
}
