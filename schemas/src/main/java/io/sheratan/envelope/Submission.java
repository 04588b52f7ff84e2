package io.sheratan.envelope;

import io.sheratan.integrity.Marks;

import java.nio.charset.StandardCharsets;

/**
 * A result as the verifier sees it once the bytes were read: the parts of the core in canonical
 * form, the mark as submitted, and the core's own canonical bytes and SHA-256 (computed once, used
 * both to check the mark and to tell a duplicate from a conflict).
 *
 * @param result canonical JSON of {@code result}, or null when absent or JSON null
 * @param error  canonical JSON of {@code error}, or null when absent or JSON null
 * @param mark   the integrity member, or null when the envelope has none
 */
public record Submission(String jobId, boolean ok, byte[] result, byte[] error, IntegrityMark mark,
                         WireFormat format, byte[] core, String coreSha256) {

    /** Builds the core (DESIGN.md section 3.1) from canonical parts and hashes it. */
    public static Submission of(String jobId, byte[] jobIdCanonical, boolean ok, byte[] result, byte[] error,
                                IntegrityMark mark, WireFormat format) {
        byte[] core = Core.build(jobIdCanonical, ok, result, error);
        return new Submission(jobId, ok, result, error, mark, format, core, Marks.sha256Hex(core));
    }

    public String resultJson() {
        return result == null ? null : new String(result, StandardCharsets.UTF_8);
    }

    public String errorJson() {
        return error == null ? null : new String(error, StandardCharsets.UTF_8);
    }

    /** This submission with a fresh mark under {@code policy} (any submitted mark is dropped). */
    public Submission signed(io.sheratan.integrity.IntegrityPolicy policy) {
        return withMark(io.sheratan.integrity.IntegrityVerifier.sign(core, coreSha256, policy));
    }

    public Submission withMark(IntegrityMark newMark) {
        return new Submission(jobId, ok, result, error, newMark, format, core, coreSha256);
    }
}
