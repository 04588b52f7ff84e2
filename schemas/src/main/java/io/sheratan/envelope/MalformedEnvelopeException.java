package io.sheratan.envelope;

/**
 * Bytes that are not a readable envelope: not JSON or Avro, strict profile violated, a required
 * member missing or of the wrong type. {@link #detail()} is payload-free and goes into the
 * {@code RESULT_MALFORMED} audit event; {@link #jobId()} is set when the job id could still be read.
 */
public final class MalformedEnvelopeException extends Exception {

    private final String detail;
    private final String jobId;

    public MalformedEnvelopeException(String detail, String jobId, String message, Throwable cause) {
        super(message, cause);
        this.detail = detail;
        this.jobId = jobId;
    }

    public MalformedEnvelopeException(String detail, String jobId) {
        this(detail, jobId, detail, null);
    }

    public String detail() {
        return detail;
    }

    public String jobId() {
        return jobId;
    }
}
