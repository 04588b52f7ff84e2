package io.sheratan.keys;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.core.metrics.Info;
import io.sheratan.config.ConfigException;
import io.sheratan.integrity.IntegrityPolicy;
import io.sheratan.integrity.Keyring;
import io.sheratan.integrity.Marks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The keyring a service uses right now (DESIGN.md section 3c). With {@code SHERATAN_KEYRING_FILE},
 * the file is read at start (a bad file stops the start, naming the problem) and checked again every
 * {@link #CHECK_EVERY}; a changed file that validates replaces the keyring at once (well within the
 * contract's 10 s), one that does not is refused whole: the previous keyring stays, the failure is
 * logged and counted ({@code sheratan_keyring_reload_failures_total}). Without the file, the
 * single-key variables make a keyring that never changes.
 *
 * <p>Readers call {@link #get()} per record: one volatile read. Each keyring applied is announced to
 * the {@link #listen listeners} (services turn it into a {@code KEYRING_APPLIED} audit event) and
 * shown as the {@code digest} label of {@code sheratan_keyring_info}.
 */
public final class KeyringWatcher implements Supplier<Keyring>, AutoCloseable {

    public static final Duration CHECK_EVERY = Duration.ofSeconds(2);
    private static final int MAX_FILE_BYTES = 4 * 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(KeyringWatcher.class);

    private final Path file;
    private final List<Consumer<Keyring>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong failures = new AtomicLong();
    private final ScheduledExecutorService checker;
    private volatile Keyring current;
    private volatile String fileDigest;
    private Info info;

    private KeyringWatcher(Path file, Keyring initial, String initialFileDigest) {
        this.file = file;
        this.current = initial;
        this.fileDigest = initialFileDigest;
        if (file == null) {
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
            return new KeyringWatcher(null, Keyring.legacy(policy.hmacKey(), policy.keyId(), hubToken), null);
        }
        Path file = Path.of(path);
        byte[] bytes;
        try {
            bytes = read(file);
        } catch (IOException e) {
            throw new ConfigException(IntegrityPolicy.KEYRING_FILE, "cannot read " + file + ": " + e.getMessage());
        }
        Keyring keyring;
        try {
            keyring = Keyring.parse(bytes);
        } catch (Keyring.KeyringException e) {
            throw new ConfigException(IntegrityPolicy.KEYRING_FILE, file + " refused: " + e.getMessage());
        }
        LOG.info("keyring {} applied from {}", keyring.digest(), file);
        return new KeyringWatcher(file, keyring, keyring.digest());
    }

    /** A fixed keyring (tests, offline commands). */
    public static KeyringWatcher fixed(Keyring keyring) {
        return new KeyringWatcher(null, keyring, null);
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

    /**
     * {@code sheratan_keyring_info{digest}} = 1 for the keyring in force (a Prometheus info metric:
     * Micrometer would strip the {@code _info} suffix from a gauge), and the reload failure counter.
     */
    public KeyringWatcher bindTo(PrometheusMeterRegistry registry) {
        info = Info.builder().name("sheratan_keyring_info").help("the keyring in force, by its SHA-256").labelNames("digest")
                .register(registry.getPrometheusRegistry());
        FunctionCounter.builder("sheratan_keyring_reload_failures", failures, AtomicLong::get)
                .description("keyring files refused (the previous keyring stayed in force)").register(registry);
        showInfo();
        return this;
    }

    private void showInfo() {
        if (info != null) {
            info.setLabelValues(current.digest());
        }
    }

    /** Checks the file now; returns true when a new keyring was applied. */
    public synchronized boolean check() {
        if (file == null) {
            return false;
        }
        try {
            byte[] bytes = read(file);
            String digest = Marks.sha256Hex(bytes);
            if (digest.equals(fileDigest)) {
                return false;
            }
            fileDigest = digest;
            Keyring next = Keyring.parse(bytes);
            current = next;
            showInfo();
            LOG.info("keyring {} applied from {}", next.digest(), file);
            listeners.forEach(l -> l.accept(next));
            return true;
        } catch (Keyring.KeyringException e) {
            failures.incrementAndGet();
            LOG.error("keyring file {} refused, keeping keyring {}: {}", file, current.digest(), e.getMessage());
        } catch (IOException e) {
            failures.incrementAndGet();
            fileDigest = null; // read it again next time
            LOG.error("keyring file {} unreadable, keeping keyring {}: {}", file, current.digest(), e.toString());
        } catch (RuntimeException e) {
            failures.incrementAndGet();
            LOG.error("keyring file {}: {}", file, e.toString());
        }
        return false;
    }

    private static byte[] read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES) {
                throw new IOException("larger than " + MAX_FILE_BYTES + " bytes");
            }
            return bytes;
        }
    }

    @Override
    public void close() {
        if (checker != null) {
            checker.shutdownNow();
        }
    }
}
