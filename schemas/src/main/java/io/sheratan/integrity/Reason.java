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
    MALFORMED;

    /** The wire form: {@code sha_mismatch}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
