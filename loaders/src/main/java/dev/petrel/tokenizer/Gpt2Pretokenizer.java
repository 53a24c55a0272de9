package dev.petrel.tokenizer;

/**
 * GPT-2's pre-tokenization, the regular expression
 * {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}
 * as Python's {@code regex} module runs it, written out as a scanner: one pass, no backtracking, and
 * independent of how a platform's java.util.regex defines {@code \s} (Android's and the JDK's differ
 * from Python's without flags).
 *
 * <p>{@code \s} is the Unicode White_Space property, as in Python's {@code regex} module and the
 * Rust tokenizers. It differs from JavaScript's {@code \s} on two characters: U+0085 (NEXT LINE) is
 * white space here and not in JavaScript, U+FEFF (BYTE ORDER MARK) is white space in JavaScript and not
 * here. {@code \p{L}} and {@code \p{N}} come from {@link Character}, so from the Unicode version of
 * the running Java.
 */
final class Gpt2Pretokenizer {
    private static final byte OTHER = 0, LETTER = 1, NUMBER = 2, SPACE = 3;
    private static final byte[] ASCII = new byte[128];

    static {
        for (int c = 0; c < 128; c++) {
            ASCII[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ? LETTER
                    : c >= '0' && c <= '9' ? NUMBER
                    : (c >= 0x09 && c <= 0x0D) || c == ' ' ? SPACE : OTHER;
        }
    }

    private Gpt2Pretokenizer() {}

    /** Unicode White_Space: what {@code \s} matches in Python's {@code regex} module. */
    static boolean isWhitespace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F
                || cp == 0x3000;
    }

    private static byte classOf(int cp) {
        if (cp < 128) return ASCII[cp];
        if (isWhitespace(cp)) return SPACE;
        switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER:
            case Character.LOWERCASE_LETTER:
            case Character.TITLECASE_LETTER:
            case Character.MODIFIER_LETTER:
            case Character.OTHER_LETTER:
                return LETTER;
            case Character.DECIMAL_DIGIT_NUMBER:
            case Character.LETTER_NUMBER:
            case Character.OTHER_NUMBER:
                return NUMBER;
            default:
                return OTHER;
        }
    }

    /**
     * The end of the pre-token that starts at {@code start} in {@code text[..end)}, where
     * {@code start < end}; {@code end} stands for the end of the text (the look-ahead of
     * {@code \s+(?!\S)} sees nothing past it).
     */
    static int next(CharSequence text, int start, int end) {
        char c = text.charAt(start);
        if (c == '\'' && start + 1 < end) {
            char d = text.charAt(start + 1);
            if (d == 's' || d == 't' || d == 'm' || d == 'd') return start + 2;
            if (start + 2 < end) {
                char e = text.charAt(start + 2);
                if ((d == 'r' && e == 'e') || (d == 'v' && e == 'e') || (d == 'l' && e == 'l')) return start + 3;
            }
        }
        int first = start;
        if (c == ' ' && start + 1 < end) first = start + 1;
        int cp = Character.codePointAt(text, first);
        byte cls = classOf(cp);
        // A space that no letter, digit or symbol follows belongs to a white-space run.
        if (cls == SPACE) return endOfSpaces(text, start, end);
        int i = first + Character.charCount(cp);
        while (i < end) {
            int next = Character.codePointAt(text, i);
            if (classOf(next) != cls) break;
            i += Character.charCount(next);
        }
        return i;
    }

    /** {@code \s+(?!\S)|\s+}: a run of white space, less its last character when something follows the run. */
    private static int endOfSpaces(CharSequence text, int start, int end) {
        int i = start;
        while (i < end && isWhitespace(text.charAt(i))) i++;
        if (i == end || i - start == 1) return i;
        return i - 1;
    }
}
