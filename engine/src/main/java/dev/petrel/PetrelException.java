package dev.petrel;

/** Base of every exception Petrel throws on bad models, bad inputs or unsupported features. */
public class PetrelException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PetrelException(String message) {
        super(message);
    }

    public PetrelException(String message, Throwable cause) {
        super(message, cause);
    }
}
