package io.sheratan.integrity;

import java.util.Locale;

/** The reasons of DESIGN.md section 4, as they appear in audit events and metric labels. */
public enum Reason {
    DUPLICATE,
    CONFLICT,
    MISSING_INTEGRITY,
    SHA_MISMATCH,
    SIG_MISMATCH,
    UNSUPPORTED_MODE,
    UNKNOWN_KEY,
    KEY_NOT_VALID,
    NODE_MISMATCH,
    STALE,
    FUTURE_DATED,
    WRONG_AUDIENCE,
    UNSUPPORTED_VERSION,
    MALFORMED;

    /** The wire form: {@code sha_mismatch}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
