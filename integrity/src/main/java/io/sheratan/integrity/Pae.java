package io.sheratan.integrity;

import java.nio.charset.StandardCharsets;

/**
 * The DSSE pre-authentication encoding that version 2 signatures cover (DESIGN.md section 3b):
 * {@code "DSSEv1" SP LEN(type) SP type SP LEN(core) SP core}, lengths in ASCII decimal. Signing the
 * encoding rather than the bare core binds the payload type, so a signature made for one kind of
 * document can never be replayed as a result.
 */
public final class Pae {

    public static final String PAYLOAD_TYPE = "application/vnd.sheratan.result.v2+json";
    private static final byte[] PREFIX = ("DSSEv1 " + PAYLOAD_TYPE.length() + " " + PAYLOAD_TYPE + " ")
            .getBytes(StandardCharsets.US_ASCII);

    private Pae() {
    }

    public static byte[] encode(byte[] core) {
        byte[] length = (core.length + " ").getBytes(StandardCharsets.US_ASCII);
        byte[] pae = new byte[PREFIX.length + length.length + core.length];
        System.arraycopy(PREFIX, 0, pae, 0, PREFIX.length);
        System.arraycopy(length, 0, pae, PREFIX.length, length.length);
        System.arraycopy(core, 0, pae, PREFIX.length + length.length, core.length);
        return pae;
    }
}
