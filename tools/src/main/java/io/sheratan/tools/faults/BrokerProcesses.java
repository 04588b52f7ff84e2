package io.sheratan.tools.faults;

import io.sheratan.kafka.embedded.EmbeddedKafka;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A Kafka cluster of 1 or 3 nodes, each node its own JVM ({@code sheratan broker}), so that a node
 * can be killed with SIGKILL — no controlled shutdown, no flush, log recovery on the way back —
 * and restarted on the same ports and data.
 */
final class BrokerProcesses implements AutoCloseable {

    private final Path launcher;
    private final Path dir;
    private final int[] clientPorts;
    private final int[] controllerPorts;
    private final Process[] nodes;

    BrokerProcesses(Path launcher, Path dir, int count) throws IOException {
        this.launcher = launcher;
        this.dir = dir;
        this.clientPorts = new int[count];
        this.controllerPorts = new int[count];
        this.nodes = new Process[count];
        for (int i = 0; i < count; i++) {
            clientPorts[i] = EmbeddedKafka.freePort();
            controllerPorts[i] = EmbeddedKafka.freePort();
        }
        Files.createDirectories(dir);
        // every member formats its storage with the same cluster id: write it before any starts
        Files.writeString(dir.resolve("cluster.id"), UUID.randomUUID().toString(), StandardCharsets.UTF_8);
    }

    /** Starts every node and waits until each serves clients. */
    BrokerProcesses start() throws IOException {
        for (int i = 0; i < nodes.length; i++) {
            nodes[i] = spawn(i);
        }
        for (int i = 0; i < nodes.length; i++) {
            awaitReady(i, Duration.ofSeconds(90));
        }
        return this;
    }

    int size() {
        return nodes.length;
    }

    String bootstrapServers() {
        StringJoiner joiner = new StringJoiner(",");
        for (int port : clientPorts) {
            joiner.add("127.0.0.1:" + port);
        }
        return joiner.toString();
    }

    Map<String, Object> clientConfig() {
        return Map.of("bootstrap.servers", bootstrapServers());
    }

    /** SIGKILL: the node dies mid-whatever, as in a crash of its machine's process. */
    void kill(int node) throws InterruptedException {
        Process process = nodes[node];
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("broker node " + node + " (pid " + process.pid() + ") survived SIGKILL for 30 s");
        }
    }

    /** Starts a killed node again on its ports and data; waits until it serves clients. */
    void restart(int node) throws IOException {
        if (nodes[node].isAlive()) {
            throw new IllegalStateException("broker node " + node + " is running");
        }
        nodes[node] = spawn(node);
        awaitReady(node, Duration.ofSeconds(120));
    }

    @Override
    public void close() throws InterruptedException {
        for (Process node : nodes) {
            if (node != null) {
                node.destroy();
            }
        }
        for (Process node : nodes) {
            if (node != null && !node.waitFor(60, TimeUnit.SECONDS)) {
                node.destroyForcibly();
            }
        }
    }

    private Process spawn(int node) throws IOException {
        List<String> command = new ArrayList<>(List.of(launcher.toString(), "broker",
                "--data-dir", dir.toString(), "--nodes", String.valueOf(nodes.length), "--node", String.valueOf(node),
                "--client-ports", join(clientPorts), "--controller-ports", join(controllerPorts)));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker-" + node + ".log").toFile()));
        builder.environment().put("SHERATAN_JAVA_OPTS", "-Xmx512m");
        builder.environment().put("SHERATAN_NO_BUILD", "1"); // run the build this JVM runs
        return builder.start();
    }

    private void awaitReady(int node, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!nodes[node].isAlive()) {
                throw new IllegalStateException("broker node " + node + " exited with " + nodes[node].exitValue()
                        + " (see " + dir.resolve("broker-" + node + ".log") + ")");
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", clientPorts[node]), 200);
                return;
            } catch (IOException e) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for broker node " + node, ie);
                }
            }
        }
        throw new IllegalStateException("broker node " + node + " did not open port " + clientPorts[node] + " within " + timeout);
    }

    private static String join(int[] ports) {
        return IntStream.of(ports).mapToObj(String::valueOf).collect(Collectors.joining(","));
    }

}
