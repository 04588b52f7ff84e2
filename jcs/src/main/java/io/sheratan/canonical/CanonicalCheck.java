package io.sheratan.canonical;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The fast path of {@link JsonCanonicalizer}: is a document already in RFC 8785 form under the
 * strict profile? It reads the bytes once and writes nothing.
 *
 * <p>The answer is one-sided on purpose. {@code true} means canonicalizing would return the input
 * unchanged and throw nothing. {@code false} means "not sure": whitespace, escapes other than the
 * canonical ones, non-ASCII member names, numbers outside the plainest forms, unsorted or duplicate
 * members, anything broken. The caller then canonicalizes in full, which is also where every error
 * is named. So this class decides no rule on its own; {@code CanonicalCheckTest} holds it to the
 * full path on generated and mutated documents.
 *
 * <p>Signed envelopes are written canonical (see {@code EnvelopeWriter}), so this is the path the
 * verifier takes for nearly every record.
 */
final class CanonicalCheck {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long SPACES = 0x2020202020202020L;
    private static final long QUOTES = 0x2222222222222222L;
    private static final long BACKSLASHES = 0x5C5C5C5C5C5C5C5CL;
    private static final long HIGH_NIBBLES = 0xF0F0F0F0F0F0F0F0L;
    private static final long DIGIT_NIBBLES = 0x3030303030303030L;
    private static final long SIXES = 0x0606060606060606L;
    private static final int FAIL = -1;
    private static final int FAST_DIGITS = 15;

    private final byte[] in;
    private final int end;
    private final int maxDepth;
    private final CanonicalObject.Builder topLevel;
    private final int offset;

    private CanonicalCheck(byte[] in, int offset, int end, int maxDepth, CanonicalObject.Builder topLevel) {
        this.in = in;
        this.offset = offset;
        this.end = end;
        this.maxDepth = maxDepth;
        this.topLevel = topLevel;
    }

    /**
     * True when {@code in[offset, offset+length)} is canonical and within {@code maxDepth}. When
     * {@code topLevel} is given, the document must be an object and its members are added to it
     * (positions relative to {@code offset}); on false the builder holds garbage and must be dropped.
     */
    static boolean isCanonical(byte[] in, int offset, int length, int maxDepth, CanonicalObject.Builder topLevel) {
        int end = offset + length;
        if (length == 0 || (topLevel != null && in[offset] != '{')) {
            return false;
        }
        return new CanonicalCheck(in, offset, end, maxDepth, topLevel).value(offset, 1) == end;
    }

    private int value(int p, int depth) {
        if (p >= end) {
            return FAIL;
        }
        return switch (in[p]) {
            case '{' -> object(p, depth);
            case '[' -> array(p, depth);
            case '"' -> string(p);
            case 't' -> literal(p, 't', 'r', 'u', 'e');
            case 'f' -> literal(p + 1, 'a', 'l', 's', 'e');
            case 'n' -> literal(p, 'n', 'u', 'l', 'l');
            default -> number(p);
        };
    }

    /** Four bytes of a literal ("false" is checked from its second byte). */
    private int literal(int p, char a, char b, char c, char d) {
        if (p + 4 > end || in[p] != a || in[p + 1] != b || in[p + 2] != c || in[p + 3] != d) {
            return FAIL;
        }
        return p + 4;
    }

    private int object(int p, int depth) {
        if (depth > maxDepth) {
            return FAIL;
        }
        p++;
        if (p < end && in[p] == '}') {
            return p + 1;
        }
        int previousStart = -1;
        int previousEnd = -1;
        long previousKey = 0;
        while (true) {
            if (p >= end || in[p] != '"') {
                return FAIL;
            }
            int nameStart = p + 1;
            int nameEnd = plainName(nameStart);
            long key = nameKey; // read now: the member's value may hold names of its own
            if (nameEnd == FAIL || (previousStart >= 0 && !(previousKey == key
                    ? ascending(previousStart, previousEnd, nameStart, nameEnd)
                    : Long.compareUnsigned(previousKey, key) < 0))) {
                return FAIL; // non-ASCII or escaped name, unsorted or duplicate: the full path decides
            }
            p = nameEnd + 1;
            if (p >= end || in[p] != ':') {
                return FAIL;
            }
            int valueStart = p + 1;
            p = value(valueStart, depth + 1);
            if (p == FAIL) {
                return FAIL;
            }
            if (depth == 1 && topLevel != null) {
                topLevel.add(new String(in, nameStart, nameEnd - nameStart, StandardCharsets.ISO_8859_1),
                        valueStart - offset, p - offset);
            }
            if (p >= end) {
                return FAIL;
            }
            byte b = in[p++];
            if (b == '}') {
                return p;
            }
            if (b != ',') {
                return FAIL;
            }
            previousStart = nameStart;
            previousEnd = nameEnd;
            previousKey = key;
        }
    }

