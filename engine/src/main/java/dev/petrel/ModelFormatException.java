package dev.petrel;

/**
 * A model file or graph is malformed: truncated, wrong encoding, lengths past the end, impossible
 * dimensions, a node input that nothing produces, a cycle. The message says what and where.
 */
public class ModelFormatException extends PetrelException {
    private static final long serialVersionUID = 1L;

    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
