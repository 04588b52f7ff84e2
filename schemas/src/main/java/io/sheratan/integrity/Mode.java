package io.sheratan.integrity;

import java.util.Locale;
import java.util.Optional;

/** Integrity modes, weakest first: {@code hmac} proves who signed, {@code sha256} only that nothing changed. */
public enum Mode {
    SHA256,
    HMAC;

    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode named exactly {@code sha256} or {@code hmac}; anything else is unknown. */
    public static Optional<Mode> parse(String code) {
        if ("sha256".equals(code)) {
            return Optional.of(SHA256);
        }
        if ("hmac".equals(code)) {
            return Optional.of(HMAC);
        }
        return Optional.empty();
    }
}
