package io.sheratan.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** What tests that start the launcher ({@code ./sheratan up}, brokers, services) need: free ports and a wait for a line. */
public final class Processes {

    private Processes() {
    }

    /**
     * A port free right now on this machine (another process may take it before it is used), never
     * one this JVM handed out before: the same registry as the embedded broker's, so a test's own
     * ports never collide with its broker's.
     */
    public static int freePort() {
        return io.sheratan.kafka.embedded.EmbeddedKafka.freePort();
    }

    /**
     * A free port whose next port is free too: what {@code SHERATAN_EMBEDDED_KAFKA_PORT} needs (the
     * embedded broker's controller listens on the port after it). Both bound at once while checked, so
     * two calls never return overlapping pairs.
     */
    public static int freePortPair() {
        for (int attempt = 0; attempt < 100; attempt++) {
            try (ServerSocket first = new ServerSocket(0)) {
                int port = first.getLocalPort();
                if (port < 65535 && io.sheratan.kafka.embedded.EmbeddedKafka.reserve(port, port + 1)) {
                    try (ServerSocket second = new ServerSocket(port + 1)) {
                        return port;
                    } catch (IOException taken) {
                        // try another
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("no free port", e);
            }
        }
        throw new IllegalStateException("no two free consecutive ports in 100 attempts");
    }

    /**
     * Reads the process's stdout until a line contains {@code wanted} or the deadline passes; returns
     * that line or null. After a match the rest of stdout is drained on a daemon thread, so the process
     * never blocks on a full pipe.
     */
    public static String awaitLine(Process process, String wanted, int seconds) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String line;
        while (System.nanoTime() < deadline && (line = reader.readLine()) != null) {
            if (line.contains(wanted)) {
                Thread drain = new Thread(() -> {
                    try {
                        while (reader.readLine() != null) {
                            // keep the pipe drained
                        }
                    } catch (IOException ignored) {
                        // the process ended
                    }
                }, "drain-stdout");
                drain.setDaemon(true);
                drain.start();
                return line;
            }
        }
        return null;
    }
}
