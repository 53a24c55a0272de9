package dev.petrel.onnx;

/** ONNX message builders on top of {@link ProtoWriter}, named for the message they make. */
final class Onnx {
    private Onnx() {}

    static final int FLOAT = 1, UINT8 = 2, INT8 = 3, UINT16 = 4, INT16 = 5, INT32 = 6, INT64 = 7, STRING = 8,
            BOOL = 9, FLOAT16 = 10, DOUBLE = 11, UINT32 = 12, UINT64 = 13;

    /** TensorProto with unpacked dims, data type and name; callers add the data. */
    static ProtoWriter tensor(String name, int dataType, long... dims) {
        ProtoWriter t = new ProtoWriter();
        for (long d : dims) t.varint(1, d);
        t.varint(2, dataType);
        t.string(8, name);
        return t;
    }

    static ProtoWriter floatTensor(String name, float[] values, long... dims) {
        return tensor(name, FLOAT, dims).bytes(9, ProtoWriter.littleEndianFloats(values));
    }

    /** ValueInfoProto of a tensor; a String dim is a dim_param, a Number a dim_value. */
    static ProtoWriter valueInfo(String name, int elemType, Object... dims) {
        ProtoWriter shape = new ProtoWriter();
        for (Object d : dims) {
            ProtoWriter dim = new ProtoWriter();
            if (d instanceof String) dim.string(2, (String) d);
            else dim.varint(1, ((Number) d).longValue());
            shape.message(1, dim);
        }
        ProtoWriter tensorType = new ProtoWriter().varint(1, elemType).message(2, shape);
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
    }

    static ProtoWriter node(String name, String opType, String[] inputs, String[] outputs, ProtoWriter... attributes) {
        ProtoWriter n = new ProtoWriter();
        for (String in : inputs) n.string(1, in);
        for (String out : outputs) n.string(2, out);
        if (name != null) n.string(3, name);
        n.string(4, opType);
        for (ProtoWriter a : attributes) n.message(5, a);
        return n;
    }

    static String[] names(String... n) {
        return n;
    }

    static ProtoWriter attribute(String name, int type) {
        return new ProtoWriter().string(1, name).varint(20, type);
    }

    static ProtoWriter intAttribute(String name, long v) {
        return attribute(name, 2).varint(3, v);
    }

    static ProtoWriter graphAttribute(String name, ProtoWriter graph) {
        return attribute(name, 5).message(6, graph);
    }

    static ProtoWriter opset(String domain, long version) {
        return new ProtoWriter().string(1, domain).varint(2, version);
    }

    /** ModelProto with ir_version 8, the graph, then the opset imports last (as protobuf orders them). */
    static byte[] model(ProtoWriter graph, ProtoWriter... opsets) {
        ProtoWriter m = new ProtoWriter().varint(1, 8).string(2, "petrel-test").message(7, graph);
        for (ProtoWriter o : opsets) m.message(8, o);
        return m.toByteArray();
    }

    static byte[] model(ProtoWriter graph) {
        return model(graph, opset("", 17));
    }
}
