package io.sheratan.integrity;

import io.sheratan.canonical.CanonicalLimits;
import io.sheratan.config.ConfigException;
import io.sheratan.config.EnvParsers;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What the verifier (and every signer) demands of a result: the minimum mode, whether a mark is
 * required, the HMAC key, and the strict-profile limits. Built from the environment of DESIGN.md
 * section 5 by {@link #fromEnv(Map)}, which refuses any value it does not understand, naming the
 * variable, so that a typo can never silently weaken the policy.
 *
 * <p>The key is held as bytes and never printed: {@link #toString()} shows only whether one is set.
 */
public record IntegrityPolicy(Mode mode, boolean required, byte[] hmacKey, String keyId, CanonicalLimits limits) {

    public static final String MODE = "SHERATAN_RESULT_INTEGRITY_MODE";
    public static final String REQUIRED = "SHERATAN_RESULT_INTEGRITY_REQUIRED";
    public static final String HMAC_KEY = "SHERATAN_RESULT_HMAC_KEY";
    /** Optional: when set, an hmac mark that names another key_id is {@code unknown_key}. */
    public static final String HMAC_KEY_ID = "SHERATAN_RESULT_HMAC_KEY_ID";
    public static final String CANONICAL_VERSION = "SHERATAN_RESULT_CANONICAL_VERSION";
    public static final String MAX_BYTES = "SHERATAN_RESULT_MAX_BYTES";
    public static final String MAX_DEPTH = "SHERATAN_RESULT_MAX_DEPTH";

    public IntegrityPolicy {
        if (mode == Mode.HMAC && (hmacKey == null || hmacKey.length == 0)) {
            throw new ConfigException(HMAC_KEY, "required when " + MODE + " is hmac");
        }
        hmacKey = hmacKey == null ? null : hmacKey.clone();
    }

    /** The contract's defaults: sha256, required, default limits, no key. */
    public static IntegrityPolicy defaults() {
        return fromEnv(Map.of());
    }

    public static IntegrityPolicy fromEnv(Map<String, String> env) {
        String modeValue = EnvParsers.get(env, MODE, "sha256");
        Mode mode = Mode.parse(modeValue).orElseThrow(
                () -> new ConfigException(MODE, "expected sha256 or hmac, was '" + modeValue + "'"));
        boolean required = EnvParsers.getFlag(env, REQUIRED, true);
        String version = EnvParsers.get(env, CANONICAL_VERSION, "1");
        if (!version.equals("1")) {
            throw new ConfigException(CANONICAL_VERSION, "only canonical version 1 exists, was '" + version + "'");
        }
        String key = env.get(HMAC_KEY);
        byte[] keyBytes = key == null || key.isEmpty() ? null : key.getBytes(StandardCharsets.UTF_8);
        if (mode == Mode.HMAC && keyBytes == null) {
            throw new ConfigException(HMAC_KEY, "required when " + MODE + " is hmac");
        }
        return new IntegrityPolicy(mode, required, keyBytes, EnvParsers.get(env, HMAC_KEY_ID), limitsFromEnv(env));
    }

    /** Only the strict-profile limits ({@value #MAX_BYTES}, {@value #MAX_DEPTH}), for commands that need no mark policy. */
    public static CanonicalLimits limitsFromEnv(Map<String, String> env) {
        int maxBytes = EnvParsers.getInt(env, MAX_BYTES, CanonicalLimits.DEFAULT_MAX_BYTES, 2, 64 * 1024 * 1024);
        int maxDepth = EnvParsers.getInt(env, MAX_DEPTH, CanonicalLimits.DEFAULT_MAX_DEPTH, 1, CanonicalLimits.DEPTH_CEILING);
        return new CanonicalLimits(maxBytes, maxDepth);
    }

    public IntegrityPolicy withMode(Mode newMode) {
        return new IntegrityPolicy(newMode, required, hmacKey, keyId, limits);
    }

    public IntegrityPolicy withRequired(boolean newRequired) {
        return new IntegrityPolicy(mode, newRequired, hmacKey, keyId, limits);
    }

    public boolean hasKey() {
        return hmacKey != null;
    }

    @Override
    public byte[] hmacKey() {
        return hmacKey == null ? null : hmacKey.clone();
    }

    @Override
    public String toString() {
        return "IntegrityPolicy[mode=" + mode.code() + ", required=" + required + ", hmacKey="
                + (hmacKey == null ? "unset" : "set") + ", keyId=" + keyId + ", limits=" + limits + "]";
    }
}
