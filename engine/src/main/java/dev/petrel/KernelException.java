package dev.petrel;

/**
 * A node could not run on the tensors it received: incompatible shapes, an element type its kernel
 * does not handle, an attribute out of range. The message names the node, its operator and the input.
 */
public class KernelException extends PetrelException {
    private static final long serialVersionUID = 1L;
    private final String node;
    private final String operator;

    public KernelException(String node, String operator, String message, Throwable cause) {
        super("node '" + node + "' (" + operator + "): " + message, cause);
        this.node = node;
        this.operator = operator;
    }

    /** Name of the failing node (or a generated one like {@code MatMul#12} when the model gave none). */
    public String node() {
        return node;
    }

    /** Operator type of the failing node. */
    public String operator() {
        return operator;
    }
}
