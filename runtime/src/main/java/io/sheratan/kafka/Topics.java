package io.sheratan.kafka;

import io.sheratan.config.EnvParsers;

import java.util.Map;

/**
 * The three topics of DESIGN.md section 5 and how they are provisioned. Names can be overridden
 * (an extension, for shared clusters and per-test isolation); partitions and replication default
 * to values that suit one local node and three production brokers alike (see {@link TopicProvisioner}).
 */
public record Topics(String submitted, String verified, String audit, int partitions, int replication) {

    public static final String SUBMITTED = "SHERATAN_TOPIC_SUBMITTED";
    public static final String VERIFIED = "SHERATAN_TOPIC_VERIFIED";
    public static final String AUDIT = "SHERATAN_TOPIC_AUDIT";
    public static final String PARTITIONS = "SHERATAN_TOPIC_PARTITIONS";
    public static final String REPLICATION = "SHERATAN_TOPIC_REPLICATION";

    /** Replication 0 means: as many replicas as brokers, at most 3. */
    public static final int AUTO_REPLICATION = 0;

    public static Topics defaults() {
        return fromEnv(Map.of());
    }

    public static Topics fromEnv(Map<String, String> env) {
        return new Topics(
                EnvParsers.get(env, SUBMITTED, "sheratan.results.submitted"),
                EnvParsers.get(env, VERIFIED, "sheratan.results.verified"),
                EnvParsers.get(env, AUDIT, "sheratan.results.audit"),
                EnvParsers.getInt(env, PARTITIONS, 3, 1, 10_000),
                EnvParsers.getInt(env, REPLICATION, AUTO_REPLICATION, 0, 7));
    }

    /** The same names with a suffix: unique topics per test or per benchmark run. */
    public Topics withSuffix(String suffix) {
        return new Topics(submitted + suffix, verified + suffix, audit + suffix, partitions, replication);
    }

    public Topics withPartitions(int count) {
        return new Topics(submitted, verified, audit, count, replication);
    }
}
