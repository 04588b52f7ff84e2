package io.sheratan.canonical;

/**
 * The size and nesting limits of the strict profile (DESIGN.md section 3.2).
 *
 * <p>Both limits exist so that one hostile record cannot cost the verifier more than a bounded
 * amount of memory and stack: the document is rejected before parsing when it is too large, and
 * parsing stops at the first level past {@code maxDepth}. The depth ceiling of {@value #DEPTH_CEILING}
 * keeps the recursive parser far away from the thread's stack size whatever is configured.
 */
public record CanonicalLimits(int maxBytes, int maxDepth) {

    /** 1 MiB: Kafka's default max.message.bytes, so nothing the broker accepts is refused for size alone. */
    public static final int DEFAULT_MAX_BYTES = 1024 * 1024;
    /** Deep enough for any real result document, shallow enough to bound the parser's stack. */
    public static final int DEFAULT_MAX_DEPTH = 64;
    /** The largest depth that may be configured. */
    public static final int DEPTH_CEILING = 1000;

    public static final CanonicalLimits DEFAULTS = new CanonicalLimits(DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH);

    public CanonicalLimits {
        if (maxBytes < 2) {
            throw new IllegalArgumentException("maxBytes must be at least 2, was " + maxBytes);
        }
        if (maxDepth < 1 || maxDepth > DEPTH_CEILING) {
            throw new IllegalArgumentException("maxDepth must be between 1 and " + DEPTH_CEILING + ", was " + maxDepth);
        }
    }
}
