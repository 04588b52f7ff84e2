package io.sheratan.witness;

import io.sheratan.tlog.Checkpoint;
import io.sheratan.tlog.Cosignature;
import io.sheratan.tlog.Merkle;
import io.sheratan.tlog.Note;
import io.sheratan.tlog.NoteKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The witness over HTTP: add-checkpoint as C2SP names it, the monitoring path, and its settings refused by name. */
class WitnessAppTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void servesAddCheckpointAndTheLatestCosignedCheckpoint(@TempDir Path dir) throws Exception {
        NoteKeys.Signer log = NoteKeys.fromSeed("example.com/log", new byte[32]);
        try (WitnessApp app = new WitnessApp(Map.of("SHERATAN_WITNESS_LOGS", log.verifier().encoded()), dir, "127.0.0.1", 0).start()) {
            String base = "http://127.0.0.1:" + app.httpPort();
            String note = Note.sign(new Checkpoint(log.name(), 1, Merkle.leafHash(new byte[]{1})).text(), log);
            HttpResponse<String> cosigned = post(base + "/add-checkpoint", "old 0\n\n" + note);
            assertThat(cosigned.statusCode()).as(cosigned.body()).isEqualTo(200);
            assertThat(Cosignature.verify(Note.parse(note + cosigned.body()), app.verifier())).isPositive();
            HttpResponse<String> again = post(base + "/add-checkpoint", "old 0\n\n" + note);
            assertThat(again.statusCode()).isEqualTo(409);
            assertThat(again.headers().firstValue("Content-Type").orElse("")).isEqualTo("text/x.tlog.size");
            assertThat(again.body()).isEqualTo("1\n");
            assertThat(post(base + "/add-checkpoint", "nonsense").statusCode()).isEqualTo(400);
            assertThat(get(base + "/add-checkpoint").statusCode()).isEqualTo(405);

            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(log.name().getBytes(StandardCharsets.UTF_8)));
            HttpResponse<String> monitored = get(base + "/monitor/" + hash + "/checkpoint");
            assertThat(monitored.statusCode()).isEqualTo(200);
            assertThat(monitored.body()).isEqualTo(note + cosigned.body());
            assertThat(get(base + "/monitor/" + "00".repeat(32) + "/checkpoint").statusCode()).isEqualTo(404);
            assertThat(get(base + "/monitor/" + hash + "/checkpoint/").statusCode()).isEqualTo(404);
            assertThat(post(base + "/monitor/" + hash + "/checkpoint", "").statusCode()).isEqualTo(405);
            assertThat(get(base + "/metrics").body()).contains("sheratan_witness_requests_total{status=\"409\"}");
        }
    }

    @Test
    void refusesToForgetWhatItCosignedUnlessToldToStartOver(@TempDir Path dir) throws Exception {
        NoteKeys.Signer log = NoteKeys.fromSeed("example.com/log", new byte[32]);
        Map<String, String> env = Map.of("SHERATAN_WITNESS_LOGS", log.verifier().encoded());
        new WitnessApp(env, dir, "127.0.0.1", 0).close(); // first start: key and state made
        assertThat(dir.resolve("witness-key.pem")).exists();
        assertThat(dir.resolve("state")).exists();
        java.nio.file.Files.delete(dir.resolve("state"));
        assertThatThrownBy(() -> new WitnessApp(env, dir, "127.0.0.1", 0)).hasMessageContaining("missing while its key exists")
                .hasMessageContaining("--new-state");
        new WitnessApp(env, dir, "127.0.0.1", 0, true).close();
        assertThat(dir.resolve("state")).exists();
    }

    @Test
    void refusesToStartWithoutLogsOrWithALogKeyThatIsNotOne(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> new WitnessApp(Map.of(), dir, "127.0.0.1", 0)).hasMessageContaining("SHERATAN_WITNESS_LOGS is empty");
        NoteKeys.Signer witness = NoteKeys.fromSeed("w", new byte[32], Cosignature.ALG);
        assertThatThrownBy(() -> WitnessApp.logs(Map.of("SHERATAN_WITNESS_LOGS", witness.verifier().encoded())))
                .hasMessageContaining("SHERATAN_WITNESS_LOGS").hasMessageContaining("witness key");
        NoteKeys.Signer log = NoteKeys.fromSeed("example.com/log", new byte[32]);
        assertThatThrownBy(() -> new WitnessApp(witness, List.of(log.verifier(), log.verifier()), dir.resolve("s"), "127.0.0.1", 0))
                .hasMessageContaining("two keys for the log");
    }

    private HttpResponse<String> post(String url, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
