package io.sheratan.keys;

import io.sheratan.config.ConfigException;
import io.sheratan.integrity.Keyring;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The keyring file as an operator edits it (DESIGN.md 3c): every bad case gives a clear, immediate
 * answer — no hang, no silent stop, no false alarm — and {@code reloadOk} says whether the file on
 * disk is the one in force.
 */
class KeyringWatcherTest {

    @TempDir Path dir;
    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final List<Keyring> applied = new ArrayList<>();

    private static String keyring(String keyId) {
        byte[] secret = new byte[32];
        secret[0] = (byte) keyId.hashCode();
        return "{\"keys\":[{\"key_id\":\"" + keyId + "\",\"alg\":\"hmac-sha256\",\"secret\":\""
                + Base64.getEncoder().encodeToString(secret) + "\"}],\"tokens\":[]}";
    }

    private Path file() throws Exception {
        Path file = dir.resolve("keyring.json");
        Files.writeString(file, keyring("first"));
        return file;
    }

    private KeyringWatcher watch(Path file) {
        return KeyringWatcher.watching(file, clock::get, false).listen(applied::add);
    }

    @Test
    void shouldRefuseAMergeConflictOnceAndStayNotOkWhileItStays() throws Exception {
        Path file = file();
        try (KeyringWatcher watcher = watch(file)) {
            Files.writeString(file, keyring("second") + "\n<<<<<<< HEAD\n");
            for (int i = 0; i < 5; i++) {
                assertThat(watcher.check()).isFalse();
            }
            assertThat(watcher.reloadFailures()).as("counted once, however long it stays").isEqualTo(1);
            assertThat(watcher.reloadOk()).isZero();
            assertThat(watcher.get().key("first")).isPresent();

            Files.writeString(file, keyring("second"));
            watcher.check();
            assertThat(watcher.check()).as("applied at the second read of the same bytes").isTrue();
            assertThat(watcher.reloadOk()).isEqualTo(1);
            assertThat(watcher.get().key("second")).isPresent();
            assertThat(applied).hasSize(2);
        }
    }

    @Test
    void shouldTreatAFileMissingForLessThanTenSecondsAsNoChange() throws Exception {
        Path file = file();
        try (KeyringWatcher watcher = watch(file)) {
            // a save by rename: the file is briefly missing, then the same bytes are back
            Path saved = dir.resolve("keyring.json.tmp");
            Files.move(file, saved);
            watcher.check();
            clock.addAndGet(9_000);
            watcher.check();
            Files.move(saved, file, StandardCopyOption.ATOMIC_MOVE);
            watcher.check();
            watcher.check();
            assertThat(watcher.reloadFailures()).isZero();
            assertThat(watcher.reloadOk()).isEqualTo(1);
            assertThat(applied).as("no second KEYRING_APPLIED for the same file").hasSize(1);

            Files.delete(file);
            watcher.check();
            clock.addAndGet(KeyringWatcher.MISSING_GRACE.toMillis());
            watcher.check();
            watcher.check();
            assertThat(watcher.reloadFailures()).as("missing for 10 s: counted once").isEqualTo(1);
            assertThat(watcher.reloadOk()).isZero();
            assertThat(watcher.get().key("first")).as("the keyring in force stays").isPresent();
        }
    }

    @Test
    void shouldNotApplyAFileReadOnlyOnceWhileItIsWritten() throws Exception {
        Path file = file();
        try (KeyringWatcher watcher = watch(file)) {
            String next = keyring("second");
            Files.writeString(file, next.substring(0, next.length() / 2));
            assertThat(watcher.check()).isFalse();
            Files.writeString(file, next);
            assertThat(watcher.check()).as("other bytes than at the last check: wait").isFalse();
            assertThat(watcher.check()).isTrue();
            assertThat(watcher.reloadFailures()).as("the half-written file was never parsed").isZero();
            assertThat(watcher.get().key("second")).isPresent();
        }
    }

    @Test
    void shouldAnswerAtOnceForAFifoAtStartAndWhileRunning() throws Exception {
        Path fifo = dir.resolve("fifo.json");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            assertThatThrownBy(() -> KeyringWatcher.watching(fifo, clock::get, false))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("SHERATAN_KEYRING_FILE").hasMessageContaining("not a regular file");
        });
        Path file = file();
        try (KeyringWatcher watcher = watch(file)) {
            Files.delete(file);
            assertThat(new ProcessBuilder("mkfifo", file.toString()).start().waitFor()).isZero();
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThat(watcher.check()).isFalse());
            assertThat(watcher.reloadFailures()).isEqualTo(1);
            assertThat(watcher.reloadOk()).isZero();
        }
    }

    @Test
    void shouldKeepWatchingAndAnnouncingAfterAListenersError() throws Exception {
        Path file = file();
        AtomicInteger calls = new AtomicInteger();
        List<Keyring> announced = new ArrayList<>();
        try (KeyringWatcher watcher = KeyringWatcher.watching(file, System::currentTimeMillis, true)) {
            watcher.listen(k -> {
                if (calls.incrementAndGet() == 2) {
                    throw new StackOverflowError("a listener's error"); // an Error, not an Exception
                }
            });
            watcher.listen(announced::add);
            Files.writeString(file, keyring("second"));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (announced.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(announced).as("the next listener still hears of the keyring").hasSize(2);
            Files.writeString(file, keyring("third"));
            while (watcher.get().key("third").isEmpty() && System.nanoTime() < deadline + Duration.ofSeconds(10).toNanos()) {
                Thread.sleep(50);
            }
            assertThat(watcher.get().key("third")).as("the watcher outlived the error").isPresent();
            assertThat(watcher.reloadOk()).isEqualTo(1);
            assertThat(watcher.reloadFailures()).as("the keyrings were applied: no reload failed").isZero();
        }
    }

    @Test
    void shouldSayNotOkForAFileThatNeverReadsTheSameTwice() throws Exception {
        Path file = file();
        try (KeyringWatcher watcher = watch(file)) {
            for (int i = 0; i < 12; i++) {
                Files.writeString(file, keyring("rewritten-" + i));
                watcher.check();
                clock.addAndGet(1_000);
            }
            assertThat(watcher.get().key("first")).as("never applied half-way").isPresent();
            assertThat(watcher.reloadOk()).as("changing for more than 10 s").isZero();
            assertThat(watcher.reloadFailures()).isEqualTo(1);
            assertThat(watcher.check()).as("settled (the same bytes as at the last check): applied").isTrue();
            assertThat(watcher.reloadOk()).isEqualTo(1);
        }
    }

    @Test
    void shouldNameTheProblemOfABadFileAtStart() throws Exception {
        Path file = dir.resolve("conflict.json");
        Files.writeString(file, "{\"keys\":[],\"tokens\":[]} <<<<<<< HEAD", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> KeyringWatcher.watching(file, clock::get, false))
                .isInstanceOf(ConfigException.class).hasMessageContaining("one JSON document");
        assertThatThrownBy(() -> KeyringWatcher.watching(dir.resolve("absent.json"), clock::get, false))
                .isInstanceOf(ConfigException.class).hasMessageContaining("no such file");
    }
}
