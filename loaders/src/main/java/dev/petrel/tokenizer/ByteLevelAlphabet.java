package dev.petrel.tokenizer;

/**
 * GPT-2's reversible map from the 256 byte values to printable characters, so that byte-level BPE
 * vocabularies can be stored as text: bytes that are printable Latin-1 characters stand for
 * themselves, the others (controls, space, soft hyphen...) are shifted to U+0100 upwards in byte order.
 */
final class ByteLevelAlphabet {
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** Indexed by character (all below U+0144); -1 for characters outside the alphabet. */
    private static final short[] CHAR_TO_BYTE;

    static {
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_CHAR[b] = printable ? (char) b : (char) (256 + shifted++);
        }
        CHAR_TO_BYTE = new short[256 + shifted];
        java.util.Arrays.fill(CHAR_TO_BYTE, (short) -1);
        for (int b = 0; b < 256; b++) CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = (short) b;
    }

    private ByteLevelAlphabet() {}

    /** The character standing for byte {@code b} (0..255). */
    static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte a character stands for, or -1 when the character is not in the alphabet. */
    static int byteOf(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** The byte-level spelling of some bytes, e.g. " hi" to "Ġhi". */
    static String encode(byte[] bytes, int from, int to) {
        char[] cs = new char[to - from];
        for (int i = from; i < to; i++) cs[i - from] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        return new String(cs);
    }
}
