package io.sheratan.audit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sheratan.tlog.Checkpoint;
import io.sheratan.tlog.Cosignature;
import io.sheratan.tlog.Note;
import io.sheratan.tlog.NoteKeys;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Clock;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** SHERATAN_AUDIT_WITNESSES refused by entry, and a witness that is down costs its cosignature, never the checkpoint. */
class WitnessesTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void refusesASettingNamingTheEntryThatIsWrong() throws Exception {
        NoteKeys.Signer witness = NoteKeys.fromSeed("w.example/w1", new byte[32], Cosignature.ALG);
        NoteKeys.Signer log = NoteKeys.fromSeed("example.com/log", new byte[32]);
        String key = witness.verifier().encoded();
        assertThat(Witnesses.parse(" " + key + "@http://127.0.0.1:1 ", registry)).hasSize(1);
        assertThat(Witnesses.parse("", registry)).isEmpty();
        assertThatThrownBy(() -> Witnesses.parse(key, registry)).hasMessageContaining("is not <verifier key>@<http(s) url>");
        assertThatThrownBy(() -> Witnesses.parse(log.verifier().encoded() + "@http://127.0.0.1:1", registry))
                .hasMessageContaining("it is a log key");
        assertThatThrownBy(() -> Witnesses.parse(key + "@http://a:1," + key + "@http://b:1", registry)).hasMessageContaining("given twice");
    }

    @Test
    void publishesTheCheckpointWithoutTheCosignatureOfAWitnessThatIsDownAndCountsIt() throws Exception {
        java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
        try (ServerSocket socket = new ServerSocket(0)) {
            Thread refuser = new Thread(() -> { // a witness that hangs up on every request
                while (!socket.isClosed()) {
                    try (java.net.Socket s = socket.accept()) {
                        attempts.incrementAndGet();
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            refuser.setDaemon(true);
            refuser.start();
            NoteKeys.Signer witness = NoteKeys.fromSeed("w.example/w1", new byte[32], Cosignature.ALG);
            NoteKeys.Signer log = NoteKeys.fromSeed("example.com/log", new byte[32]);
            Witnesses witnesses = new Witnesses(Witnesses.parse(witness.verifier().encoded() + "@http://127.0.0.1:" + socket.getLocalPort(),
                    registry), Clock.systemUTC());
            Checkpoint checkpoint = new Checkpoint(log.name(), 3, new byte[32]);
            String note = Note.sign(checkpoint.text(), log);
            assertThat(witnesses.cosign(note, checkpoint, old -> List.of())).isEqualTo(note);
            int tried = attempts.get();
            assertThat(tried).isPositive();
            assertThat(witnesses.cosign(note, checkpoint, old -> List.of())).isEqualTo(note); // backing off: not even tried
            assertThat(attempts.get()).isEqualTo(tried);
            assertThat(registry.get("sheratan_audit_cosignatures_missing_total").tag("witness", "w.example/w1").counter().count()).isEqualTo(2.0);
        }
    }
}
