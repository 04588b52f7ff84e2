package io.sheratan.kafka.embedded;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A broker refuses two listeners on one port, and the kernel may offer a probe port again as soon as
 * its socket closes (a CI run once failed on exactly that): ports from {@link EmbeddedKafka#freePort}
 * never repeat within a JVM.
 */
class FreePortTest {

    @Test
    void freePortsNeverRepeatWithinTheJvm() {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            int port = EmbeddedKafka.freePort();
            assertTrue(seen.add(port), "port " + port + " handed out twice");
        }
    }

    @Test
    void aReservationIsAllOrNothing() {
        int handedOut = EmbeddedKafka.freePort();
        assertFalse(EmbeddedKafka.reserve(handedOut), "a port handed out before is not reserved again");
        int unused = 0;
        for (int candidate = 40000; candidate < 60000 && unused == 0; candidate++) {
            if (candidate != handedOut && EmbeddedKafka.reserve(candidate, candidate + 1)) {
                unused = candidate + 2; // the next one, probably unmarked: checked below
            }
        }
        if (!EmbeddedKafka.reserve(unused, handedOut)) {
            assertTrue(EmbeddedKafka.reserve(unused), "a refused pair marks none of its ports");
        } else {
            throw new AssertionError("a pair with a handed-out port was reserved");
        }
    }
}
