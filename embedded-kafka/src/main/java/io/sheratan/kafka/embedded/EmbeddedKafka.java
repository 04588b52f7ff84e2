package io.sheratan.kafka.embedded;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Set;

/**
 * A real Apache Kafka broker in this JVM: KRaft, every node a combined broker+controller, started
 * with {@link KafkaRaftServer} on storage formatted by Kafka's own {@link Formatter}. This is what
 * the integration tests and {@code sheratan up} run on machines without Docker.
 *
 * <p>One node (data kept under {@code dataDir} across restarts when a directory is given) or three
 * (replication 3, {@code min.insync.replicas} 2, for tests that stop a broker). The client listener
 * is PLAINTEXT, or SASL_PLAINTEXT with the PLAIN mechanism when users are given; brokers then talk
 * to each other over a separate PLAINTEXT listener, so SASL applies to clients only. Broker memory
 * is kept small ({@code log.cleaner.dedupe.buffer.size} of 4 MiB instead of 128 MiB).
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final String CLIENT = "CLIENT";
    private static final String INTERNAL = "INTERNAL";
    private static final String CONTROLLER = "CONTROLLER";

    private final Builder settings;
    private final Path root;
    private final boolean deleteOnClose;
    private final String clusterId;
    private final int[] clientPorts;
    private final int[] internalPorts;
    private final int[] controllerPorts;
    private final KafkaRaftServer[] servers;

    private EmbeddedKafka(Builder settings) {
        this.settings = settings;
        try {
            this.deleteOnClose = settings.dataDir == null;
            this.root = settings.dataDir != null ? settings.dataDir : Files.createTempDirectory("sheratan-kafka-");
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the broker's data directory", e);
        }
        int n = settings.nodes;
        this.clusterId = readOrCreateClusterId();
        this.clientPorts = new int[n];
        this.internalPorts = new int[n];
        this.controllerPorts = new int[n];
        for (int i = 0; i < n; i++) {
            if (settings.clientPorts != null) {
                clientPorts[i] = settings.clientPorts[i];
                controllerPorts[i] = settings.controllerPorts[i];
            } else {
                if (i == 0 && settings.port > 0) {
                    reserve(settings.port, settings.port + 1); // no probe hands them out later in this JVM
                }
                clientPorts[i] = i == 0 && settings.port > 0 ? settings.port : freePort();
                controllerPorts[i] = i == 0 && settings.port > 0 ? settings.port + 1 : freePort();
            }
            internalPorts[i] = settings.saslUsers.isEmpty() ? -1 : freePort();
        }
        this.servers = new KafkaRaftServer[n];
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts every node of this JVM (in parallel: a quorum needs a majority up) and waits until each
     * serves clients. With {@link Builder#localNodes} the others run elsewhere (other processes).
     */
    public EmbeddedKafka start() {
        List<CompletableFuture<Void>> starts = new ArrayList<>();
        for (int i = 0; i < servers.length; i++) {
            int node = i;
            if (!isLocal(node)) {
                continue;
            }
            // a thread per node, not the common pool: on 2 cores that pool has one thread, and a node
            // waiting for its quorum would keep the next node from starting
            starts.add(CompletableFuture.runAsync(() -> startNode(node), task -> {
                Thread starter = new Thread(task, "embedded-kafka-start-" + node);
                starter.setDaemon(true);
                starter.start();
            }));
        }
        try {
            CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).join();
        } catch (RuntimeException e) {
            close();
            throw new IllegalStateException("embedded Kafka failed to start: " + rootCause(e).getMessage(), rootCause(e));
        }
        return this;
    }

    /** Bootstrap servers for clients: every node's client listener. */
    public String bootstrapServers() {
        StringJoiner joiner = new StringJoiner(",");
        for (int port : clientPorts) {
            joiner.add("127.0.0.1:" + port);
        }
        return joiner.toString();
    }

    /** The client port of each node (0-based), including nodes that run in other processes. */
    public int clientPort(int node) {
        return clientPorts[node];
    }

    public int nodeCount() {
        return servers.length;
    }

    public boolean isSasl() {
        return !settings.saslUsers.isEmpty();
    }

    public Path dataDir() {
        return root;
    }

    /** Client properties that reach this cluster: bootstrap servers, and the SASL settings for {@code user}. */
    public Map<String, Object> clientConfig(String user, String password) {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", bootstrapServers());
        if (isSasl()) {
            config.put("security.protocol", "SASL_PLAINTEXT");
            config.put("sasl.mechanism", "PLAIN");
            config.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                    + user + "\" password=\"" + password + "\";");
        }
        return config;
    }

    /** Client properties for a plaintext cluster, or for its first SASL user. */
    public Map<String, Object> clientConfig() {
        if (!isSasl()) {
            return clientConfig(null, null);
        }
        Map.Entry<String, String> first = settings.saslUsers.entrySet().iterator().next();
        return clientConfig(first.getKey(), first.getValue());
    }

    /** Stops one node (0-based) as a clean shutdown; its data stays. */
    public void stopNode(int node) {
        KafkaRaftServer server = servers[node];
        if (server != null) {
            servers[node] = null;
            server.shutdown();
            server.awaitShutdown();
        }
    }

    /** Starts a node again after {@link #stopNode(int)}, on the same ports and data. */
    public void restartNode(int node) {
        if (!isLocal(node)) {
            throw new IllegalStateException("node " + node + " runs in another process");
        }
        if (servers[node] != null) {
            throw new IllegalStateException("node " + node + " is running");
        }
        startNode(node);
    }

    @Override
    public void close() {
        for (int i = 0; i < servers.length; i++) {
            try {
                stopNode(i);
            } catch (RuntimeException e) {
                // keep stopping the others; a broker that fails to stop cleanly is gone anyway
            }
        }
        if (deleteOnClose) {
            deleteRecursively(root);
        }
    }

    // ---------------------------------------------------------------- internals

    private boolean isLocal(int node) {
        return settings.localNodes == null || settings.localNodes.contains(node);
    }

    private void startNode(int node) {
        Path nodeDir = root.resolve(servers.length == 1 ? "node" : "node-" + node);
        Properties props = nodeProperties(node, nodeDir);
        KafkaConfig config = new KafkaConfig(props, false);
        formatIfNeeded(node, nodeDir);
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        servers[node] = server;
        awaitPort(clientPorts[node], Duration.ofSeconds(60));
    }

    private Properties nodeProperties(int node, Path nodeDir) {
        int n = servers.length;
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(node + 1));
        StringJoiner voters = new StringJoiner(",");
        for (int i = 0; i < n; i++) {
            voters.add((i + 1) + "@127.0.0.1:" + controllerPorts[i]);
        }
        p.put("controller.quorum.voters", voters.toString());
        p.put("controller.listener.names", CONTROLLER);
        boolean sasl = isSasl();
        String clientProtocol = sasl ? "SASL_PLAINTEXT" : "PLAINTEXT";
        String listeners = CLIENT + "://127.0.0.1:" + clientPorts[node] + "," + CONTROLLER + "://127.0.0.1:" + controllerPorts[node];
        String advertised = CLIENT + "://127.0.0.1:" + clientPorts[node];
        String protocolMap = CLIENT + ":" + clientProtocol + "," + CONTROLLER + ":PLAINTEXT";
        if (sasl) {
            listeners += "," + INTERNAL + "://127.0.0.1:" + internalPorts[node];
            advertised += "," + INTERNAL + "://127.0.0.1:" + internalPorts[node];
            protocolMap += "," + INTERNAL + ":PLAINTEXT";
            p.put("inter.broker.listener.name", INTERNAL);
            p.put("sasl.enabled.mechanisms", "PLAIN");
            StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
            settings.saslUsers.forEach((user, password) ->
                    jaas.append(" user_").append(user).append("=\"").append(password).append('"'));
            jaas.append(';');
            p.put("listener.name." + CLIENT.toLowerCase(Locale.ROOT) + ".plain.sasl.jaas.config", jaas.toString());
        } else {
            p.put("inter.broker.listener.name", CLIENT);
        }
        p.put("listeners", listeners);
        p.put("advertised.listeners", advertised);
        p.put("listener.security.protocol.map", protocolMap);
        p.put("log.dirs", nodeDir.resolve("logs").toString());
        p.put("metadata.log.dir", nodeDir.resolve("metadata").toString());
        int replication = Math.min(3, n);
        p.put("offsets.topic.replication.factor", String.valueOf(replication));
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", String.valueOf(replication));
        p.put("transaction.state.log.min.isr", String.valueOf(Math.min(2, n)));
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.replication.factor", String.valueOf(replication));
        p.put("share.coordinator.state.topic.min.isr", String.valueOf(Math.min(2, n)));
        p.put("default.replication.factor", String.valueOf(replication));
        p.put("min.insync.replicas", String.valueOf(Math.min(2, n)));
        p.put("num.partitions", "1");
        p.put("auto.create.topics.enable", "false");
        p.put("unclean.leader.election.enable", "false");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024));
        p.put("log.cleaner.threads", "1");
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("background.threads", "2");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
        p.put("controller.quorum.election.timeout.ms", "1000");
        p.put("controller.quorum.fetch.timeout.ms", "2000");
        p.put("broker.heartbeat.interval.ms", "500");
        p.put("broker.session.timeout.ms", "6000");
        // A lone node shuts down in a controlled way (it is its own controller). In a three-node
        // cluster a stop is a crash: controlled shutdown would wait minutes for a quorum that the
        // last nodes standing no longer have, and a crash is the fault the tests mean to inject.
        p.put("controlled.shutdown.enable", String.valueOf(n == 1));
        p.putAll(settings.overrides);
        return p;
    }

    private void formatIfNeeded(int node, Path nodeDir) {
        if (Files.exists(nodeDir.resolve("metadata").resolve("meta.properties"))) {
            return; // formatted before: keep the data
        }
        try {
            new Formatter()
                    .setPrintStream(new PrintStream(PrintStream.nullOutputStream(), true, StandardCharsets.UTF_8))
                    .setNodeId(node + 1)
                    .setClusterId(clusterId)
                    .setDirectories(List.of(nodeDir.resolve("logs").toString(), nodeDir.resolve("metadata").toString()))
                    .setMetadataLogDirectory(nodeDir.resolve("metadata").toString())
                    .setControllerListenerName(CONTROLLER)
                    .setReleaseVersion(MetadataVersion.latestProduction())
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("formatting the storage of node " + (node + 1) + " failed: " + e.getMessage(), e);
        }
    }

    private String readOrCreateClusterId() {
        Path file = root.resolve("cluster.id");
        try {
            if (Files.exists(file)) {
                return Files.readString(file, StandardCharsets.UTF_8).trim();
            }
            String id = Uuid.randomUuid().toString();
            Files.writeString(file, id, StandardCharsets.UTF_8);
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write " + file, e);
        }
    }

    private static void awaitPort(int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for port " + port, ie);
                }
            }
        }
        throw new IllegalStateException("broker did not open port " + port + " within " + timeout);
    }

    /** Ports this JVM has handed out: the kernel may offer a port again once its probe socket closes. */
    private static final Set<Integer> HANDED_OUT = new java.util.HashSet<>();

    /**
     * A port free on the loopback interface right now (for tests and processes that need one), and
     * never one this JVM handed out before: two calls in a row cannot name the same port (the
     * kernel may offer a closed probe port again, and a broker refuses two listeners on one port).
     */
    public static synchronized int freePort() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port;
            try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
                socket.setReuseAddress(true);
                port = socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException("no free port", e);
            }
            if (HANDED_OUT.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port: 100 probes offered only ports handed out before");
    }

    /**
     * Marks ports as handed out, all or none: false when any of them was handed out before (then
     * none is marked). For callers that probe their own ports, such as consecutive pairs.
     */
    public static synchronized boolean reserve(int... ports) {
        for (int port : ports) {
            if (HANDED_OUT.contains(port)) {
                return false;
            }
        }
        for (int port : ports) {
            HANDED_OUT.add(port);
        }
        return true;
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    // best effort: a temp directory left behind is harmless
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }

    /** Settings of an embedded cluster; every one has a default that suits a test. */
    public static final class Builder {
        private Path dataDir;
        private int port;
        private int nodes = 1;
        private int[] clientPorts;
        private int[] controllerPorts;
        private Set<Integer> localNodes;
        private final Map<String, String> saslUsers = new LinkedHashMap<>();
        private final Map<String, String> overrides = new HashMap<>();

        /** Keep data here across restarts (default: a temp directory deleted on close). */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** Client port of the first node (its controller takes the next one); 0 picks free ports. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** 1 or 3 nodes. */
        public Builder nodes(int count) {
            if (count != 1 && count != 3) {
                throw new IllegalArgumentException("nodes must be 1 or 3, was " + count);
            }
            this.nodes = count;
            return this;
        }

        /**
         * Fixed client and controller ports for every node (one per node, in node order): what
         * separate processes running one node each must agree on. Overrides {@link #port}.
         */
        public Builder ports(int[] client, int[] controller) {
            if (client.length != nodes || controller.length != nodes) {
                throw new IllegalArgumentException("need " + nodes + " client and controller ports, got "
                        + client.length + " and " + controller.length + " (set nodes() first)");
            }
            this.clientPorts = client.clone();
            this.controllerPorts = controller.clone();
            return this;
        }

        /**
         * Run only these nodes (0-based) in this JVM; the others are expected in other processes
         * sharing the data directory (its {@code cluster.id} must exist before they start).
         */
        public Builder localNodes(Set<Integer> nodes) {
            this.localNodes = Set.copyOf(nodes);
            return this;
        }

        /** Turns the client listener into SASL_PLAINTEXT/PLAIN with this user (may be called again for more). */
        public Builder saslUser(String user, String password) {
            saslUsers.put(user, password);
            return this;
        }

        /** Any other broker setting. */
        public Builder brokerProperty(String key, String value) {
            overrides.put(key, value);
            return this;
        }

        public EmbeddedKafka build() {
            return new EmbeddedKafka(this);
        }

        public EmbeddedKafka start() {
            return build().start();
        }
    }
}
