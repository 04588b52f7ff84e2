package io.sheratan.envelope;

import io.sheratan.avro.codec.Digests;

import io.sheratan.canonical.JsonCanonicalizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A result as the verifier sees it once the bytes were read: the parts of the core in canonical
 * form, the mark as submitted, and the core's own canonical bytes and SHA-256 (computed once, used
 * both to check the mark and to tell a duplicate from a conflict).
 *
 * <p>{@code result} is not kept apart: it is the last member of the core, so it is a slice of
 * {@link #core()} ({@link #resultOffset()}, {@link #resultLength()}), and {@link #result()} copies it
 * out only when asked. The verifier writes it to the store from the slice, one copy fewer per record.
 *
 * <p>When the envelope is canonical and holds exactly the core's members and {@code integrity}, the core
 * is the envelope without {@code "integrity":{...},} ({@link #aroundIntegrity}): it is hashed as the two
 * slices around that member and only copied out when {@link #core()} is asked for (an HMAC or a
 * signature needs it; a sha256 mark does not). {@code EnvelopeReaderAroundIntegrityTest} holds this to
 * the built core.
 */
public final class Submission {

    private final String jobId;
    private final boolean ok;
    private final byte[] error;
    private final IntegrityMark mark;
    private final WireFormat format;
    /** The core is {@code src} without {@code [cutFrom, cutTo)}; a built core has nothing cut. */
    private final byte[] src;
    private final int cutFrom;
    private final int cutTo;
    private volatile byte[] core; // src itself, or the copy without the cut once asked for
    private final int resultLength; // -1 when the core has no result
    private final String coreSha256;
    private final Claims claims; // null for a version 1 core

    private Submission(String jobId, boolean ok, byte[] error, IntegrityMark mark, WireFormat format, byte[] core,
                       int resultLength, String coreSha256, Claims claims) {
        this(jobId, ok, error, mark, format, core, core.length, core.length, resultLength, coreSha256, claims);
    }

    private Submission(String jobId, boolean ok, byte[] error, IntegrityMark mark, WireFormat format, byte[] src,
                       int cutFrom, int cutTo, int resultLength, String coreSha256, Claims claims) {
        this.src = src;
        this.cutFrom = cutFrom;
        this.cutTo = cutTo;
        this.core = cutFrom == cutTo ? src : null;
        this.claims = claims;
        this.jobId = jobId;
        this.ok = ok;
        this.error = error;
        this.mark = mark;
        this.format = format;
        this.resultLength = resultLength;
        this.coreSha256 = coreSha256;
    }

    /** Builds the core (DESIGN.md section 3.1) from canonical parts and hashes it. */
    public static Submission of(String jobId, byte[] jobIdCanonical, boolean ok, byte[] result, byte[] error,
                                IntegrityMark mark, WireFormat format) {
        return result == null
                ? of(jobId, jobIdCanonical, ok, null, 0, 0, error, mark, format)
                : of(jobId, jobIdCanonical, ok, result, 0, result.length, error, mark, format);
    }

    /** As above, with the canonical {@code result} as a slice of {@code src} (null src: no result). */
    public static Submission of(String jobId, byte[] jobIdCanonical, boolean ok, byte[] src, int resultFrom, int resultTo,
                                byte[] error, IntegrityMark mark, WireFormat format) {
        byte[] core = Core.build(jobIdCanonical, ok, src, resultFrom, resultTo, error);
        return new Submission(jobId, ok, error, mark, format, core, src == null ? -1 : resultTo - resultFrom,
                Digests.sha256Hex(core), null);
    }

    /**
     * The core as the canonical {@code envelope} without {@code [cutFrom, cutTo)}: the {@code integrity}
     * member and the comma after it. The caller has checked that the envelope holds exactly the core's
     * members besides (so what remains is the core, byte for byte) and that {@code result}, when present,
     * is the last member. Hashed around the cut; nothing is copied.
     */
    public static Submission aroundIntegrity(String jobId, boolean ok, byte[] envelope, int cutFrom, int cutTo, int resultLength,
                                             byte[] error, Claims claims, IntegrityMark mark, WireFormat format) {
        return new Submission(jobId, ok, error, mark, format, envelope, cutFrom, cutTo, resultLength,
                Digests.hex(Digests.sha256Around(envelope, cutFrom, cutTo)), claims);
    }

    /** A version 2 core (DESIGN.md section 3b): the claims are signed with the result. */
    public static Submission ofV2(String jobId, byte[] jobIdCanonical, boolean ok, byte[] src, int resultFrom, int resultTo,
                                  byte[] error, Claims claims, IntegrityMark mark, WireFormat format) {
        byte[] core = Core.buildV2(jobIdCanonical, ok, src, resultFrom, resultTo, error,
                JsonCanonicalizer.canonicalString(claims.aud()), claims.issuedAt(), JsonCanonicalizer.canonicalString(claims.nodeId()));
        return new Submission(jobId, ok, error, mark, format, core, src == null ? -1 : resultTo - resultFrom,
                Digests.sha256Hex(core), claims);
    }

    /** The same result with a version 2 core carrying {@code newClaims} (and no mark: the core changed). */
    public Submission withClaims(Claims newClaims) {
        byte[] jobIdCanonical = JsonCanonicalizer.canonicalString(jobId);
        return resultLength < 0
                ? ofV2(jobId, jobIdCanonical, ok, null, 0, 0, error, newClaims, null, format)
                : ofV2(jobId, jobIdCanonical, ok, src, resultSourceOffset(), resultSourceOffset() + resultLength, error, newClaims, null, format);
    }

    /** The version 2 claims, or null for a version 1 core. */
    public Claims claims() {
        return claims;
    }

    /** 2 when the core carries claims, else 1. */
    public int coreVersion() {
        return claims == null ? 1 : 2;
    }

    public String jobId() {
        return jobId;
    }

    public boolean ok() {
        return ok;
    }

    /** A copy of the canonical JSON of {@code result}, or null when absent or JSON null. */
    public byte[] result() {
        return resultLength < 0 ? null : Arrays.copyOfRange(src, resultSourceOffset(), resultSourceOffset() + resultLength);
    }

    /** Where {@code result} starts in {@link #core()}; meaningful when {@link #resultLength()} is not -1. */
    public int resultOffset() {
        return coreLength() - 1 - resultLength;
    }

    /** Where {@link #writeCore} puts the core's bytes: a Mac, a digest, an array. */
    @FunctionalInterface
    public interface CoreSink {
        void write(byte[] bytes, int offset, int length);
    }

    /** The core's length in bytes. */
    public int coreLength() {
        return src.length - (cutTo - cutFrom);
    }

    /** Writes the core's bytes to {@code sink} in order (one or two slices), without copying the core out. */
    public void writeCore(CoreSink sink) {
        byte[] known = core;
        if (known != null) {
            sink.write(known, 0, known.length);
        } else {
            sink.write(src, 0, cutFrom);
            sink.write(src, cutTo, src.length - cutTo);
        }
    }

    /** Whether the core was hashed in place, as the envelope without {@code integrity} (tests). */
    boolean hashedInPlace() {
        return cutFrom != cutTo;
    }

    /** An array holding {@code result} at {@link #resultSourceOffset()}, without copying the core out (do not modify). */
    public byte[] resultSource() {
        return src;
    }

    /** Where {@code result} starts in {@link #resultSource()} (the last member in both: before the closing brace). */
    public int resultSourceOffset() {
        return src.length - 1 - resultLength;
    }

    /** The length of {@code result} in {@link #core()}, or -1 when absent or JSON null. */
    public int resultLength() {
        return resultLength;
    }

    /** Canonical JSON of {@code error}, or null when absent or JSON null. */
    public byte[] error() {
        return error;
    }

    /** The integrity member, or null when the envelope has none. */
    public IntegrityMark mark() {
        return mark;
    }

    public WireFormat format() {
        return format;
    }

    /** The canonical core; do not modify. Copied out of the envelope on the first call when it was hashed in place. */
    public byte[] core() {
        byte[] known = core;
        if (known == null) {
            known = new byte[src.length - (cutTo - cutFrom)];
            System.arraycopy(src, 0, known, 0, cutFrom);
            System.arraycopy(src, cutTo, known, cutFrom, src.length - cutTo);
            core = known;
        }
        return known;
    }

    public String coreSha256() {
        return coreSha256;
    }

    public String resultJson() {
        return resultLength < 0 ? null : new String(src, resultSourceOffset(), resultLength, StandardCharsets.UTF_8);
    }

    public String errorJson() {
        return error == null ? null : new String(error, StandardCharsets.UTF_8);
    }

    /** This submission with a fresh mark by {@code signer} (the integrity rule's {@code Signer}), whose version must match the core's. */
    public Submission signedBy(MarkMaker signer) {
        return withMark(signer.sign(this));
    }

    public Submission withMark(IntegrityMark newMark) {
        return new Submission(jobId, ok, error, newMark, format, src, cutFrom, cutTo, resultLength, coreSha256, claims);
    }

    @Override
    public String toString() {
        return "Submission[jobId=" + jobId + ", ok=" + ok + ", format=" + format + ", coreSha256=" + coreSha256 + "]";
    }
}
