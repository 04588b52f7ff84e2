package io.sheratan.audit;

import io.sheratan.http.HttpService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The tile endpoint against readers that take a large tile and do not read it. */
class AuditHttpTest {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void shouldAnswer429RatherThanHoldMoreTileBytesThanItsBoundForReadersThatDoNotRead(@TempDir Path dir) throws Exception {
        byte[] bundle = new byte[AuditHttp.MAX_TILE_BYTES_IN_FLIGHT]; // one takes the whole budget
        new Random(7).nextBytes(bundle);
        Path file = dir.resolve("tile/entries/000");
        Files.createDirectories(file.getParent());
        Files.write(file, bundle);
        String path = "/audit/tlog/tile/entries/000";
        try (HttpService service = HttpService.builder(HttpService.Settings.of("audit-test", "127.0.0.1", 0))
                .route("/audit/", new AuditHttp(null, dir)).start()) {
            Files.writeString(dir.resolve("checkpoint"), "sheratan.local/audit\n1\nroot\n");
            try (Socket stalled = new Socket()) {
                stalled.setReceiveBufferSize(4096); // before connecting: the bundle stays with the server
                stalled.connect(new java.net.InetSocketAddress("127.0.0.1", service.port()));
                stalled.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                InputStream in = stalled.getInputStream();
                byte[] status = in.readNBytes("HTTP/1.1 200".length());
                assertThat(new String(status, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
                // the stalled reader holds the bundle (far more than the socket buffers take): a second is refused
                HttpResponse<byte[]> second = get(service, path);
                assertThat(second.statusCode()).isEqualTo(429);
                assertThat(second.headers().firstValue("Retry-After")).contains("1");
                assertThat(get(service, "/audit/tlog/tile/entries/001").statusCode()).as("a missing tile is still 404").isEqualTo(404);
                assertThat(get(service, "/audit/tlog/checkpoint").statusCode()).as("the checkpoint is outside the budget").isEqualTo(200);
            }
            // the stalled reader went away: its bytes are released once the write fails
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            HttpResponse<byte[]> again = get(service, path);
            while (again.statusCode() == 429 && System.nanoTime() < deadline) {
                Thread.sleep(100);
                again = get(service, path);
            }
            assertThat(again.statusCode()).isEqualTo(200);
            assertThat(again.body()).isEqualTo(bundle);
            // a reply read in full releases its bytes (once Jetty reports the write done: a moment after the client has them)
            HttpResponse<byte[]> third = get(service, path);
            while (third.statusCode() == 429 && System.nanoTime() < deadline) {
                Thread.sleep(100);
                third = get(service, path);
            }
            assertThat(third.statusCode()).isEqualTo(200);
        }
    }

    private HttpResponse<byte[]> get(HttpService service, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + path))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
