package io.sheratan.canonical;

/**
 * Well-formed UTF-8 (RFC 3629 section 4), shared by the full parser and the fast check: no
 * overlong forms, no encoded surrogates, nothing past U+10FFFF.
 */
final class Utf8 {

    static final int BAD_LEAD = -1;
    static final int TRUNCATED = -2;
    static final int BAD_CONTINUATION = -3;

    private Utf8() {
    }

    /**
     * The length (2 to 4) of the well-formed sequence that starts with the non-ASCII byte at
     * {@code in[p]} and ends before {@code end}, or {@link #BAD_LEAD}, {@link #TRUNCATED},
     * {@link #BAD_CONTINUATION}.
     */
    static int sequence(byte[] in, int p, int end) {
        int b0 = in[p] & 0xFF;
        int length;
        int lowest = 0x80;
        int highest = 0xBF;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            length = 2;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            length = 3;
            if (b0 == 0xE0) {
                lowest = 0xA0;
            } else if (b0 == 0xED) {
                highest = 0x9F; // UTF-8 encoded surrogates are not UTF-8
            }
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            length = 4;
            if (b0 == 0xF0) {
                lowest = 0x90;
            } else if (b0 == 0xF4) {
                highest = 0x8F;
            }
        } else {
            return BAD_LEAD;
        }
        if (end - p < length) {
            return TRUNCATED;
        }
        int b1 = in[p + 1] & 0xFF;
        if (b1 < lowest || b1 > highest) {
            return BAD_CONTINUATION;
        }
        for (int i = 2; i < length; i++) {
            int bi = in[p + i] & 0xFF;
            if (bi < 0x80 || bi > 0xBF) {
                return BAD_CONTINUATION;
            }
        }
        return length;
    }
}
