package dev.petrel.ops;

import dev.petrel.graph.Attribute;
import java.util.Arrays;
import java.util.List;

/** Short names for building node attributes in tests: {@code attrs(i("axis", 1), ints("pads", 0, 1))}. */
public final class Attrs {
    private Attrs() {}

    public static List<Attribute> attrs(Attribute... a) { return Arrays.asList(a); }
    public static Attribute i(String name, long v) { return Attribute.ofInt(name, v); }
    public static Attribute f(String name, float v) { return Attribute.ofFloat(name, v); }
    public static Attribute s(String name, String v) { return Attribute.ofString(name, v); }
    public static Attribute ints(String name, long... v) { return Attribute.ofInts(name, v); }
}
