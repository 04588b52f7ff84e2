package io.sheratan.producer;

/**
 * The result cannot be published because the verifier would refuse it: it breaks the strict
 * profile (the message names the field, e.g. {@code result.$.count}) or the envelope rules.
 * Raised at the worker, before anything is sent.
 */
public final class InvalidResultException extends IllegalArgumentException {

    public InvalidResultException(String message, Throwable cause) {
        super(message, cause);
    }
}
