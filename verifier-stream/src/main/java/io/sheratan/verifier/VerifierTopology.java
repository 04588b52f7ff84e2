package io.sheratan.verifier;

import io.sheratan.integrity.Keyring;
import io.sheratan.metrics.ResultMetrics;
import io.sheratan.verifier.internals.StoreNames;
import io.sheratan.verifier.internals.PoisonGuard;
import io.sheratan.verifier.internals.SafeTimestampExtractor;
import io.sheratan.verifier.internals.RestoreFilteringStore;
import io.sheratan.verifier.internals.VerifiedTable;
import io.sheratan.verifier.internals.VerifyProcessor;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.AutoOffsetReset;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import java.util.function.IntPredicate;
import java.util.function.Supplier;

/**
 * The verifier's topology, shared by the app and the tests:
 * <pre>
 *   submitted-source ──► verify-and-dedup ──► verified-sink (verified topic) ─┐
 *                        (store verified-ids)  └──► audit-sink (audit topic)   │
 *                        (reads verified-results)                              │
 *   verified-table-source ◄────────────────────────────────────────────────────┘
 *        └──► verified-table (store verified-results: the verified topic is its changelog)
 * </pre>
 * Each verified result is written to Kafka once: to the verified topic. The dedup step keeps a small
 * changelogged store, {@link #DEDUP_STORE} (job id → core hash, time and the hash of the record written, 73 bytes), and the queryable
 * store {@link #STORE} is a read-only table over the verified topic, restored from the topic itself.
 * Dedup asks the small store; a task that starts with it empty and the table not (results of a
 * release that kept them in {@link #STORE} with a changelog of its own) first adopts the table's job
 * ids. Both stores are fed from the same partition number of two topics with the same partition
 * count, so they share a task ({@code VerifierApp} checks the counts).
 * Keys and values are read as raw bytes, so no record can fail in a deserializer, and timestamps
 * through {@link SafeTimestampExtractor}, so no timestamp can stop the thread: every record reaches
 * {@link VerifyProcessor}, which turns unreadable ones into audit events. Every
 * node and the store are named explicitly so that changelog and internal names never change across
 * releases ({@code VerifierTopologyTest} pins them).
 */
public final class VerifierTopology {

    public static final String SOURCE = "submitted-source";
    public static final String PROCESSOR = "verify-and-dedup";
    /** The queryable table of verified results, over the verified topic (never rename it). */
    public static final String STORE = StoreNames.TABLE;
    /** The dedup store: job id → core SHA-256 and verification time (its changelog is named after it: never rename it). */
    public static final String DEDUP_STORE = StoreNames.DEDUP;
    public static final String TABLE_SOURCE = "verified-table-source";
    public static final String TABLE_PROCESSOR = "verified-table";

    private VerifierTopology() {
    }

    public static Topology build(VerifierConfig config) {
        return build(config, new ResultMetrics(new SimpleMeterRegistry()));
    }

    public static Topology build(VerifierConfig config, ResultMetrics metrics) {
        return build(config, metrics, new PoisonGuard());
    }

    /** With the keyring of the single-key settings, which never changes. */
    public static Topology build(VerifierConfig config, ResultMetrics metrics, PoisonGuard guard) {
        Keyring legacy = config.policy().legacyKeyring();
        return build(config, metrics, guard, () -> legacy);
    }

    /** With a guard of its own (benchmarks, tools). */
    public static Topology build(VerifierConfig config, ResultMetrics metrics, Supplier<Keyring> keyrings) {
        return build(config, metrics, new PoisonGuard(), keyrings);
    }

    /** @param keyrings the keyring in force, read once per record (a {@code KeyringWatcher} swaps it without a restart) */
    public static Topology build(VerifierConfig config, ResultMetrics metrics, PoisonGuard guard, Supplier<Keyring> keyrings) {
        return build(config, metrics, guard, keyrings, OutputLimit.of(config.maxOutputBytes()), partition -> true);
    }

    /**
     * @param outputLimit the largest output now ({@code SHERATAN_OUTPUT_MAX_BYTES}, lowered when a topic takes less)
     * @param adoptionAllowed whether the task of a partition may adopt the table's job ids into dedup (see
     *                        {@code VerifyProcessor}): the application allows it only on its first start on the
     *                        verified topic; elsewhere (tests, benchmarks) the task's own once-only marker decides
     */
    public static Topology build(VerifierConfig config, ResultMetrics metrics, PoisonGuard guard, Supplier<Keyring> keyrings,
                                 OutputLimit outputLimit, IntPredicate adoptionAllowed) {
        StoreBuilder<KeyValueStore<String, byte[]>> ids = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(DEDUP_STORE), Serdes.String(), Serdes.ByteArray());
        StoreBuilder<KeyValueStore<String, byte[]>> table = Stores.keyValueStoreBuilder(
                RestoreFilteringStore.wrap(Stores.persistentKeyValueStore(STORE)), Serdes.String(), Serdes.ByteArray()).withLoggingDisabled();
        Topology topology = new Topology();
        // earliest: a verifier without committed offsets starts at the beginning, nothing is skipped
        topology.addSource(AutoOffsetReset.earliest(), SOURCE, new SafeTimestampExtractor(), Serdes.ByteArray().deserializer(),
                Serdes.ByteArray().deserializer(), config.topics().submitted());
        topology.addProcessor(PROCESSOR, () -> new VerifyProcessor(config, metrics, guard, keyrings, outputLimit, adoptionAllowed), SOURCE);
        topology.addStateStore(ids, PROCESSOR);
        topology.addReadOnlyStateStore(table, TABLE_SOURCE, new SafeTimestampExtractor(), Serdes.String().deserializer(),
                Serdes.ByteArray().deserializer(), config.topics().verified(), TABLE_PROCESSOR, VerifiedTable::new);
        topology.connectProcessorAndStateStores(PROCESSOR, STORE);
        topology.connectProcessorAndStateStores(TABLE_PROCESSOR, DEDUP_STORE); // the table takes only what the verifier recorded
        topology.addSink(VerifyProcessor.VERIFIED, config.topics().verified(),
                Serdes.String().serializer(), Serdes.ByteArray().serializer(), PROCESSOR);
        topology.addSink(VerifyProcessor.AUDIT, config.topics().audit(),
                Serdes.String().serializer(), Serdes.ByteArray().serializer(), PROCESSOR);
        return topology;
    }
}
