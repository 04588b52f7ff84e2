package io.sheratan.cli;

import io.sheratan.audit.AuditSinkApp;
import io.sheratan.witness.WitnessApp;
import io.sheratan.avro.codec.OutputFormat;
import io.sheratan.config.Setting;
import io.sheratan.gateway.GatewayConfig;
import io.sheratan.http.HttpService;
import io.sheratan.integrity.IntegrityPolicy;
import io.sheratan.integrity.Signer;
import io.sheratan.kafka.KafkaClientConfig;
import io.sheratan.kafka.Topics;
import io.sheratan.verifier.VerifierConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code sheratan config}: every environment setting, from the one place each is declared (a
 * {@link Setting} beside its parser), with its effective value here, secrets redacted. With
 * {@code --markdown}, the table of docs/configuration.md: {@code ConfigurationDocsTest} holds the
 * file to exactly that output, so documentation and code cannot disagree.
 */
@Command(name = "config",
        header = "The effective configuration, secrets redacted.",
        mixinStandardHelpOptions = true,
        description = {"Every environment setting with its effective value (secrets redacted), default and meaning.",
            "--markdown prints the table of docs/configuration.md instead."})
final class ConfigCommand implements Callable<Integer> {

    /** Settings the launcher script reads, and the log level the bundled log4j2.xml reads. */
    static final Setting JAVA_OPTS = Setting.optional("SHERATAN_JAVA_OPTS", null, "extra JVM options for the launcher's java and the image's (e.g. -Xmx256m)");
    static final Setting NO_BUILD = Setting.optional("SHERATAN_NO_BUILD", null,
            "1: the launcher runs the existing build even when sources are newer (set for the processes sheratan starts)");
    static final Setting LOG_LEVEL = Setting.of("SHERATAN_LOG_LEVEL", "WARN", "the log level of io.sheratan (logs go to stderr)");
    static final Setting LIBRARY_LOG_LEVEL = Setting.of("SHERATAN_LIBRARY_LOG_LEVEL", "WARN",
            "the log level of everything else: Kafka, Streams, Avro (SHERATAN_KAFKA_LOG_LEVEL is ignored, never passed to Kafka as a client setting)");
    static final Setting LOG_FORMAT = Setting.of("SHERATAN_LOG_FORMAT", "text",
            "text (date, level, thread, logger, message) or json (one ECS JSON object a line, for log pipelines)");
    static final Setting HMAC_KEY_FILE = Setting.optional("SHERATAN_RESULT_HMAC_KEY_FILE", null,
            "a file holding SHERATAN_RESULT_HMAC_KEY (one trailing line break ignored); not both");
    static final Setting HUB_TOKEN_FILE = Setting.optional("SHERATAN_HUB_TOKEN_FILE", null,
            "a file holding SHERATAN_HUB_TOKEN (one trailing line break ignored); not both");

