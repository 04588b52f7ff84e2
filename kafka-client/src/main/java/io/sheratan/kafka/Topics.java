package io.sheratan.kafka;

import io.sheratan.config.Setting;
import io.sheratan.config.EnvParsers;

import java.util.Map;

/**
 * The topics of DESIGN.md sections 5 and 9 and how they are provisioned. Names can be overridden
 * (an extension, for shared clusters and per-test isolation); partitions and replication default
 * to values that suit one local node and three production brokers alike (see {@link TopicProvisioner}).
 */
public record Topics(String submitted, String verified, String audit, String checkpoints, int partitions, int replication) {

    public static final Setting SUBMITTED_SETTING = Setting.of("SHERATAN_TOPIC_SUBMITTED", "sheratan.results.submitted",
            "extension: the submitted topic's name");
    public static final Setting VERIFIED_SETTING = Setting.of("SHERATAN_TOPIC_VERIFIED", "sheratan.results.verified",
            "extension: the verified topic's name");
    public static final Setting AUDIT_SETTING = Setting.of("SHERATAN_TOPIC_AUDIT", "sheratan.results.audit",
            "extension: the audit topic's name");
    public static final Setting CHECKPOINTS_SETTING = Setting.of("SHERATAN_TOPIC_CHECKPOINTS", "sheratan.audit.checkpoints",
            "extension: the topic the audit sink publishes its signed checkpoints on (DESIGN section 9)");
    public static final Setting PARTITIONS_SETTING = Setting.of("SHERATAN_TOPIC_PARTITIONS", "3", "provisioning: partitions per topic");
    public static final Setting REPLICATION_SETTING = new Setting("SHERATAN_TOPIC_REPLICATION", "0", "min(3, brokers)",
            "provisioning: replicas per topic (0: min(3, brokers))", false);
    public static final String SUBMITTED = SUBMITTED_SETTING.name();
    public static final String VERIFIED = VERIFIED_SETTING.name();
    public static final String AUDIT = AUDIT_SETTING.name();
    public static final String PARTITIONS = PARTITIONS_SETTING.name();
    public static final String REPLICATION = REPLICATION_SETTING.name();

    /** Replication 0 means: as many replicas as brokers, at most 3. */
    public static final int AUTO_REPLICATION = 0;

    public static Topics defaults() {
        return fromEnv(Map.of());
    }

    public static Topics fromEnv(Map<String, String> env) {
        return new Topics(
                SUBMITTED_SETTING.text(env),
                VERIFIED_SETTING.text(env),
                AUDIT_SETTING.text(env),
                CHECKPOINTS_SETTING.text(env),
                PARTITIONS_SETTING.integer(env, 1, 10_000),
                REPLICATION_SETTING.integer(env, 0, 7));
    }

    /** The same names with a suffix: unique topics per test or per benchmark run. */
    public Topics withSuffix(String suffix) {
        return new Topics(submitted + suffix, verified + suffix, audit + suffix, checkpoints + suffix, partitions, replication);
    }

    public Topics withPartitions(int count) {
        return new Topics(submitted, verified, audit, checkpoints, count, replication);
    }
}
