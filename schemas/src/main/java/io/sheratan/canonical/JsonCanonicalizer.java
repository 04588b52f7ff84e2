package io.sheratan.canonical;

import io.sheratan.canonical.StrictJsonException.Rule;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * RFC 8785 (JCS) canonicalization under the strict profile of DESIGN.md section 3.2, in one pass.
 *
 * <p>This is the verifier's hot path, so it parses UTF-8 bytes straight into canonical UTF-8 bytes:
 * no tree, no {@code String} per value, one reusable output buffer. Strings are validated and copied
 * in runs; numbers of at most 15 significant digits are rewritten from their own digits (see
 * {@link Es6Numbers}); object members are written in input order and re-laid in a scratch buffer
 * only when they were not already sorted, which canonical input never needs. The parser recurses,
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
    private int memberTop;

    private byte[] in;
    private int pos;
    private int end;

    // top-level member capture for canonicalizeObject
    private boolean captureTopLevel;
    private CanonicalObject.Builder topLevel;

    public JsonCanonicalizer(CanonicalLimits limits) {
        this.limits = limits;
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
        run(json, 0, json.length, false);
        return out.toByteArray();
    }

    /** As {@link #apply(byte[])} over a slice. */
    public byte[] apply(byte[] json, int offset, int length) {
        run(json, offset, length, false);
        return out.toByteArray();
    }

    /**
     * Canonicalizes a document that must be a JSON object and keeps the position of each top-level
     * member, so that the envelope reader can pick members without parsing twice.
     */
    public CanonicalObject applyToObject(byte[] json) {
        run(json, 0, json.length, true);
        return topLevel.build(out.toByteArray());
    }

    private void run(byte[] json, int offset, int length, boolean objectRequired) {
        if (length > limits.maxBytes()) {
            throw new StrictJsonException(Rule.TOO_LARGE, limits.maxBytes(),
                    length + " bytes, limit " + limits.maxBytes());
        }
        in = json;
        pos = offset;
        end = offset + length;
        out.reset();
        memberTop = 0;
        captureTopLevel = objectRequired;
        topLevel = objectRequired ? new CanonicalObject.Builder() : null;
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
    }

    private void value(int depth) {
        if (pos >= end) {
            throw error(Rule.SYNTAX, "unexpected end of input");
        }
        switch (in[pos]) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
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

    private void literal(String word) {
        int length = word.length();
        if (end - pos < length) {
            throw error(Rule.SYNTAX, "unknown literal");
        }
        for (int i = 0; i < length; i++) {
            if (in[pos + i] != word.charAt(i)) {
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
        int b0 = in[pos] & 0xFF;
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
            throw error(Rule.INVALID_UTF8, "bad lead byte");
        }
        if (end - pos < length) {
            throw error(Rule.INVALID_UTF8, "truncated sequence");
        }
        int b1 = in[pos + 1] & 0xFF;
        if (b1 < lowest || b1 > highest) {
            throw error(Rule.INVALID_UTF8, "bad continuation byte");
        }
        for (int i = 2; i < length; i++) {
            int bi = in[pos + i] & 0xFF;
            if (bi < 0x80 || bi > 0xBF) {
                throw error(Rule.INVALID_UTF8, "bad continuation byte");
            }
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

    private void slowNumber(int start, boolean integerLiteral) {
        String literal = new String(in, start, pos - start, StandardCharsets.US_ASCII);
        double value = Double.parseDouble(literal);
        if (Double.isInfinite(value)) {
            pos = start;
            throw error(Rule.NUMBER_OVERFLOW, null);
        }
        if (integerLiteral && new BigDecimal(literal).compareTo(new BigDecimal(value)) != 0) {
            pos = start;
            throw error(Rule.INEXACT_INTEGER, null);
        }
        Es6Numbers.append(value, out);
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    // ---------------------------------------------------------------- members

    private void pushMember(int nameStart, int nameEnd, int memberStart, int memberEnd) {
        if (memberTop + 4 > members.length) {
            members = Arrays.copyOf(members, members.length * 2);
        }
        members[memberTop] = nameStart;
        members[memberTop + 1] = nameEnd;
        members[memberTop + 2] = memberStart;
        members[memberTop + 3] = memberEnd;
        memberTop += 4;
    }

    /** Compares two member names (by their table slots) in UTF-16 code unit order, as RFC 8785 3.2.3 asks. */
    private int compareNames(int slotA, int slotB) {
        byte[] buf = out.buffer();
        int a = members[slotA];
        int aEnd = members[slotA + 1];
        int b = members[slotB];
        int bEnd = members[slotB + 1];
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
        Integer[] boxed = new Integer[count];
        for (int i = 0; i < count; i++) {
            boxed[i] = base + i * 4;
        }
        Arrays.sort(boxed, this::compareNames);
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = boxed[i];
            if (i > 0 && compareNames(order[i - 1], order[i]) == 0) {
                throw duplicate(order[i]);
            }
        }
        return order;
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
