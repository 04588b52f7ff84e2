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
        // ports below 1024 are never probe ports (reserve binds nothing): only this test marks them
        assertTrue(EmbeddedKafka.reserve(501, 502));
        assertFalse(EmbeddedKafka.reserve(502, 503), "a pair with a handed-out port is refused");
        assertTrue(EmbeddedKafka.reserve(503), "a refused pair marks none of its ports");
        assertFalse(EmbeddedKafka.reserve(504, handedOut));
        assertTrue(EmbeddedKafka.reserve(504));
    }
}
