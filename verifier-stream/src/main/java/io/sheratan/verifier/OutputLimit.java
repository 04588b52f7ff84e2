package io.sheratan.verifier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * The largest record (key + value) the verifier writes now: {@code SHERATAN_OUTPUT_MAX_BYTES}, or
 * less when the verified or audit topic's {@code max.message.bytes} was lowered while it runs (DESIGN
 * 5). A larger output is {@code malformed} before anything is stored or sent, so the broker never
 * refuses a send that would then be retried for ever. Start-up refuses topics that cannot take the
 * configured size; this follows changes made later (checked periodically and after any send the
 * broker refused as too large).
 */
public final class OutputLimit implements IntSupplier {

    private static final Logger LOG = LoggerFactory.getLogger(OutputLimit.class);

    private final int configured;
    private final AtomicInteger current;

    private OutputLimit(int configured) {
        this.configured = configured;
        this.current = new AtomicInteger(configured);
    }

    /** The configured limit, until {@link #fitTopics} says the topics take less. */
    public static OutputLimit of(int configured) {
        return new OutputLimit(configured);
    }

    @Override
    public int getAsInt() {
        return current.get();
    }

    /** @param fitsNow the largest record the verified and audit topics take now */
    public void fitTopics(int fitsNow) {
        int next = Math.min(configured, fitsNow);
        int before = current.getAndSet(next);
        if (before != next) {
            LOG.warn("the largest output is now {} bytes (was {}; {} = {}): the verified or audit topic's max.message.bytes changed",
                    next, before, VerifierConfig.MAX_OUTPUT_BYTES, configured);
        }
    }
}
