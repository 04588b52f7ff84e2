package io.sheratan.producer;

/**
 * B1 backpressure: the producer's bounded buffer stayed full (or the cluster unreachable) for the
 * whole configured wait. Nothing was sent for this result; the caller may retry later or shed load.
 * Results already acknowledged are unaffected.
 */
public final class PipelineSaturatedException extends RuntimeException {

    public PipelineSaturatedException(String message, Throwable cause) {
        super(message, cause);
    }
}
