package io.sheratan.serdes;

import io.sheratan.avro.AuditEvent;
import io.sheratan.avro.VerifiedResult;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The serdes as a consumer names them in properties (Kafka instantiates them by class name and
 * configures them), and what loading them does to the consumer's JVM: nothing.
 */
class NamedSerdesTest {

    @Test
    @SuppressWarnings("unchecked")
    void shouldWorkWhenKafkaMakesThemFromTheirClassNames() throws Exception {
        Serializer<VerifiedResult> serializer = Utils.newInstance("io.sheratan.serdes.VerifiedResultSerializer", Serializer.class);
        Deserializer<VerifiedResult> deserializer = Utils.newInstance("io.sheratan.serdes.VerifiedResultDeserializer", Deserializer.class);
        serializer.configure(Map.of(), false);
        byte[] avro = serializer.serialize("t", SheratanSerdesTest.verified());
        assertThat(avro[0]).isEqualTo((byte) 0xC3);
        serializer.configure(Map.of("sheratan.output.format", "json"), false);
        byte[] json = serializer.serialize("t", SheratanSerdesTest.verified());
        assertThat(json[0]).isEqualTo((byte) '{');
        assertThat(deserializer.deserialize("t", avro)).isEqualTo(SheratanSerdesTest.verified());
        assertThat(deserializer.deserialize("t", json)).isEqualTo(SheratanSerdesTest.verified());
        assertThatThrownBy(() -> serializer.configure(Map.of("sheratan.output.format", "xml"), false))
                .isInstanceOf(ConfigException.class).hasMessageContaining("sheratan.output.format");

        Serde<AuditEvent> serde = Utils.newInstance("io.sheratan.serdes.AuditEventSerde", Serde.class);
        serde.configure(Map.of("sheratan.output.format", "json"), false);
        byte[] event = serde.serializer().serialize("t", SheratanSerdesTest.audit());
        assertThat(event[0]).isEqualTo((byte) '{');
        assertThat(serde.deserializer().deserialize("t", event)).isEqualTo(SheratanSerdesTest.audit());
        assertThat(Utils.newInstance("io.sheratan.serdes.SubmissionSerde", Serde.class)).isNotNull();
        assertThat((Object) Utils.newInstance("io.sheratan.serdes.VerifiedResultSerde", Serde.class)).isNotNull();
    }

    /** In a JVM of its own: decoding with the serdes changes no system property and no Avro-wide setting. */
    @Test
    void shouldLeaveTheConsumersJvmAsItWas() throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), Probe.class.getName()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(output.strip()).endsWith("unchanged");
        assertThat(process.exitValue()).isZero();
    }

    /** Loads and uses every deserializer, then compares the system properties and Avro's class validator with before. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            java.util.TimeZone.getDefault(); // the JDK sets user.timezone when the zone is first read: not ours
            Map<String, String> before = properties();
            Object validator = org.apache.avro.util.ClassSecurityValidator.getGlobal();
            VerifiedResult read = new VerifiedResultDeserializer().deserialize("t", new VerifiedResultSerializer().serialize("t", SheratanSerdesTest.verified()));
            AuditEvent event = new AuditEventDeserializer().deserialize("t", new AuditEventSerializer().serialize("t", SheratanSerdesTest.audit()));
            if (!read.equals(SheratanSerdesTest.verified()) || !event.equals(SheratanSerdesTest.audit())) {
                System.out.println("round trip failed");
                System.exit(1);
            }
            Map<String, String> after = properties();
            if (!before.equals(after) || org.apache.avro.util.ClassSecurityValidator.getGlobal() != validator) {
                System.out.println("changed: properties " + diff(before, after) + ", validator " + (org.apache.avro.util.ClassSecurityValidator.getGlobal() != validator));
                System.exit(1);
            }
            System.out.println("unchanged");
        }

        private static Map<String, String> properties() {
            Map<String, String> copy = new TreeMap<>();
            System.getProperties().forEach((k, v) -> copy.put(String.valueOf(k), String.valueOf(v)));
            return copy;
        }

        private static String diff(Map<String, String> a, Map<String, String> b) {
            Map<String, String> changed = new TreeMap<>(b);
            changed.entrySet().removeIf(e -> e.getValue().equals(a.get(e.getKey())));
            return changed.toString();
        }
    }
}
