package io.sheratan.audit;

import io.sheratan.config.Setting;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Whether the audit log's disk has room (DESIGN section 9: a full or nearly full disk pauses reading,
 * nothing is lost, the sink resumes by itself). Free space below {@code SHERATAN_AUDIT_MIN_FREE_BYTES}
 * is low; so is the few seconds after a write that failed (a disk that filled faster than the check).
 * The file system is asked at most once a second.
 */
final class DiskGuard {

    static final Setting MIN_FREE_SETTING = Setting.optional("SHERATAN_AUDIT_MIN_FREE_BYTES", "the smaller of 1 GiB and 5% of the volume",
            "free bytes the audit log's disk keeps: below it the sink pauses reading (nothing is lost), /health/ready answers 503 "
                    + "disk_low and sheratan_audit_disk_low is 1, until there is room again. Suffixes KiB, MiB, GiB");
    static final Duration RECHECK = Duration.ofSeconds(1);
    static final Duration AFTER_WRITE_FAILURE = Duration.ofSeconds(5);

    private final long minFree;
    private final LongSupplier usable;
    private final Clock clock;
    private Instant checkedAt = Instant.MIN;
    private Instant failedAt = Instant.MIN;
    private volatile long free = Long.MAX_VALUE;
    private volatile String low;

    DiskGuard(long minFree, LongSupplier usable, Clock clock) {
        this.minFree = minFree;
        this.usable = usable;
        this.clock = clock;
    }

    /** The guard for {@code dir} under {@code env}; {@code localDefault}, when not null, replaces the default (the local stack's). */
    static DiskGuard of(Map<String, String> env, Path dir, Long localDefault) throws IOException {
        Files.createDirectories(dir);
        FileStore store = Files.getFileStore(dir);
        String configured = env.get(MIN_FREE_SETTING.name());
        long minFree = configured != null && !configured.isBlank() ? parseBytes(configured)
                : localDefault != null ? localDefault : Math.min(1L << 30, store.getTotalSpace() / 20);
        return new DiskGuard(minFree, () -> {
            try {
                return store.getUsableSpace();
            } catch (IOException e) {
                return 0;
            }
        }, Clock.systemUTC());
    }

    static long parseBytes(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        long unit = 1;
        for (String[] suffix : new String[][] {{"gib", "1073741824"}, {"mib", "1048576"}, {"kib", "1024"}}) {
            if (t.endsWith(suffix[0])) {
                unit = Long.parseLong(suffix[1]);
                t = t.substring(0, t.length() - suffix[0].length()).strip();
                break;
            }
        }
        try {
            long n = Long.parseLong(t);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(n, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException(MIN_FREE_SETTING.name() + "=" + text + ": expected a number of bytes, e.g. 1073741824 or 1 GiB");
        }
    }

    /** Null when there is room; else why not ({@code disk_low: ...}). Cheap: asks the file system at most once a second. */
    String check() {
        Instant now = clock.instant();
        // times ahead of now (the clock stepped back) count as long ago: a paused sink never waits for the clock
        if (!now.isBefore(checkedAt.plus(RECHECK)) || now.isBefore(checkedAt)) {
            checkedAt = now;
            free = usable.getAsLong();
        }
        if (now.isBefore(failedAt.plus(AFTER_WRITE_FAILURE)) && !now.isBefore(failedAt)) {
            low = "disk_low: a write to the audit log failed; retrying";
        } else if (free < minFree) {
            low = "disk_low: " + free + " bytes free, below " + minFree;
        } else {
            low = null;
        }
        return low;
    }

    void writeFailed() {
        failedAt = clock.instant();
        checkedAt = Instant.MIN;
    }

    /** The last answer of {@link #check()}, for health checks on other threads. */
    String lowReason() {
        return low;
    }

    long freeBytes() {
        return free;
    }

    long minFreeBytes() {
        return minFree;
    }
}
