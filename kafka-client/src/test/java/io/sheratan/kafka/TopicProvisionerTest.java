package io.sheratan.kafka;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The inverse of the framing rule: what {@code topics} sets for a size must take exactly that size back. */
class TopicProvisionerTest {

    @Test
    void shouldGiveBackTheLargestRecordThatFitsExactly() {
        for (int r : new int[] {0, 1, 199, 200, 201, 4096, 999_999, 1_000_000, 100 * 1024 * 1024}) {
            long set = (long) r + TopicProvisioner.framing(r);
            assertThat(TopicProvisioner.largestRecordFor(set)).as("max.message.bytes %d set for %d", set, r).isEqualTo(r);
            assertThat(TopicProvisioner.largestRecordFor(set - 1)).as("one byte less").isLessThan(r == 0 ? 1 : r);
        }
        assertThat(TopicProvisioner.largestRecordFor(1024)).isZero();
        assertThat(TopicProvisioner.largestRecordFor(1025)).isEqualTo(1);
        assertThat(TopicProvisioner.largestRecordFor(0)).isZero();
        assertThat(TopicProvisioner.largestRecordFor(Integer.MAX_VALUE)).isPositive();
        assertThat(TopicProvisioner.largestRecordFor(Long.MAX_VALUE)).isEqualTo(Integer.MAX_VALUE - 1);
    }
}
