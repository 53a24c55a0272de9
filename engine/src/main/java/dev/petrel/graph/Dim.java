package dev.petrel.graph;

/**
 * One dimension of a declared shape: a fixed size, a symbolic name resolved at run time
 * ({@code "batch"}), or unknown.
 */
public final class Dim {
    private static final Dim UNKNOWN = new Dim(-1, null);
    private final long value;
    private final String symbol;

    private Dim(long value, String symbol) {
        this.value = value;
        this.symbol = symbol;
    }

    public static Dim of(long value) {
        return new Dim(value, null);
    }

    public static Dim symbol(String name) {
        return new Dim(-1, name);
    }

    public static Dim unknown() {
        return UNKNOWN;
    }

    /** True when this dimension has a fixed size. */
    public boolean isFixed() {
        return value >= 0;
    }

    /** The fixed size; -1 when symbolic or unknown. */
    public long value() {
        return value;
    }

    /** The symbolic name, or null. */
    public String symbol() {
        return symbol;
    }

    @Override
    public String toString() {
        return value >= 0 ? Long.toString(value) : symbol != null ? symbol : "?";
    }
}
