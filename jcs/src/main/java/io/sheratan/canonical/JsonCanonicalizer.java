package io.sheratan.canonical;

import io.sheratan.canonical.StrictJsonException.Rule;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * RFC 8785 (JCS) canonicalization under the strict profile of DESIGN.md section 3.2, in one pass.
 *
 * <p>This is the verifier's hot path, so it parses UTF-8 bytes straight into canonical UTF-8 bytes:
 * no tree, no {@code String} per value, one reusable output buffer. Strings are validated and copied
 * in runs; numbers of at most 15 significant digits are rewritten from their own digits (see
 * {@link Es6Numbers}); object members are written in input order and re-laid in a scratch buffer
 * only when they were not already sorted, which canonical input never needs. Input that is already
 * canonical (signed envelopes are written so) is recognised by {@link CanonicalCheck} in one
 * read-only pass and copied as it is. The parser recurses,
 * but never deeper than {@link CanonicalLimits#maxDepth()}, so a 100,000-deep document is refused
 * with {@link Rule#TOO_DEEP} instead of overflowing the stack.
 *
 * <p>An instance keeps its buffers between calls and is not thread-safe; {@link #canonicalize(byte[])}
 * on the class uses one instance per thread with the default limits.
 */
public final class JsonCanonicalizer {

    private static final ThreadLocal<JsonCanonicalizer> DEFAULT =
            ThreadLocal.withInitial(() -> new JsonCanonicalizer(CanonicalLimits.DEFAULTS));

    private static final int FAST_DIGITS = 15;

    private final CanonicalLimits limits;
    private final ByteSink out = new ByteSink(4096);
    private final ByteSink scratch = new ByteSink(1024);
    private final byte[] digits = new byte[FAST_DIGITS];

    // member table: a stack of (nameStart, nameEnd, memberStart, memberEnd) shared by all open objects
    private int[] members = new int[64 * 4];
    private long[] nameKeys = new long[64];
    private int memberTop;

    private byte[] in;
    private int pos;
    private int end;

    // top-level member capture for applyToObject
    private boolean captureTopLevel;
    private CanonicalObject.Builder topLevel;

    private final boolean fastPath;

    public JsonCanonicalizer(CanonicalLimits limits) {
        this(limits, true);
    }

    /** {@code fastPath=false} always parses in full; tests compare the two paths. */
    JsonCanonicalizer(CanonicalLimits limits, boolean fastPath) {
        this.limits = limits;
        this.fastPath = fastPath;
    }

    public CanonicalLimits limits() {
        return limits;
    }

    /** The canonical bytes of {@code json} under the default limits. */
    public static byte[] canonicalize(byte[] json) {
        return DEFAULT.get().apply(json);
    }

    /** The canonical bytes of {@code json}; throws {@link StrictJsonException} naming the broken rule. */
    public byte[] apply(byte[] json) {
        return apply(json, 0, json.length);
    }

    /**
     * The canonical bytes of a JSON text that stands for an optional core member ({@code result},
     * {@code error}): null for a null text or for JSON {@code null}, which the core leaves out.
     */
    public byte[] applyOptional(String json) {
        if (json == null) {
            return null;
        }
        byte[] canonical = apply(json.getBytes(StandardCharsets.UTF_8));
        return canonical.length == 4 && canonical[0] == 'n' ? null : canonical;
    }

    /** As {@link #apply(byte[])} over a slice. */
    public byte[] apply(byte[] json, int offset, int length) {
        return run(json, offset, length, false) ? Arrays.copyOfRange(json, offset, offset + length) : out.toByteArray();
    }

    /**
     * Canonicalizes a document that must be a JSON object and keeps the position of each top-level
     * member, so that the envelope reader can pick members without parsing twice.
     */
    public CanonicalObject applyToObject(byte[] json) {
        boolean unchanged = run(json, 0, json.length, true);
        return topLevel.build(unchanged ? json : out.toByteArray()); // canonical already: no copy
    }

    /** Canonicalizes into {@code out}; returns true, leaving {@code out} empty, when the input is canonical already. */
    private boolean run(byte[] json, int offset, int length, boolean objectRequired) {
        if (length > limits.maxBytes()) {
            throw new StrictJsonException(Rule.TOO_LARGE, limits.maxBytes(),
                    length + " bytes, limit " + limits.maxBytes());
        }
        out.reset();
        topLevel = objectRequired ? new CanonicalObject.Builder() : null;
        if (fastPath && CanonicalCheck.isCanonical(json, offset, length, limits.maxDepth(), topLevel)) {
            return true;
        }
        in = json;
        pos = offset;
        end = offset + length;
        memberTop = 0;
        captureTopLevel = objectRequired;
        topLevel = objectRequired ? new CanonicalObject.Builder() : null; // the check may have left members in the first one
        try {
            skipWhitespace();
            if (objectRequired && (pos >= end || in[pos] != '{')) {
                throw error(Rule.SYNTAX, "expected a JSON object");
            }
            value(1);
            skipWhitespace();
            if (pos < end) {
                throw error(Rule.TRAILING_BYTES, null);
            }
        } finally {
            in = null;
        }
        if (out.size() > limits.maxBytes()) {
            // canonical forms can be longer than their input (1e20 is 21 digits): the limit holds for
            // both, so that what is accepted canonicalizes to something accepted (fixed point)
            throw new StrictJsonException(Rule.TOO_LARGE, limits.maxBytes(),
                    "canonical form " + out.size() + " bytes, limit " + limits.maxBytes());
        }
        return false;
    }

    private void value(int depth) {
        if (pos >= end) {
            throw error(Rule.SYNTAX, "unexpected end of input");
        }
        switch (in[pos]) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> literal(TRUE);
            case 'f' -> literal(FALSE);
            case 'n' -> literal(NULL);
            default -> number();
        }
    }

    private void object(int depth) {
        if (depth > limits.maxDepth()) {
            throw error(Rule.TOO_DEEP, "limit " + limits.maxDepth());
        }
        boolean capture = captureTopLevel && depth == 1;
        pos++;
        int objectStart = out.size();
        out.write('{');
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            out.write('}');
            return;
        }
        int base = memberTop;
        boolean sorted = true;
        while (true) {
            if (peek() != '"') {
                throw error(Rule.SYNTAX, "expected a member name");
            }
            if (memberTop > base) {
                out.write(',');
            }
            int memberStart = out.size();
            string();
            int nameEnd = out.size();
            skipWhitespace();
            if (peek() != ':') {
                throw error(Rule.SYNTAX, "expected ':'");
            }
            pos++;
            out.write(':');
            skipWhitespace();
            try {
                value(depth + 1);
            } catch (StrictJsonException e) {
                e.prependPath("." + decodeName(memberStart + 1, nameEnd - 1));
                throw e;
            }
            pushMember(memberStart + 1, nameEnd - 1, memberStart, out.size());
            if (memberTop - 4 > base && sorted) {
                int cmp = compareNames(memberTop - 8, memberTop - 4);
                if (cmp == 0) {
                    throw duplicate(memberTop - 4);
                }
                sorted = cmp < 0;
            }
            skipWhitespace();
            byte b = peek();
            pos++;
            if (b == ',') {
                skipWhitespace();
            } else if (b == '}') {
                break;
            } else {
                pos--;
                throw error(Rule.SYNTAX, "expected ',' or '}'");
            }
        }
        int[] order = sorted ? null : sortedOrder(base);
        if (capture) {
            captureMembers(base, objectStart, order);
        }
        if (order != null) {
            relayMembers(order, objectStart);
        }
        memberTop = base;
        out.write('}');
    }

    private void array(int depth) {
        if (depth > limits.maxDepth()) {
            throw error(Rule.TOO_DEEP, "limit " + limits.maxDepth());
        }
        pos++;
        out.write('[');
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            out.write(']');
            return;
        }
        int index = 0;
        while (true) {
            try {
                value(depth + 1);
            } catch (StrictJsonException e) {
                e.prependPath("[" + index + "]");
                throw e;
            }
            skipWhitespace();
            byte b = peek();
            pos++;
            if (b == ',') {
                out.write(',');
                skipWhitespace();
                index++;
            } else if (b == ']') {
                out.write(']');
                return;
            } else {
                pos--;
                throw error(Rule.SYNTAX, "expected ',' or ']'");
            }
        }
    }

    private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
    private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
    private static final byte[] NULL = {'n', 'u', 'l', 'l'};

    private void literal(byte[] word) {
        int length = word.length;
        if (end - pos < length) {
            throw error(Rule.SYNTAX, "unknown literal");
        }
        for (int i = 0; i < length; i++) {
            if (in[pos + i] != word[i]) {
                throw error(Rule.SYNTAX, "unknown literal");
            }
        }
        out.write(in, pos, length);
        pos += length;
    }

    // ---------------------------------------------------------------- strings

    private void string() {
        pos++;
        out.write('"');
        while (true) {
            int runStart = pos;
            while (pos < end) {
                byte b = in[pos];
                if (b < 0x20 || b == '"' || b == '\\') {
                    break; // negative bytes (non-ASCII) land here too
                }
                pos++;
            }
            if (pos > runStart) {
                out.write(in, runStart, pos - runStart);
            }
            if (pos >= end) {
                throw error(Rule.SYNTAX, "unterminated string");
            }
            byte b = in[pos];
            if (b == '"') {
                pos++;
                out.write('"');
                return;
            } else if (b == '\\') {
                escape();
            } else if (b >= 0) {
                throw error(Rule.SYNTAX, "unescaped control character in string");
            } else {
                multiByte();
            }
        }
    }

    private void multiByte() {
        int length = Utf8.sequence(in, pos, end);
        if (length < 0) {
            throw error(Rule.INVALID_UTF8, switch (length) {
                case Utf8.BAD_LEAD -> "bad lead byte";
                case Utf8.TRUNCATED -> "truncated sequence";
                default -> "bad continuation byte";
            });
        }
        out.write(in, pos, length);
        pos += length;
    }

    private void escape() {
        if (end - pos < 2) {
            throw error(Rule.SYNTAX, "unterminated escape");
        }
        byte c = in[pos + 1];
        switch (c) {
            case '"' -> appendEscaped('"');
            case '\\' -> appendEscaped('\\');
            case '/' -> out.write('/');
            case 'b' -> appendEscaped('b');
            case 'f' -> appendEscaped('f');
            case 'n' -> appendEscaped('n');
            case 'r' -> appendEscaped('r');
            case 't' -> appendEscaped('t');
            case 'u' -> {
                unicodeEscape();
                return;
            }
            default -> throw error(Rule.SYNTAX, "bad escape");
        }
        pos += 2;
    }

    private void appendEscaped(char c) {
        appendEscaped(c, out);
    }

    private static void appendEscaped(char c, ByteSink out) {
        out.write('\\');
        out.write(c);
    }

    private void unicodeEscape() {
        int unit = hex4(pos + 2);
        int escapeStart = pos;
        pos += 6;
        int codePoint = unit;
        if (Character.isHighSurrogate((char) unit)) {
            if (end - pos >= 6 && in[pos] == '\\' && in[pos + 1] == 'u') {
                int low = hex4(pos + 2);
                if (!Character.isLowSurrogate((char) low)) {
                    pos = escapeStart;
                    throw error(Rule.LONE_SURROGATE, "high surrogate not followed by a low one");
                }
                pos += 6;
                codePoint = Character.toCodePoint((char) unit, (char) low);
            } else {
                pos = escapeStart;
                throw error(Rule.LONE_SURROGATE, "high surrogate not followed by a low one");
            }
        } else if (Character.isLowSurrogate((char) unit)) {
            pos = escapeStart;
            throw error(Rule.LONE_SURROGATE, "low surrogate without a high one");
        }
        appendCodePoint(codePoint);
    }

    private int hex4(int at) {
        if (end - at < 4) {
            throw error(Rule.SYNTAX, "truncated \\u escape");
        }
        int value = 0;
        for (int i = at; i < at + 4; i++) {
            int digit = Character.digit(in[i], 16);
            if (digit < 0) {
                throw error(Rule.SYNTAX, "bad \\u escape");
            }
            value = (value << 4) | digit;
        }
        return value;
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private void appendCodePoint(int cp) {
        appendCodePoint(cp, out);
    }

    /**
     * The canonical JSON string (with quotes) of a Java string, e.g. a job id read from Avro.
     * Throws {@link StrictJsonException} with {@link Rule#LONE_SURROGATE} for an unpaired surrogate.
     */
    public static byte[] canonicalString(String value) {
        ByteSink sink = new ByteSink(value.length() + 8);
        sink.write('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            int cp = c;
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                cp = Character.toCodePoint(c, value.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                throw new StrictJsonException(Rule.LONE_SURROGATE, i, "in a string field");
            }
            appendCodePoint(cp, sink);
        }
        sink.write('"');
        return sink.toByteArray();
    }

    private static void appendCodePoint(int cp, ByteSink out) {
        if (cp < 0x20) {
            switch (cp) {
                case '\b' -> appendEscaped('b', out);
                case '\f' -> appendEscaped('f', out);
                case '\n' -> appendEscaped('n', out);
                case '\r' -> appendEscaped('r', out);
                case '\t' -> appendEscaped('t', out);
                default -> {
                    out.write('\\');
                    out.write('u');
                    out.write('0');
                    out.write('0');
                    out.write(HEX[cp >> 4]);
                    out.write(HEX[cp & 0xF]);
                }
            }
        } else if (cp == '"' || cp == '\\') {
            appendEscaped((char) cp, out);
        } else if (cp < 0x80) {
            out.write(cp);
        } else if (cp < 0x800) {
            out.write(0xC0 | (cp >> 6));
            out.write(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out.write(0xE0 | (cp >> 12));
            out.write(0x80 | ((cp >> 6) & 0x3F));
            out.write(0x80 | (cp & 0x3F));
        } else {
            out.write(0xF0 | (cp >> 18));
            out.write(0x80 | ((cp >> 12) & 0x3F));
            out.write(0x80 | ((cp >> 6) & 0x3F));
            out.write(0x80 | (cp & 0x3F));
        }
    }

    // ---------------------------------------------------------------- numbers

    private void number() {
        if (plainNumber()) {
            return;
        }
        int start = pos;
        boolean negative = false;
        if (in[pos] == '-') {
            negative = true;
            pos++;
        }
        int intStart = pos;
        if (pos < end && in[pos] == '0') {
            pos++;
        } else if (pos < end && isDigit(in[pos])) {
            while (pos < end && isDigit(in[pos])) {
                pos++;
            }
        } else {
            pos = start;
            throw error(Rule.SYNTAX, "unexpected character");
        }
        int intEnd = pos;
        int fracStart = pos;
        int fracEnd = pos;
        if (pos < end && in[pos] == '.') {
            pos++;
            fracStart = pos;
            while (pos < end && isDigit(in[pos])) {
                pos++;
            }
            fracEnd = pos;
            if (fracEnd == fracStart) {
                throw error(Rule.SYNTAX, "digit expected after '.'");
            }
        }
        long exponent = 0;
        boolean hasExponent = false;
        if (pos < end && (in[pos] == 'e' || in[pos] == 'E')) {
            hasExponent = true;
            pos++;
            boolean negativeExponent = false;
            if (pos < end && (in[pos] == '+' || in[pos] == '-')) {
                negativeExponent = in[pos] == '-';
                pos++;
            }
            int expStart = pos;
            while (pos < end && isDigit(in[pos])) {
                if (exponent < 1_000_000_000L) {
                    exponent = exponent * 10 + (in[pos] - '0');
                }
                pos++;
            }
            if (pos == expStart) {
                throw error(Rule.SYNTAX, "digit expected in exponent");
            }
            if (negativeExponent) {
                exponent = -exponent;
            }
        }
        boolean integerLiteral = !hasExponent && fracEnd == fracStart;

        // significant digits: strip leading zeros, then trailing zeros, across the decimal point
        digitCount = 0;
        trailingZeros = 0;
        significantIntDigits = 0;
        leadingFractionZeros = 0;
        for (int i = intStart; i < intEnd; i++) {
            countDigit(in[i], true);
        }
        for (int i = fracStart; i < fracEnd; i++) {
            countDigit(in[i], false);
        }
        if (digitCount == 0) {
            out.write('0'); // zero, including -0 and 0.000e5
            return;
        }
        int significant = digitCount - trailingZeros;
        // value = 0.d1..dk × 10^n, where n counts the integer digits from the first significant one
        long n = significantIntDigits > 0 ? significantIntDigits : -leadingFractionZeros;
        n += exponent;
        boolean fast = significant <= FAST_DIGITS && n > -300 && n < 300
                && (!integerLiteral || intEnd - intStart <= FAST_DIGITS);
        if (fast) {
            Es6Numbers.appendDecimal(negative, digits, 0, significant, (int) n, out);
            return;
        }
        slowNumber(start, integerLiteral);
    }

    /**
     * The common cases are already canonical but for trailing fraction zeros: an integer literal of
     * at most 15 digits ({@code -42}, {@code 1700000000000}) or a plain decimal of at most 15 digits
     * ({@code 12.50}, {@code 0.0042}) is copied, trailing zeros dropped. Returns false, consuming
     * nothing, for anything else (exponents, long literals, tiny decimals that ES6 writes with e-7...).
     */
    private boolean plainNumber() {
        int p = pos;
        boolean negative = p < end && in[p] == '-';
        if (negative) {
            p++;
        }
        int intStart = p;
        while (p < end && in[p] >= '0' && in[p] <= '9') {
            p++;
        }
        int intCount = p - intStart;
        if (intCount == 0 || (intCount > 1 && in[intStart] == '0')) {
            return false;
        }
        if (intCount > FAST_DIGITS) {
            // every integer below 2^53 is a double whose shortest form is its own digits
            boolean integerOnly = p >= end || (in[p] != '.' && in[p] != 'e' && in[p] != 'E');
            if (integerOnly && intCount <= 18 && isBelowTwoTo53(intStart, p)) {
                out.write(in, pos, p - pos);
                pos = p;
                return true;
            }
            return false;
        }
        int copyEnd = p;
        boolean zeroInt = intCount == 1 && in[intStart] == '0';
        boolean zero = zeroInt;
        if (p < end && in[p] == '.') {
            p++;
            int fracStart = p;
            int lastNonZero = -1;
            while (p < end && in[p] >= '0' && in[p] <= '9') {
                if (in[p] != '0') {
                    lastNonZero = p;
                }
                p++;
            }
            int fracCount = p - fracStart;
            if (fracCount == 0 || intCount + fracCount > FAST_DIGITS) {
                return false;
            }
            if (lastNonZero >= 0) {
                if (zeroInt && lastNonZero - fracStart >= 6 && firstNonZero(fracStart, p) - fracStart >= 6) {
                    return false; // 0.000000x: ES6 switches to exponent form
                }
                copyEnd = lastNonZero + 1;
                zero = false;
            }
        }
        if (p < end && (in[p] == 'e' || in[p] == 'E' || in[p] == '.')) {
            return false;
        }
        if (zero) {
            out.write('0'); // 0, -0, 0.000 and -0.0 are all 0
        } else {
            out.write(in, pos, copyEnd - pos);
        }
        pos = p;
        return true;
    }

    private int firstNonZero(int from, int to) {
        int i = from;
        while (i < to && in[i] == '0') {
            i++;
        }
        return i;
    }

    // digit statistics of the number being read (fields, so that counting allocates nothing)
    private int digitCount;
    private int trailingZeros;
    private int significantIntDigits;
    private int leadingFractionZeros;

    private void countDigit(byte d, boolean integerPart) {
        if (digitCount == 0 && d == '0') {
            if (!integerPart) {
                leadingFractionZeros++;
            }
            return;
        }
        if (integerPart) {
            significantIntDigits++;
        }
        trailingZeros = d == '0' ? trailingZeros + 1 : 0;
        if (digitCount < FAST_DIGITS) {
            digits[digitCount] = d;
        }
        digitCount++;
    }

    private boolean isBelowTwoTo53(int from, int to) {
        long value = 0;
        for (int i = from; i < to; i++) {
            value = value * 10 + (in[i] - '0');
        }
        return value < (1L << 53);
    }

    private void slowNumber(int start, boolean integerLiteral) {
        String literal = new String(in, start, pos - start, StandardCharsets.US_ASCII);
        double value = Double.parseDouble(literal);
        if (Double.isInfinite(value)) {
            pos = start;
            throw error(Rule.NUMBER_OVERFLOW, null);
        }
        int written = out.size();
        Es6Numbers.append(value, out);
        if (integerLiteral && !writtenAsIs(start, written)) {
            pos = start;
            throw error(Rule.INEXACT_INTEGER, null);
        }
    }

    /**
     * Whether the ES6 form just written from {@code written} on spells the integer literal at
     * {@code start} digit for digit (DESIGN 3.2, fixed point): an integer literal that canonicalization
     * would rewrite ({@code 18446744073709551616} becomes {@code 18446744073709552000}, which a reader
     * with exact integers takes for another number, and {@code 1e+21} from 22 digits) is refused, so
     * the canonical form of every accepted document is accepted and canonicalizes to itself.
     * {@code -0} never reaches here: zero is written before the slow path.
     */
    private boolean writtenAsIs(int start, int written) {
        int length = pos - start;
        if (out.size() - written != length) {
            return false;
        }
        byte[] es6 = out.buffer();
        for (int i = 0; i < length; i++) {
            if (es6[written + i] != in[start + i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    // ---------------------------------------------------------------- members

    private void pushMember(int nameStart, int nameEnd, int memberStart, int memberEnd) {
        if (memberTop + 4 > members.length) {
            members = Arrays.copyOf(members, members.length * 2);
            nameKeys = Arrays.copyOf(nameKeys, members.length / 4);
        }
        nameKeys[memberTop >> 2] = nameKey(nameStart, nameEnd);
        members[memberTop] = nameStart;
        members[memberTop + 1] = nameEnd;
        members[memberTop + 2] = memberStart;
        members[memberTop + 3] = memberEnd;
        memberTop += 4;
    }

    /**
     * The first eight bytes of a plain ASCII name, big-endian, zero-padded: comparing two keys
     * unsigned orders the names by their first eight characters without touching the buffer.
     * {@link #COMPLEX_NAME} marks a name with escapes or non-ASCII bytes in that prefix.
     */
    private long nameKey(int from, int to) {
        byte[] buf = out.buffer();
        long key = 0;
        int limit = Math.min(to, from + 8);
        for (int i = from; i < limit; i++) {
            byte b = buf[i];
            if (b < 0 || b == '\\') {
                return COMPLEX_NAME;
            }
            key = (key << 8) | b;
        }
        return key << (8 * (8 - (limit - from)));
    }

    private static final long COMPLEX_NAME = -1L;

    /** Compares two member names (by their table slots) in UTF-16 code unit order, as RFC 8785 3.2.3 asks. */
    private int compareNames(int slotA, int slotB) {
        long keyA = nameKeys[slotA >> 2];
        long keyB = nameKeys[slotB >> 2];
        if (keyA != keyB && keyA != COMPLEX_NAME && keyB != COMPLEX_NAME) {
            return Long.compareUnsigned(keyA, keyB);
        }
        byte[] buf = out.buffer();
        int a = members[slotA];
        int aEnd = members[slotA + 1];
        int b = members[slotB];
        int bEnd = members[slotB + 1];
        if (keyA == keyB && keyA != COMPLEX_NAME) {
            // the first eight bytes are equal and plain; names shorter than that differ only in length
            if (aEnd - a <= 8 || bEnd - b <= 8) {
                return (aEnd - a) - (bEnd - b);
            }
            a += 8;
            b += 8;
        }
        while (a < aEnd && b < bEnd) {
            byte x = buf[a];
            byte y = buf[b];
            if (x < 0 || y < 0 || x == '\\' || y == '\\') {
                // non-ASCII or escaped: UTF-8 byte order is not UTF-16 order, so decode
                return decodeName(a, aEnd).compareTo(decodeName(b, bEnd));
            }
            if (x != y) {
                return x - y;
            }
            a++;
            b++;
        }
        return (aEnd - a) - (bEnd - b);
    }

    /** Decodes the canonical bytes of a member name (between the quotes) into a Java string. */
    private String decodeName(int from, int to) {
        return CanonicalObject.decodeCanonicalString(out.buffer(), from, to);
    }

    /** Member slots in name order; throws on a duplicate name. */
    private int[] sortedOrder(int base) {
        int count = (memberTop - base) / 4;
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = base + i * 4;
        }
        mergeSort(order, new int[count], 0, count);
        for (int i = 1; i < count; i++) {
            if (compareNames(order[i - 1], order[i]) == 0) {
                throw duplicate(order[i]);
            }
        }
        return order;
    }

    /** Stable sort of member slots by name: insertion sort for short runs, merging above that. */
    private void mergeSort(int[] slots, int[] tmp, int from, int to) {
        if (to - from <= 16) {
            for (int i = from + 1; i < to; i++) {
                int slot = slots[i];
                int j = i - 1;
                while (j >= from && compareNames(slots[j], slot) > 0) {
                    slots[j + 1] = slots[j];
                    j--;
                }
                slots[j + 1] = slot;
            }
            return;
        }
        int mid = (from + to) >>> 1;
        mergeSort(slots, tmp, from, mid);
        mergeSort(slots, tmp, mid, to);
        if (compareNames(slots[mid - 1], slots[mid]) <= 0) {
            return;
        }
        System.arraycopy(slots, from, tmp, from, to - from);
        int i = from;
        int j = mid;
        for (int k = from; k < to; k++) {
            if (j >= to || (i < mid && compareNames(tmp[i], tmp[j]) <= 0)) {
                slots[k] = tmp[i++];
            } else {
                slots[k] = tmp[j++];
            }
        }
    }

    /** Rewrites the members behind the '{' at {@code objectStart} in the given order. */
    private void relayMembers(int[] order, int objectStart) {
        scratch.reset();
        byte[] buf = out.buffer();
        for (int i = 0; i < order.length; i++) {
            if (i > 0) {
                scratch.write(',');
            }
            int slot = order[i];
            scratch.write(buf, members[slot + 2], members[slot + 3] - members[slot + 2]);
        }
        out.truncate(objectStart + 1);
        out.write(scratch.buffer(), 0, scratch.size());
    }

    /** Records where each top-level member's value will sit once the members are in final order. */
    private void captureMembers(int base, int objectStart, int[] order) {
        int count = (memberTop - base) / 4;
        int cursor = objectStart + 1;
        for (int i = 0; i < count; i++) {
            int slot = order == null ? base + i * 4 : order[i];
            int memberStart = members[slot + 2];
            int nameEnd = members[slot + 1];
            int length = members[slot + 3] - memberStart;
            int valueOffset = nameEnd - memberStart + 2;
            topLevel.add(decodeName(members[slot], nameEnd), cursor + valueOffset, cursor + length);
            cursor += length + 1;
        }
    }

    private StrictJsonException duplicate(int slot) {
        StrictJsonException e = error(Rule.DUPLICATE_NAME, null);
        e.prependPath("." + decodeName(members[slot], members[slot + 1]));
        return e;
    }

    // ---------------------------------------------------------------- helpers

    private void skipWhitespace() {
        while (pos < end) {
            byte b = in[pos];
            if (b == ' ' || b == '\n' || b == '\r' || b == '\t') {
                pos++;
            } else {
                return;
            }
        }
    }

    private byte peek() {
        if (pos >= end) {
            throw error(Rule.SYNTAX, "unexpected end of input");
        }
        return in[pos];
    }

    private StrictJsonException error(Rule rule, String explanation) {
        return new StrictJsonException(rule, pos, explanation);
    }
}
