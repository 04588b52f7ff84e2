package io.sheratan.keys;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.core.metrics.Info;
import io.sheratan.config.ConfigException;
import io.sheratan.integrity.IntegrityPolicy;
import io.sheratan.integrity.Keyring;
import io.sheratan.integrity.Marks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The keyring a service uses right now (DESIGN.md section 3c). With {@code SHERATAN_KEYRING_FILE},
 * the file is read at start (a bad file stops the start, naming the problem) and checked again every
 * {@link #CHECK_EVERY}. A changed file is applied once the same bytes were read at two checks in a row
 * (a file still being written is never applied half-way), well within the contract's 10 s; one that
 * does not validate is refused whole: the previous keyring stays, the failure is logged and counted
 * once ({@code sheratan_keyring_reload_failures_total}) and {@code sheratan_keyring_reload_ok} is 0
 * for as long as the refused file stays (an alert can keep firing). A file missing for less than
 * {@link #MISSING_GRACE} (an editor saving by rename, a Kubernetes secret update) is no change; an
 * error of any kind in a check is counted and the watcher keeps running. Without the file, the
 * single-key variables make a keyring that never changes.
 *
 * <p>Readers call {@link #get()} per record: one volatile read. Each keyring applied is announced to
 * the {@link #listen listeners} (services turn it into a {@code KEYRING_APPLIED} audit event) and
 * shown as the {@code digest} label of {@code sheratan_keyring_info}.
 */
public final class KeyringWatcher implements Supplier<Keyring>, AutoCloseable {

    public static final Duration CHECK_EVERY = Duration.ofSeconds(1);
    public static final Duration MISSING_GRACE = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(KeyringWatcher.class);

    private final Path file;
    private final LongSupplier clock;
    private final List<Consumer<Keyring>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicInteger reloadOk = new AtomicInteger(1);
    private final ScheduledExecutorService checker;
    private volatile Keyring current;
    /** The digest of the file bytes in force. */
    private String appliedDigest;
    /** Bytes seen once at the previous check, applied when the next check reads them again. */
    private String pendingDigest;
    /** The last digest refused (counted once, however long it stays). */
    private String refusedDigest;
    private long missingSince = -1;
    private long changingSince = -1;
    private final ExecutorService readers = readerThread();
    private Future<byte[]> inFlight;
    private boolean missingCounted;
    private Info info;

    private KeyringWatcher(Path file, Keyring initial, String initialFileDigest, LongSupplier clock, boolean schedule) {
        this.file = file;
        this.clock = clock;
        this.current = initial;
        this.appliedDigest = initialFileDigest;
        if (file == null || !schedule) {
            this.checker = null;
        } else {
            this.checker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "keyring-watcher");
                t.setDaemon(true);
                return t;
            });
            checker.scheduleWithFixedDelay(this::check, CHECK_EVERY.toMillis(), CHECK_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * The keyring of the environment: the file when {@value IntegrityPolicy#KEYRING_FILE} is set, else
     * the single HMAC key of the policy and the gateway token {@code hubToken} (may be null).
     */
    public static KeyringWatcher fromEnv(Map<String, String> env, IntegrityPolicy policy, String hubToken) {
        String path = env.get(IntegrityPolicy.KEYRING_FILE);
        if (path == null || path.isBlank()) {
            return new KeyringWatcher(null, Keyring.legacy(policy.hmacKey(), policy.keyId(), hubToken), null, System::currentTimeMillis, false);
        }
        return watching(Path.of(path), System::currentTimeMillis, true);
    }

    /**
     * Reads {@code file} now (a bad file fails with a {@link ConfigException} naming it) and, when
     * {@code schedule}, checks it every {@link #CHECK_EVERY}; tests call {@link #check()} themselves.
     */
    public static KeyringWatcher watching(Path file, LongSupplier clock, boolean schedule) {
        byte[] bytes = null;
        ExecutorService startReader = readerThread();
        try {
            for (int attempt = 0; bytes == null; attempt++) {
                try {
                    bytes = await(startReader.submit(() -> Keyring.readFile(file)), file);
                } catch (Keyring.ChangingFileException e) {
                    if (attempt == 50) {
                        throw new ConfigException(IntegrityPolicy.KEYRING_FILE, "cannot read " + file + ": " + e.getMessage());
                    }
                    sleep(100);
                } catch (IOException e) {
                    throw new ConfigException(IntegrityPolicy.KEYRING_FILE, "cannot read " + file + ": " + describe(e));
                }
            }
        } finally {
            startReader.shutdown(); // a read that hangs keeps its daemon thread, nothing else
        }
        Keyring keyring;
        try {
            keyring = Keyring.parse(bytes);
        } catch (Keyring.KeyringException e) {
            throw new ConfigException(IntegrityPolicy.KEYRING_FILE, file + " refused: " + e.getMessage());
        }
        LOG.info("keyring {} applied from {}", keyring.digest(), file);
        return new KeyringWatcher(file, keyring, keyring.digest(), clock, schedule);
    }

    /** A fixed keyring (tests, offline commands). */
    public static KeyringWatcher fixed(Keyring keyring) {
        return new KeyringWatcher(null, keyring, null, System::currentTimeMillis, false);
    }

    /** Calls {@code listener} with the keyring in force now, and with every keyring applied later. */
    public KeyringWatcher listen(Consumer<Keyring> listener) {
        listeners.add(listener);
        listener.accept(current);
        return this;
    }

    @Override
    public Keyring get() {
        return current;
    }

    /** True when the keyring comes from {@code SHERATAN_KEYRING_FILE} (and is announced as {@code KEYRING_APPLIED}). */
    public boolean fromFile() {
        return file != null;
    }

    public long reloadFailures() {
        return failures.get();
    }

    /** 1 when the file on disk is the one in force (or there is no file), 0 while a refused, unreadable or missing file stays. */
    public int reloadOk() {
        return reloadOk.get();
    }

    /**
     * {@code sheratan_keyring_info{digest}} = 1 for the keyring in force (a Prometheus info metric:
     * Micrometer would strip the {@code _info} suffix from a gauge), the reload failure counter and
     * the {@code sheratan_keyring_reload_ok} gauge.
     */
    public KeyringWatcher bindTo(PrometheusMeterRegistry registry) {
        info = Info.builder().name("sheratan_keyring_info").help("the keyring in force, by its SHA-256").labelNames("digest")
                .register(registry.getPrometheusRegistry());
        FunctionCounter.builder("sheratan_keyring_reload_failures", failures, AtomicLong::get)
                .description("keyring files refused (the previous keyring stayed in force)").register(registry);
        Gauge.builder("sheratan_keyring_reload_ok", reloadOk, AtomicInteger::get)
                .description("1 when the keyring file on disk is the one in force; 0 while a refused, unreadable or missing file stays")
                .register(registry);
        showInfo();
        return this;
    }

    private synchronized void showInfo() {
        if (info != null) {
            info.setLabelValues(current.digest());
        }
    }

    /** Checks the file now; returns true when a new keyring was applied. Never throws. */
    public synchronized boolean check() {
        if (file == null) {
            return false;
        }
        try {
            return checkFile();
        } catch (Throwable e) { // an Error too: the watcher must outlive any one check
            failures.incrementAndGet();
            reloadOk.set(0);
            LOG.error("keyring file {}: check failed, keeping keyring {}: {}", file, current.digest(), e.toString());
            return false;
        }
    }

    private boolean checkFile() {
        byte[] bytes;
        try {
            bytes = readBounded();
        } catch (NoSuchFileException e) {
            long now = clock.getAsLong();
            if (missingSince < 0) {
                missingSince = now;
            }
            if (now - missingSince >= MISSING_GRACE.toMillis() && !missingCounted) {
                missingCounted = true;
                failures.incrementAndGet();
                reloadOk.set(0);
                LOG.error("keyring file {} missing for {} s, keeping keyring {}", file, (now - missingSince) / 1000, current.digest());
            }
            return false;
        } catch (Keyring.ChangingFileException e) {
            changing("io:changing"); // being written: the next check reads it again
            return false;
        } catch (IOException e) {
            missingSince = -1;
            missingCounted = false;
            refuse("io:" + e.getMessage(), "unreadable: " + describe(e));
            return false;
        }
        missingSince = -1;
        missingCounted = false;
        String digest = Marks.sha256Hex(bytes);
        if (digest.equals(appliedDigest)) {
            pendingDigest = null;
            changingSince = -1;
            refusedDigest = null;
            reloadOk.set(1);
            return false;
        }
        if (digest.equals(refusedDigest)) {
            return false;
        }
        if (!digest.equals(pendingDigest)) {
            pendingDigest = digest; // applied when the next check reads the same bytes
            changing(digest);
            return false;
        }
        pendingDigest = null;
        changingSince = -1;
        Keyring next;
        try {
            next = Keyring.parse(bytes);
        } catch (Keyring.KeyringException e) {
            refuse(digest, "refused: " + e.getMessage());
            return false;
        }
        appliedDigest = digest;
        refusedDigest = null;
        current = next;
        reloadOk.set(1);
        showInfo();
        LOG.info("keyring {} applied from {}", next.digest(), file);
        for (Consumer<Keyring> listener : listeners) {
            try {
                listener.accept(next); // one failing listener (an announcement) neither stops the others nor the watcher
            } catch (Throwable e) {
                LOG.error("keyring {} applied, but a listener failed: {}", next.digest(), e.toString());
            }
        }
        return true;
    }

    /**
     * A file that reads differently at every check (rewritten without pause) is never applied: once that
     * lasts {@link #MISSING_GRACE}, it counts as a failure and {@code reload_ok} says 0 until it settles.
     */
    private void changing(String what) {
        long now = clock.getAsLong();
        if (changingSince < 0) {
            changingSince = now;
        } else if (now - changingSince >= MISSING_GRACE.toMillis()) {
            refuse("changing", "still changing after " + (now - changingSince) / 1000 + " s: never the same bytes at two checks");
        }
    }

    /** How long one read of the file may take before it counts as hung (a FIFO swapped in after the type check, a dead mount). */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(3);

    /**
     * {@link Keyring#readFile} on a thread of its own, waited for at most {@link #READ_TIMEOUT}: an open()
     * that never returns (the path swapped to a FIFO between the type check and the open) keeps that
     * one thread, never the watcher; while it hangs, every check fails at once.
     */
    private byte[] readBounded() throws IOException {
        if (inFlight != null && !inFlight.isDone()) {
            throw new IOException("an earlier read has not returned (a FIFO, or a hung filesystem?)");
        }
        inFlight = readers.submit(() -> Keyring.readFile(file));
        return await(inFlight, file);
    }

    private static byte[] await(Future<byte[]> read, Path file) throws IOException {
        try {
            return read.get(READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException("reading " + file + " did not finish within " + READ_TIMEOUT.toSeconds() + " s (a FIFO, or a hung filesystem?)");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause().toString(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading " + file);
        }
    }

    private static ExecutorService readerThread() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "keyring-reader");
            t.setDaemon(true);
            return t;
        });
    }

    private void refuse(String what, String why) {
        reloadOk.set(0);
        if (what.equals(refusedDigest)) {
            return;
        }
        refusedDigest = what;
        failures.incrementAndGet();
        LOG.error("keyring file {} {}; keeping keyring {}", file, why, current.digest());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConfigException(IntegrityPolicy.KEYRING_FILE, "interrupted while reading the keyring");
        }
    }

    private static String describe(IOException e) {
        return e instanceof NoSuchFileException ? "no such file" : e.getMessage();
    }

    @Override
    public void close() {
        if (checker != null) {
            checker.shutdownNow();
        }
        readers.shutdownNow();
    }
}
