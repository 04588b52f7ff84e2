package io.sheratan.canonical;

import io.sheratan.canonical.StrictJsonException.Rule;

import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a flat JSON object straight into its RFC 8785 canonical form, from members given by name in
 * any order: what a record of known fields (an audit event, a log line) needs instead of a JSON tree
 * that is serialized and then canonicalized again. The bytes equal {@link JsonCanonicalizer#canonicalize}
 * of the same object, and the writer refuses what the canonicalizer refuses: a lone surrogate
 * ({@link Rule#LONE_SURROGATE}) and an integer that canonicalization would rewrite
 * ({@link Rule#INEXACT_INTEGER}: beyond 2<sup>53</sup> and not exactly a double's shortest form).
 *
 * <pre>{@code
 * byte[] event = new CanonicalWriter().string("event_type", "RESULT_VERIFIED").integer("ts", now).toBytes();
 * }</pre>
 */
public final class CanonicalWriter {

    /** Members sorted by name as RFC 8785 sorts them: by UTF-16 code units, which is {@link String#compareTo}. */
    private final Map<String, byte[]> members = new TreeMap<>();

    public CanonicalWriter string(String name, String value) {
        return put(name, value == null ? NULL : JsonCanonicalizer.canonicalString(value));
    }

    public CanonicalWriter integer(String name, long value) {
        return put(name, integer(value));
    }

    /** A nullable integer member: {@code null} when the value is. */
    public CanonicalWriter integer(String name, Long value) {
        return put(name, value == null ? NULL : integer(value.longValue()));
    }

    public CanonicalWriter bool(String name, boolean value) {
        return put(name, value ? TRUE : FALSE);
    }

    public CanonicalWriter nul(String name) {
        return put(name, NULL);
    }

    /** A member whose value is already canonical JSON (a nested object written by another writer): copied as it is. */
    public CanonicalWriter canonical(String name, byte[] canonicalValue) {
        return put(name, canonicalValue);
    }

    public boolean has(String name) {
        return members.containsKey(name);
    }

    /** The canonical bytes of the object as it stands; the writer can take more members after. */
    public byte[] toBytes() {
        int size = 2 + Math.max(0, members.size() - 1);
        for (Map.Entry<String, byte[]> member : members.entrySet()) {
            size += member.getKey().length() + 8 + member.getValue().length; // an estimate: names are mostly ASCII
        }
        ByteSink out = new ByteSink(size);
        out.write('{');
        boolean first = true;
        for (Map.Entry<String, byte[]> member : members.entrySet()) {
            if (!first) {
                out.write(',');
            }
            first = false;
            byte[] name = JsonCanonicalizer.canonicalString(member.getKey());
            out.write(name, 0, name.length);
            out.write(':');
            out.write(member.getValue(), 0, member.getValue().length);
        }
        out.write('}');
        return out.toByteArray();
    }

    private CanonicalWriter put(String name, byte[] value) {
        if (members.putIfAbsent(name, value) != null) {
            throw new IllegalArgumentException("member " + name + " written twice");
        }
        return this;
    }

    /**
     * The canonical form of an integer: its decimal digits when the ES6 form of the double it denotes
     * spells them exactly, else refused as the canonicalizer refuses such a literal.
     */
    static byte[] integer(long value) {
        String digits = Long.toString(value);
        if ((value > (1L << 53) || value < -(1L << 53)) && !Es6Numbers.format((double) value).equals(digits)) {
            throw new StrictJsonException(Rule.INEXACT_INTEGER, 0, null);
        }
        return digits.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static final byte[] NULL = {'n', 'u', 'l', 'l'};
    private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
    private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
}
