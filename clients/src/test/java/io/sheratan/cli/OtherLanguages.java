package io.sheratan.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Python and Node clients as a worker would: as processes, with their own interpreters
 * ({@code -Dsheratan.python}, default Debian's {@code /usr/bin/python3}, which has the Debian packages;
 * {@code -Dsheratan.node}, default {@code node}).
 */
enum OtherLanguages {
    PYTHON, NODE;

    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    List<String> command(String... args) {
        List<String> command = new ArrayList<>();
        if (this == PYTHON) {
            command.add(System.getProperty("sheratan.python", "/usr/bin/python3"));
            command.add(ROOT.resolve("clients/python/sheratan_client.py").toString());
        } else {
            command.add(System.getProperty("sheratan.node", "node"));
            command.add(ROOT.resolve("clients/node/sheratan-client.mjs").toString());
        }
        command.addAll(List.of(args));
        return command;
    }

    /** What a finished process left: its exit code, stdout bytes and stderr text. */
    record Result(int exit, byte[] stdout, String stderr) {
        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "exit " + exit + ", stdout " + out().strip() + ", stderr " + stderr.strip();
        }
    }

    Result run(Map<String, String> env, byte[] stdin, Duration timeout, String... args) {
        return exec(command(args), env, stdin, timeout);
    }

    static Result exec(List<String> command, Map<String, String> env, byte[] stdin, Duration timeout) {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(k -> k.startsWith("SHERATAN_") || k.equals("KAFKA_BOOTSTRAP_SERVERS"));
        builder.environment().putAll(env);
        try {
            Process process = builder.start();
            // one thread per stream, not the common pool (one thread on 2 cores): a child filling its stderr
            // pipe while stdout is read first would block for good
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()), OtherLanguages::ownThread);
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()), OtherLanguages::ownThread);
            try (OutputStream in = process.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            } catch (IOException e) {
                // the process stopped reading (it exited): its exit code and stderr say why
            }
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(command + " did not finish within " + timeout + "; stderr so far: "
                        + new String(err.getNow(new byte[0]), StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), out.join(), new String(err.join(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command.get(0) + " (mvn -Dsheratan.python=... / -Dsheratan.node=...)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void ownThread(Runnable task) {
        Thread reader = new Thread(task, "child-output-reader");
        reader.setDaemon(true);
        reader.start();
    }

    private static byte[] readAll(InputStream in) {
        try (in; ByteArrayOutputStream buffer = new ByteArrayOutputStream()) {
            in.transferTo(buffer);
            return buffer.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path conformance(String first, String... more) {
        Path path = ROOT.resolve("conformance").resolve(Path.of(first, more));
        if (!Files.exists(path)) {
            throw new IllegalStateException("conformance data missing: " + path);
        }
        return path;
    }
}