    /**
     * The end (closing quote) of a member name of printable ASCII without escapes, or FAIL; sets
     * {@link #nameKey}: the first eight bytes, big-endian, zero-padded, so that comparing two keys
     * unsigned orders two names by their first eight bytes (names hold no zero byte).
     */
    private int plainName(int p) {
        if (p + 8 <= end) {
            long x = (long) LONGS.get(in, p);
            long special = specials(x);
            int plain = special == 0 ? 8 : Long.numberOfTrailingZeros(special) >>> 3; // bytes before the first special one
            long key = Long.reverseBytes(x);
            nameKey = plain == 8 ? key : plain == 0 ? 0 : key & (-1L << (8 * (8 - plain)));
            if (plain < 8) {
                return in[p + plain] == '"' ? p + plain : FAIL;
            }
            p += 8;
        } else {
            long key = 0;
            int start = p;
            while (p < end && in[p] != '"') {
                key = key << 8 | (in[p] & 0xFF);
                p++;
            }
            nameKey = key << (8 * (8 - (p - start)));
            p = start;
        }
        while (p < end) {
            byte b = in[p];
            if (b == '"') {
                return p;
            }
            if (b < 0x20 || b == '\\') { // negative bytes (non-ASCII) land here too
                return FAIL;
            }
            p++;
        }
        return FAIL;
    }

    /** A flag in each byte of {@code x} that is a quote, a backslash, a control character or non-ASCII (exact for the lowest). */
    private static long specials(long x) {
        return (x & HIGHS) | ((x - SPACES) & ~x & HIGHS) | zeroByte(x ^ QUOTES) | zeroByte(x ^ BACKSLASHES);
    }

    private long nameKey;

    /**
     * Orders two plain ASCII names whose eight-byte keys are equal (byte order is UTF-16 code unit
     * order for ASCII). Equal keys with a name shorter than eight bytes mean equal names (the key is
     * zero-padded and names hold no zero byte); otherwise the first eight bytes are equal and the
     * comparison goes on from there. Strictly ascending, so equal names fail.
     */
    private boolean ascending(int aStart, int aEnd, int bStart, int bEnd) {
        if (aEnd - aStart < 8 || bEnd - bStart < 8) {
            return false;
        }
        int a = aStart + 8;
        int b = bStart + 8;
        while (a < aEnd && b < bEnd) {
            if (in[a] != in[b]) {
                return in[a] < in[b];
            }
            a++;
            b++;
        }
        return aEnd - aStart < bEnd - bStart;
    }

    private int array(int p, int depth) {
        if (depth > maxDepth) {
            return FAIL;
        }
        p++;
        if (p < end && in[p] == ']') {
            return p + 1;
        }
        while (true) {
            p = value(p, depth + 1);
            if (p == FAIL || p >= end) {
                return FAIL;
            }
            byte b = in[p++];
            if (b == ']') {
                return p;
            }
            if (b != ',') {
                return FAIL;
            }
        }
    }

    private int string(int p) {
        p++;
        while (true) {
            // eight bytes at a time while none is a quote, a backslash, a control character or non-ASCII
            while (p + 8 <= end) {
                long x = (long) LONGS.get(in, p);
                long special = specials(x);
                if (special != 0) {
                    p += Long.numberOfTrailingZeros(special) >>> 3; // the lowest flag is always a real one
                    break;
                }
                p += 8;
            }
            if (p >= end) {
                return FAIL;
            }
            byte b = in[p];
            if (b == '"') {
                return p + 1;
            } else if (b == '\\') {
                p = escape(p);
            } else if (b < 0) {
                p = utf8(p);
            } else if (b < 0x20) {
                return FAIL;
            } else {
                p++;
            }
            if (p == FAIL) {
                return FAIL;
            }
        }
    }

