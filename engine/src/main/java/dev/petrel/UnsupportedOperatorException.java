package dev.petrel;

import java.util.List;

/**
 * The model uses operators that no registered kernel implements. Thrown by {@link Model#load} before
 * anything runs; {@link #operators()} lists each one as {@code domain::Op (opset N)}.
 */
public class UnsupportedOperatorException extends UnsupportedFeatureException {
    private static final long serialVersionUID = 1L;
    private final List<String> operators;

    public UnsupportedOperatorException(List<String> operators) {
        super("unsupported operator" + (operators.size() == 1 ? "" : "s") + ": " + String.join(", ", operators));
        this.operators = List.copyOf(operators);
    }

    /** The unsupported operators, each as {@code domain::Op (opset N)}, without duplicates. */
    public List<String> operators() {
        return operators;
    }
}