    /** Every setting, in the order docs/configuration.md lists them. */
    static final List<Setting> ALL = List.of(
            IntegrityPolicy.MODE_SETTING, IntegrityPolicy.REQUIRED_SETTING, IntegrityPolicy.HMAC_KEY_SETTING, HMAC_KEY_FILE,
            IntegrityPolicy.HMAC_KEY_ID_SETTING, IntegrityPolicy.CANONICAL_VERSION_SETTING, IntegrityPolicy.KEYRING_FILE_SETTING,
            IntegrityPolicy.PIPELINE_ID_SETTING, IntegrityPolicy.MAX_AGE_SETTING, IntegrityPolicy.MAX_SKEW_SETTING,
            IntegrityPolicy.MAX_BYTES_SETTING, IntegrityPolicy.MAX_DEPTH_SETTING,
            Signer.SIGNING_KEY_FILE_SETTING, Signer.SIGNING_KEY_ID_SETTING, Signer.NODE_ID_SETTING,
            GatewayConfig.TOKEN_SETTING, HUB_TOKEN_FILE, KafkaOptions.BOOTSTRAP_SETTING, KafkaOptions.CONFIG_FILE_SETTING,
            KafkaOptions.EMBEDDED_PORT_SETTING,
            DataDir.SETTING, HttpService.BIND_ADDRESS_SETTING,
            Topics.SUBMITTED_SETTING, Topics.VERIFIED_SETTING, Topics.AUDIT_SETTING, Topics.CHECKPOINTS_SETTING, Topics.PARTITIONS_SETTING,
            Topics.REPLICATION_SETTING,
            VerifierConfig.RETENTION_SETTING, OutputFormat.SETTING, VerifierConfig.MAX_OUTPUT_BYTES_SETTING, VerifierConfig.GUARANTEE_SETTING,
            VerifierConfig.APPLICATION_ID_SETTING, VerifierConfig.STANDBY_REPLICAS_SETTING, VerifierConfig.STREAM_THREADS_SETTING,
            VerifierConfig.HTTP_PORT_SETTING, VerifierConfig.AUDIT_URL_SETTING, AuditSinkApp.PORT_SETTING,
            AuditSinkApp.LOG_KEY_FILE_SETTING, AuditSinkApp.ORIGIN_SETTING,
            AuditSinkApp.GROUP_ID_SETTING, AuditSinkApp.MIN_FREE_SETTING, AuditSinkApp.WITNESSES_SETTING, WitnessApp.PORT_SETTING,
            WitnessApp.NAME_SETTING, WitnessApp.KEY_FILE_SETTING, WitnessApp.LOGS_SETTING, GatewayConfig.PORT_SETTING,
            GatewayConfig.MAX_IN_FLIGHT_SETTING, JAVA_OPTS, NO_BUILD, LOG_LEVEL, LIBRARY_LOG_LEVEL, LOG_FORMAT);

    @Option(names = "--markdown", description = "print the table of docs/configuration.md")
    boolean markdown;

    @Override
    public Integer call() {
        System.out.print(markdown ? markdownTable() : effective(Env.system()));
        return 0;
    }

    static String markdownTable() {
        StringBuilder out = new StringBuilder("| variable | default | meaning |\n|---|---|---|\n");
        for (Setting s : ALL) {
            String shown = s.documentedDefault();
            out.append("| `").append(s.name()).append("` | ")
                    .append(s.defaultValue() != null && s.shownDefault() == null ? "`" + shown + "`" : shown)
                    .append(" | ").append(s.description()).append(s.secret() ? " (a secret: never logged or printed)" : "").append(" |\n");
        }
        out.append("| `SHERATAN_KAFKA_*` | — | any Kafka client setting: `SHERATAN_KAFKA_SECURITY_PROTOCOL=SASL_SSL` → `security.protocol`,"
                + " `SHERATAN_KAFKA_NUM_STANDBY_REPLICAS` → `num.standby.replicas` (Streams settings too); over `--kafka-config FILE` /"
                + " `SHERATAN_KAFKA_CONFIG_FILE`; secrets are never logged or printed |\n");
        return out.toString();
    }

    static String effective(Map<String, String> env) {
        StringBuilder out = new StringBuilder();
        for (Setting s : ALL) {
            out.append(String.format("%-36s %s%n", s.name(), s.shown(env)));
        }
        // the Kafka client settings as the services will use them (file, then SHERATAN_KAFKA_*), secret values hidden
        Map<String, Object> kafka = KafkaClientConfig.redacted(KafkaClientConfig.fromEnv(env));
        out.append(kafka.isEmpty() ? "Kafka client settings: none (KAFKA_BOOTSTRAP_SERVERS, SHERATAN_KAFKA_CONFIG_FILE, SHERATAN_KAFKA_*)\n"
                : "Kafka client settings (KAFKA_BOOTSTRAP_SERVERS, SHERATAN_KAFKA_CONFIG_FILE, SHERATAN_KAFKA_*):\n");
        kafka.forEach((k, v) -> out.append(String.format("  %-34s %s%n", k, v)));
        return out.toString();
    }
}
