package io.sheratan.verifier.internals;

import io.sheratan.avro.VerifiedResult;
import io.sheratan.avro.codec.AvroCodec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What a restore of the query table keeps from the verified topic: results for their key, never tombstones or junk. */
class RestoreFilteringStoreTest {

    private static ConsumerRecord<byte[], byte[]> record(String key, byte[] value) {
        return new ConsumerRecord<>("verified", 0, 0, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
    }

    @Test
    void shouldDropTombstonesJunkAndResultsOfAnotherKeyOnRestore() {
        byte[] result = AvroCodec.verifiedResults().encode(VerifiedResult.newBuilder().setJobId("j").setOk(true).setResult("1")
                .setSha256("ab".repeat(32)).setVerifiedAt(Instant.EPOCH).setSourcePartition(0).setSourceOffset(0).build());
        ConsumerRecord<byte[], byte[]> kept = record("j", result);
        List<ConsumerRecord<byte[], byte[]>> restored = RestoreFilteringStore.kept(List.of(kept, record("j", null),
                record("j", "junk".getBytes(StandardCharsets.UTF_8)), record("k", result), record(null, result)));
        assertThat(restored).containsExactly(kept);
    }
}
