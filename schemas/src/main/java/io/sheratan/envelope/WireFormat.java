package io.sheratan.envelope;

/**
 * The two envelope forms that share the submitted topic, told apart by their first bytes: Avro
 * single-object encoding starts with {@code C3 01}; a JSON envelope starts (after optional
 * whitespace) with {@code {}. Neither byte sequence can begin the other form.
 */
public enum WireFormat {
    JSON,
    AVRO;

    static final byte AVRO_MAGIC_0 = (byte) 0xC3;
    static final byte AVRO_MAGIC_1 = (byte) 0x01;

    /** The form of {@code bytes}, or null when they are neither. */
    public static WireFormat detect(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return null;
        }
        if (bytes.length >= 2 && bytes[0] == AVRO_MAGIC_0 && bytes[1] == AVRO_MAGIC_1) {
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
