package io.sheratan.audit;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The disk check's own clock: rechecks at most once a second, and never waits for a clock that stepped back. */
class DiskGuardTest {

    private Instant now = Instant.parse("2026-12-05T10:00:00Z");

    private Clock clock() {
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now;
            }
        };
    }

    @Test
    void shouldSeeRoomAgainAfterTheClockSteppedBack() {
        AtomicLong free = new AtomicLong(10);
        DiskGuard disk = new DiskGuard(1_000, free::get, clock());
        assertThat(disk.check()).contains("10 bytes free");
        free.set(1_000_000);
        assertThat(disk.check()).as("within the second: the last answer").contains("10 bytes free");
        now = now.minus(Duration.ofHours(1));
        assertThat(disk.check()).as("a check dated ahead of now counts as long ago").isNull();
    }

    @Test
    void shouldNotHoldAWriteFailureForTheTimeTheClockSteppedBack() {
        DiskGuard disk = new DiskGuard(0, () -> Long.MAX_VALUE, clock());
        disk.writeFailed();
        assertThat(disk.check()).contains("a write to the audit log failed");
        now = now.minus(Duration.ofHours(1));
        assertThat(disk.check()).isNull();
        now = now.plus(Duration.ofHours(1)).plus(DiskGuard.AFTER_WRITE_FAILURE);
        assertThat(disk.check()).isNull();
    }
}
