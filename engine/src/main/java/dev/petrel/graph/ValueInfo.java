package dev.petrel.graph;

import dev.petrel.DType;
import java.util.Arrays;
import java.util.List;

/** The declared name, element type and shape of a graph input or output. */
public final class ValueInfo {
    private final String name;
    private final DType dtype;
    private final Dim[] shape;

    /**
     * @param dtype null when the model does not declare it
     * @param shape null when the model does not declare the rank
     */
    public ValueInfo(String name, DType dtype, Dim[] shape) {
        this.name = name;
        this.dtype = dtype;
        this.shape = shape == null ? null : shape.clone();
    }

    public String name() {
        return name;
    }

    /** The declared element type, or null when unknown. */
    public DType dtype() {
        return dtype;
    }

    /** The declared shape, or null when the rank is unknown. */
    public List<Dim> shape() {
        return shape == null ? null : List.of(shape);
    }

    /** "input_ids: INT64[batch, sequence]" */
    public String describe() {
        return name + ": " + (dtype == null ? "?" : dtype.name()) + (shape == null ? "[?]" : Arrays.toString(shape));
    }

    @Override
    public String toString() {
        return describe();
    }
}
