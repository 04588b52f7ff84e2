package io.sheratan.producer;

import io.sheratan.envelope.Submission;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the publisher refuses before anything reaches Kafka (no broker needed: nothing is sent). */
class ResultPublisherTest {

    private final ResultPublisher publisher = ResultPublisher.builder()
            .clientConfig(Map.of("bootstrap.servers", "127.0.0.1:1"))
            .build();

    @AfterEach
    void close() {
        publisher.close();
    }

    @Test
    void shouldFailAtTheWorkerForAnInexactBigIntegerNamingTheField() {
        assertThatThrownBy(() -> publisher.prepare("j1", true, "{\"stats\":{\"count\":9007199254740993}}", null))
                .isInstanceOf(InvalidResultException.class)
                .hasMessageContaining("result.stats.count")
                .hasMessageContaining("canonicalization would rewrite");
    }

    @Test
    void shouldRefuseAnErrorThatIsNeitherStringNorObject() {
        assertThatThrownBy(() -> publisher.prepare("j1", false, null, "42"))
                .isInstanceOf(InvalidResultException.class).hasMessageContaining("error");
    }

    @Test
    void shouldRefuseAnEmptyJobId() {
        assertThatThrownBy(() -> publisher.prepare("", true, null, null)).isInstanceOf(InvalidResultException.class);
    }

    @Test
    void shouldBuildTheCanonicalCore() {
        Submission s = publisher.prepare("j1", true, "{ \"b\": 1.0, \"a\": [] }", null);
        assertThat(new String(s.core(), StandardCharsets.UTF_8)).isEqualTo("{\"job_id\":\"j1\",\"ok\":true,\"result\":{\"a\":[],\"b\":1}}");
    }
}
