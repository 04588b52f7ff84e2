package io.sheratan.http;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import org.assertj.core.api.Assertions;

/** The edges every service relies on: idle and half-open clients, huge headers, bodies that stop. */
class HttpServiceTest {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<Socket> sockets = new ArrayList<>();
    private HttpService service;

    @AfterEach
    void stop() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        if (service != null) {
            service.close();
        }
    }

    private HttpService start(HttpService.Settings settings) {
        service = HttpService.builder(settings)
                .route("/health", e -> HttpService.Reply.json(200, "{\"status\":\"up\"}"))
                .route("/echo", e -> {
                    byte[] body = e.readBody(16);
                    return body.length > 16 ? HttpService.Reply.json(413, "{}") : HttpService.Reply.json(200, "{\"n\":" + body.length + "}");
                })
                .route("/items/", e -> HttpService.Reply.json(200, "{\"q\":\"" + e.query("q") + "\",\"path\":\"" + e.path() + "\"}"))
                .start();
        return service;
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + path))
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldAnswerWhileTwoHundredHalfOpenConnectionsHang() throws Exception {
        start(HttpService.Settings.of("test", "127.0.0.1", 0).withMaxThreads(6));
        for (int i = 0; i < 200; i++) {
            Socket socket = new Socket("127.0.0.1", service.port());
            sockets.add(socket);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow-" + i + ": ").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        for (int i = 0; i < 100; i++) {
            sockets.add(new Socket("127.0.0.1", service.port())); // idle: connected, nothing sent
        }

        long started = System.nanoTime();
        HttpResponse<String> response = get("/health");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void shouldRefuseHeadersBeyondTheLimit() throws Exception {
        start(HttpService.Settings.of("test", "127.0.0.1", 0));
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + "/health"))
                .header("X-Big", "a".repeat(20_000)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(431);
    }

    @Test
    void shouldAnswer408WhenABodyStopsArriving() throws Exception {
        start(HttpService.Settings.of("test", "127.0.0.1", 0).withIdleTimeout(Duration.ofMillis(500)));
        try (Socket socket = new Socket("127.0.0.1", service.port())) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 408");
        }
        assertThat(get("/health").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAnswerAClientStillSendingABodyTheRouteRefused() throws Exception {
        start(HttpService.Settings.of("test", "127.0.0.1", 0));
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + "/echo"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1_100_000])).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("round %d", i).isEqualTo(413);
        }
    }

    @Test
    void shouldRouteExactPathsAndPrefixes() throws Exception {
        start(HttpService.Settings.of("test", "127.0.0.1", 0));
        assertThat(get("/items/a%20b?q=x").body()).isEqualTo("{\"q\":\"x\",\"path\":\"/items/a b\"}");
        assertThat(get("/nothing").statusCode()).isEqualTo(404);
        assertThat(get("/health/extra").statusCode()).isEqualTo(404);
    }

    @Test
    void shouldNameTheAddressWhenThePortIsTaken() {
        start(HttpService.Settings.of("test", "127.0.0.1", 0));
        int taken = service.port();
        Assertions.assertThatThrownBy(() ->
                        HttpService.builder(HttpService.Settings.of("second", "127.0.0.1", taken)).start())
                .hasMessageContaining("127.0.0.1:" + taken);
    }
}
