package io.sheratan.verifier.internals;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** TopologyTestDriver refuses negative timestamps, so the extractor is tested here and on a real broker in HostileInputIT. */
class SafeTimestampExtractorTest {

    private final SafeTimestampExtractor extractor = new SafeTimestampExtractor();

    private static ConsumerRecord<Object, Object> at(long timestamp) {
        return new ConsumerRecord<>("t", 0, 7, timestamp, TimestampType.CREATE_TIME, 0, 0, null, null,
                new RecordHeaders(), Optional.empty());
    }

    @Test
    void shouldKeepAValidTimestamp() {
        assertThat(extractor.extract(at(1_795_924_800_000L), 5)).isEqualTo(1_795_924_800_000L);
        assertThat(extractor.extract(at(0), 5)).isZero();
    }

    @Test
    void shouldUseThePartitionTimeForANegativeTimestamp() {
        assertThat(extractor.extract(at(-1), 1_000)).isEqualTo(1_000);
        assertThat(extractor.extract(at(Long.MIN_VALUE), 1_000)).isEqualTo(1_000);
    }

    @Test
    void shouldNeverReturnANegativeTimestampEvenBeforeThePartitionHasATime() {
        assertThat(extractor.extract(at(-42), -1)).isZero();
    }
}
