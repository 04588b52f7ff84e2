package io.sheratan.http;

import io.sheratan.config.Setting;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one HTTP server every service uses (verifier 8789, audit sink 8790, gateway 8788): Jetty with
 * every edge bounded, so that no client can stop it from answering others. Jetty parses request
 * headers without holding a thread, so idle and half-open connections cost a socket, not a worker;
 * sockets are capped ({@link Settings#maxConnections}) and closed after {@link Settings#idleTimeout}
 * of silence; headers are capped ({@link Settings#maxHeaderBytes}); handler threads and the queue in
 * front of them are bounded. Handlers are plain blocking functions from an {@link Exchange} to a
 * {@link Reply}; routes are exact paths, or prefixes when they end with {@code /}.
 */
public final class HttpService implements AutoCloseable {

    /** Where every HTTP server listens; {@code 0.0.0.0} in containers (set by the image). */
    public static final Setting BIND_ADDRESS_SETTING = Setting.of("SHERATAN_BIND_ADDRESS", "127.0.0.1",
            "where every HTTP server listens (0.0.0.0 in the image)");
    public static final String BIND_ADDRESS = BIND_ADDRESS_SETTING.name();
    public static final String DEFAULT_BIND_ADDRESS = BIND_ADDRESS_SETTING.defaultValue();

    private static final Logger LOG = LoggerFactory.getLogger(HttpService.class);

    /** {@value #BIND_ADDRESS}, or loopback: a service is reachable from elsewhere only when asked to be. */
    public static String bindAddress(Map<String, String> env) {
        return BIND_ADDRESS_SETTING.text(env).trim();
    }

    /** Where a server listens and how much it takes at once. */
    public record Settings(String name, String bindAddress, int port, int maxThreads, int maxConnections,
                           Duration idleTimeout, int maxHeaderBytes) {

        /** Sane defaults for a small service: 16 threads, 1,024 sockets, 10 s idle, 8 KiB of headers. */
        public static Settings of(String name, String bindAddress, int port) {
            return new Settings(name, bindAddress, port, 16, 1024, Duration.ofSeconds(10), 8 * 1024);
        }

        public Settings withMaxThreads(int threads) {
            return new Settings(name, bindAddress, port, threads, maxConnections, idleTimeout, maxHeaderBytes);
        }

        public Settings withIdleTimeout(Duration timeout) {
            return new Settings(name, bindAddress, port, maxThreads, maxConnections, timeout, maxHeaderBytes);
        }
    }

    /** Answers one request; runs on a server thread and may block (bounded by the server's threads). */
    @FunctionalInterface
    public interface Route {
        Reply handle(Exchange exchange) throws Exception;
    }

    private final Settings settings;
    private final Map<String, Route> routes;
    private final Server server;
    private final ServerConnector connector;

    private HttpService(Settings settings, Map<String, Route> routes) {
        this.settings = settings;
        this.routes = routes;
        // Jetty's own advice: an unbounded job queue (a bounded one can drop its internal selector
        // tasks); the work waiting is bounded by the connection limit instead
        QueuedThreadPool threads = new QueuedThreadPool(settings.maxThreads(), Math.min(4, settings.maxThreads()), 60_000);
        threads.setName(settings.name() + "-http");
        threads.setDaemon(true);
        threads.setReservedThreads(0);
        server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(settings.maxHeaderBytes());
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        // ids travel in paths and may hold any character, '/' (as %2F) included; routes decode them
        http.setUriCompliance(UriCompliance.LEGACY);
        connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(settings.bindAddress());
        connector.setPort(settings.port());
        connector.setIdleTimeout(settings.idleTimeout().toMillis());
        connector.setAcceptQueueSize(128);
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(settings.maxConnections(), server));
        server.setHandler(new Dispatcher());
        server.setStopTimeout(2_000);
    }

    public static Builder builder(Settings settings) {
        return new Builder(settings);
    }

    /** Routes, then {@link #start()}. */
    public static final class Builder {
        private final Settings settings;
        private final Map<String, Route> routes = new LinkedHashMap<>();

        private Builder(Settings settings) {
            this.settings = settings;
        }

        /** An exact path, or every path under a prefix that ends with {@code /}. */
        public Builder route(String path, Route route) {
            routes.put(path, route);
            return this;
        }

        /** Binds and starts serving; fails naming the address when it cannot. */
        public HttpService start() {
            HttpService service = new HttpService(settings, Map.copyOf(routes));
            service.startServer();
            return service;
        }
    }

    private void startServer() {
        try {
            server.start();
        } catch (Exception e) {
            try {
                server.stop();
            } catch (Exception ignored) {
                // nothing was serving
            }
            Throwable cause = e instanceof IOException && e.getCause() instanceof BindException ? e.getCause() : e;
            throw new UncheckedIOException("cannot serve " + settings.name() + " HTTP on " + settings.bindAddress() + ":"
                    + settings.port() + ": " + cause.getMessage(), e instanceof IOException io ? io : new IOException(e));
        }
    }

    /** The port actually bound (useful when the settings asked for port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("stopping {} HTTP: {}", settings.name(), e.toString());
        }
    }

    private Route find(String path) {
        Route exact = routes.get(path);
        if (exact != null) {
            return exact;
        }
        for (Map.Entry<String, Route> route : routes.entrySet()) {
            if (route.getKey().endsWith("/") && path.startsWith(route.getKey())) {
                return route.getValue();
            }
        }
        return null;
    }

    private final class Dispatcher extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            Reply reply;
            String path = request.getHttpURI().getPath();
            Route route = path == null ? null : find(path);
            if (route == null) {
                reply = Reply.json(404, "{\"error\":\"not_found\"}");
            } else {
                Exchange exchange = new Exchange(request);
                try {
                    reply = route.handle(exchange);
                    exchange.drain();
                } catch (IOException e) {
                    reply = Reply.json(408, "{\"error\":\"request_not_read\"}");
                } catch (BadRequestException e) {
                    reply = Reply.json(400, "{\"error\":\"bad_request\",\"detail\":\"" + e.getMessage() + "\"}");
                } catch (Exception e) {
                    LOG.warn("{} {} failed: {}", request.getMethod(), path, e.toString());
                    reply = Reply.json(500, "{\"error\":\"internal\"}");
                }
            }
            response.setStatus(reply.status());
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.contentType());
            reply.headers().forEach((name, value) -> response.getHeaders().put(name, value));
            Runnable sent = reply.onSent();
            Callback done = sent == null ? callback : Callback.from(() -> {
                sent.run();
                callback.succeeded();
            }, failure -> {
                sent.run();
                callback.failed(failure);
            });
            response.write(true, ByteBuffer.wrap(reply.body()), done);
            return true;
        }
    }

    /** What a handler throws for a request it cannot read (answered 400, with this fixed message). */
    public static final class BadRequestException extends IllegalArgumentException {
        public BadRequestException(String message) {
            super(message);
        }
    }

    /** The longest a request body may take to arrive, however steadily it trickles. */
    public static final Duration BODY_DEADLINE = Duration.ofSeconds(30);

    /** One request as a handler sees it. */
    public static final class Exchange {
        /** The most of an unread body drained before a reply (see {@link #drain()}). */
        static final long DRAIN_LIMIT = 4L * 1024 * 1024;
        static final Duration DRAIN_TIME = Duration.ofSeconds(2);

        private final Request request;
        private InputStream body;
        private long deadline;
        private Fields query;

        Exchange(Request request) {
            this.request = request;
        }

        public String method() {
            return request.getMethod();
        }

        /** The decoded path. */
        public String path() {
            return request.getHttpURI().getDecodedPath();
        }

        /** The path as sent, percent-encoding intact. */
        public String rawPath() {
            return request.getHttpURI().getPath();
        }

        public String header(String name) {
            return request.getHeaders().get(name);
        }

        /** A query parameter's first value, or null; a query that is not UTF-8 is a {@link BadRequestException} (400). */
        public String query(String name) {
            if (query == null) {
                try {
                    query = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
                } catch (RuntimeException e) {
                    throw new BadRequestException("the query string is not valid percent-encoded UTF-8");
                }
            }
            Fields.Field field = query.get(name);
            return field == null ? null : field.getValue();
        }

        public String remoteAddress() {
            SocketAddress remote = request.getConnectionMetaData().getRemoteSocketAddress();
            return remote instanceof InetSocketAddress inet && inet.getAddress() != null
                    ? inet.getAddress().getHostAddress() : String.valueOf(remote);
        }

        /** The declared body length, or -1 when the client did not declare one. */
        public long declaredLength() {
            return request.getLength();
        }

        /**
         * Reads at most {@code max + 1} bytes of the body, so that the caller can tell "exactly max"
         * from "more than max" without reading an unbounded body. A client that stops sending meets
         * the idle timeout; one that trickles a byte now and then meets {@link #BODY_DEADLINE} (both
         * an {@link IOException}, answered 408): a slow body cannot hold a thread for long.
         */
        public byte[] readBody(int max) throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream(Math.min(max + 1, 64 * 1024));
            read(max + 1, body);
            return body.toByteArray();
        }

        /**
         * Reads and discards what is left of the body, up to {@link #DRAIN_LIMIT} and for at most
         * {@link #DRAIN_TIME}, before the reply is written: a client still sending a refused body (a
         * 413, a 401, a 429) then reads its answer instead of a reset connection. A bigger or slower
         * body is not waited for: Jetty closes the connection, and the thread is free again.
         */
        void drain() {
            long cap = System.nanoTime() + DRAIN_TIME.toNanos();
            deadline = body == null ? cap : Math.min(deadline, cap);
            if (body == null) {
                body = Content.Source.asInputStream(request);
            }
            try {
                read(DRAIN_LIMIT, null);
            } catch (IOException e) {
                // the reply stands; the rest of the body is not waited for and Jetty closes the connection
            }
        }

        /** Reads up to {@code max} bytes of the body into {@code into} (null: discard), within the body deadline. */
        private void read(long max, ByteArrayOutputStream into) throws IOException {
            if (body == null) {
                body = Content.Source.asInputStream(request);
                deadline = System.nanoTime() + BODY_DEADLINE.toNanos();
            }
            byte[] chunk = new byte[16 * 1024];
            long done = 0;
            int n;
            while (done < max && (n = body.read(chunk, 0, (int) Math.min(chunk.length, max - done))) >= 0) {
                if (into != null) {
                    into.write(chunk, 0, n);
                }
                done += n;
                if (System.nanoTime() > deadline) {
                    throw new IOException("request body not received within " + BODY_DEADLINE);
                }
            }
        }
    }

    /**
     * What a handler answers.
     *
     * @param onSent run once the body was written to the client or the write failed (null: nothing),
     *               e.g. to release what bounds the bytes a slow reader keeps in memory
     */
    public record Reply(int status, String contentType, byte[] body, Map<String, String> headers, Runnable onSent) {

        public Reply(int status, String contentType, byte[] body, Map<String, String> headers) {
            this(status, contentType, body, headers, null);
        }

        public static Reply json(int status, String json) {
            return new Reply(status, "application/json", json.getBytes(StandardCharsets.UTF_8), Map.of());
        }

        public static Reply text(int status, String contentType, String text) {
            return new Reply(status, contentType, text.getBytes(StandardCharsets.UTF_8), Map.of());
        }

        public Reply withHeader(String name, String value) {
            Map<String, String> more = new LinkedHashMap<>(headers);
            more.put(name, value);
            return new Reply(status, contentType, body, Map.copyOf(more), onSent);
        }
    }
}
