package io.sheratan.envelope;

import java.nio.charset.StandardCharsets;

/**
 * The core of DESIGN.md section 3.1: {@code error}, {@code job_id}, {@code ok}, {@code result} —
 * already in RFC 8785 member order — with null or absent members left out; version 2 (section 3b)
 * adds {@code aud}, {@code issued_at} and {@code node_id}. The parts arrive in
 * canonical form, so concatenating them is canonicalizing the core.
 */
public final class Core {

    private static final byte[] ERROR = "\"error\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] JOB_ID = "\"job_id\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OK_TRUE = ",\"ok\":true".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OK_FALSE = ",\"ok\":false".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESULT = ",\"result\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] AUD = "\"aud\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ISSUED_AT = "\"issued_at\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NODE_ID = ",\"node_id\":".getBytes(StandardCharsets.US_ASCII);

    private Core() {
    }

    public static byte[] build(byte[] jobIdCanonical, boolean ok, byte[] result, byte[] error) {
        return result == null
                ? build(jobIdCanonical, ok, null, 0, 0, error)
                : build(jobIdCanonical, ok, result, 0, result.length, error);
    }

    /** As above, with {@code result} as the slice {@code [resultFrom, resultTo)} of {@code src} (null src: no result). */
    public static byte[] build(byte[] jobIdCanonical, boolean ok, byte[] src, int resultFrom, int resultTo, byte[] error) {
        return write(jobIdCanonical, ok, src, resultFrom, resultTo, error, null, 0, null);
    }

    /**
     * The version 2 core: the version 1 members plus {@code aud}, {@code issued_at} and {@code node_id},
     * in RFC 8785 order ({@code aud, error, issued_at, job_id, node_id, ok, result}); {@code result}
     * stays the last member, as in version 1.
     */
    public static byte[] buildV2(byte[] jobIdCanonical, boolean ok, byte[] src, int resultFrom, int resultTo, byte[] error,
                                 byte[] audCanonical, long issuedAt, byte[] nodeIdCanonical) {
        return write(jobIdCanonical, ok, src, resultFrom, resultTo, error, audCanonical, issuedAt, nodeIdCanonical);
    }

    /** Both versions: the claims ({@code aud} non-null) add three members around the version 1 ones. */
    private static byte[] write(byte[] jobIdCanonical, boolean ok, byte[] src, int resultFrom, int resultTo, byte[] error,
                                byte[] aud, long issuedAt, byte[] nodeId) {
        boolean v2 = aud != null;
        byte[] issued = v2 ? Long.toString(issuedAt).getBytes(StandardCharsets.US_ASCII) : null;
        int size = 2
                + (v2 ? AUD.length + aud.length + 1 : 0)
                + (error == null ? 0 : ERROR.length + error.length + 1)
                + (v2 ? ISSUED_AT.length + issued.length + 1 : 0)
                + JOB_ID.length + jobIdCanonical.length
                + (v2 ? NODE_ID.length + nodeId.length : 0)
                + (ok ? OK_TRUE.length : OK_FALSE.length)
                + (src == null ? 0 : RESULT.length + resultTo - resultFrom);
        byte[] core = new byte[size];
        int at = 0;
        core[at++] = '{';
        if (v2) {
            at = put(core, at, AUD);
            at = put(core, at, aud);
            core[at++] = ',';
        }
        if (error != null) {
            at = put(core, at, ERROR);
            at = put(core, at, error);
            core[at++] = ',';
        }
        if (v2) {
            at = put(core, at, ISSUED_AT);
            at = put(core, at, issued);
            core[at++] = ',';
        }
        at = put(core, at, JOB_ID);
        at = put(core, at, jobIdCanonical);
        if (v2) {
            at = put(core, at, NODE_ID);
            at = put(core, at, nodeId);
        }
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
