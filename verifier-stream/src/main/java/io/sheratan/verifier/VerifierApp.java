package io.sheratan.verifier;

import io.sheratan.metrics.JvmMetrics;
import io.sheratan.metrics.ResultMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sheratan.kafka.KafkaClientConfig;
import io.micrometer.core.instrument.FunctionCounter;
import io.sheratan.avro.codec.OutputCodec;
import io.sheratan.http.HttpService;
import io.sheratan.keys.KeyringWatcher;
import io.sheratan.keys.ServiceEvents;
import io.sheratan.verifier.http.VerifierHttp;
import io.sheratan.verifier.internals.PoisonGuard;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import io.sheratan.kafka.Offsets;
import io.sheratan.kafka.TopicProvisioner;
import io.sheratan.config.ConfigException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ExecutionException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Wires the verifier: {@link VerifierTopology} in a {@link KafkaStreams} instance (exactly-once v2 by
 * default), its metrics in a Prometheus registry, and {@link VerifierHttp}. Thin on purpose: the
 * logic lives in the topology and its processor. State is never wiped on start; only
 * {@code start(true)} (the CLI's {@code --reset}) calls {@link KafkaStreams#cleanUp()}.
 */
public final class VerifierApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VerifierApp.class);

    private final VerifierConfig config;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Topology topology;
    private final KafkaStreams streams;
    private final HostInfo self;
    private final String bindAddress;
    private final PoisonGuard guard = new PoisonGuard();
    private final KeyringWatcher keyrings;
    private final OutputLimit outputLimit;
    private final ScheduledExecutorService limitChecker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "verifier-topic-limits");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Object> clientConfig;
    private ServiceEvents serviceEvents;
    private final JvmMetrics jvmMetrics = new JvmMetrics();
    private final AtomicInteger threadsReplaced = new AtomicInteger();
    private VerifierHttp http;
    private KafkaStreamsMetrics streamsMetrics;

    /**
     * @param clientConfig Kafka settings from {@code KafkaClientConfig} (bootstrap, security, ...)
     * @param stateDir     where RocksDB state lives ({@code $SHERATAN_DATA_DIR/streams})
     * @param host         the host other instances reach this one's HTTP port on
     */
    public VerifierApp(VerifierConfig config, Map<String, Object> clientConfig, Path stateDir, String host) {
        this(config, clientConfig, stateDir, host, HttpService.DEFAULT_BIND_ADDRESS);
    }

    /** @param bindAddress where the HTTP server listens ({@code SHERATAN_BIND_ADDRESS}) */
    public VerifierApp(VerifierConfig config, Map<String, Object> clientConfig, Path stateDir, String host, String bindAddress) {
        this(config, clientConfig, stateDir, host, bindAddress, KeyringWatcher.fixed(config.policy().legacyKeyring()));
    }

    /** @param keyrings the keyring in force ({@code KeyringWatcher.fromEnv}: the file, re-read while running) */
    public VerifierApp(VerifierConfig config, Map<String, Object> clientConfig, Path stateDir, String host, String bindAddress,
                       KeyringWatcher keyrings) {
        io.sheratan.ed25519.Ed25519.requireConfiguredBackend(); // a wrong -Dsheratan.ed25519 fails here, before anything starts
        this.config = config;
        this.bindAddress = bindAddress;
        this.keyrings = keyrings;
        this.clientConfig = Map.copyOf(clientConfig);
        int port = config.httpPort() == 0 ? freePort() : config.httpPort();
        this.self = new HostInfo(host, port);
        Properties props = new Properties();
        props.putAll(clientConfig);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, config.processingGuarantee());
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, host + ":" + port);
        // changelogs and the other internal topics: replicated like the pipeline's topics (SHERATAN_TOPIC_REPLICATION,
        // 0: min(3, brokers)), never the broker's default of 1 that would leave the dedup state on one disk
        if (!clientConfig.containsKey(StreamsConfig.REPLICATION_FACTOR_CONFIG)) {
            props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, internalReplication(config.topics(), clientConfig));
        }
        if (!clientConfig.containsKey("max.poll.interval.ms")) {
            props.put(StreamsConfig.consumerPrefix("max.poll.interval.ms"), 60_000);
        }
        // a String, as every Properties value Kafka reads back through getProperty must be
        props.putIfAbsent(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        // a send refused as too large marks its input record, which then ends as malformed (never a loop)
        props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, io.sheratan.verifier.internals.OutputRefusedHandler.class);
        props.put(io.sheratan.verifier.internals.OutputRefusedHandler.GUARD_CONFIG, guard);
        // a task reads the submitted topic and the verified topic (the query table): never hold the
        // submitted records back to order them against the table's (the default waits for a fetch of
        // the other partition whenever it lags, which the verifier's own output always makes it do)
        props.putIfAbsent(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, -1L);
        // room for the largest record the processor lets through (it checks maxOutputBytes first)
        props.putIfAbsent(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
                Math.max(1024 * 1024, config.maxOutputBytes() + 64 * 1024));
        // a smaller max.request.size set by hand would refuse an output in the producer itself, for ever: refuse it here
        Object requestSize = props.getOrDefault(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
                props.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
        long needed = (long) config.maxOutputBytes() + TopicProvisioner.framing(config.maxOutputBytes());
        if (requestSize != null && Long.parseLong(requestSize.toString().trim()) < needed) {
            throw new ConfigException(VerifierConfig.MAX_OUTPUT_BYTES, "the producer's max.request.size (" + requestSize
                    + ") is below " + needed + " (" + config.maxOutputBytes() + " plus framing): lower "
                    + VerifierConfig.MAX_OUTPUT_BYTES + " or raise max.request.size");
        }
        this.outputLimit = OutputLimit.of(config.maxOutputBytes());
        this.topology = VerifierTopology.build(config, new ResultMetrics(registry), guard, keyrings, outputLimit,
                partition -> adoptionPending.contains(partition));
        this.streams = new KafkaStreams(topology, props);
        LOG.info("verifier {} on {} with {}", config.applicationId(), self, KafkaClientConfig.redacted(clientConfig));
        LOG.info("Ed25519 signatures checked by {}", io.sheratan.ed25519.Ed25519.backendDescription());
    }

    /** The replication factor of the internal topics: the configured one, else as many replicas as brokers, at most 3. */
    static int internalReplication(io.sheratan.kafka.Topics topics, Map<String, Object> clientConfig) {
        if (topics.replication() > 0) {
            return topics.replication();
        }
        try (Admin admin = Admin.create(clientConfig)) {
            int brokers = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size();
            return Math.max(1, Math.min(3, brokers));
        } catch (Exception e) {
            LOG.warn("could not count the brokers ({}); internal topics get the broker's default replication", e.toString());
            return -1;
        }
    }

    /** Starts processing and the HTTP endpoint; {@code reset} wipes this instance's local state first. */
    public VerifierApp start(boolean reset) {
        try {
            checkTopicSettings();
            checkCoPartitioned();
        } catch (RuntimeException e) {
            close(); // releases the state directory's lock, so the same process can start again once fixed
            throw e;
        }
        startTableAtTheTopicsEnd();
        if (reset) {
            streams.cleanUp();
        }
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("stream thread failed ({} so far), replacing it: {}", threadsReplaced.incrementAndGet(), e.toString());
            if (causedBy(e, RecordTooLargeException.class)) {
                // a topic's max.message.bytes was lowered since the last check: the record is processed again
                // under the lower limit and ends as malformed (DESIGN 5), never a send refused for ever. On the
                // checker's thread (refreshes never overlap), waited for at most 5 s: this thread still holds its tasks
                try {
                    limitChecker.submit(this::refreshOutputLimit).get(5, TimeUnit.SECONDS);
                } catch (Exception refresh) {
                    LOG.warn("the output limit was not refreshed within 5 s ({}); the periodic check will", refresh.toString());
                }
            }
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        FunctionCounter.builder("sheratan_stream_threads_replaced", threadsReplaced, AtomicInteger::get)
                .description("stream threads that died and were replaced").register(registry);
        // 1 while the Streams client is RUNNING (processing), 0 otherwise: what SheratanVerifierNotRunning watches
        io.micrometer.core.instrument.Gauge.builder("sheratan_verifier_running", streams, s -> s.state() == KafkaStreams.State.RUNNING ? 1 : 0)
                .description("1 while the verifier's Streams client is RUNNING, else 0 (starting, rebalancing for long, or failed)")
                .register(registry);
        keyrings.bindTo(registry);
        jvmMetrics.bindTo(registry);
        LOG.info("verifier topology:\n{}", topology.describe());
        if (keyrings.fromFile()) {
            serviceEvents = new ServiceEvents(clientConfig, config.topics().audit(), "verifier@" + self, new OutputCodec(config.outputFormat()));
            keyrings.listen(serviceEvents::keyringApplied);
        }
        streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(registry);
        http = new VerifierHttp(HttpService.Settings.of("verifier", bindAddress, self.port()), self, streams, registry,
                config, guard, keyrings);
        streams.start();
        limitChecker.scheduleWithFixedDelay(this::refreshOutputLimit, LIMIT_CHECK_EVERY.toSeconds(), LIMIT_CHECK_EVERY.toSeconds(),
                TimeUnit.SECONDS);
        return this;
    }

    /** How often the verified and audit topics' {@code max.message.bytes} are read again. */
    static final Duration LIMIT_CHECK_EVERY = Duration.ofSeconds(30);

    /**
     * DESIGN 3b.6 and 5: the submitted and audit topics must stamp records with the broker's clock
     * ({@code message.timestamp.type=LogAppendTime}) and the verified and audit topics must take the
     * largest output; otherwise the verifier does not start, naming topic and setting.
     */
    private void checkTopicSettings() {
        try (Admin admin = Admin.create(clientConfig)) {
            List<TopicProvisioner.Problem> problems = new TopicProvisioner(admin, Duration.ofSeconds(60))
                    .check(config.topics(), config.maxOutputBytes());
            if (!problems.isEmpty()) {
                throw new ConfigException(problems.get(0).missing() ? "topics" : problems.get(0).setting(), problems.stream().map(Object::toString)
                        .collect(java.util.stream.Collectors.joining("; ")) + ". Run `sheratan topics --fix` (or kafka-configs --alter"
                        + " --entity-type topics --entity-name TOPIC --add-config SETTING=VALUE), then start again");
            }
        }
    }

    /** Lowers (or restores) the output limit to what the verified and audit topics take now. */
    public void refreshOutputLimit() {
        Map<String, Object> quick = new HashMap<>(clientConfig);
        quick.put("request.timeout.ms", 5_000);
        quick.put("default.api.timeout.ms", 10_000);
        Admin admin = Admin.create(quick);
        try {
            outputLimit.fitTopics(new TopicProvisioner(admin, Duration.ofSeconds(10))
                    .largestRecordThatFits(List.of(config.topics().verified(), config.topics().audit())));
        } catch (RuntimeException e) {
            LOG.warn("could not read the topics' max.message.bytes ({}); the output limit stays {}", e.toString(), outputLimit.getAsInt());
        } finally {
            admin.close(Duration.ofSeconds(2));
        }
    }

    /** The largest output now (tests and /health). */
    public int outputLimit() {
        return outputLimit.getAsInt();
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    public KafkaStreams streams() {
        return streams;
    }

    /**
     * The partitions whose task may adopt the table's job ids into dedup (see {@code VerifyProcessor}): those
     * whose committed offset on the verified topic still carries {@link #ADOPTION_PENDING}. Filled by
     * {@link #startTableAtTheTopicsEnd()} before any task starts.
     */
    private final Set<Integer> adoptionPending = ConcurrentHashMap.newKeySet();

    /**
     * The metadata of the offsets the first start commits on the verified topic. Kafka Streams replaces it
     * with its own once the task has consumed a record of that partition; until then it logs "Unsupported
     * offset metadata found" (a warning, nothing else) when the task starts.
     */
    static final String ADOPTION_PENDING = "sheratan:adoption-pending";

    /**
     * The first start of this application on the verified topic (a new deployment, or one upgraded
     * from a release whose query store had a changelog of its own): its committed offsets on the
     * verified topic are set to the topic's end, so that the query table is restored from the whole
     * topic before the task processes anything, and dedup adopts those job ids then (see
     * {@code VerifyProcessor}). Without a commit, Kafka Streams would instead read the topic as
     * ordinary input while verifying, and a resubmission could arrive before its earlier result.
     * Later starts find their own commits and change nothing.
     *
     * <p>Only that start adopts: the offsets are committed with {@link #ADOPTION_PENDING} as their
     * metadata, so a start interrupted before a task ran adopts on the next one too (so does a second
     * instance starting at the same time), while a start after the task has consumed a record of its
     * partition (its offset committed by Kafka Streams) adopts nothing, whatever its dedup store holds.
     * What the table holds is whatever the verified topic holds, a foreign writer's records too;
     * adopting it whenever the dedup store happens to be empty would vouch for such a record. A partition
     * still pending restores its table only up to that first commit, so it can adopt nothing the first
     * start would not have.
     */
    private void startTableAtTheTopicsEnd() {
        String verified = config.topics().verified();
        try (Admin admin = Admin.create(clientConfig)) {
            if (!pendingPartitions(admin, verified)) {
                Map<TopicPartition, Long> ends = Offsets.ends(admin, verified);
                if (Offsets.sum(ends) == 0) {
                    return;
                }
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                ends.forEach((partition, end) -> offsets.put(partition, new OffsetAndMetadata(end, ADOPTION_PENDING)));
                try {
                    admin.alterConsumerGroupOffsets(config.applicationId(), offsets).all().get(60, TimeUnit.SECONDS);
                    LOG.info("first start on {}: the query table will be restored from its {} records before processing", verified, Offsets.sum(ends));
                } catch (ExecutionException | TimeoutException e) {
                    // another instance already running the group: it did this (its commits are read below)
                    LOG.warn("could not set the starting offsets of the query table on {}: {}", verified, e.toString());
                }
                pendingPartitions(admin, verified);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while preparing the query table");
        } catch (Exception e) {
            LOG.warn("could not read the group's offsets on {}: {}; nothing is adopted into dedup by this start", verified, e.toString());
        }
    }

    /** Notes the partitions whose committed offset is still {@link #ADOPTION_PENDING}; whether any offset is committed at all. */
    private boolean pendingPartitions(Admin admin, String verified) throws Exception {
        boolean any = false;
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : admin.listConsumerGroupOffsets(config.applicationId())
                .partitionsToOffsetAndMetadata().get(60, TimeUnit.SECONDS).entrySet()) {
            if (e.getKey().topic().equals(verified) && e.getValue() != null) {
                any = true;
                if (ADOPTION_PENDING.equals(e.getValue().metadata())) {
                    adoptionPending.add(e.getKey().partition());
                }
            }
        }
        return any;
    }

    /**
     * The dedup step and the table over the verified topic share a task: partition i of the submitted
     * topic and partition i of the verified topic. That holds only when both topics have the same
     * partition count (they are created so); otherwise the verifier refuses to start, naming both.
     */
    private void checkCoPartitioned() {
        String submitted = config.topics().submitted();
        String verified = config.topics().verified();
        try (Admin admin = Admin.create(clientConfig)) {
            Map<String, TopicDescription> topics = admin.describeTopics(List.of(submitted, verified))
                    .allTopicNames().get(60, TimeUnit.SECONDS);
            int a = topics.get(submitted).partitions().size();
            int b = topics.get(verified).partitions().size();
            if (a != b) {
                throw new IllegalStateException("the submitted topic " + submitted + " has " + a + " partitions and the verified topic "
                        + verified + " has " + b + ": the verifier reads partition i of both in one task (dedup, and the query table over "
                        + "the verified topic), so they need the same count (kafka-topics --alter --partitions)");
            }
        } catch (ExecutionException e) {
            LOG.warn("cannot check the partition counts of {} and {} ({}); Kafka Streams will report a missing topic itself",
                    submitted, verified, e.getCause().toString());
        } catch (TimeoutException e) {
            LOG.warn("cannot check the partition counts of {} and {} (timed out)", submitted, verified);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking the topics");
        }
    }

    public int httpPort() {
        return self.port();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Waits until the instance is RUNNING (all tasks restored) or the timeout passes. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (streams.state() == KafkaStreams.State.RUNNING) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    @Override
    public void close() {
        limitChecker.shutdownNow();
        if (http != null) {
            http.close();
        }
        // leave the group on a clean stop: otherwise the next start waits out the old member's
        // session before its partitions are processed again
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        keyrings.close();
        jvmMetrics.close();
        if (serviceEvents != null) {
            serviceEvents.close();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
