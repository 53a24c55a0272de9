package dev.petrel.graph;

import dev.petrel.ModelFormatException;
import dev.petrel.Tensor;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The attributes of a node, with typed getters that fail with a message naming the attribute when
 * the model stores the wrong kind. Kernels read them once when they are created, never per run.
 */
public final class Attributes {
    private final Map<String, Attribute> byName;

    public Attributes(Collection<Attribute> attributes) {
        Map<String, Attribute> m = new LinkedHashMap<>();
        for (Attribute a : attributes) m.put(a.name(), a);
        this.byName = Collections.unmodifiableMap(m);
    }

    public static Attributes empty() {
        return new Attributes(List.of());
    }

    public boolean has(String name) {
        return byName.containsKey(name);
    }

    public Attribute get(String name) {
        return byName.get(name);
    }

    public Collection<Attribute> all() {
        return byName.values();
    }

    private Object value(String name, Attribute.Kind kind) {
        Attribute a = byName.get(name);
        if (a == null) return null;
        if (a.kind() != kind) {
            throw new ModelFormatException("attribute '" + name + "' must be " + kind + ", found " + a.kind());
        }
        return a.rawValue();
    }

    public long getInt(String name, long fallback) {
        Object v = value(name, Attribute.Kind.INT);
        return v == null ? fallback : (Long) v;
    }

    /** The INT attribute, required. */
    public long requireInt(String name) {
        Object v = value(name, Attribute.Kind.INT);
        if (v == null) throw new ModelFormatException("required attribute '" + name + "' is missing");
        return (Long) v;
    }

    public float getFloat(String name, float fallback) {
        Object v = value(name, Attribute.Kind.FLOAT);
        return v == null ? fallback : (Float) v;
    }

    public String getString(String name, String fallback) {
        Object v = value(name, Attribute.Kind.STRING);
        return v == null ? fallback : (String) v;
    }

    /** A copy of the INTS attribute, or null when absent. */
    public long[] getInts(String name) {
        Object v = value(name, Attribute.Kind.INTS);
        return v == null ? null : ((long[]) v).clone();
    }

    /** A copy of the FLOATS attribute, or null when absent. */
    public float[] getFloats(String name) {
        Object v = value(name, Attribute.Kind.FLOATS);
        return v == null ? null : ((float[]) v).clone();
    }

    @SuppressWarnings("unchecked")
    public List<String> getStrings(String name) {
        return (List<String>) value(name, Attribute.Kind.STRINGS);
    }

    public Tensor getTensor(String name) {
        return (Tensor) value(name, Attribute.Kind.TENSOR);
    }

    public Graph getGraph(String name) {
        return (Graph) value(name, Attribute.Kind.GRAPH);
    }

    @Override
    public String toString() {
        return byName.values().toString();
    }
}
