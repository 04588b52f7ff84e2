package io.sheratan.witness;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sheratan.config.EnvParsers;
import io.sheratan.config.Setting;
import io.sheratan.http.HttpService;
import io.sheratan.http.HttpService.Reply;
import io.sheratan.tlog.Cosignature;
import io.sheratan.tlog.NoteException;
import io.sheratan.tlog.NoteKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * {@code sheratan witness} as a service (DESIGN section 9, Witnesses): a {@link Witness} behind HTTP on
 * {@code SHERATAN_WITNESS_PORT} (8791): {@code POST /add-checkpoint} (C2SP tlog-witness),
 * {@code GET /monitor/<sha256 of origin, hex>/checkpoint} (the latest checkpoint it cosigned, with its
 * cosignature: the spec's monitoring prefix is {@code /monitor}), {@code /health/live},
 * {@code /health/ready} and {@code /metrics}. Its key, name and state file are its own.
 */
public final class WitnessApp implements AutoCloseable {

    public static final Setting PORT_SETTING = Setting.of("SHERATAN_WITNESS_PORT", "8791", "the witness's HTTP port");
    public static final Setting NAME_SETTING = Setting.of("SHERATAN_WITNESS_NAME", "sheratan.local/witness",
            "the witness's name: the name in its cosignature lines and its verifier key");
    public static final Setting KEY_FILE_SETTING = Setting.optional("SHERATAN_WITNESS_KEY_FILE", "`$SHERATAN_DATA_DIR/witness/witness-key.pem`",
            "the witness's Ed25519 key (PKCS#8 PEM); generated there (0600) when missing");
    public static final Setting LOGS_SETTING = Setting.optional("SHERATAN_WITNESS_LOGS", null,
            "the logs the witness follows: their verifier keys (`<origin>+<id>+<base64>`), comma separated; required");
    public static final List<Setting> SETTINGS = List.of(PORT_SETTING, NAME_SETTING, KEY_FILE_SETTING, LOGS_SETTING);
    private static final Logger LOG = LoggerFactory.getLogger(WitnessApp.class);

    private final Witness witness;
    private final WitnessState state;
    /** The monitoring path names a log by the hex SHA-256 of its origin. */
    private final Map<String, String> originsByHash = new java.util.HashMap<>();
    private final HttpService.Settings settings;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private HttpService http;

    /**
     * @param dir where its key ({@code witness-key.pem}, unless the key file is given) and state file live
     */
    public WitnessApp(Map<String, String> env, Path dir, String bindAddress, int port) {
        this(env, dir, bindAddress, port, false);
    }

    /**
     * @param newState start with an empty state even though the witness's key exists (an explicit new
     *                 start: by itself, a witness whose state is gone refuses to start)
     */
    public WitnessApp(Map<String, String> env, Path dir, String bindAddress, int port, boolean newState) {
        this(logs(env), dir.resolve("state"), bindAddress, port, Files.exists(keyFile(env, dir)) && !newState, key(env, dir));
    }

    /** A witness with a key of the caller's; the state file is created when missing. */
    public WitnessApp(NoteKeys.Signer key, List<NoteKeys.Verifier> logs, Path stateFile, String bindAddress, int port) {
        this(logs, stateFile, bindAddress, port, false, key);
    }

    private WitnessApp(List<NoteKeys.Verifier> logs, Path stateFile, String bindAddress, int port, boolean stateExpected, NoteKeys.Signer key) {
        io.sheratan.ed25519.Ed25519.requireConfiguredBackend(); // a wrong -Dsheratan.ed25519 fails here, before anything opens
        try {
            this.state = WitnessState.open(stateFile, !stateExpected);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the witness state " + stateFile + ": " + e.getMessage(), e);
        }
        Witness made;
        try {
            made = new Witness(key, logs, state, Clock.systemUTC());
        } catch (RuntimeException e) {
            closeQuietly(state);
            throw e;
        }
        this.witness = made;
        for (String origin : made.origins()) {
            originsByHash.put(HexFormat.of().formatHex(sha256(origin.getBytes(StandardCharsets.UTF_8))), origin);
        }
        this.settings = HttpService.Settings.of("witness", bindAddress, port);
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static Path keyFile(Map<String, String> env, Path dir) {
        String configured = EnvParsers.get(env, KEY_FILE_SETTING.name());
        return configured != null ? Path.of(configured) : dir.resolve("witness-key.pem");
    }

    private static void closeQuietly(WitnessState state) {
        try {
            state.close();
        } catch (IOException ignored) {
            // already failing
        }
    }

    /** The witness key: the key file, else {@code witness-key.pem} in {@code dir} (generated when missing). */
    public static NoteKeys.Signer key(Map<String, String> env, Path dir) {
        String configured = EnvParsers.get(env, KEY_FILE_SETTING.name());
        Path file = keyFile(env, dir);
        try {
            if (configured != null && !Files.exists(file)) {
                throw new IllegalArgumentException(KEY_FILE_SETTING.name() + "=" + configured + ": no such file (unset it to have one generated)");
            }
            return NoteKeys.loadOrGenerate(file, NAME_SETTING.text(env), Cosignature.ALG);
        } catch (NoteException e) {
            throw new IllegalArgumentException(NAME_SETTING.name() + ": " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(KEY_FILE_SETTING.name() + " (" + file + ") is not an Ed25519 PKCS#8 PEM private key: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write the witness key " + file, e);
        }
    }

    /** The log keys of {@code SHERATAN_WITNESS_LOGS}; refused naming the one that is wrong, or when none is given. */
    public static List<NoteKeys.Verifier> logs(Map<String, String> env) {
        String setting = EnvParsers.get(env, LOGS_SETTING.name());
        if (setting == null || setting.isBlank()) {
            throw new IllegalArgumentException(LOGS_SETTING.name() + " is empty: give the verifier key of each log to follow "
                    + "(sheratan audit log-key prints an audit log's)");
        }
        List<NoteKeys.Verifier> logs = new ArrayList<>();
        for (String item : setting.split(",")) {
            try {
                logs.add(NoteKeys.parseVerifier(item.strip()));
            } catch (NoteException e) {
                throw new IllegalArgumentException(LOGS_SETTING.name() + ": '" + item.strip() + "' is refused: " + e.getMessage());
            }
        }
        return logs;
    }

    public WitnessApp start() {
        http = HttpService.builder(settings)
                .route("/add-checkpoint", this::addCheckpoint)
                .route("/monitor/", this::monitor)
                .route("/metrics", e -> Reply.text(200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()))
                .route("/health/live", e -> Reply.json(200, "{\"status\":\"up\"}"))
                .route("/health/ready", e -> Reply.json(200, "{\"status\":\"up\",\"logs\":" + witness.origins().size() + "}"))
                .route("/health", e -> Reply.json(200, "{\"status\":\"up\",\"logs\":" + witness.origins().size() + "}"))
                .start();
        LOG.info("witness {} follows {}; verifier key {}", witness.verifier().name(), witness.origins(), witness.verifier().encoded());
        return this;
    }

    private Reply addCheckpoint(HttpService.Exchange exchange) throws IOException {
        if (!"POST".equals(exchange.method())) {
            return Reply.text(405, "text/plain; charset=utf-8", "POST only\n");
        }
        byte[] body = exchange.readBody(Witness.MAX_REQUEST_BYTES);
        Witness.Answer answer = witness.addCheckpoint(body);
        // the status is the label: a handful of values, whatever the request says
        Counter.builder("sheratan_witness_requests_total").tag("status", String.valueOf(answer.status()))
                .description("add-checkpoint requests by answer").register(registry).increment();
        if (answer.status() == 403 || answer.status() == 422) {
            // evidence of a log misbehaving (or of someone holding its key): worth a line; malformed requests are not
            LOG.warn("add-checkpoint refused ({}): {}", answer.status(), answer.body().strip());
        }
        return Reply.text(answer.status(), answer.contentType(), answer.body());
    }

    /** {@code GET /monitor/<hex SHA-256 of the origin>/checkpoint}: the latest cosigned checkpoint of that log. */
    private Reply monitor(HttpService.Exchange exchange) {
        if (!"GET".equals(exchange.method())) {
            return Reply.text(405, "text/plain; charset=utf-8", "GET only\n");
        }
        String path = exchange.path();
        String[] parts = path.split("/", -1);
        if (parts.length != 4 || !parts[3].equals("checkpoint")) {
            return Reply.text(404, "text/plain; charset=utf-8", "not found\n");
        }
        String origin = originsByHash.get(parts[2]);
        WitnessState.Latest latest = origin == null ? null : state.latest(origin);
        if (latest != null) {
            return Reply.text(200, "text/plain; charset=utf-8", latest.note());
        }
        return Reply.text(404, "text/plain; charset=utf-8", "this witness has cosigned no checkpoint of that log\n");
    }

    public NoteKeys.Verifier verifier() {
        return witness.verifier();
    }

    public int httpPort() {
        return http.port();
    }

    /** Where the sink sends checkpoints: {@code <verifier key>@http://host:port} (SHERATAN_AUDIT_WITNESSES). */
    public String endpoint(String host) {
        return verifier().encoded() + "@http://" + host + ":" + httpPort();
    }

    @Override
    public void close() {
        if (http != null) {
            http.close();
        }
        registry.close();
        closeQuietly(state);
    }
}
