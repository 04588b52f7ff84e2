package io.sheratan.envelope;

import io.sheratan.avro.codec.AvroCodec;

/**
 * The two envelope forms that share the submitted topic, told apart by their first bytes: Avro
 * single-object encoding starts with {@code C3 01}; a JSON envelope starts (after optional
 * whitespace) with {@code {}. Neither byte sequence can begin the other form.
 */
public enum WireFormat {
    JSON,
    AVRO;

    /** The form of {@code bytes}, or null when they are neither. */
    public static WireFormat detect(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return null;
        }
        if (AvroCodec.isSingleObject(bytes)) {
            return AVRO;
        }
        for (byte b : bytes) {
            if (b == '{') {
                return JSON;
            }
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return null;
            }
        }
        return null;
    }
}
