package io.sheratan.verifier.internals;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * The record's own timestamp when it has one, else the partition's time so far (or 0 before the
 * first valid one). Kafka Streams' default, {@code FailOnInvalidTimestamp}, stops the stream thread
 * on a negative timestamp, which any non-Java client can send on a {@code CreateTime} topic: the
 * same offset is then polled again forever. A bad timestamp is the sender's problem, not a reason
 * to stop verifying everyone else's results; the record still gets its verdict like any other.
 */
public final class SafeTimestampExtractor implements TimestampExtractor {

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        long timestamp = record.timestamp();
        if (timestamp >= 0) {
            return timestamp;
        }
        return Math.max(partitionTime, 0L);
    }
}
