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

    /** A port free right now on this machine (another process may take it before it is used). */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
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
