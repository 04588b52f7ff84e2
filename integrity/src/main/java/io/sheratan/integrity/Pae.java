package io.sheratan.integrity;

import io.sheratan.envelope.Submission;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

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

    /** The encoding of a submission's core, written from the core's slices (no copy of the core first). */
    public static byte[] encode(Submission s) {
        byte[] header = header(s.coreLength());
        byte[] pae = new byte[header.length + s.coreLength()];
        System.arraycopy(header, 0, pae, 0, header.length);
        int[] at = {header.length};
        s.writeCore((bytes, offset, length) -> {
            System.arraycopy(bytes, offset, pae, at[0], length);
            at[0] += length;
        });
        return pae;
    }

    /** Everything before the core: {@code "DSSEv1" SP LEN(type) SP type SP LEN(core) SP}. */
    public static byte[] header(int coreLength) {
        byte[] length = (coreLength + " ").getBytes(StandardCharsets.US_ASCII);
        byte[] header = Arrays.copyOf(PREFIX, PREFIX.length + length.length);
        System.arraycopy(length, 0, header, PREFIX.length, length.length);
        return header;
    }

    public static byte[] encode(byte[] core) {
        byte[] header = header(core.length);
        byte[] pae = Arrays.copyOf(header, header.length + core.length);
        System.arraycopy(core, 0, pae, header.length, core.length);
        return pae;
    }
}
