package io.sheratan.canonical;

import java.util.Locale;

/**
 * Thrown when bytes are not JSON, or are JSON that the strict profile (DESIGN.md section 3.2) refuses.
 *
 * <p>The message names the rule, the byte offset and, where known, the path of the member
 * ({@code $.result.values[3]}) so that a worker can find its own mistake. {@link #detail()} leaves
 * the path out: member names are payload, and audit events never carry payload.
 */
public final class StrictJsonException extends RuntimeException {

    /** The rule that was broken; its {@link #code()} is stable and safe to put in an audit event. */
    public enum Rule {
        SYNTAX("not valid JSON"),
        DUPLICATE_NAME("duplicate member name"),
        LONE_SURROGATE("lone surrogate in string"),
        INVALID_UTF8("invalid UTF-8"),
        INEXACT_INTEGER("integer literal that canonicalization would rewrite (not exactly a double, or not printed as itself; send it as a string)"),
        NUMBER_OVERFLOW("number overflows to infinity"),
        TOO_DEEP("nesting deeper than the limit"),
        TRAILING_BYTES("bytes after the JSON value"),
        TOO_LARGE("document larger than the limit");

        private final String description;

        Rule(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }

        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Rule rule;
    private final long offset;
    private final String explanation;
    private String path = "";

    public StrictJsonException(Rule rule, long offset, String explanation) {
        super(null, null, false, false);
        this.rule = rule;
        this.offset = offset;
        this.explanation = explanation;
    }

    public Rule rule() {
        return rule;
    }

    public long offset() {
        return offset;
    }

    /** The JSON path of the offending value, {@code $} for the root; may contain member names. */
    public String path() {
        return path.length() <= MAX_PATH ? "$" + path : "$" + path.substring(0, MAX_PATH) + "...";
    }

    private static final int MAX_PATH = 120;

    /** Called while the parser unwinds, innermost segment first. */
    void prependPath(String segment) {
        path = segment + path;
    }

    /** A payload-free description: rule, offset and explanation, no member names. */
    public String detail() {
        return rule.code() + " at byte " + offset + (explanation == null ? "" : ": " + explanation);
    }

    @Override
    public String getMessage() {
        return rule.description() + " at byte " + offset + ", path " + path()
                + (explanation == null ? "" : " (" + explanation + ")");
    }
}
