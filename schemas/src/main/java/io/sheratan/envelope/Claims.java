package io.sheratan.envelope;

import java.util.regex.Pattern;

/**
 * The three envelope members that canonical version 2 signs with the result (DESIGN.md section 3b):
 * which worker made it, when (milliseconds since the epoch, UTC) and for which pipeline.
 */
public record Claims(String nodeId, long issuedAt, String aud) {

    /** DESIGN section 2: 1..128 characters of {@code [A-Za-z0-9._:@/-]}. */
    public static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._:@/-]{1,128}");
    public static final int MAX_AUD_LENGTH = 256;
    /** The largest integer a JSON number carries exactly (2^53): {@code issued_at} stays below it. */
    public static final long MAX_ISSUED_AT = 1L << 53;

    public static boolean isNodeId(String value) {
        return value != null && NODE_ID.matcher(value).matches();
    }
}
