package io.sheratan.verifier.internals;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * A send the broker (or the producer) refuses as too large fails the task, as by default, but first
 * marks the input record it came from in the {@link PoisonGuard}: processed again, that record ends
 * as {@code malformed} unread (DESIGN 4: a record whose outputs would exceed a limit), even when the
 * verifier cannot learn the topics' new limit. Without it such a record would be retried for ever.
 */
public final class OutputRefusedHandler implements ProductionExceptionHandler {

    /** The Streams property that hands this handler the process's guard (an object, not a string). */
    public static final String GUARD_CONFIG = "sheratan.poison.guard";
    private static final Logger LOG = LoggerFactory.getLogger(OutputRefusedHandler.class);

    private PoisonGuard guard;

    @Override
    public void configure(Map<String, ?> configs) {
        Object given = configs.get(GUARD_CONFIG);
        if (!(given instanceof PoisonGuard g)) {
            throw new IllegalArgumentException(GUARD_CONFIG + " must hold the verifier's PoisonGuard");
        }
        this.guard = g;
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        if ((exception instanceof RecordTooLargeException || exception instanceof RecordBatchTooLargeException) && context.topic() != null) {
            LOG.error("the send to {} for {}/{}@{} was refused as too large: that record ends as malformed when processed again",
                    record.topic(), context.topic(), context.partition(), context.offset());
            guard.markUnsendable(context.topic(), context.partition(), context.offset());
        }
        return Response.fail();
    }
}
