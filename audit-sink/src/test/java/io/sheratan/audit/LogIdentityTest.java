package io.sheratan.audit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LogIdentityTest {

    @Test
    void shouldRecordTheIdentityOfANewLogAndAcceptItAgain(@TempDir Path dir) throws Exception {
        LogIdentity identity = new LogIdentity("cluster-a", "sheratan.results.audit", "topic-1");
        identity.checkAgainst(dir, false);
        identity.checkAgainst(dir, true);
        assertThat(LogIdentity.read(dir.resolve(LogIdentity.FILE))).isEqualTo(identity);
    }

    @Test
    void shouldRefuseALogOfAnotherClusterNamingBoth(@TempDir Path dir) throws Exception {
        new LogIdentity("cluster-a", "sheratan.results.audit", "topic-1").checkAgainst(dir, false);
        assertThatThrownBy(() -> new LogIdentity("cluster-b", "sheratan.results.audit", "topic-9").checkAgainst(dir, true))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cluster-a").hasMessageContaining("cluster-b")
                .hasMessageContaining("topic-1").hasMessageContaining("topic-9");
    }

    @Test
    void shouldRefuseATopicThatWasDeletedAndCreatedAgain(@TempDir Path dir) throws Exception {
        new LogIdentity("cluster-a", "sheratan.results.audit", "topic-1").checkAgainst(dir, false);
        assertThatThrownBy(() -> new LogIdentity("cluster-a", "sheratan.results.audit", "topic-2").checkAgainst(dir, true))
                .hasMessageContaining("topic-1").hasMessageContaining("topic-2");
    }

    @Test
    void shouldCompleteAnIdentityRecordedBeforeTheTopicExisted(@TempDir Path dir) throws Exception {
        new LogIdentity("cluster-a", "sheratan.results.audit", null).checkAgainst(dir, false);
        LogIdentity complete = new LogIdentity("cluster-a", "sheratan.results.audit", "topic-1");
        complete.checkAgainst(dir, false);
        assertThat(LogIdentity.read(dir.resolve(LogIdentity.FILE))).isEqualTo(complete);
    }
}
