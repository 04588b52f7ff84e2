package io.sheratan.canonical;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The canonical bytes of a JSON object together with where each top-level member's value lies,
 * so that a reader can take members out of the canonical form without parsing it again.
 */
public final class CanonicalObject {

    /** A top-level member: its decoded name and the canonical bytes of its value as a slice of {@link #bytes()}. */
    public record Member(String name, int valueStart, int valueEnd) {
    }

    private final byte[] bytes;
    private final Member[] members;

    private CanonicalObject(byte[] bytes, List<Member> members) {
        this.bytes = bytes;
        this.members = members.toArray(new Member[0]);
    }

    /** The canonical bytes of the whole object; do not modify. */
    public byte[] bytes() {
        return bytes;
    }

    /** Top-level members in canonical (sorted) order. */
    public List<Member> members() {
        return List.of(members);
    }

    public Optional<Member> member(String name) {
        for (Member m : members) { // a handful of members: a scan beats a map
            if (m.name().equals(name)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    /** The first byte of the member's canonical value: '"', '{', '[', 't', 'f', 'n', '-' or a digit. */
    public byte firstByte(Member m) {
        return bytes[m.valueStart()];
    }

    public boolean isNull(Member m) {
        return bytes[m.valueStart()] == 'n';
    }

    /** A copy of the member's canonical value bytes. */
    public byte[] valueBytes(Member m) {
        byte[] copy = new byte[m.valueEnd() - m.valueStart()];
        System.arraycopy(bytes, m.valueStart(), copy, 0, copy.length);
        return copy;
    }

    /** The decoded string value of a member whose value is a JSON string. */
    public String stringValue(Member m) {
        if (firstByte(m) != '"') {
            throw new IllegalStateException("member " + m.name() + " is not a string");
        }
        return decodeCanonicalString(bytes, m.valueStart() + 1, m.valueEnd() - 1);
    }

    /**
     * Decodes the content of a canonical JSON string (between its quotes). Canonical strings carry
     * only the escapes RFC 8785 writes: the two-character ones and {@code \\u00XX} for control characters.
     */
    public static String decodeCanonicalString(byte[] buf, int from, int to) {
        boolean plain = true;
        for (int i = from; i < to; i++) {
            if (buf[i] == '\\') {
                plain = false;
                break;
            }
        }
        if (plain) {
            return new String(buf, from, to - from, StandardCharsets.UTF_8);
        }
        StringBuilder sb = new StringBuilder(to - from);
        int runStart = from;
        int i = from;
        while (i < to) {
            if (buf[i] != '\\') {
                i++;
                continue;
            }
            sb.append(new String(buf, runStart, i - runStart, StandardCharsets.UTF_8));
            byte c = buf[i + 1];
            switch (c) {
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    sb.append((char) Integer.parseInt(new String(buf, i + 2, 4, StandardCharsets.US_ASCII), 16));
                    i += 4;
                }
                default -> sb.append((char) c);
            }
            i += 2;
            runStart = i;
        }
        sb.append(new String(buf, runStart, to - runStart, StandardCharsets.UTF_8));
        return sb.toString();
    }

    static final class Builder {
        private final List<Member> members = new ArrayList<>();

        void add(String name, int valueStart, int valueEnd) {
            members.add(new Member(name, valueStart, valueEnd));
        }

        CanonicalObject build(byte[] bytes) {
            return new CanonicalObject(bytes, members);
        }
    }
}
