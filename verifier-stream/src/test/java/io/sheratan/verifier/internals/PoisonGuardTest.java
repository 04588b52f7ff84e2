package io.sheratan.verifier.internals;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PoisonGuardTest {

    private final PoisonGuard guard = new PoisonGuard();

    @Test
    void shouldCountAttemptsOnlyForOffsetsThatNeverEnded() {
        assertThat(guard.begin("t", 0, 5)).isEqualTo(1);
        guard.done("t", 0, 5);
        assertThat(guard.begin("t", 0, 6)).isEqualTo(1);
        guard.done("t", 0, 6);
        assertThat(guard.looping()).isFalse();
    }

    @Test
    void shouldCountTheDeathOfAnOffsetEvenWhenExactlyOnceReplaysEarlierOnesFirst() {
        // offsets 3..5 in one transaction; 5 kills the thread; the replacement starts again at 3
        for (int round = 1; round <= 3; round++) {
            for (long offset = 3; offset <= 4; offset++) {
                assertThat(guard.begin("t", 1, offset)).isEqualTo(1);
                guard.done("t", 1, offset);
            }
            assertThat(guard.begin("t", 1, 5)).as("round %d", round).isEqualTo(round);
            // no done: the thread died
        }
        assertThat(guard.looping()).isTrue();
        guard.begin("t", 1, 3);
        guard.done("t", 1, 3);
        assertThat(guard.begin("t", 1, 5)).isEqualTo(4);
        guard.done("t", 1, 5);
        assertThat(guard.looping()).isFalse();
    }

    @Test
    void shouldNotCountInfrastructureFaults() {
        guard.begin("t", 2, 9);
        guard.forgive("t", 2, 9);
        assertThat(guard.begin("t", 2, 9)).isEqualTo(1);
        assertThat(guard.looping()).isFalse();
    }

    @Test
    void shouldKeepPartitionsApart() {
        guard.begin("t", 0, 1);
        assertThat(guard.begin("t", 1, 1)).isEqualTo(1);
        assertThat(guard.begin("u", 0, 1)).isEqualTo(1);
    }
}
