package io.sheratan.envelope;

import io.sheratan.avro.ResultSubmission;
import io.sheratan.avro.codec.AvroCodec;
import io.sheratan.canonical.CanonicalLimits;
import io.sheratan.canonical.CanonicalObject;
import io.sheratan.canonical.CanonicalObject.Member;
import io.sheratan.canonical.JsonCanonicalizer;
import io.sheratan.canonical.StrictJsonException;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Reads an envelope from record bytes, JSON or Avro (DESIGN.md section 2), into a {@link Submission}.
 *
 * <p>JSON envelopes go through the strict canonicalizer once; the core's parts are then slices of
 * its output, so the bytes that are hashed are exactly the bytes that were checked. Avro envelopes
 * carry {@code result} and {@code error} as JSON text, which goes through the same canonicalizer.
 * Anything that is not a well-formed envelope becomes a {@link MalformedEnvelopeException} with a
 * payload-free detail. Not thread-safe (it owns a canonicalizer's buffers): one per stream task.
 */
public final class EnvelopeReader {

    public static final int MAX_JOB_ID_LENGTH = 256;
    /**
     * Ceilings on the mark's fields, in characters. Real marks are far below them (a mode name, 64 or
     * 128 hex digits, a key id); anything longer is not a mark but an attempt to make the audit event
     * or the verified record large, so it is {@code malformed} before any hashing.
     */
    public static final int MAX_MODE_LENGTH = 32;
    public static final int MAX_DIGEST_LENGTH = 128;
    public static final int MAX_SIG_LENGTH = 256;
    public static final int MAX_KEY_ID_LENGTH = 256;

    private final JsonCanonicalizer canonicalizer;
    private final AvroCodec<ResultSubmission> avro;
    /** Whether a core that is the envelope minus {@code integrity} is hashed in place (tests compare with false). */
    private final boolean aroundIntegrity;

    public EnvelopeReader(CanonicalLimits limits) {
        this(limits, AvroCodec.resultSubmissions());
    }

    public EnvelopeReader(CanonicalLimits limits, AvroCodec<ResultSubmission> avro) {
        this(limits, avro, true);
    }

    /** With {@code aroundIntegrity} false every core is built from its parts (the reference the in-place path is tested against). */
    EnvelopeReader(CanonicalLimits limits, AvroCodec<ResultSubmission> avro, boolean aroundIntegrity) {
        this.canonicalizer = new JsonCanonicalizer(limits);
        this.avro = avro;
        this.aroundIntegrity = aroundIntegrity;
    }

    public Submission read(byte[] value) throws MalformedEnvelopeException {
        if (value == null) {
            throw new MalformedEnvelopeException("empty record (null value)", null);
        }
        WireFormat format = WireFormat.detect(value);
        if (format == null) {
            throw new MalformedEnvelopeException("neither a JSON object nor Avro single-object encoding", null);
        }
        return format == WireFormat.AVRO ? readAvro(value) : readJson(value);
    }

    public Submission readJson(byte[] value) throws MalformedEnvelopeException {
        CanonicalObject envelope;
        try {
            envelope = canonicalizer.applyToObject(value);
        } catch (StrictJsonException e) {
            throw new MalformedEnvelopeException(e.detail(), null, e.getMessage(), e);
        }
        String jobId = jobId(envelope);
        Member okMember = envelope.member("ok")
                .orElseThrow(() -> new MalformedEnvelopeException("ok is missing", jobId));
        byte first = envelope.firstByte(okMember);
        if (first != 't' && first != 'f') {
            throw new MalformedEnvelopeException("ok must be a boolean", jobId);
        }
        Member result = optional(envelope, "result").orElse(null);
        byte[] error = optional(envelope, "error").map(envelope::valueBytes).orElse(null);
        checkError(error, jobId);
        IntegrityMark mark = mark(envelope, jobId);
        byte[] jobIdCanonical = envelope.valueBytes(envelope.member("job_id").orElseThrow());
        if (mark != null && mark.canonicalVersion() == 2) {
            Claims claims = claims(envelope, jobId);
            if (aroundIntegrity && holdsOnlyTheCore(envelope, result != null, error != null, true)) {
                return around(envelope, jobId, first == 't', result, error, claims, mark);
            }
            return result == null
                    ? Submission.ofV2(jobId, jobIdCanonical, first == 't', null, 0, 0, error, claims, mark, WireFormat.JSON)
                    : Submission.ofV2(jobId, jobIdCanonical, first == 't', envelope.bytes(), result.valueStart(), result.valueEnd(),
                            error, claims, mark, WireFormat.JSON);
        }
        if (mark != null && aroundIntegrity && holdsOnlyTheCore(envelope, result != null, error != null, false)) {
            return around(envelope, jobId, first == 't', result, error, null, mark);
        }
        // result goes from the envelope into the core in one copy
        return result == null
                ? Submission.of(jobId, jobIdCanonical, first == 't', null, 0, 0, error, mark, WireFormat.JSON)
                : Submission.of(jobId, jobIdCanonical, first == 't', envelope.bytes(), result.valueStart(), result.valueEnd(),
                        error, mark, WireFormat.JSON);
    }

    private static final byte[] INTEGRITY_NAME = "\"integrity\":".getBytes(StandardCharsets.US_ASCII);
    private static final int CORE_V1_MEMBERS = 2; // job_id, ok (+ error, result when not null)
    private static final int CLAIM_MEMBERS = 3;   // aud, issued_at, node_id

    /**
     * Whether the envelope's members are exactly the core's (error and result only when not null, the
     * claims for version 2) plus {@code integrity}: then the core is the envelope without that member,
     * byte for byte (both canonical, same order). Member names are unique in a canonical object and
     * the reader has already required job_id, ok, integrity (and the claims for version 2), so the count
     * decides it; the names are checked as well, so that a change elsewhere cannot make this silently
     * wrong. {@code integrity} is never the last member ({@code job_id} and {@code ok} sort after it),
     * so a comma follows it.
     */
    private static boolean holdsOnlyTheCore(CanonicalObject envelope, boolean result, boolean error, boolean v2) {
        int expected = CORE_V1_MEMBERS + 1 + (result ? 1 : 0) + (error ? 1 : 0) + (v2 ? CLAIM_MEMBERS : 0);
        if (envelope.members().size() != expected) {
            return false;
        }
        for (Member member : envelope.members()) {
            if (!isCoreMember(member.name(), v2)) {
                return false;
            }
        }
        Member last = envelope.members().get(expected - 1);
        return !result || last.name().equals("result");
    }

    private static boolean isCoreMember(String name, boolean v2) {
        return switch (name) {
            case "integrity", "job_id", "ok", "result", "error" -> true;
            case "aud", "issued_at", "node_id" -> v2;
            default -> false;
        };
    }

    private static Submission around(CanonicalObject envelope, String jobId, boolean ok, Member result, byte[] error,
                                      Claims claims, IntegrityMark mark) {
        Member integrity = envelope.member("integrity").orElseThrow();
        int cutFrom = integrity.valueStart() - INTEGRITY_NAME.length;
        int cutTo = integrity.valueEnd() + 1; // the comma after it
        return Submission.aroundIntegrity(jobId, ok, envelope.bytes(), cutFrom, cutTo,
                result == null ? -1 : result.valueEnd() - result.valueStart(), error, claims, mark, WireFormat.JSON);
    }

    public Submission readAvro(byte[] value) throws MalformedEnvelopeException {
        ResultSubmission record;
        try {
            record = avro.decode(value);
        } catch (AvroCodec.AvroDecodeException e) {
            throw new MalformedEnvelopeException(e.getMessage(), null, e.getMessage(), e);
        }
        String jobId = record.getJobId();
        byte[] jobIdCanonical;
        try {
            checkJobId(jobId, null);
            jobIdCanonical = JsonCanonicalizer.canonicalString(jobId);
        } catch (StrictJsonException e) {
            throw new MalformedEnvelopeException("job_id: " + e.detail(), null);
        }
        byte[] result = canonicalText(record.getResult(), "result", jobId);
        byte[] error = canonicalText(record.getError(), "error", jobId);
        checkError(error, jobId);
        IntegrityMark mark = null;
        if (record.getIntegrity() != null) {
            var m = record.getIntegrity();
            mark = checkMark(new IntegrityMark(m.getMode(), m.getSha256(), m.getSig(), m.getKeyId(), m.getV()), jobId);
        }
        if (mark != null && mark.canonicalVersion() == 2) {
            Claims claims = claims(record.getNodeId(), record.getIssuedAt(), record.getAud(), jobId);
            return result == null
                    ? Submission.ofV2(jobId, jobIdCanonical, record.getOk(), null, 0, 0, error, claims, mark, WireFormat.AVRO)
                    : Submission.ofV2(jobId, jobIdCanonical, record.getOk(), result, 0, result.length, error, claims, mark, WireFormat.AVRO);
        }
        return Submission.of(jobId, jobIdCanonical, record.getOk(), result, error, mark, WireFormat.AVRO);
    }

    private byte[] canonicalText(String json, String field, String jobId) throws MalformedEnvelopeException {
        try {
            return canonicalizer.applyOptional(json);
        } catch (StrictJsonException e) {
            throw new MalformedEnvelopeException(field + ": " + e.detail(), jobId,
                    field + ": " + e.getMessage(), e);
        }
    }

    private static String jobId(CanonicalObject envelope) throws MalformedEnvelopeException {
        Member member = envelope.member("job_id")
                .orElseThrow(() -> new MalformedEnvelopeException("job_id is missing", null));
        if (envelope.firstByte(member) != '"') {
            throw new MalformedEnvelopeException("job_id must be a string", null);
        }
        String jobId = envelope.stringValue(member);
        checkJobId(jobId, null);
        return jobId;
    }

    /**
     * The envelope rules a worker must meet before signing (DESIGN.md section 3.1): a job id of
     * 1..{@value #MAX_JOB_ID_LENGTH} characters and an error that is a string or an object. The
     * reader enforces them on receipt; {@code ResultPublisher} calls this before it sends.
     */
    public static void checkRules(String jobId, byte[] errorCanonical) throws MalformedEnvelopeException {
        checkJobId(jobId, null);
        checkError(errorCanonical, jobId);
    }

    private static void checkJobId(String jobId, String known) throws MalformedEnvelopeException {
        if (jobId == null || jobId.isEmpty()) {
            throw new MalformedEnvelopeException("job_id must not be empty", known);
        }
        if (jobId.codePointCount(0, jobId.length()) > MAX_JOB_ID_LENGTH) {
            throw new MalformedEnvelopeException("job_id longer than " + MAX_JOB_ID_LENGTH + " characters", null);
        }
    }

    private static void checkError(byte[] error, String jobId) throws MalformedEnvelopeException {
        if (error != null && error[0] != '"' && error[0] != '{') {
            throw new MalformedEnvelopeException("error must be a string or an object", jobId);
        }
    }

    private static Optional<Member> optional(CanonicalObject envelope, String name) {
        return envelope.member(name).filter(m -> !envelope.isNull(m));
    }

    private IntegrityMark mark(CanonicalObject envelope, String jobId) throws MalformedEnvelopeException {
        Optional<Member> member = optional(envelope, "integrity");
        if (member.isEmpty()) {
            return null;
        }
        if (envelope.firstByte(member.get()) != '{') {
            throw new MalformedEnvelopeException("integrity must be an object", jobId);
        }
        CanonicalObject integrity = canonicalizer.applyToObject(envelope.valueBytes(member.get()));
        return checkMark(new IntegrityMark(
                markField(integrity, "mode", jobId),
                markField(integrity, "sha256", jobId),
                markField(integrity, "sig", jobId),
                markField(integrity, "key_id", jobId),
                version(integrity, jobId)), jobId);
    }

    /** The mark's {@code v}: absent (version 1) or a small non-negative integer; anything else is malformed. */
    private static Integer version(CanonicalObject integrity, String jobId) throws MalformedEnvelopeException {
        Optional<Member> member = optional(integrity, "v");
        if (member.isEmpty()) {
            return null;
        }
        byte[] text = integrity.valueBytes(member.get());
        int value = 0;
        for (byte b : text) {
            if (b < '0' || b > '9' || text.length > 3) {
                throw new MalformedEnvelopeException("integrity.v must be a small integer (the canonical version)", jobId);
            }
            value = value * 10 + (b - '0');
        }
        if (text.length == 0) {
            throw new MalformedEnvelopeException("integrity.v must be a small integer (the canonical version)", jobId);
        }
        return value;
    }

    /** The version 2 claims of a JSON envelope: all three required, of the right type. */
    private static Claims claims(CanonicalObject envelope, String jobId) throws MalformedEnvelopeException {
        Member node = optional(envelope, "node_id").orElseThrow(() -> new MalformedEnvelopeException(
                "node_id is required by a version 2 mark", jobId));
        Member issued = optional(envelope, "issued_at").orElseThrow(() -> new MalformedEnvelopeException(
                "issued_at is required by a version 2 mark", jobId));
        Member aud = optional(envelope, "aud").orElseThrow(() -> new MalformedEnvelopeException(
                "aud is required by a version 2 mark", jobId));
        if (envelope.firstByte(node) != '"' || envelope.firstByte(aud) != '"') {
            throw new MalformedEnvelopeException("node_id and aud must be strings", jobId);
        }
        String issuedText = new String(envelope.valueBytes(issued), StandardCharsets.US_ASCII);
        if (!issuedText.matches("[0-9]{1,16}")) {
            throw new MalformedEnvelopeException("issued_at must be an integer: milliseconds since the epoch", jobId);
        }
        return claims(envelope.stringValue(node), Long.parseLong(issuedText), envelope.stringValue(aud), jobId);
    }

    private static Claims claims(String nodeId, Long issuedAt, String aud, String jobId) throws MalformedEnvelopeException {
        if (nodeId == null || issuedAt == null || aud == null) {
            throw new MalformedEnvelopeException("node_id, issued_at and aud are required by a version 2 mark", jobId);
        }
        if (!Claims.isNodeId(nodeId)) {
            throw new MalformedEnvelopeException("node_id must be 1..128 characters of [A-Za-z0-9._:@/-]", jobId);
        }
        if (issuedAt < 0 || issuedAt > Claims.MAX_ISSUED_AT) {
            throw new MalformedEnvelopeException("issued_at must be between 0 and 2^53 (milliseconds since the epoch)", jobId);
        }
        if (aud.isEmpty() || aud.length() > Claims.MAX_AUD_LENGTH) {
            throw new MalformedEnvelopeException("aud must be 1.." + Claims.MAX_AUD_LENGTH + " characters", jobId);
        }
        return new Claims(nodeId, issuedAt, aud);
    }

    private static IntegrityMark checkMark(IntegrityMark mark, String jobId) throws MalformedEnvelopeException {
        checkMarkField("mode", mark.mode(), MAX_MODE_LENGTH, jobId);
        checkMarkField("sha256", mark.sha256(), MAX_DIGEST_LENGTH, jobId);
        checkMarkField("sig", mark.sig(), MAX_SIG_LENGTH, jobId);
        checkMarkField("key_id", mark.keyId(), MAX_KEY_ID_LENGTH, jobId);
        return mark;
    }

    private static void checkMarkField(String name, String value, int max, String jobId) throws MalformedEnvelopeException {
        if (value == null) {
            return;
        }
        if (value.length() > max) {
            throw new MalformedEnvelopeException("integrity." + name + " longer than " + max + " characters", jobId);
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                throw new MalformedEnvelopeException("integrity." + name + " must be printable ASCII", jobId);
            }
        }
    }

    private static String markField(CanonicalObject integrity, String name, String jobId)
            throws MalformedEnvelopeException {
        Optional<Member> member = optional(integrity, name);
        if (member.isEmpty()) {
            return null;
        }
        if (integrity.firstByte(member.get()) != '"') {
            throw new MalformedEnvelopeException("integrity." + name + " must be a string", jobId);
        }
        return integrity.stringValue(member.get());
    }
}
