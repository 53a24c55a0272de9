package dev.petrel;

/**
 * The inputs passed to {@link Session#run} do not fit the model: a missing or unknown input name,
 * a wrong element type, a wrong rank or a wrong fixed dimension. The message names the input and
 * what the model expects.
 */
public class InvalidInputException extends PetrelException {
    private static final long serialVersionUID = 1L;

    public InvalidInputException(String message) {
        super(message);
    }
}
