package dev.petrel.graph;

import dev.petrel.Tensor;
import java.util.Arrays;
import java.util.List;

/** One node attribute: a name, a kind and an immutable value. */
public final class Attribute {
    /** Attribute kinds, as ONNX's {@code AttributeProto.AttributeType}. */
    public enum Kind { FLOAT, INT, STRING, TENSOR, GRAPH, FLOATS, INTS, STRINGS, TENSORS, GRAPHS }

    private final String name;
    private final Kind kind;
    private final Object value;

    private Attribute(String name, Kind kind, Object value) {
        this.name = name;
        this.kind = kind;
        this.value = value;
    }

    public static Attribute ofFloat(String name, float v) { return new Attribute(name, Kind.FLOAT, v); }
    public static Attribute ofInt(String name, long v) { return new Attribute(name, Kind.INT, v); }
    public static Attribute ofString(String name, String v) { return new Attribute(name, Kind.STRING, v); }
    public static Attribute ofTensor(String name, Tensor v) { return new Attribute(name, Kind.TENSOR, v); }
    public static Attribute ofGraph(String name, Graph v) { return new Attribute(name, Kind.GRAPH, v); }
    public static Attribute ofFloats(String name, float[] v) { return new Attribute(name, Kind.FLOATS, v.clone()); }
    public static Attribute ofInts(String name, long[] v) { return new Attribute(name, Kind.INTS, v.clone()); }
    public static Attribute ofStrings(String name, List<String> v) { return new Attribute(name, Kind.STRINGS, List.copyOf(v)); }
    public static Attribute ofTensors(String name, List<Tensor> v) { return new Attribute(name, Kind.TENSORS, List.copyOf(v)); }
    public static Attribute ofGraphs(String name, List<Graph> v) { return new Attribute(name, Kind.GRAPHS, List.copyOf(v)); }

    public String name() { return name; }
    public Kind kind() { return kind; }

    /** The value: Float, Long, String, Tensor, Graph, float[] or long[] (copies), or an unmodifiable List. */
    public Object value() {
        if (value instanceof float[]) return ((float[]) value).clone();
        if (value instanceof long[]) return ((long[]) value).clone();
        return value;
    }

    Object rawValue() {
        return value;
    }

    @Override
    public String toString() {
        Object v = value instanceof float[] ? Arrays.toString((float[]) value)
                : value instanceof long[] ? Arrays.toString((long[]) value) : value;
        return name + "=" + v;
    }
}
