package dev.petrel.optimize;

/**
 * One rewrite of a graph at load time. A pass must keep every graph output equal to what the
 * unoptimized graph computes (within fp32 rounding) for every input the graph accepts; when a
 * condition it relies on cannot be proven from the graph (a constant, an axis, a single consumer),
 * it leaves that part of the graph alone.
 */
public interface Pass {
    /** Short name for reports, e.g. "constant-folding". */
    String name();

    /** Rewrites {@code graph} in place; returns how many rewrites it made (0 when nothing changed). */
    int apply(GraphEdit graph);
}
