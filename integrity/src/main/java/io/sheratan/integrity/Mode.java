package io.sheratan.integrity;

import java.util.Locale;
import java.util.Optional;

/**
 * Integrity modes, weakest first (DESIGN.md section 3b): {@code sha256} proves only that nothing
 * changed; {@code hmac} that a holder of a shared key signed; {@code ed25519} which worker signed.
 */
public enum Mode {
    SHA256,
    HMAC,
    ED25519;

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode named exactly {@code sha256}, {@code hmac} or {@code ed25519}; anything else is unknown. */
    public static Optional<Mode> parse(String code) {
        if ("sha256".equals(code)) {
            return Optional.of(SHA256);
        }
        if ("hmac".equals(code)) {
            return Optional.of(HMAC);
        }
        if ("ed25519".equals(code)) {
            return Optional.of(ED25519);
        }
        return Optional.empty();
    }
}
