package io.sheratan.audit;

import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Which failures of the checks before writing stop the sink, and which put the batch back to be tried again. */
class AuditSinkChecksTest {

    @Test
    void shouldStopOnWhatAskingAgainCannotChangeAndRetryTheRest() {
        assertThat(AuditSink.refusedForGood(new GroupAuthorizationException("group"))).isTrue();
        assertThat(AuditSink.refusedForGood(new IllegalStateException("cannot describe the cluster",
                new TopicAuthorizationException(Set.of("sheratan.results.verified"))))).as("wrapped by LogIdentity").isTrue();
        assertThat(AuditSink.refusedForGood(new TimeoutException("offsets not loaded yet"))).isFalse();
        assertThat(AuditSink.refusedForGood(new IllegalStateException("no answer", new NotCoordinatorException("moving")))).isFalse();
        assertThat(AuditSink.refusedForGood(new IllegalStateException("the cluster does not describe topic t yet"))).isFalse();
    }
}
