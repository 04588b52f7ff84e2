package io.sheratan.envelope;

import java.nio.charset.StandardCharsets;

/**
 * The core of DESIGN.md section 3.1: {@code error}, {@code job_id}, {@code ok}, {@code result} —
 * already in RFC 8785 member order — with null or absent members left out. The parts arrive in
 * canonical form, so concatenating them is canonicalizing the core.
 */
public final class Core {

    private static final byte[] ERROR = "\"error\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JOB_ID = "\"job_id\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OK_TRUE = ",\"ok\":true".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OK_FALSE = ",\"ok\":false".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESULT = ",\"result\":".getBytes(StandardCharsets.US_ASCII);

    private Core() {
    }

    public static byte[] build(byte[] jobIdCanonical, boolean ok, byte[] result, byte[] error) {
        return result == null
                ? build(jobIdCanonical, ok, null, 0, 0, error)
                : build(jobIdCanonical, ok, result, 0, result.length, error);
    }

    /** As above, with {@code result} as the slice {@code [resultFrom, resultTo)} of {@code src} (null src: no result). */
    public static byte[] build(byte[] jobIdCanonical, boolean ok, byte[] src, int resultFrom, int resultTo, byte[] error) {
        int size = 2 + JOB_ID.length + jobIdCanonical.length + OK_FALSE.length
                + (error == null ? 0 : ERROR.length + error.length + 1)
                + (src == null ? 0 : RESULT.length + resultTo - resultFrom);
        byte[] core = new byte[size - (ok ? 1 : 0)];
        int at = 0;
        core[at++] = '{';
        if (error != null) {
            at = put(core, at, ERROR);
            at = put(core, at, error);
            core[at++] = ',';
        }
        at = put(core, at, JOB_ID);
        at = put(core, at, jobIdCanonical);
        at = put(core, at, ok ? OK_TRUE : OK_FALSE);
        if (src != null) {
            at = put(core, at, RESULT);
            System.arraycopy(src, resultFrom, core, at, resultTo - resultFrom);
            at += resultTo - resultFrom;
        }
        core[at] = '}';
        return core;
    }

    private static int put(byte[] into, int at, byte[] part) {
        System.arraycopy(part, 0, into, at, part.length);
        return at + part.length;
    }
}
