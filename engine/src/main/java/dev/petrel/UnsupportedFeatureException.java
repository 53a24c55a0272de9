package dev.petrel;

/**
 * The model is valid but uses something Petrel does not implement: an operator, an attribute value, an
 * element type or a value kind (sequences, strings). The message names the node or value and the feature.
 */
public class UnsupportedFeatureException extends PetrelException {
    private static final long serialVersionUID = 1L;

    public UnsupportedFeatureException(String message) {
        super(message);
    }
}
