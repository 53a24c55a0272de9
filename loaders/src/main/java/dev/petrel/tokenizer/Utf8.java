package dev.petrel.tokenizer;

/**
 * UTF-8 both ways, by hand so that the decoder can stop before an incomplete character at the end of
 * its input (for streaming) and replaces each maximal invalid subpart by one U+FFFD, as Python's
 * {@code errors="replace"}, JavaScript's TextDecoder and Rust's from_utf8_lossy do: decoding in pieces
 * then gives exactly what decoding the whole would.
 */
final class Utf8 {
    private Utf8() {}

    /**
     * Appends the UTF-8 bytes of {@code s[from..to)} to {@code out} from {@code pos}, growing it as needed;
     * returns the (possibly new) array, and the new end in {@code end[0]}. A lone surrogate is written as
     * U+FFFD, as JavaScript's TextEncoder does (it has no UTF-8 form).
     */
    static byte[] encode(CharSequence s, int from, int to, byte[] out, int pos, int[] end) {
        if (out.length < pos + (to - from) * 3) out = java.util.Arrays.copyOf(out, Math.max(out.length * 2, pos + (to - from) * 3));
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out[pos++] = (byte) c;
            } else if (c < 0x800) {
                out[pos++] = (byte) (0xC0 | (c >> 6));
                out[pos++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out[pos++] = (byte) (0xF0 | (cp >> 18));
                out[pos++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                out[pos++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                out[pos++] = (byte) (0x80 | (cp & 0x3F));
            } else {
                if (Character.isSurrogate(c)) c = '\uFFFD';
                out[pos++] = (byte) (0xE0 | (c >> 12));
                out[pos++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                out[pos++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        end[0] = pos;
        return out;
    }

    /** The UTF-8 bytes of a string (lone surrogates as U+FFFD). */
    static byte[] bytes(String s) {
        int[] end = new int[1];
        byte[] b = encode(s, 0, s.length(), new byte[0], 0, end);
        return java.util.Arrays.copyOf(b, end[0]);
    }

    /**
     * Decodes {@code b[from..to)} into {@code out}. When {@code endOfInput} is false, an incomplete but so
     * far valid character at the end is left undecoded; returns the index decoding stopped at.
     */
    static int decode(byte[] b, int from, int to, StringBuilder out, boolean endOfInput) {
        int i = from;
        outer:
        while (i < to) {
            int b0 = b[i] & 0xFF;
            if (b0 < 0x80) {
                out.append((char) b0);
                i++;
                continue;
            }
            int need;
            int lo = 0x80;
            int hi = 0xBF;
            if (b0 >= 0xC2 && b0 <= 0xDF) {
                need = 1;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                need = 2;
                if (b0 == 0xE0) lo = 0xA0;
                else if (b0 == 0xED) hi = 0x9F; // no surrogates
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                need = 3;
                if (b0 == 0xF0) lo = 0x90;
                else if (b0 == 0xF4) hi = 0x8F; // nothing past U+10FFFF
            } else {
                out.append('\uFFFD');
                i++;
                continue;
            }
            int cp = b0 & (0x3F >> need);
            int j = i + 1;
            for (int k = 0; k < need; k++, j++) {
                if (j >= to) {
                    if (!endOfInput) return i;
                    out.append('\uFFFD');
                    return to;
                }
                int bk = b[j] & 0xFF;
                if (bk < (k == 0 ? lo : 0x80) || bk > (k == 0 ? hi : 0xBF)) {
                    out.append('\uFFFD');
                    i = j;
                    continue outer;
                }
                cp = (cp << 6) | (bk & 0x3F);
            }
            out.appendCodePoint(cp);
            i = j;
        }
        return to;
    }
}
