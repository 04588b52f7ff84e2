package io.sheratan.gateway;

import io.sheratan.config.Setting;
import io.sheratan.avro.codec.OutputFormat;
import io.sheratan.config.ConfigException;
import io.sheratan.config.EnvParsers;
import io.sheratan.integrity.IntegrityPolicy;
import io.sheratan.kafka.Topics;

import java.util.Map;

/**
 * The gateway's settings from the environment: the topics, policy and audit format it shares with
 * the verifier are parsed by the same functions, never through the verifier's own config (the
 * gateway does not depend on the verifier). The token is required unless {@code open} is asked
 * for explicitly: a gateway that accepts anyone's results must be a decision, not an accident.
 *
 * @param maxInFlight B1: requests being verified or awaiting Kafka at once; beyond it, 429
 */
public record GatewayConfig(Topics topics, IntegrityPolicy policy, OutputFormat auditFormat,
                            String token, boolean open, int port, int maxInFlight, int retryAfterSeconds) {

    public static final Setting TOKEN_SETTING = Setting.secret("SHERATAN_HUB_TOKEN",
            "the gateway token (X-Sheratan-Token) when there is no keyring file");
    public static final Setting PORT_SETTING = Setting.of("SHERATAN_GATEWAY_PORT", "8788", "the gateway's HTTP port");
    public static final Setting MAX_IN_FLIGHT_SETTING = Setting.of("SHERATAN_GATEWAY_MAX_IN_FLIGHT", "64",
            "gateway requests in flight before 429 (answered at once)");
    public static final String TOKEN = TOKEN_SETTING.name();
    public static final String PORT = PORT_SETTING.name();
    public static final String MAX_IN_FLIGHT = MAX_IN_FLIGHT_SETTING.name();

    public static GatewayConfig fromEnv(Map<String, String> env, boolean open) {
        String token = EnvParsers.get(env, TOKEN);
        if (token == null && !open && EnvParsers.get(env, IntegrityPolicy.KEYRING_FILE) == null) {
            throw new ConfigException(TOKEN, "required (or tokens in " + IntegrityPolicy.KEYRING_FILE
                    + ", or run the gateway open, explicitly, with --open)");
        }
        return new GatewayConfig(Topics.fromEnv(env), IntegrityPolicy.fromEnv(env), OutputFormat.fromEnv(env), token, open,
                PORT_SETTING.integer(env, 0, 65535),
                MAX_IN_FLIGHT_SETTING.integer(env, 1, 100_000), 1);
    }

    public GatewayConfig withPort(int newPort) {
        return new GatewayConfig(topics, policy, auditFormat, token, open, newPort, maxInFlight, retryAfterSeconds);
    }

    public GatewayConfig withMaxInFlight(int bound) {
        return new GatewayConfig(topics, policy, auditFormat, token, open, port, bound, retryAfterSeconds);
    }

    /** Requires a token whatever {@code open} said at parsing (a stack that prints a token enforces it). */
    public GatewayConfig enforcingToken() {
        return new GatewayConfig(topics, policy, auditFormat, token, false, port, maxInFlight, retryAfterSeconds);
    }

    public GatewayConfig withTopics(Topics newTopics) {
        return new GatewayConfig(newTopics, policy, auditFormat, token, open, port, maxInFlight, retryAfterSeconds);
    }

    public GatewayConfig withToken(String newToken) {
        return new GatewayConfig(topics, policy, auditFormat, newToken, open, port, maxInFlight, retryAfterSeconds);
    }

    @Override
    public String toString() {
        return "GatewayConfig[topics=" + topics + ", policy=" + policy + ", token=" + (token == null ? "none (open)" : "set")
                + ", port=" + port + ", maxInFlight=" + maxInFlight + "]";
    }
}