    private static long zeroByte(long y) {
        return (y - ONES) & ~y & HIGHS;
    }

    /** A canonical escape: the two-character ones, or backslash-u-00xx (lower-case hex) for another control character. */
    private int escape(int p) {
        if (p + 1 >= end) {
            return FAIL;
        }
        switch (in[p + 1]) {
            case '"', '\\', 'b', 'f', 'n', 'r', 't' -> {
                return p + 2;
            }
            case 'u' -> {
                if (p + 6 > end || in[p + 2] != '0' || in[p + 3] != '0' || (in[p + 4] != '0' && in[p + 4] != '1')) {
                    return FAIL;
                }
                int low = lowerHex(in[p + 5]);
                if (low < 0) {
                    return FAIL;
                }
                int c = (in[p + 4] - '0') << 4 | low;
                if (c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t') {
                    return FAIL;
                }
                return p + 6;
            }
            default -> {
                return FAIL;
            }
        }
    }

    private static int lowerHex(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        return -1;
    }

    /** One well-formed UTF-8 sequence (see {@link Utf8}). */
    private int utf8(int p) {
        int length = Utf8.sequence(in, p, end);
        return length < 0 ? FAIL : p + length;
    }

    /**
     * Only the forms ES6 writes as they are: an integer of at most 15 digits (or below 2^53), or a
     * plain decimal of at most 15 digits without trailing zeros and without the tiny magnitudes that
     * ES6 writes with an exponent. No "-0", no exponent, no leading zeros.
     */
    private int number(int p) {
        boolean negative = in[p] == '-';
        if (negative) {
            p++;
        }
        int intStart = p;
        p = digits(p);
        int intCount = p - intStart;
        if (intCount == 0 || (intCount > 1 && in[intStart] == '0')) {
            return FAIL;
        }
        boolean fraction = p < end && in[p] == '.';
        if (p < end && (in[p] == 'e' || in[p] == 'E')) {
            return FAIL;
        }
        boolean zeroInt = intCount == 1 && in[intStart] == '0';
        if (!fraction) {
            if (zeroInt && negative) {
                return FAIL; // -0 is written 0
            }
            if (intCount > FAST_DIGITS && (intCount > 16 || !belowTwoTo53(intStart, p))) {
                return FAIL;
            }
            return p;
        }
        p++;
        int fracStart = p;
        p = digits(p);
        int fracCount = p - fracStart;
        if (fracCount == 0 || intCount + fracCount > FAST_DIGITS || in[p - 1] == '0') {
            return FAIL; // trailing zeros (and 0.0) are dropped by the full path
        }
        if (zeroInt) {
            int zeros = 0;
            while (in[fracStart + zeros] == '0') {
                zeros++;
            }
            if (zeros >= 6) {
                return FAIL; // 0.000000x: ES6 switches to exponent form
            }
        }
        if (p < end && (in[p] == 'e' || in[p] == 'E' || in[p] == '.')) {
            return FAIL;
        }
        return p;
    }

    /** The end of the run of ASCII digits that starts at {@code p}, eight bytes at a time. */
    private int digits(int p) {
        while (p + 8 <= end) {
            long x = (long) LONGS.get(in, p);
            // a byte is a digit when its high nibble is 3 and adding 6 keeps it so; a carry out of
            // a byte only comes from a non-digit, so the lowest flag is always a real one
            long nonDigits = ((x & HIGH_NIBBLES) ^ DIGIT_NIBBLES) | (((x + SIXES) & HIGH_NIBBLES) ^ DIGIT_NIBBLES);
            if (nonDigits != 0) {
                return p + (Long.numberOfTrailingZeros(nonDigits) >>> 3);
            }
            p += 8;
        }
        while (p < end && isDigit(in[p])) {
            p++;
        }
        return p;
    }

    private boolean belowTwoTo53(int from, int to) {
        long value = 0;
        for (int i = from; i < to; i++) {
            value = value * 10 + (in[i] - '0');
        }
        return value < (1L << 53);
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }
}
