package io.sheratan.audit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LogIdentityTest {

    @Test
    void shouldRecordTheIdentityOfANewLogAndAcceptItAgain(@TempDir Path dir) throws Exception {
        LogIdentity identity = LogIdentity.of("cluster-a", "sheratan.results.audit", "topic-1");
        identity.checkAgainst(dir, false);
        identity.checkAgainst(dir, true);
        assertThat(LogIdentity.read(dir.resolve(LogIdentity.FILE))).isEqualTo(identity);
    }

    @Test
    void shouldRefuseALogOfAnotherClusterNamingBoth(@TempDir Path dir) throws Exception {
        LogIdentity.of("cluster-a", "sheratan.results.audit", "topic-1").checkAgainst(dir, false);
        assertThatThrownBy(() -> LogIdentity.of("cluster-b", "sheratan.results.audit", "topic-9").checkAgainst(dir, true))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cluster-a").hasMessageContaining("cluster-b")
                .hasMessageContaining("topic-1").hasMessageContaining("topic-9");
    }

    @Test
    void shouldRefuseATopicThatWasDeletedAndCreatedAgain(@TempDir Path dir) throws Exception {
        LogIdentity.of("cluster-a", "sheratan.results.audit", "topic-1").checkAgainst(dir, false);
        assertThatThrownBy(() -> LogIdentity.of("cluster-a", "sheratan.results.audit", "topic-2").checkAgainst(dir, true))
                .hasMessageContaining("topic-1").hasMessageContaining("topic-2");
    }

    @Test
    void shouldCompleteAnIdentityRecordedBeforeTheTopicExisted(@TempDir Path dir) throws Exception {
        LogIdentity.of("cluster-a", "sheratan.results.audit", null).checkAgainst(dir, false);
        LogIdentity complete = LogIdentity.of("cluster-a", "sheratan.results.audit", "topic-1");
        complete.checkAgainst(dir, false);
        assertThat(LogIdentity.read(dir.resolve(LogIdentity.FILE))).isEqualTo(complete);
    }

    @Test
    void shouldRefuseAVerifiedTopicThatWasDeletedAndCreatedAgain(@TempDir Path dir) throws Exception {
        both("topic-1", "verified-1").checkAgainst(dir, false);
        both("topic-1", "verified-1").checkAgainst(dir, true);
        assertThatThrownBy(() -> both("topic-1", "verified-2").checkAgainst(dir, true))
                .isInstanceOf(LogIdentity.MismatchException.class)
                .hasMessageContaining("sheratan.results.verified").hasMessageContaining("verified-1").hasMessageContaining("verified-2");
    }

    @Test
    void shouldRefuseATopicRecordedWithAnIdThatNoLongerExists(@TempDir Path dir) throws Exception {
        both("topic-1", "verified-1").checkAgainst(dir, false);
        assertThatThrownBy(() -> both("topic-1", null).checkAgainst(dir, true))
                .isInstanceOf(LogIdentity.MismatchException.class).hasMessageContaining("it was deleted");
        assertThatThrownBy(() -> both(null, "verified-1").checkAgainst(dir, true))
                .isInstanceOf(LogIdentity.MismatchException.class).hasMessageContaining("sheratan.results.audit");
    }

    @Test
    void shouldExtendAnIdentityOfAnEarlierReleaseWithTheVerifiedTopic(@TempDir Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve(LogIdentity.FILE),
                "{\"cluster_id\":\"cluster-a\",\"topic\":\"sheratan.results.audit\",\"topic_id\":\"topic-1\"}");
        both("topic-1", "verified-1").checkAgainst(dir, true);
        assertThat(LogIdentity.read(dir.resolve(LogIdentity.FILE))).isEqualTo(both("topic-1", "verified-1"));
        assertThat(java.nio.file.Files.readString(dir.resolve(LogIdentity.FILE)))
                .as("what an earlier release reads is still there").contains("\"topic_id\" : \"topic-1\"");
        assertThatThrownBy(() -> both("topic-1", "verified-2").checkAgainst(dir, true)).isInstanceOf(LogIdentity.MismatchException.class);
    }

    private static LogIdentity both(String auditId, String verifiedId) {
        java.util.Map<String, String> ids = new java.util.LinkedHashMap<>();
        ids.put("sheratan.results.audit", auditId);
        ids.put("sheratan.results.verified", verifiedId);
        return new LogIdentity("cluster-a", ids);
    }
}
